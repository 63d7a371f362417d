"""`introledger run`: the mailbox loop, the in-process queue worker and the periodic sweep."""
import logging
import threading
from collections.abc import Callable

from worker.app.bootstrap import App, Outbound, build_outbound
from worker.app.fleet import Fleet
from worker.app.live import runner_for
from worker.app.reload import reload
from worker.inbound.pipeline import Outcome
from worker.outbound.broker import start_worker

log = logging.getLogger("introledger.service")
DRAIN_TIMEOUT_MS = 30_000


class Service:
    def __init__(self, app: App, on_outcome=lambda o: None, worker_threads: int = 2, say=log.warning,
                 due: "Callable[[App], int] | None" = None):
        self.app = app
        self.due = due or due_work  # one round of a group's duties (timed, with --metrics)
        self.say = say
        self._reload = threading.Event()
        self.outbound: Outbound = build_outbound(app)
        self.runner, self._source_once, _forever = runner_for(app, on_outcome=on_outcome)
        self.worker_threads = worker_threads
        # Which mailboxes this process watches, shared with other `run` processes by leases.
        self.fleet = Fleet(app, self.runner.stopping, say, self.due, on_outcome)

    def once(self) -> list[Outcome]:
        """Catch up on mail, then send what is due and wait for it (bounded)."""
        outcomes = self._source_once() + self.fleet.once()
        worker = start_worker(self.outbound.broker, self.worker_threads)
        try:
            self.due_follow_ups()
            while self.outbound.sweep():
                self._join()
        finally:
            worker.stop()
            self.outbound.close()
        return outcomes

    def _join(self) -> None:
        try:
            self.outbound.broker.join(self.outbound.actor.queue_name, timeout=DRAIN_TIMEOUT_MS)
        except Exception as exc:  # noqa: BLE001 - a slow retry: the rows stay queued for next time
            log.warning("stopped waiting for the outbox queue: %s", exc)

    def forever(self) -> None:
        worker = start_worker(self.outbound.broker, self.worker_threads)
        ticker = threading.Thread(target=self._tick, name="introledger-sweep", daemon=True)
        ticker.start()
        reloader = threading.Thread(target=self._reloads, name="introledger-reload", daemon=True)
        reloader.start()
        try:
            self.fleet.run()
        finally:
            self.runner.stop()
            self._reload.set()  # wakes the reloader to see the stop
            ticker.join(10)
            reloader.join(10)
            worker.stop()
            self.outbound.close()

    def due_follow_ups(self) -> int:
        return self.due(self.app)

    def stop(self) -> None:
        self.runner.stop()

    def reload_soon(self) -> None:
        """For the SIGHUP handler: only a flag. The handler runs between two bytecodes of the main
        thread, maybe inside a database transaction; the reload itself runs on its own thread."""
        self._reload.set()

    def _reloads(self) -> None:
        while True:
            self._reload.wait()
            if self.runner.stopping.is_set():
                return
            self._reload.clear()
            try:
                reload(self.app, self.say)
            except Exception as exc:  # noqa: BLE001 - e.g. the database is down: the old members stay
                self.say(f"config not reloaded ({exc}); send SIGHUP again when it is back")

    def _tick(self) -> None:
        every = self.app.config.settings.outbound.sweep_seconds
        while not self.runner.stopping.wait(every):
            try:
                self.due_follow_ups()
                self.outbound.sweep()
            except Exception as exc:  # noqa: BLE001 - e.g. the database is down: try next tick
                log.warning("outbox sweep failed: %s", exc)


def due_work(app: App) -> int:
    """Periodic duties that turn into mail: follow-ups, weekly digests and reminders (one group's:
    config.yaml's, or a mailbox's in the fleet). Each reads only what is due now and works in short
    transactions of its own, so the mailbox's commits go on between them (run_due)."""
    return sum(duty.run_due(app.sessions) for duty in (app.followups, app.digests, app.reminders)
               if duty is not None)


def send_forever(app: App, threads: int, stopping: threading.Event, on_ready=lambda: None) -> None:
    """`introledger send`: only the outbox — queue workers and the sweep — until `stopping` is set.

    With a Redis broker, any number of these share the sending with `introledger run` (which also
    sends): claims are conditional, so a mail goes to one of them. Python runs one thread at a
    time per process, so on a machine with several cores, processes send faster than threads.
    """
    outbound = build_outbound(app)
    worker = start_worker(outbound.broker, threads)
    on_ready()
    try:
        while not stopping.wait(app.config.settings.outbound.sweep_seconds):
            try:
                outbound.sweep()
            except Exception as exc:  # noqa: BLE001 - e.g. the database is down: try next tick
                log.warning("outbox sweep failed: %s", exc)
    finally:
        worker.stop()
        outbound.close()
