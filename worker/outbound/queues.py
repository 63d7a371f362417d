"""Which Redis queue is this deployment's, and which other introledger deployments share the
Redis database.

A queue job carries only an outbox row id, which means something only in the database of the
deployment that queued it: two deployments on one queue would take each other's jobs (one
deployment's mail then waits for its sweep to notice the job is gone). So each deployment has its
own queue, named after a namespace: `outbound.queue_namespace`, or a slug of the tracking address.

Queues exist in Redis only while they hold jobs, so each deployment also writes one line about
itself into a registry hash when it starts sending; `doctor` reads both.
"""
import json
import socket
from dataclasses import dataclass
from datetime import datetime

from worker.core.queue_names import NAMESPACE_PATTERN, PREFIX, namespace, queue_name, slug  # noqa: F401 - re-exported

LEGACY = "outbox"  # the one queue every deployment shared before namespaces
REGISTRY = "introledger:queues"


@dataclass(frozen=True)
class Deployment:
    """One registry line: who sends from a queue, seen from where."""

    queue: str
    tracking: str
    host: str
    config: str
    started: str

    def same_place(self, other: "Deployment") -> bool:
        return (self.host, self.config) == (other.host, other.config)


def me(queue: str, tracking: str, config_path: str, now: datetime) -> Deployment:
    return Deployment(queue, tracking, socket.gethostname(), config_path, now.strftime("%Y-%m-%d %H:%M UTC"))


def announce(client, who: Deployment) -> None:
    client.hset(REGISTRY, who.queue, json.dumps(
        {"tracking": who.tracking, "host": who.host, "config": who.config, "started": who.started}))


def registered(client) -> dict[str, Deployment]:
    found = {}
    for queue, raw in client.hgetall(REGISTRY).items():
        queue = queue.decode() if isinstance(queue, bytes) else queue
        try:
            data = json.loads(raw)
            found[queue] = Deployment(queue, data["tracking"], data["host"], data["config"], data["started"])
        except (ValueError, KeyError, TypeError):
            continue  # not ours to interpret; the live-queue scan still sees the queue
    return found


def live_queues(client, redis_namespace: str = "dramatiq") -> set[str]:
    """Queues that hold jobs right now (introledger's, and the old shared `outbox`)."""
    names = set()
    prefix = f"{redis_namespace}:"
    for key in client.scan_iter(match=f"{prefix}*", count=500):
        key = key.decode() if isinstance(key, bytes) else key
        name = key[len(prefix):]
        if name.startswith("__"):  # dramatiq's own bookkeeping (acks, heartbeats)
            continue
        for suffix in (".msgs", ".DQ", ".XQ"):
            name = name.removesuffix(suffix)
        if name.startswith(PREFIX) or name == LEGACY:
            names.add(name)
    return names


def others(ours: Deployment, registry: dict[str, Deployment], live: set[str]) -> tuple[list[str], list[str]]:
    """(problems, warnings) about sharing the Redis database: a decision, with the words for it.

    Another tracking address registered on our very queue (two slugs that collide) would take our
    jobs: a problem. Our own address started from another config or host may be a copy still
    running (or just this deployment moved): a warning. Other queues are safe but worth knowing
    (flushing the database drops their jobs too): a warning."""
    problems, warnings = [], []
    same = registry.get(ours.queue)
    if same is not None and same.tracking != ours.tracking:
        problems.append(
            f"broker: queue {ours.queue} is also used by the deployment tracking {same.tracking} "
            f"({same.config} on {same.host}, started {same.started}): it would take this deployment's jobs; "
            "give one of them its own outbound.queue_namespace")
    elif same is not None and not same.same_place(ours):
        warnings.append(
            f"broker: queue {ours.queue} was last started from {same.config} on {same.host} ({same.started}); "
            "if that copy still runs, the two take each other's jobs: give one its own outbound.queue_namespace")
    names = sorted((set(registry) | live) - {ours.queue})
    if names:
        described = []
        for name in names:
            other = registry.get(name)
            if name == LEGACY:
                described.append(f"{LEGACY} (the shared queue of older versions; the sweep sends its mail again "
                                 "from the database, so its jobs can be deleted)")
            elif other is not None:
                described.append(f"{name} (tracking {other.tracking}, {other.config} on {other.host}, "
                                 f"started {other.started})")
            else:
                described.append(name)
        warnings.append(f"broker: this Redis database also holds other introledger queues: {'; '.join(described)}. "
                        "They do not take this deployment's jobs, but flushing the database drops theirs too")
    return problems, warnings
