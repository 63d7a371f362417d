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


def _listen(_ctx: click.Context, _param: click.Parameter, value: str | None) -> tuple[str, int] | None:
    if value is None:
        return None
    from worker.app.metrics import parse_listen

    try:
        return parse_listen(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def metrics_option():
    return click.option("--metrics", "metrics_at", metavar="HOST:PORT", callback=_listen,
                        help="serve Prometheus metrics (/metrics) and health (/healthz) over HTTP, e.g. 127.0.0.1:9100")


class MetricsPortTaken(RuntimeError):
    """--metrics names an address this process cannot listen on."""


def serve_metrics(app, role: str, at: tuple[str, int] | None):
    """The process's Metrics, served at `at`; None without --metrics."""
    if at is None:
        return None
    from worker.app.metrics import Metrics

    metrics = Metrics(app, role)
    try:
        metrics.serve(at)
    except OSError as exc:
        raise MetricsPortTaken(f"--metrics: cannot listen on {at[0]}:{at[1]}: {exc.strerror or exc}") from exc
    return metrics


def counted(metrics, on_outcome):
    """on_outcome, and the outcome counted in the metrics."""
    if metrics is None:
        return on_outcome

    def both(outcome) -> None:
        on_outcome(outcome)
        metrics.outcome(outcome)
    return both


@click.command(cls=Command)
@click.option("--once", is_flag=True, help="catch up, do due work, exit")
@click.option("-v", "--verbose", is_flag=True, help="log every message handled")
@metrics_option()
@json_option("with --once: print the counts per outcome as JSON (as `ingest --json`)")
@pass_invocation
def run(inv: Invocation, once: bool, verbose: bool, metrics_at: tuple[str, int] | None, as_json: bool) -> int:
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
    app = bootstrap.build_when_ready(config, inv.say)
    metrics = serve_metrics(app, "run", metrics_at)
    from worker.app.service import due_work

    service = Service(app, on_outcome=counted(metrics, log_outcome), say=inv.say,
                      due=metrics.timed(due_work) if metrics else None)
    if metrics is not None:
        metrics.watching, metrics.broker = service.fleet.watching, service.outbound.broker
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


def offset_port(at: tuple[str, int] | None, offset: int) -> tuple[str, int] | None:
    """--metrics HOST:PORT moved up by --metrics-port-offset N (instance N of a templated unit)."""
    if at is None or not offset:
        return at
    if at[1] + offset > 65535:
        raise click.BadParameter(f"{at[1]} + {offset} is past 65535", param_hint="--metrics-port-offset")
    return at[0], at[1] + offset


@click.command(cls=Command)
@click.option("--threads", type=int, default=4, show_default=True, help="queue worker threads")
@metrics_option()
# systemd cannot do arithmetic on %i: `--metrics 127.0.0.1:9200 --metrics-port-offset %i` gives
# sender@1 port 9201 and sender@12 port 9212 (pasting %i into the port, 920%i, broke at 10).
@click.option("--metrics-port-offset", "port_offset", type=click.IntRange(min=0), default=0, metavar="N",
              help="listen for --metrics on its port + N (N: a unit's instance number, sender@N)")
@pass_invocation
def send(inv: Invocation, threads: int, metrics_at: tuple[str, int] | None, port_offset: int) -> int:
    """Only send outgoing mail: the outbox workers and the sweep, no mailbox. With a Redis broker,
    start several to send faster on several cores; `run` sends too."""
    import threading

    metrics_at = offset_port(metrics_at, port_offset)

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    # A `reload` meant for run (SIGHUP) must not kill a sender: it reads no members.
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    config = inv.config
    inv.say(f"introledger send: {sending(config)}")
    app = bootstrap.build_when_ready(config, inv.say, wait=stopping.wait)
    metrics = serve_metrics(app, "send", metrics_at)
    from worker.outbound import broker

    if metrics is not None and broker.kind(config.settings.broker_url) != broker.MEMORY:
        metrics.broker = broker.make_broker(config.settings.broker_url)  # its own connection, for the depth
    try:
        send_forever(app, threads, stopping)
    except KeyboardInterrupt:
        pass
    return 0
