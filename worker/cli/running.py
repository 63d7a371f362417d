"""`introledger run` (the mailbox, forever or once) and `introledger send` (extra sending processes)."""
import logging
import signal
from collections import Counter

import click

from worker.app import bootstrap
from worker.app.live import sending, watching
from worker.app.service import Service, send_forever
from worker.cli.context import Command, Invocation, json_option, pass_invocation, print_json
from worker.cli.ingest import print_summary


@click.command(cls=Command)
@click.option("--once", is_flag=True, help="catch up, do due work, exit")
@click.option("-v", "--verbose", is_flag=True, help="log every message handled")
@json_option("with --once: print the counts per outcome as JSON (as `ingest --json`)")
@pass_invocation
def run(inv: Invocation, once: bool, verbose: bool, as_json: bool) -> int:
    """Watch the mailbox forever (IMAP IDLE or Maildir): log intros, send thank-yous and follow-ups.
    SIGHUP re-reads the members; SIGTERM stops after the message at hand."""
    if verbose:
        logging.getLogger().setLevel(logging.INFO)
        logging.getLogger("pika").setLevel(logging.WARNING)  # RabbitMQ's client: every frame
    config = inv.config
    from worker.outbound import broker

    which = broker.kind(config.settings.broker_url)
    queue = f" ({which} queue {config.queue_name})" if which != broker.MEMORY else ""  # its own: outbound/queues.py
    inv.say(f"introledger run: {watching(config)}; {sending(config)}{queue}")
    if once:
        return _once(inv, config, as_json)
    service = Service(bootstrap.build_when_ready(config, inv.say), on_outcome=log_outcome, say=inv.say)
    signal.signal(signal.SIGTERM, lambda *_: service.stop())
    signal.signal(signal.SIGHUP, lambda *_: service.reload_soon())  # members re-read (worker/app/reload.py)
    try:
        service.forever()
    except KeyboardInterrupt:
        service.stop()
    return 0


def _once(inv: Invocation, config, as_json: bool) -> int:
    """Catch up and exit; on a terminal, a running count of the mail read (a backlog can be long, and
    how much is waiting is not known up front over IMAP)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn

    with Progress(SpinnerColumn(), TextColumn("reading mail: {task.completed} message(s)"),
                  console=inv.err, transient=True, disable=not inv.err.is_terminal) as progress:
        task = progress.add_task("reading", total=None)

        def heard(outcome) -> None:
            log_outcome(outcome)
            progress.advance(task)

        service = Service(bootstrap.build_when_ready(config, inv.say), on_outcome=heard, say=inv.say)
        counts = Counter(o.kind for o in service.once())
    if as_json:
        print_json(dict(sorted(counts.items())))
    else:
        print_summary(counts, inv.out)
    return 0


def log_outcome(outcome) -> None:
    ref = f" → referral #{outcome.referral_id}" if outcome.referral_id else ""
    logging.getLogger("introledger").info("%s %s: %s%s", outcome.message_id or "(no id)",
                                         outcome.kind, outcome.reason, ref)


@click.command(cls=Command)
@click.option("--threads", type=int, default=4, show_default=True, help="queue worker threads")
@pass_invocation
def send(inv: Invocation, threads: int) -> int:
    """Only send outgoing mail: the outbox workers and the sweep, no mailbox. With a Redis broker,
    start several to send faster on several cores; `run` sends too."""
    import threading

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    # A `reload` meant for run (SIGHUP) must not kill a sender: it reads no members.
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    config = inv.config
    inv.say(f"introledger send: {sending(config)}")
    try:
        send_forever(bootstrap.build_when_ready(config, inv.say, wait=stopping.wait), threads, stopping)
    except KeyboardInterrupt:
        pass
    return 0
