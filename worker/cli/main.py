"""The `introledger` command: argument parsing and printing; the work happens elsewhere."""
import argparse
import importlib.metadata
import json
import logging
import signal
import sys
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from models.db import NotMigrated, make_engine, upgrade
from worker.app import bootstrap
from worker.cli import outbound as cli_outbound, partners as cli_partners, report as cli_report, review as cli_review, views
from worker.ledger import queries
from worker.sources import files
from worker.core.config import ConfigError, load
from worker.sources.imap import ImapLoginError
from worker.core.outages import describe, is_outage, wait_out
from worker.inbound.pipeline import InfrastructureError, Origin, Outcome
from worker.outbound.templating import TemplateProblem

console = Console()
err = Console(stderr=True)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args) or 0
    except ConfigError as exc:
        err.print(f"[red]config error[/red]: {exc}", markup=True, highlight=False)
        return 2
    except (NotMigrated, InfrastructureError, FileNotFoundError, TemplateProblem, ImapLoginError) as exc:
        err.print(f"[red]error[/red]: {exc}", highlight=False)
        return 1
    except Exception as exc:  # noqa: BLE001 - a server that is down is a line, not a traceback
        if not is_outage(exc):
            raise
        err.print(f"[red]error[/red]: {describe(exc)}", highlight=False)
        return 1


def _say(line: str) -> None:
    err.print(line, highlight=False, markup=False, soft_wrap=True)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="introledger",
        description="Log email introductions CC'd to a tracking address; keep the referral ledger.",
    )
    p.add_argument("--config", help="config file (default: $INTROLEDGER_CONFIG or ./config.yaml)")
    p.add_argument("--version", action="version", version=f"introledger {importlib.metadata.version('introledger')}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="watch the mailbox forever (IMAP IDLE or Maildir)")
    run.add_argument("--once", action="store_true", help="catch up, do due work, exit")
    run.add_argument("-v", "--verbose", action="store_true", help="log every message handled")
    run.set_defaults(func=cmd_run)

    send = sub.add_parser("send", help="only send outgoing mail (extra sending processes beside `run`)",
                          description="Runs the outbox workers and the sweep, no mailbox. With a Redis "
                                      "broker, start several to send faster on several cores; `run` sends too.")
    send.add_argument("--threads", type=int, default=4, help="queue worker threads (default 4)")
    send.set_defaults(func=cmd_send)

    ingest = sub.add_parser("ingest", help="backfill from .eml files, mbox files or Maildir folders")
    ingest.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    ingest.add_argument("--json", action="store_true", help="print the summary as JSON")
    ingest.add_argument("--review", action="store_true",
                        help="past mail (e.g. an exported Sent folder): offer the intros found for "
                             "`introledger review` instead of logging them; sends nothing")
    ingest.set_defaults(func=cmd_ingest)

    refs = sub.add_parser("referrals", help="list logged referrals")
    refs.add_argument("--status", help="only this status (introduced, connected, needs_review, …; rejected ones show only when asked)")
    refs.add_argument("--json", action="store_true", help="JSON array (keys in README)")
    refs.set_defaults(func=cmd_referrals)
    refs_sub = refs.add_subparsers(dest="referrals_command", metavar="ACTION")
    fold = refs_sub.add_parser("merge", help="OTHER is the same intro as KEEP (logged twice): fold it into KEEP")
    fold.add_argument("keep", type=int)
    fold.add_argument("other", type=int)
    fold.set_defaults(func=cmd_referrals_merge)

    quar = sub.add_parser("quarantine", help="list messages set aside, with the reason")
    quar.add_argument("--json", action="store_true", help="JSON array (keys in README)")
    quar.set_defaults(func=cmd_quarantine)
    quar_sub = quar.add_subparsers(dest="quarantine_command", metavar="ACTION")
    retry = quar_sub.add_parser("retry", help="handle a quarantined message again, once its cause is fixed")
    retry.add_argument("ids", type=int, nargs="+", metavar="ID")
    retry.set_defaults(func=cmd_quarantine_retry)

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="create or migrate the schema").set_defaults(func=cmd_db_upgrade)

    doctor = sub.add_parser("doctor", help="check config, database, mailbox and broker")
    doctor.set_defaults(func=cmd_doctor)

    cli_outbound.add_parsers(sub)
    cli_report.add_parsers(sub)
    cli_partners.add_parsers(sub)
    cli_review.add_parsers(sub)

    demo = sub.add_parser("demo", help="ingest the sample intros into a local Maildir + SQLite")
    demo.add_argument("--dir", type=Path, default=Path("introledger-demo"),
                      help="where the demo's mailbox, database and config go (default: %(default)s)")
    demo.set_defaults(func=cmd_demo)
    return p


def cmd_db_upgrade(args) -> int:
    config = load(args.config)
    engine = make_engine(config.database_url)
    upgrade(engine)
    console.print(f"database {engine.url.render_as_string(hide_password=True)} is up to date")
    return 0


def cmd_run(args) -> int:
    from worker.app.service import Service

    from worker.app.live import sending, watching

    config = load(args.config)
    redis = config.settings.broker_url.startswith(("redis://", "rediss://", "unix://"))
    queue = f" (Redis queue {config.queue_name})" if redis else ""  # its own: worker/outbound/queues.py
    _say(f"introledger run: {watching(config)}; {sending(config)}{queue}")
    service = Service(bootstrap.build_when_ready(config, _say), on_outcome=_log_outcome, say=_say)
    if args.once:
        outcomes = service.once()
        _print_summary(Counter(o.kind for o in outcomes))
        return 0
    signal.signal(signal.SIGTERM, lambda *_: service.stop())
    signal.signal(signal.SIGHUP, lambda *_: service.reload_soon())  # members re-read (worker/app/reload.py)
    try:
        service.forever()
    except KeyboardInterrupt:
        service.stop()
    return 0


def cmd_send(args) -> int:
    import threading

    from worker.app.service import send_forever

    from worker.app.live import sending

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    # A `reload` meant for run (SIGHUP) must not kill a sender: it reads no members.
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    config = load(args.config)
    _say(f"introledger send: {sending(config)}")
    try:
        send_forever(bootstrap.build_when_ready(config, _say, wait=stopping.wait), args.threads, stopping)
    except KeyboardInterrupt:
        pass
    return 0


def _log_outcome(outcome: Outcome) -> None:
    ref = f" → referral #{outcome.referral_id}" if outcome.referral_id else ""
    logging.getLogger("introledger").info("%s %s: %s%s", outcome.message_id or "(no id)",
                                         outcome.kind, outcome.reason, ref)


def cmd_ingest(args) -> int:
    app = bootstrap.build(load(args.config))
    pipeline, source = (app.pipeline.for_review(), queries.REVIEW_IMPORT) if args.review else (app.pipeline, "file")
    counts: Counter[str] = Counter()
    candidates: set[int] = set()
    cap = app.config.settings.source.max_message_bytes
    with _progress() as progress:
        task = progress.add_task("ingesting", total=files.count(args.paths))
        for batch in files.batches(files.read(args.paths)):
            items = [_capped(i, source, cap) for i in batch]
            # A database outage mid-import waits (dedupe makes the retried batch exact).
            for outcome in wait_out(lambda: pipeline.process_batch(items), _say):
                counts[outcome.kind] += 1
                if outcome.kind == "needs_review" and outcome.referral_id:
                    candidates.add(outcome.referral_id)
            progress.advance(task, len(batch))
    if args.review:
        cli_review.print_import(app, counts, candidates, args.json, _print_summary)
    elif args.json:
        print(json.dumps(dict(counts), indent=2, sort_keys=True))
    else:
        _print_summary(counts)
    return 0


def _capped(message, source: str, cap: int) -> tuple[bytes, Origin]:
    """A file above source.max_message_bytes is handled from its headers and set aside, as in `run`."""
    from worker.sources.sizing import capped

    raw, oversize = capped(message.raw, cap)
    return raw, Origin(source, message.ref, oversize=oversize)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeRemainingColumn(), console=err, transient=True)


SUMMARY = (
    ("logged", ("double_intro", "forwarded_intro", "heads_up")),
    ("needs review", ("needs_review",)),
    ("replies in intro threads", ("thread_reply",)),
    ("answers to follow-ups", ("status_reply",)),
    ("promised referrals", ("promise",)),
    ("ignored", ("not_intro", "auto_reply", "bounce", "mailing_list", "newsletter", "own_mail", "other_deployment")),
    ("already seen", ("duplicate",)),
    ("quarantined", ("quarantined",)),
)


def _print_summary(counts: Counter) -> None:
    total = sum(counts.values())
    parts = [f"{sum(counts[k] for k in kinds)} {label}" for label, kinds in SUMMARY]
    console.print(f"{total} messages: " + ", ".join(parts))


def cmd_referrals(args) -> int:
    app = bootstrap.build(load(args.config))
    with app.sessions() as session:
        rows = queries.referrals(session, args.status)
        if args.json:
            print(json.dumps([views.referral_json(r) for r in rows], indent=2, ensure_ascii=False))
        else:
            views.referrals_table(rows, console)
    return 0


def cmd_referrals_merge(args) -> int:
    from worker.ledger.merge import NotMerged, merge

    app = bootstrap.build(load(args.config))
    try:
        with app.sessions.begin() as session:
            did = merge(session, args.keep, args.other, app.now())
    except NotMerged as exc:
        err.print(f"referral #{args.other} not merged: {exc}", highlight=False, markup=False)
        return 1
    console.print(f"referral #{args.other} merged into #{args.keep}: {did}", highlight=False, markup=False)
    return 0


def cmd_quarantine(args) -> int:
    app = bootstrap.build(load(args.config))
    with app.sessions() as session:
        rows = queries.quarantined(session)
        if args.json:
            print(json.dumps([views.quarantine_json(q) for q in rows], indent=2, ensure_ascii=False))
        else:
            views.quarantine_table(rows, console)
    return 0


def cmd_quarantine_retry(args) -> int:
    app = bootstrap.build(load(args.config))
    failed = 0
    for quarantine_id in args.ids:
        try:
            outcome = app.pipeline.retry_quarantined(quarantine_id)
        except LookupError as exc:
            err.print(f"[red]error[/red]: {exc}", highlight=False)
            failed += 1
            continue
        if outcome.kind == "quarantined":
            failed += 1
            err.print(f"quarantine #{quarantine_id}: quarantined again: {outcome.reason}", highlight=False, markup=False)
        else:
            referral = f" (referral #{outcome.referral_id})" if outcome.referral_id else ""
            console.print(f"quarantine #{quarantine_id}: {outcome.kind}{referral}: {outcome.reason}",
                          highlight=False, markup=False)
    return 1 if failed else 0


def cmd_doctor(args) -> int:
    from worker.app.doctor import about, check, warnings

    problems = check(args.config, say=lambda line: console.print(f"[green]+[/green] {line}", highlight=False))
    for line in about(args.config):
        console.print(f"  {line}", highlight=False)
    for line in warnings(args.config):
        console.print(f"[yellow]![/yellow] {line}", highlight=False)
    for line in problems:
        console.print(f"[red]✗[/red] {line}", highlight=False)
    if not problems:
        console.print("[green]✓[/green] config, database, mailbox and broker all answer")
    return 1 if problems else 0


def cmd_demo(args) -> int:
    from worker.cli.demo import run_demo

    return run_demo(args.dir, console)


if __name__ == "__main__":
    sys.exit(main())
