"""`introledger lmtp`: take mail straight from the MTA (Postfix, Exim) over LMTP."""
import logging
import signal
from pathlib import Path

import click

from worker.cli.context import Command, Invocation, pass_invocation
from worker.cli.running import metrics_option


def _mode(value: str) -> int:
    try:
        return int(value, 8)
    except ValueError:
        raise click.BadParameter(f"{value!r}: an octal mode such as 660") from None


@click.command(cls=Command)
@click.option("--socket", "socket_path", type=click.Path(dir_okay=False, path_type=Path),
              help="listen on this unix socket (e.g. /run/introledger/lmtp.sock) instead of TCP")
@click.option("--host", default="127.0.0.1", show_default=True, help="TCP address to listen on")
@click.option("--port", type=click.IntRange(1, 65535), default=8024, show_default=True, help="TCP port")
@click.option("--socket-mode", default="660", show_default=True, help="permissions of the unix socket (octal)")
@click.option("-v", "--verbose", is_flag=True, help="log every message handled")
@metrics_option()
@pass_invocation
def lmtp(inv: Invocation, socket_path: Path | None, host: str, port: int, socket_mode: str, verbose: bool,
         metrics_at: tuple[str, int] | None) -> int:
    """Accept mail for the tracking address from the MTA over LMTP: each recipient is answered
    250 after the message is committed, 451 while the database is down (the MTA retries), 550 for
    an address that is not ours. Sending and due work stay with `run` / `send`. SIGTERM stops it
    after the deliveries under way."""
    from worker.app import bootstrap
    from worker.app.receiver import Receiver
    from worker.cli.running import counted, log_outcome, serve_metrics
    from worker.sources.lmtp import Listen

    if verbose:
        logging.getLogger().setLevel(logging.INFO)
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's every command
    listen = Listen(socket_path, host, port, _mode(socket_mode))
    config = inv.config
    app = bootstrap.build_when_ready(config, inv.say)
    metrics = serve_metrics(app, "lmtp", metrics_at)
    if metrics is not None:
        metrics.watching = lambda: sorted(config.tracking_addresses)
    try:
        receiver = Receiver(app, listen, on_outcome=counted(metrics, log_outcome))
    except OSError as exc:
        inv.fail(f"error: cannot listen on {listen}: {exc.strerror or exc}")
        return 1
    addresses = ", ".join(sorted(config.tracking_addresses))
    inv.say(f"introledger lmtp: listening on {listen} for {addresses}")
    signal.signal(signal.SIGTERM, lambda *_: receiver.stop())
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # a reload meant for `run` must not stop the MTA's door
    try:
        receiver.serve()
    except KeyboardInterrupt:
        pass
    finally:
        app.engine.dispose()
    return 0
