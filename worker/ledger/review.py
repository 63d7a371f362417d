"""A person's yes or no on review candidates (`introledger review`); database writes only.

A candidate is a referral with status needs_review: an intro found by `ingest --review` in past
mail, or one the classifier was unsure of. Yes makes it a logged referral, as if the pipeline
had been sure; no sets it to rejected, which no ledger, report or listing counts. Both leave an
event, and a decided candidate stays decided.
"""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import InboundMessage, Referral
from worker.core import lifecycle
from worker.core.statuses import INTRO_KINDS, Kind, Status
from worker.ledger import queries


class NotPending(LookupError):
    """Some IDs are not waiting for review; the message names each one and why."""


def pending(session: Session, ids: list[int] | None) -> list[Referral]:
    """The candidates asked for (every one for None), or NotPending naming each ID that is not."""
    if ids is None:
        return queries.candidates(session)
    wanted = list(dict.fromkeys(ids))
    found = {r.id: r for r in session.scalars(select(Referral).where(Referral.id.in_(wanted)))}
    problems = [_why_not(i, found.get(i)) for i in wanted
                if found.get(i) is None or found[i].status != Status.NEEDS_REVIEW]
    if problems:
        raise NotPending("; ".join(problems))
    return [found[i] for i in wanted]


def _why_not(referral_id: int, referral: Referral | None) -> str:
    if referral is None:
        return f"#{referral_id}: no such referral"
    return f"#{referral_id} is not waiting for review: already decided ({referral.status})"


def accept(session: Session, referral: Referral, now: datetime) -> None:
    """Yes: a logged referral of the kind the intro rules would have given it."""
    if referral.kind not in INTRO_KINDS:  # a weak_intro: its shape says which
        referral.kind = Kind.DOUBLE_INTRO if len(referral.parties) > 1 else Kind.HEADS_UP
    _move(session, referral, now, "review_accept", lifecycle.HAND, "accepted in review")


def note_reply_seen(session: Session, referral: Referral, now: datetime) -> None:
    """A party's reply in the thread, received while the intro waited, is recorded now as evidence
    (the status stays introduced: worker/core/lifecycle.py THREAD_REPLY_WHY), as it would have been
    the moment the reply came had the intro been logged then."""
    parties = [p.person.email for p in referral.parties if p.person.email]
    reply = session.scalars(select(InboundMessage).where(
        InboundMessage.referral_id == referral.id, InboundMessage.kind == Kind.THREAD_REPLY,
        InboundMessage.sender.in_(parties)).order_by(InboundMessage.id).limit(1)).first()
    if reply is not None and referral.status == Status.INTRODUCED:
        _move(session, referral, now, "thread_reply", lifecycle.PARTY,
              f"{reply.sender} replied in the intro thread: {lifecycle.THREAD_REPLY_WHY}", reply.sender,
              reply.message_id)


def reject(session: Session, referral: Referral, now: datetime) -> None:
    """No: out of every ledger and listing; its messages stay recorded, so a re-import adds nothing."""
    _move(session, referral, now, "review_reject", lifecycle.HAND, "rejected in review: not an introduction to log")


def _move(session: Session, referral: Referral, now: datetime, event: str, role: str, reason: str, actor: str = "",
          message_id: str = "") -> None:
    decision = lifecycle.decide(referral.status, None, role, event)
    lifecycle.record(session, referral, event, decision, now, actor_email=actor, message_id=message_id,
                     reason=reason if decision.allowed else f"refused: {decision.reason}")
