"""The outbox's state machine, in SQL: claim, hand over, sent, failed, suppressed, unconfirmed,
released, swept.

Every transition is a conditional UPDATE, so a job delivered twice, or two workers racing,
change a row at most once.
"""
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Connection, bindparam, func, select, update
from sqlalchemy.orm import Session

from models import FollowUp, OptOut, OutboxMessage, PausedAddress, Referral, ReferralEvent
from models.db import insert_new, rowcount
from worker.core.statuses import Mail
from worker.outbound import sendrules

OPEN = (Mail.QUEUED, Mail.SENDING)


def queue(session: Session, *, key: str, kind: str, to: str, sender: str, rendered, now: datetime,
          referral_ids: list[int], reply_to: str = "", in_reply_to: str = "", member_id: int | None = None,
          not_before: datetime | None = None) -> OutboxMessage | None:
    """A rendered mail as a queued row, once per key (None if that key was queued before).

    ON CONFLICT, not a look first: two processes queueing the same key at once (two `run`s'
    sweeps) must not fail one of them on the unique key; the later one simply gets None."""
    values = dict(
        dedupe_key=key, kind=kind, status=Mail.QUEUED, referral_ids=referral_ids, member_id=member_id,
        from_addr=sender, to_addr=to, reply_to=reply_to, subject=rendered.subject,
        text_body=rendered.text, html_body=rendered.html, language=rendered.language, in_reply_to=in_reply_to,
        references=in_reply_to, not_before=not_before or now, queued_at=now, attempts=0,
    )
    if kind not in sendrules.OPT_OUT_EXEMPT and opted_out(session, to):
        values.update(status=Mail.SUPPRESSED, reason=f"{to} opted out of our mail")
    new_id = session.scalar(insert_new(session, OutboxMessage.__table__, key=("dedupe_key",))
                            .values(**values).returning(OutboxMessage.id))
    return None if new_id is None else session.get(OutboxMessage, new_id)


# The send path's statements, built once with bind parameters: on this machine constructing an
# ORM update() costs more than SQLite takes to run it.
_CLAIMED = (OutboxMessage.id, OutboxMessage.from_addr, OutboxMessage.to_addr, OutboxMessage.reply_to,
            OutboxMessage.subject, OutboxMessage.text_body, OutboxMessage.html_body, OutboxMessage.language,
            OutboxMessage.in_reply_to, OutboxMessage.references, OutboxMessage.dedupe_key,
            OutboxMessage.queued_at, OutboxMessage.mid_nonce, OutboxMessage.attempts, OutboxMessage.kind,
            OutboxMessage.referral_ids, OutboxMessage.reason, OutboxMessage.member_id)
CLAIM_RETURNING = (
    update(OutboxMessage.__table__)
    .where(OutboxMessage.id == bindparam("outbox_id"), OutboxMessage.status == Mail.QUEUED,
           OutboxMessage.not_before <= bindparam("now"))
    .values(status=Mail.SENDING, claimed_at=bindparam("now"), attempts=OutboxMessage.attempts + 1)
    .returning(*_CLAIMED)
)
# What the daily cap counts: mail to the address that went (or is going) out since `since`,
# except a member's own confirmations (worker/outbound/sendrules.py CAP_EXEMPT).
_COUNTED = (OutboxMessage.to_addr == bindparam("to_addr"),
            OutboxMessage.status.in_((Mail.SENT, Mail.SENDING, Mail.UNCONFIRMED)),
            OutboxMessage.claimed_at >= bindparam("since"),
            OutboxMessage.kind.not_in(sorted(sendrules.CAP_EXEMPT)))
LIMIT_FACTS = select(  # (opted out?, paused?, mails to the address counted by the cap since `since`)
    select(OptOut.id).where(OptOut.email == bindparam("email")).exists(),
    select(PausedAddress.id).where(PausedAddress.email == bindparam("email")).exists(),
    select(func.count()).select_from(OutboxMessage).where(*_COUNTED).scalar_subquery(),
)
COUNTED_CLAIMS = (select(OutboxMessage.claimed_at).where(*_COUNTED, OutboxMessage.id != bindparam("outbox_id"))
                  .order_by(OutboxMessage.claimed_at))
CAP_DEFERRED = "deferred: daily cap"  # how a row held back by the cap begins its reason
# `outbox send-now`: a person asked for this mail now; the cap does not hold it back.
SEND_NOW = "sent now by hand (outside the daily cap)"


def cap_frees_at(conn: Connection, outbox_id: int, to_addr: str, since: datetime, cap: int) -> datetime:
    """When this row fits under the cap: once enough of the mails counted now are a day old."""
    found = conn.execute(COUNTED_CLAIMS, {"to_addr": to_addr, "since": since, "outbox_id": outbox_id}).scalars()
    claims = [at for at in found if at is not None]  # all of them: the query counts claimed rows
    oldest_to_age_out = claims[max(0, len(claims) - cap)] if claims else since
    return oldest_to_age_out + timedelta(days=1, seconds=1)


def referral_facts(conn: Connection, referral_ids: list[int]) -> list[sendrules.ReferralFacts]:
    """What the send path needs to know about a mail's referrals (worker/outbound/sendrules.py)."""
    facts = []
    for rid in referral_ids or ():
        status = conn.execute(select(Referral.status).where(Referral.id == rid)).scalar()
        if status is None:
            continue
        person = (ReferralEvent.referral_id == rid, ReferralEvent.accepted.is_(True),
                  ReferralEvent.event.in_(sendrules.PERSON_EVENTS))
        last = conn.execute(select(ReferralEvent.event, ReferralEvent.at, ReferralEvent.new_status).where(*person)
                            .order_by(ReferralEvent.at.desc(), ReferralEvent.id.desc()).limit(1)).first()
        stops = (*person[:2], ReferralEvent.event.in_(sendrules.STOP_EVENTS))
        stopped = conn.execute(select(ReferralEvent.id).where(*stops).limit(1)).first() is not None
        if last is None:
            facts.append(sendrules.ReferralFacts(rid, status, stopped))
        else:
            facts.append(sendrules.ReferralFacts(rid, status, stopped, last.event, last.at, last.new_status))
    return facts


def withdraw_follow_ups(session: Session, referral_id: int, reason: str) -> int:
    """Queued follow-up mail of a referral is not sent (in the transaction that moved its next
    step: an out-of-office date, a SNOOZE); lifecycle.withdraw does the same for every event."""
    mail = select(FollowUp.outbox_id).where(FollowUp.referral_id == referral_id, FollowUp.outbox_id.is_not(None))
    return rowcount(session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(mail), OutboxMessage.status == Mail.QUEUED,
                                    OutboxMessage.kind == "follow_up")
        .values(status=Mail.CANCELLED, reason=reason[:2000]).execution_options(synchronize_session=False)
    ))


def asks_about(session: Session, referral_id: int) -> list[sendrules.Asked]:
    """The asking mail (sendrules.ASKING) about one referral, queued or gone: its follow-up steps'
    mail and its heads-up reminder (dedupe key heads-up:<id>); cancelled, suppressed, failed and
    bounced mail asked nobody."""
    steps = select(FollowUp.outbox_id).where(FollowUp.referral_id == referral_id, FollowUp.outbox_id.is_not(None))
    rows = session.execute(select(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.status, OutboxMessage.sent_at,
                                  OutboxMessage.queued_at).where(
        (OutboxMessage.id.in_(steps) & (OutboxMessage.kind == "follow_up"))
        | (OutboxMessage.dedupe_key == f"heads-up:{referral_id}"),
        OutboxMessage.status.in_([Mail.QUEUED, Mail.SENDING, Mail.SENT, Mail.UNCONFIRMED]))).all()
    return [sendrules.Asked(i, kind, sent_at or queued_at, status == Mail.QUEUED)
            for i, kind, status, sent_at, queued_at in rows]


def unanswered_follow_ups(session: Session, referral_id: int) -> int:
    """How many follow-up mails about one referral went out since anyone last answered about it (its
    last recorded event): the next one says it asks once more instead of repeating the last word for
    word. Unconfirmed mail counts (it most likely arrived); queued, cancelled or bounced mail asked nobody."""
    last = select(func.max(ReferralEvent.at)).where(ReferralEvent.referral_id == referral_id,
                                                    ReferralEvent.accepted.is_(True)).scalar_subquery()
    steps = select(FollowUp.outbox_id).where(FollowUp.referral_id == referral_id, FollowUp.outbox_id.is_not(None))
    return session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.id.in_(steps), OutboxMessage.kind == "follow_up",
        OutboxMessage.status.in_([Mail.SENT, Mail.UNCONFIRMED]),
        last.is_(None) | (func.coalesce(OutboxMessage.sent_at, OutboxMessage.queued_at) > last))) or 0


def withdraw_ids(session: Session, ids: tuple[int, ...], reason: str) -> int:
    """Queued mail (by id) that will not be sent; how many were still queued."""
    if not ids:
        return 0
    return rowcount(session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(ids), OutboxMessage.status == Mail.QUEUED)
        .values(status=Mail.CANCELLED, reason=reason[:2000]).execution_options(synchronize_session=False)))


# Only the claim that made it (same attempt, still sending) may hand the mail over: a worker
# whose claim the sweep took back must not send it beside the next one.
MARK_HANDED_OVER = (
    update(OutboxMessage.__table__)
    .where(OutboxMessage.id == bindparam("outbox_id"), OutboxMessage.status == Mail.SENDING,
           OutboxMessage.attempts == bindparam("attempt"))
    .values(handed_over_at=bindparam("now"))
)
# From unconfirmed too: the sweep gave up on the worker, then the server's 250 arrived after all.
MARK_SENT = (
    update(OutboxMessage.__table__)
    .where(OutboxMessage.id == bindparam("outbox_id"), OutboxMessage.status.in_((Mail.SENDING, Mail.UNCONFIRMED)))
    .values(status=Mail.SENT, message_id=bindparam("message_id"), sent_at=bindparam("now"), last_error="")
)


def _settle(session: Session | Connection, outbox_id: int, **values) -> bool:
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.status == Mail.SENDING)
        .values(**values)
    )
    return rowcount(result) == 1


def mark_failed(session: Session | Connection, outbox_id: int, error: str) -> bool:
    return _settle(session, outbox_id, status=Mail.FAILED, last_error=error[:2000])


def mark_suppressed(session: Session | Connection, outbox_id: int, reason: str) -> bool:
    return _settle(session, outbox_id, status=Mail.SUPPRESSED, reason=reason)


def mark_broken(session: Session | Connection, outbox_id: int, error: str) -> bool:
    """Our own bug stopped the send: failed, unless the mail was already being handed over —
    then it may have arrived, and `outbox retry --failed` must not send it again in bulk."""
    handed = rowcount(session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.status == Mail.SENDING,
               OutboxMessage.handed_over_at.is_not(None))
        .values(status=Mail.UNCONFIRMED, last_error=error[:2000])
    ))
    return handed == 1 or mark_failed(session, outbox_id, error)


def mark_unconfirmed(session: Session | Connection, outbox_id: int, error: str) -> bool:
    """Handed over, no answer: it may have arrived. Only a person sends it again."""
    return _settle(session, outbox_id, status=Mail.UNCONFIRMED, last_error=error[:2000])


def release(session: Session, outbox_id: int, error: str, retry_at: datetime) -> bool:
    """A temporary failure: back to queued; the sweep nudges it again at retry_at."""
    return _settle(session, outbox_id, status=Mail.QUEUED, last_error=error[:2000], not_before=retry_at,
                   nudged_at=None, job_id=None, claimed_at=None, handed_over_at=None)


def defer(session: Session | Connection, outbox_id: int, until: datetime, reason: str) -> bool:
    return _settle(session, outbox_id, status=Mail.QUEUED, reason=reason, not_before=until,
                   nudged_at=None, claimed_at=None, attempts=OutboxMessage.attempts - 1)


def due_ids(session: Session, now: datetime, limit: int = 500) -> list[int]:
    """Queued rows ready to send that no job was sent for yet."""
    return list(session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == Mail.QUEUED, OutboxMessage.not_before <= now, OutboxMessage.nudged_at.is_(None))
        .order_by(OutboxMessage.not_before, OutboxMessage.id).limit(limit)
    ))


def nudged_due(session: Session, now: datetime, before: datetime, limit: int = 500) -> list:
    """Queued, due rows whose job was sent before `before` and has not claimed them yet:
    (id, job_id, nudged_at) — waiting in a backlog, or lost with the queue."""
    return list(session.execute(
        select(OutboxMessage.id, OutboxMessage.job_id, OutboxMessage.nudged_at)
        .where(OutboxMessage.status == Mail.QUEUED, OutboxMessage.not_before <= now,
               OutboxMessage.nudged_at < before)
        .order_by(OutboxMessage.nudged_at, OutboxMessage.id).limit(limit)
    ))


NUDGED = (  # executemany: one job id per row
    update(OutboxMessage.__table__).where(OutboxMessage.id == bindparam("b_id"))
    .values(nudged_at=bindparam("b_now"), job_id=bindparam("b_job"))
)


def release_stale(session: Session, now: datetime, timeout: timedelta, max_attempts: int | None = None) -> int:
    """Claims older than the timeout belong to a worker that died mid-send: send again.

    Unless that worker had begun handing the mail to the SMTP server (handed_over_at): then it
    may have arrived, and it becomes unconfirmed instead of going out twice. A mail whose every
    attempt killed its worker fails instead of taking the next worker down too.
    """
    stale = (OutboxMessage.status == Mail.SENDING, OutboxMessage.claimed_at < now - timeout)
    unconfirmed = rowcount(session.execute(
        update(OutboxMessage).where(*stale, OutboxMessage.handed_over_at.is_not(None))
        .values(status=Mail.UNCONFIRMED, last_error="the worker sending it stopped answering after it began "
                "handing the mail to the SMTP server: it may or may not have arrived")
    ))
    gave_up = 0
    if max_attempts is not None:
        gave_up = rowcount(session.execute(
            update(OutboxMessage).where(*stale, OutboxMessage.attempts >= max_attempts)
            .values(status=Mail.FAILED, claimed_at=None,
                    last_error=f"gave up after {max_attempts} attempts: "
                               "the worker sending it stopped answering each time")
        ))
    result = session.execute(
        update(OutboxMessage).where(*stale)
        .values(status=Mail.QUEUED, nudged_at=None, claimed_at=None,
                last_error="released: the worker sending it stopped answering")
    )
    return rowcount(result) + gave_up + unconfirmed


def unconfirmed_before(session: Session, before: datetime) -> list[int]:
    """Unconfirmed rows handed over before `before`: waiting for a person's decision."""
    return list(session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.status == Mail.UNCONFIRMED,
                                       OutboxMessage.handed_over_at < before).order_by(OutboxMessage.id)))


def opted_out(session: Session, email: str) -> bool:
    return session.scalar(select(OptOut.id).where(OptOut.email == email.lower())) is not None


RETRYABLE = (Mail.FAILED, Mail.SUPPRESSED, Mail.CANCELLED, Mail.UNCONFIRMED, Mail.BOUNCED)


def rendered() -> ColumnElement[bool]:
    """A row with a mail in it: one whose template failed ("(not rendered)") or that stands for a
    thank-you the member gave by hand has no text, and queued again it would go out empty."""
    return OutboxMessage.text_body != ""


def unsendable(row: OutboxMessage) -> str:
    """Why a row that could otherwise be retried cannot be: it has no mail in it (rendered())."""
    if row.status not in RETRYABLE or row.text_body:
        return ""
    problem = f" ({row.last_error})" if row.last_error else ""
    return (f"outbox #{row.id} ({row.kind}) was never rendered{problem}: it cannot be sent — queued again it "
            "would go out empty (`introledger templates check` finds such problems before they cost a mail)")


def retry(session: Session, outbox_id: int, now: datetime) -> bool:
    """A person asks to try a failed, suppressed, cancelled, unconfirmed or bounced row again (an
    unconfirmed one may then arrive twice: the person decided, e.g. after asking the recipient; a
    bounced one is still held while its address is paused)."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.status.in_(RETRYABLE), rendered())
        .values(status=Mail.QUEUED, not_before=now, nudged_at=None, attempts=0, last_error="", reason="",
                handed_over_at=None, job_id=None)
    )
    return rowcount(result) == 1


def send_now(session: Session, outbox_id: int, now: datetime) -> bool:
    """A person wants a queued mail out now: held back by the daily cap or quiet hours, or waiting
    for its next retry. The cap does not hold it back again (SEND_NOW); an opt-out and the
    send-time checks (worker/outbound/sendrules.py) still apply."""
    result = session.execute(
        update(OutboxMessage).where(OutboxMessage.id == outbox_id, OutboxMessage.status == Mail.QUEUED)
        .values(not_before=now, nudged_at=None, job_id=None, reason=SEND_NOW)
    )
    return rowcount(result) == 1


def release_cap_deferred(session: Session, now: datetime) -> int:
    """At start-up: rows the daily cap held back are decided again at their claim, so a cap raised
    in the config (and a restart) lets out what now fits; the rest is deferred again, until the
    cap frees (not a day later than before)."""
    return rowcount(session.execute(
        update(OutboxMessage).where(OutboxMessage.status == Mail.QUEUED, OutboxMessage.not_before > now,
                                    OutboxMessage.reason.startswith(CAP_DEFERRED))
        .values(not_before=now, nudged_at=None, job_id=None).execution_options(synchronize_session=False)
    ))


def retry_failed(session: Session, now: datetime) -> list[int]:
    """Every failed row queued again (suppressed ones stay: an opt-out is not a failure)."""
    ids = list(session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == Mail.FAILED, rendered())
                               .order_by(OutboxMessage.id)))
    for outbox_id in ids:
        retry(session, outbox_id, now)
    return ids


def cancel(session: Session, outbox_id: int) -> bool:
    """A queued mail is not sent; an unconfirmed one is settled (not sent again, off the list)."""
    queued = rowcount(session.execute(
        update(OutboxMessage).where(OutboxMessage.id == outbox_id, OutboxMessage.status == Mail.QUEUED)
        .values(status=Mail.CANCELLED, reason="cancelled by hand")
    ))
    settled = rowcount(session.execute(
        update(OutboxMessage).where(OutboxMessage.id == outbox_id, OutboxMessage.status == Mail.UNCONFIRMED)
        .values(status=Mail.CANCELLED, reason="unconfirmed, settled by hand: not sent again")
    ))
    return queued + settled == 1
