"""`introledger lmtp`: the LMTP server (worker/sources/lmtp.py) wired to the app's pipeline."""
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from worker.app import mailboxes
from worker.app.bootstrap import App, build_group
from worker.classify.noise import is_tracking
from worker.inbound.pipeline import Outcome, Pipeline
from worker.sources.lmtp import Listen, LmtpHandler, LmtpServer

log = logging.getLogger("introledger.lmtp")
REFRESH_SECONDS = 5.0  # how soon a mailbox added with `introledger mailboxes add` is taken


class Router:
    """Recipient → the pipeline of its group: config.yaml's tracking address, its aliases and
    their plus-addresses (reply tokens), and those of each mailbox in the database whose mail
    comes by LMTP (`source.kind: lmtp`; the list is read again every few seconds)."""

    def __init__(self, app: App, refresh_seconds: float = REFRESH_SECONDS):
        self.app, self.refresh_seconds = app, refresh_seconds
        self.groups: list[tuple[frozenset[str], Pipeline]] = []
        self.apps: dict[int, tuple[str, App]] = {}
        self.read_at = -1e9

    def __call__(self, address: str) -> Pipeline | None:
        address = address.strip().lower()
        if is_tracking(address, self.app.config.tracking_addresses):
            return self.app.pipeline
        if time.monotonic() - self.read_at >= self.refresh_seconds:
            self._read()
        return next((pipeline for ours, pipeline in self.groups if is_tracking(address, ours)), None)

    def _read(self) -> None:
        with self.app.sessions() as session:
            found = [g for g in mailboxes.groups(session, self.app.config)
                     if g.settings is not None and g.settings.source.kind == "lmtp"]
            everyone = mailboxes.addresses(session, self.app.config)
        groups = []
        for group in found:
            assert group.settings is not None and group.mailbox_id is not None
            cached = self.apps.get(group.mailbox_id)
            if cached is None or cached[0] != group.stamp:
                config = mailboxes.group_config(self.app.config, group, everyone)
                cached = self.apps[group.mailbox_id] = (group.stamp, build_group(self.app, config, group.mailbox_id))
            groups.append((cached[1].config.tracking_addresses, cached[1].pipeline))
        self.groups, self.read_at = groups, time.monotonic()


def router(app: App) -> Callable[[str], Pipeline | None]:
    return Router(app)


class Receiver:
    """One LMTP server; messages are handled one at a time on a worker thread (the event loop
    keeps talking to the MTA meanwhile), each answered after its commit."""

    def __init__(self, app: App, listen: Listen, on_outcome: Callable[[Outcome], None] = lambda o: None,
                 route: Callable[[str], Pipeline | None] | None = None):
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="introledger-lmtp")
        max_bytes = app.config.settings.source.max_message_bytes
        handler = LmtpHandler(route or router(app), str(listen), self.executor, max_bytes, on_outcome)
        self.server = LmtpServer(handler, listen, max_bytes)
        self._bound = self.server.start()

    def serve(self, on_ready: Callable[[], None] = lambda: None) -> None:
        try:
            self.server.serve(self._bound, on_ready)
        finally:
            self.executor.shutdown(wait=True)

    def stop(self) -> None:
        self.server.stop()
