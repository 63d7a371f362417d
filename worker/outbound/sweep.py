"""The periodic sweep: hand due outbox rows to the queue, nudge again the ones whose job was
lost, and free claims of dead workers.

This is what makes Redis a nudge and not the truth: rows written while Redis was down, jobs
Redis lost, and sends cut short by a crash are all found here again.
"""
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from models.base import utcnow
from worker.outbound import outbox

log = logging.getLogger("introledger.sweep")


@dataclass
class Sweeper:
    sessions: sessionmaker[Session]
    enqueue: Callable[[int], str | None]  # sends a job for this row; the broker's id for it
    stale_after: timedelta
    # Only for a broker that cannot say which jobs it holds: a job older than this is presumed lost.
    renudge_after: timedelta = timedelta(minutes=5)
    now: Callable[[], datetime] = utcnow
    max_attempts: int | None = None
    # Which of these job ids the broker still holds (waiting, delayed or being worked on); None
    # for the in-process broker, whose jobs are lost only with the process itself.
    held: Callable[[list[str]], set[str]] | None = None
    # A job younger than this is never presumed lost: a bug that kills every job of one row then
    # costs one attempt per 10 s, not one per sweep.
    lost_after: timedelta = timedelta(seconds=10)
    started_at: datetime | None = field(default=None)
    swept_once: bool = field(default=False, repr=False)
    outage_said_at: float | None = field(default=None, repr=False)

    def __post_init__(self):
        if self.started_at is None:
            self.started_at = self.now()

    def _queue_down(self, text: str, *args) -> None:
        """One line a minute while the broker is down, not one per sweep (every 5 s)."""
        now = time.monotonic()
        if self.outage_said_at is None or now - self.outage_said_at >= 60:
            self.outage_said_at = now
            log.warning(text + " (said once a minute)", *args)

    def __call__(self) -> int:
        now = self.now()
        with self.sessions.begin() as session:
            if not self.swept_once:  # a restart may come with a new daily cap
                again = outbox.release_cap_deferred(session, now)
                if again:
                    log.info("%d mail(s) held back by the daily cap are checked against the cap again", again)
            released = outbox.release_stale(session, now, self.stale_after, self.max_attempts)
            ids = outbox.due_ids(session, now)
            waiting = outbox.nudged_due(session, now, now - self.lost_after)
        self.swept_once = True
        if released:
            log.warning("released %d send(s) a worker abandoned mid-way", released)
        lost = self._lost(waiting, now)
        if lost:
            log.warning("%d queued mail(s) had lost their queue job (e.g. Redis restarted empty): nudged again",
                        len(lost))
        return self._nudge(ids + lost, now)

    def _lost(self, waiting: list, now: datetime) -> list[int]:
        """Rows whose job the queue no longer holds."""
        if not waiting:
            return []
        if self.held is None:  # in-process: lost if sent before this process started, or long ago
            return [r.id for r in waiting if r.nudged_at < self.started_at or r.nudged_at < now - self.renudge_after]
        try:
            held = self.held([r.job_id for r in waiting if r.job_id])
        except Exception as exc:  # noqa: BLE001 - the broker is down: the next sweep asks again
            self._queue_down("queue unavailable (%s); cannot check %d waiting job(s)", exc, len(waiting))
            return []
        return [r.id for r in waiting if r.job_id not in held]

    def _nudge(self, ids: list[int], now: datetime) -> int:
        nudged: list[dict[str, object]] = []
        for outbox_id in ids:
            try:
                job_id = self.enqueue(outbox_id)
            except Exception as exc:  # noqa: BLE001 - the broker is down: the rows wait for the next sweep
                self._queue_down("queue unavailable (%s); %d mail(s) wait in the outbox", exc, len(ids) - len(nudged))
                break
            nudged.append({"b_id": outbox_id, "b_now": now, "b_job": job_id if isinstance(job_id, str) else None})
        if nudged:
            with self.sessions.begin() as session:
                session.connection().execute(outbox.NUDGED, nudged)
        return len(nudged)
