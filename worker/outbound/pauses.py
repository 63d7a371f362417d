"""Mail that came back: its outbox row marked `bounced`, the address paused, and resuming it.

A delivery report is matched to the mail it returns by Message-ID (ours are `ol<row id>.<hash>@…`,
worker/outbound/mailer.py), else — when the report names no mail at all — by its failed recipient and our
latest send to it in the last week. A report naming some other mail is not ours to act on. While
an address is paused, mail to it is suppressed at queue and at send time with the reason; the
pause ends only by hand (`introledger outbox unpause ADDRESS`). A report is never answered.
"""
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.orm import Session

from models import OutboxMessage, PausedAddress
from models.db import insert_new, rowcount
from worker.core.statuses import Mail
from worker.mail import bounces
from worker.outbound import mailer

log = logging.getLogger("introledger.bounces")
RECENT = timedelta(days=7)  # how old a send a report without a Message-ID may still be about
BOUNCEABLE = (Mail.SENT, Mail.UNCONFIRMED)  # an unconfirmed mail that comes back did reach a server
_OURS = re.compile(r"^ol(\d{1,18})\.[0-9a-f]{16}@")


@dataclass(frozen=True)
class Returned:
    """Which of our mails a report is about, and how we know."""

    outbox_id: int
    to_addr: str
    status: str
    failure: bounces.Failure
    how: str  # "Message-ID <…>" or "recipient and our send of <date>"


def find(session: Session, report: bounces.Report, tracking: str, now: datetime) -> Returned | None:
    """The outbox row a report's failure is about, or None (not our mail, or nothing failed)."""
    if not report.failed:
        return None
    for mid in report.message_ids:
        row = _ours(session, mid, tracking)
        if row is not None:
            failure = report.failure_for(row.to_addr)
            return Returned(row.id, row.to_addr, row.status, failure, f"Message-ID <{mid}>") if failure else None
    if report.message_ids:
        return None  # it names a mail, and that mail is not one of ours
    for failure in report.failed:
        sent = func.coalesce(OutboxMessage.sent_at, OutboxMessage.handed_over_at)
        addresses = {failure.recipient, failure.original} - {""}
        recent = session.execute(
            select(OutboxMessage.id, OutboxMessage.to_addr, OutboxMessage.status, sent)
            .where(func.lower(OutboxMessage.to_addr).in_(addresses), sent >= now - RECENT, sent <= now,
                   OutboxMessage.status.in_((*BOUNCEABLE, Mail.BOUNCED)))
            .order_by(sent.desc(), OutboxMessage.id.desc()).limit(1)).first()
        if recent is not None:
            return Returned(recent.id, recent.to_addr, recent.status, failure,
                            f"recipient and our send of {recent[3]:%Y-%m-%d %H:%M} UTC")
    return None


def _ours(session: Session, message_id: str, tracking: str) -> OutboxMessage | None:
    """The row that sent this Message-ID: its id is in it; the rest must match too."""
    found = _OURS.match(message_id)
    if found is None:
        return None
    row = session.get(OutboxMessage, int(found.group(1)))
    if row is None:
        return None
    if row.message_id == message_id or mailer.message_id(row, tracking) == f"<{message_id}>":
        return row
    return None


def mark_bounced(session: Session | Connection, outbox_id: int, error: str, reason: str,
                 from_statuses: tuple[str, ...] = BOUNCEABLE) -> bool:
    """sent/unconfirmed → bounced (a report), or sending → bounced (refused while sending)."""
    return rowcount(session.execute(
        update(OutboxMessage).where(OutboxMessage.id == outbox_id, OutboxMessage.status.in_(from_statuses))
        .values(status=Mail.BOUNCED, last_error=error[:2000], reason=reason[:2000])
        .execution_options(synchronize_session=False)
    )) == 1


def pause(session: Session, email: str, reason: str, outbox_id: int | None, how: str,
          now: datetime) -> bool:
    """Pause mail to the address (True), or False if it was paused already (the first reason stays)."""
    stmt = insert_new(session, PausedAddress.__table__, key=("email",)).values(
        email=email.lower(), reason=reason[:2000], outbox_id=outbox_id, how=how, created_at=now)
    # RETURNING, not rowcount: through an ORM session PostgreSQL reports -1 for ON CONFLICT inserts.
    return session.execute(stmt.returning(PausedAddress.id)).first() is not None


_PAUSE = select(PausedAddress.id, PausedAddress.email, PausedAddress.reason, PausedAddress.outbox_id,
                PausedAddress.how, PausedAddress.created_at)


def paused(session: Session | Connection, email: str):
    """The address's pause (a row with the PausedAddress fields), or None. Columns, not an ORM
    object: the send path asks on a bare connection."""
    return session.execute(_PAUSE.where(PausedAddress.email == email.lower())).first()


def held_reason(p) -> str:
    """Why a mail to a paused address is not sent (kept on its row)."""
    return f"not sent: mail to {p.email} is paused since {p.created_at:%Y-%m-%d}: {p.reason}"


def _held_prefix(email: str) -> str:
    return f"not sent: mail to {email.lower()} is paused"


def unpause(session: Session, email: str) -> tuple[object | None, list[int]]:
    """Resume mail to the address: (the pause that ended or None, the mails suppressed while it
    lasted, which a person may send with `outbox retry ID`)."""
    found = paused(session, email)
    if found is None:
        return None, []
    session.execute(delete(PausedAddress).where(PausedAddress.id == found.id))
    held = list(session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.status == Mail.SUPPRESSED,
                                       OutboxMessage.reason.startswith(_held_prefix(email)))
        .order_by(OutboxMessage.id)))
    return found, held


def all_paused(session: Session) -> list[PausedAddress]:
    return list(session.scalars(select(PausedAddress).order_by(PausedAddress.created_at, PausedAddress.id)))


def bounced_not_paused(session: Session, since: datetime) -> list[OutboxMessage]:
    """Bounced mail whose refusal was about our mail or our server, not the address: what doctor
    points at (SPF, DKIM, DMARC, a block list), newest first."""
    return list(session.scalars(
        select(OutboxMessage).where(OutboxMessage.status == Mail.BOUNCED, OutboxMessage.reason.startswith(NOT_PAUSED),
                                    OutboxMessage.claimed_at >= since)
        .order_by(OutboxMessage.id.desc())))


PAUSED = "bounced; mail to"  # how a bounced row's reason begins when its address was paused
NOT_PAUSED = "bounced; not paused"


def settle(session: Session, outbox_id: int, to_addr: str, failure_reason: str,
           refusal: bounces.Refusal, how: str, now: datetime, from_statuses: tuple[str, ...] = BOUNCEABLE
           ) -> tuple[bool, bool]:
    """Mark the row bounced with the server's words and, when the refusal is about the address,
    pause it: (row changed, address newly paused)."""
    if refusal.about_address:
        reason = f"{PAUSED} {to_addr.lower()} paused ({refusal.why})"
    else:
        reason = f"{NOT_PAUSED}: {refusal.why}"
    changed = mark_bounced(session, outbox_id, failure_reason, reason, from_statuses)
    newly = refusal.about_address and pause(session, to_addr, failure_reason, outbox_id, how, now)
    return changed, newly


@dataclass
class Bounces:
    """The hook for `bounce` verdicts: a report about our mail settles its row (in the message's
    transaction, so a crash leaves neither half)."""

    tracking: str
    now: Callable[[], datetime]

    def on_bounce(self, session: Session, verdict, msg, _referral_id=None) -> None:
        report = verdict.extra.get("report") if verdict is not None else None
        where = f"report <{msg.message_id}>" if msg is not None and msg.message_id else "report (no Message-ID)"
        if report is None:
            return
        if not report.failed:
            log.info("%s: %s; nothing to do until it fails for good", where, report.reason)
            return
        returned = find(session, report, self.tracking, self.now())
        if returned is None:
            log.info("%s: not about mail we sent (%s); nothing changed", where, report.reason)
            return
        failure = returned.failure
        refusal = bounces.refusal(failure.status, failure.reason)
        changed, newly = settle(session, returned.outbox_id, returned.to_addr, failure.reason, refusal, "report",
                                self.now())
        state = "bounced" if changed else f"left {returned.status}"
        paused_now = (f"mail to {returned.to_addr} paused" if newly else
                      f"mail to {returned.to_addr} was paused already" if refusal.about_address else
                      f"{returned.to_addr} not paused: {refusal.why}")
        # A person should hear of a mail that bounced without asking for -v; a repeat is detail.
        (log.warning if changed or newly else log.info)(
            "%s: outbox #%s to %s %s (matched by %s): %s; %s", where, returned.outbox_id, returned.to_addr,
            state, returned.how, failure.reason, paused_now)
