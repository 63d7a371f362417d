"""`introledger ingest PATH…`: backfill from .eml files, mbox files or Maildir folders, with a progress bar."""
from collections import Counter
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from worker.cli import review as cli_review
from worker.cli.context import Command, Invocation, json_option, pass_invocation, print_json
from worker.core.outages import wait_out
from worker.core.statuses import INTRO_KINDS, NOISE_KINDS, Kind, Unread
from worker.inbound.pipeline import Origin
from worker.ledger import queries
from worker.sources import files


@click.command(cls=Command)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="PATH...")
@json_option("print the summary as JSON")
@click.option("--review", is_flag=True,
              help="past mail (e.g. an exported Sent folder): offer the intros found for `introledger review` "
                   "instead of logging them; sends nothing")
@pass_invocation
def ingest(inv: Invocation, paths: tuple[Path, ...], as_json: bool, review: bool) -> int:
    """Backfill from .eml files, mbox files or Maildir folders (a progress bar on a terminal).
    Running the same import again adds nothing."""
    app = inv.app
    pipeline, source = (app.pipeline.for_review(), queries.REVIEW_IMPORT) if review else (app.pipeline, "file")
    counts: Counter[str] = Counter()
    candidates: set[int] = set()
    cap = app.config.settings.source.max_message_bytes
    with progress_bar(inv.err) as progress:
        task = progress.add_task("ingesting", total=files.count(list(paths)))
        for batch in files.batches(files.read(list(paths))):
            items = [_capped(i, source, cap) for i in batch]
            # A database outage mid-import waits (dedupe makes the retried batch exact).
            for outcome in wait_out(lambda items=items: pipeline.process_batch(items), inv.say):
                counts[outcome.kind] += 1
                if outcome.kind == Kind.NEEDS_REVIEW and outcome.referral_id:
                    candidates.add(outcome.referral_id)
            progress.advance(task, len(batch))
    if review:
        cli_review.print_import(inv, counts, candidates, as_json)
    elif as_json:
        print_json(dict(sorted(counts.items())))
    else:
        print_summary(counts, inv.out)
    return 0


def _capped(message, source: str, cap: int) -> tuple[bytes, Origin]:
    """A file above source.max_message_bytes is handled from its headers and set aside, as in `run`."""
    from worker.sources.sizing import capped

    raw, oversize = capped(message.raw, cap)
    return raw, Origin(source, message.ref, oversize=oversize)


def progress_bar(console: Console) -> Progress:
    """On stderr, gone when done; nothing at all when stderr is not a terminal."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeRemainingColumn(), console=console, transient=True, disable=not console.is_terminal)


SUMMARY: tuple[tuple[str, tuple[Kind | Unread, ...]], ...] = (
    ("logged", tuple(sorted(INTRO_KINDS))),
    ("needs review", (Kind.NEEDS_REVIEW,)),
    ("replies in intro threads", (Kind.THREAD_REPLY,)),
    ("answers to follow-ups", (Kind.STATUS_REPLY,)),
    ("promised referrals", (Kind.PROMISE,)),
    ("ignored", (Kind.NOT_INTRO, *sorted(NOISE_KINDS))),
    ("already seen", (Unread.DUPLICATE,)),
    ("quarantined", (Unread.QUARANTINED,)),
)


def print_summary(counts: Counter, console: Console) -> None:
    total = sum(counts.values())
    parts = [f"{sum(counts[k] for k in kinds)} {label}" for label, kinds in SUMMARY]
    console.print(f"{total} messages: " + ", ".join(parts))
