"""When to try a mail again after a temporary failure: exponential with jitter, over two days.

A pure function of the attempt number and a random source, so the schedule is tested and
documented (docs/sending.md, "Retries") without a clock. The first retries come within a minute
(a server restart costs seconds, not the mail), then the waits double up to an hour, so a mail
rides out an outage of most of two days before it fails. Jitter spreads the retries of a
batch that failed together, so a server coming back is not hit by all of them at once.
"""
import random
from datetime import timedelta

from worker.core import durations

FIRST_SECONDS = 10
FACTOR = 2
CAP_SECONDS = 3600
JITTER = 0.2  # each wait is its nominal value ±20%


def nominal(attempt: int) -> float:
    """Seconds to wait after failed attempt `attempt` (1 = the first try), before jitter."""
    return min(CAP_SECONDS, FIRST_SECONDS * FACTOR ** min(attempt - 1, 32))


def schedule(attempt: int, rng: random.Random) -> timedelta:
    """The wait after failed attempt `attempt`, jittered."""
    return timedelta(seconds=nominal(attempt) * rng.uniform(1 - JITTER, 1 + JITTER))


def give_up_after(max_attempts: int) -> timedelta:
    """How long after the first try the last one comes (nominal): the outage a mail survives."""
    return timedelta(seconds=sum(nominal(a) for a in range(1, max_attempts)))


def table(max_attempts: int) -> str:
    """The documented schedule (docs/sending.md): attempt, wait before it, time since the first."""
    lines = ["| attempt | wait before it (±20%) | since the first try |", "|---|---|---|",
             "| 1 | — | 0 |"]
    elapsed = 0.0
    for attempt in range(2, max_attempts + 1):
        wait = nominal(attempt - 1)
        elapsed += wait
        if attempt <= 12 or attempt % 10 == 0 or attempt == max_attempts:
            lines.append(f"| {attempt} | {durations.short(timedelta(seconds=wait))} | "
                         f"{durations.short(timedelta(seconds=elapsed))} |")
    return "\n".join(lines)
