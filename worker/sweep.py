"""The periodic sweep: hand due outbox rows to the queue and free claims of dead workers.

This is what makes Redis a nudge and not the truth: rows written while Redis was down, jobs
Redis lost, and sends cut short by a crash are all found here again.
"""
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from models import OutboxMessage
from worker import outbox

log = logging.getLogger("introledger.sweep")


@dataclass
class Sweeper:
    sessions: sessionmaker[Session]
    enqueue: Callable[[int], object]
    stale_after: timedelta
    renudge_after: timedelta = timedelta(minutes=5)
    now: Callable[[], datetime] = None
    max_attempts: int | None = None

    def __call__(self) -> int:
        now = self.now()
        with self.sessions.begin() as session:
            released = outbox.release_stale(session, now, self.stale_after, self.max_attempts)
            ids = outbox.due_ids(session, now, self.renudge_after)
        if released:
            log.warning("released %d send(s) a worker abandoned mid-way", released)
        nudged = []
        for outbox_id in ids:
            try:
                self.enqueue(outbox_id)
            except Exception as exc:  # noqa: BLE001 - the broker is down: the rows wait for the next sweep
                log.warning("queue unavailable (%s); %d mail(s) wait in the outbox", exc, len(ids) - len(nudged))
                break
            nudged.append(outbox_id)
        if nudged:
            with self.sessions.begin() as session:
                session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(nudged)).values(nudged_at=now))
        return len(nudged)

