"""`introledger lmtp`: the LMTP server (worker/sources/lmtp.py) wired to the app's pipeline."""
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from worker.app.bootstrap import App
from worker.classify.noise import is_tracking
from worker.inbound.pipeline import Outcome, Pipeline
from worker.sources.lmtp import Listen, LmtpHandler, LmtpServer

log = logging.getLogger("introledger.lmtp")


def router(app: App) -> Callable[[str], Pipeline | None]:
    """The tracking address, its aliases and their plus-addresses (reply tokens) are ours."""
    ours = app.config.tracking_addresses

    def route(address: str) -> Pipeline | None:
        return app.pipeline if is_tracking(address.strip().lower(), ours) else None

    return route


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
