"""Send one outbox row: claim it, check the limits, hand it over, record what happened.

Safe to run twice for the same id (the claim is conditional), which is what lets the queue be a
mere nudge: a lost job is re-sent by the sweep, a doubled job does nothing. At most once: the
hand-over is committed before DATA, and a mail handed over without an answer becomes
`unconfirmed`, which only a person sends again (docs/sending.md).
"""
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from models import OutboxMessage
from models.db import must_get
from worker.core import durations
from worker.core.statuses import Mail
from worker.mail import bounces
from worker.outbound import backoff, mailer, outbox, pauses, sendrules

log = logging.getLogger("introledger.delivery")
DAY = timedelta(days=1)


def row_status(engine, outbox_id: int) -> str:
    with engine.connect() as conn:
        return conn.execute(select(OutboxMessage.status).where(OutboxMessage.id == outbox_id)).scalar_one()


class ClaimLost(RuntimeError):
    """The sweep took this claim back (the worker was slower than sending_timeout): another
    attempt owns the row now, so this one must not hand the mail over."""


@dataclass
class Deliverer:
    sessions: sessionmaker[Session]
    transport: mailer.Transport
    tracking: str
    per_recipient_per_day: int
    max_attempts: int
    now: Callable[[], datetime]
    rng: random.Random = field(default_factory=random.Random)
    # The tracking address a member's mail goes out under (their group's mailbox: its loop header,
    # Message-ID domain and unsubscribe address); None: `tracking` for all.
    tracking_for: Callable[[int | None], str] | None = None
    secret: str | None = None  # the token secret: each recipient's unsubscribe token (mailer.build)

    def deliver(self, outbox_id: int) -> str:
        """One attempt: "sent", "retry" (a temporary failure: queued again for later, see
        worker/outbound/backoff.py), "failed", "bounced" (the server refused the address for good: it is
        paused), "unconfirmed", "suppressed", "deferred" or "skipped"."""
        claimed = self._claim(outbox_id)
        if isinstance(claimed, str):
            return claimed
        try:
            tracking = self.tracking_for(claimed.member_id) if self.tracking_for else self.tracking
            msg = mailer.build(claimed, tracking, self.secret)  # after the claim commits: outside the write lock
            self.transport.send(msg, before_data=lambda: self._hand_over(outbox_id, claimed.attempts))
        except ClaimLost:
            log.warning("outbox #%s: the sweep took this claim back before DATA; not sent by this worker",
                        outbox_id)
            return "skipped"
        except mailer.UnconfirmedSendError as exc:
            log.warning("outbox #%s: unconfirmed: %s", outbox_id, exc)
            return self._finish(outbox_id, outbox.mark_unconfirmed, str(exc), result="unconfirmed")
        except mailer.RecipientRefusedError as exc:
            return self._refused(outbox_id, claimed.to_addr, exc)
        except mailer.PermanentSendError as exc:
            return self._finish(outbox_id, outbox.mark_failed, str(exc), result="failed")
        except mailer.TransientSendError as exc:
            return self._release(outbox_id, exc)
        except Exception as exc:  # a bug must not leave the row claimed forever
            log.exception("outbox #%s: unexpected error after the claim", outbox_id)
            self._finish(outbox_id, outbox.mark_broken, f"internal error: {type(exc).__name__}: {exc}", result="")
            return row_status(self._engine, outbox_id)
        with self._engine.begin() as conn:
            conn.execute(outbox.MARK_SENT, {
                "outbox_id": outbox_id, "message_id": msg["Message-ID"].strip("<>"), "now": self.now()})
        return "sent"

    @property
    def _engine(self):
        # The hot path runs on a bare connection: an ORM session costs more than these statements.
        return self.sessions.kw["bind"]

    def _hand_over(self, outbox_id: int, attempt: int) -> None:
        """Committed before DATA, in its own transaction: should this worker die from here on,
        the sweep turns the row unconfirmed instead of sending it again."""
        try:
            with self._engine.begin() as conn:
                mine = conn.execute(outbox.MARK_HANDED_OVER, {
                    "outbox_id": outbox_id, "attempt": attempt, "now": self.now()}).rowcount == 1
        except OperationalError as exc:  # not marked, so not sent: an ordinary temporary failure
            raise mailer.TransientSendError(f"database unavailable before DATA: {str(exc).splitlines()[0]}") from exc
        if not mine:
            raise ClaimLost(outbox_id)

    def _claim(self, outbox_id: int):
        """The claimed row, or what happened instead ("skipped", "suppressed", "deferred"): one
        write transaction of two statements (UPDATE ... RETURNING, then both limits in one SELECT)."""
        now = self.now()
        with self._engine.begin() as conn:
            row = conn.execute(outbox.CLAIM_RETURNING, {"outbox_id": outbox_id, "now": now}).first()
            if row is None:
                return "skipped"  # sent, cancelled, not due, or another worker has it
            opted_out, paused, recent = conn.execute(outbox.LIMIT_FACTS, {
                "email": row.to_addr.lower(), "to_addr": row.to_addr, "since": now - DAY}).one()
            if opted_out and row.kind not in sendrules.OPT_OUT_EXEMPT:
                outbox.mark_suppressed(conn, outbox_id, f"{row.to_addr} opted out of our mail")
                return "suppressed"
            if paused:  # our mail to it bounced for good (worker/outbound/pauses.py)
                why = pauses.held_reason(pauses.paused(conn, row.to_addr))
                outbox.mark_suppressed(conn, outbox_id, why)
                log.info("outbox #%s: %s", outbox_id, why)
                return "suppressed"
            if sendrules.checked(row.kind):  # what happened to its referral while it waited
                wanted, why = sendrules.still_wanted(row.kind, row.queued_at,
                                                     outbox.referral_facts(conn, row.referral_ids))
                if not wanted:
                    outbox.mark_suppressed(conn, outbox_id, why)
                    log.info("outbox #%s: %s", outbox_id, why)
                    return "suppressed"
            if (recent > self.per_recipient_per_day and sendrules.counts_against_cap(row.kind)
                    and row.reason != outbox.SEND_NOW):
                # Not lost, only later: the cap protects the inbox, not against the mail itself.
                until = outbox.cap_frees_at(conn, outbox_id, row.to_addr, now - DAY, self.per_recipient_per_day)
                outbox.defer(conn, outbox_id, until, f"{outbox.CAP_DEFERRED} of {self.per_recipient_per_day} "
                                                     f"mails to {row.to_addr}")
                return "deferred"
        return row

    def _refused(self, outbox_id: int, to_addr: str, exc: mailer.RecipientRefusedError) -> str:
        """A 5xx at RCPT or DATA: bounced and the address paused when the refusal is about the
        address (550 5.1.1 user unknown); failed, as any 5xx, when it is about our mail or our
        server (554 5.7.1 relay denied, spam): `outbox retry --failed` sends those after a fix."""
        error = bounces.one_line(str(exc))
        refusal = bounces.refusal(bounces.enhanced_status(error), error)
        if not refusal.about_address:
            return self._finish(outbox_id, outbox.mark_failed, str(exc), result="failed")
        with self.sessions.begin() as session:
            pauses.settle(session, outbox_id, to_addr, error, refusal, "smtp", self.now(),
                          from_statuses=(Mail.SENDING,))
        log.warning("outbox #%s: %s refused at %s for good: %s; mail to it paused", outbox_id, to_addr,
                    exc.stage.upper(), error)
        return "bounced"

    def _finish(self, outbox_id: int, transition, text: str, result: str) -> str:
        with self.sessions.begin() as session:
            transition(session, outbox_id, text)
        return result

    def _release(self, outbox_id: int, exc: Exception) -> str:
        """A temporary failure: the row waits in the database (not in a queue delay, which could
        be lost or not listed) and the sweep nudges it when due. One log line, no traceback:
        a server being down is not our bug."""
        reason = " ".join(str(exc).split())  # a multi-line SMTP reply stays one log line
        with self.sessions.begin() as session:
            attempts = must_get(session, OutboxMessage, outbox_id).attempts
            if attempts >= self.max_attempts:
                outbox.mark_failed(session, outbox_id, f"gave up after {attempts} attempts: {reason}")
                log.warning("outbox #%s: failed for good after %d attempts: %s", outbox_id, attempts, reason)
                return "failed"
            wait = backoff.schedule(attempts, self.rng)
            outbox.release(session, outbox_id, reason, self.now() + wait)
        log.warning("outbox #%s: attempt %d of %d: %s; next in %s", outbox_id, attempts, self.max_attempts,
                    reason, durations.short(wait))
        return "retry"
