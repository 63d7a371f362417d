"""Read-side queries the CLI and reports use."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import InboundMessage, Quarantined, Referral
from worker.core.statuses import HIDDEN, Kind, Status

REVIEW_IMPORT = "review"  # the Origin.source of messages read by `ingest --review`


def referrals(session: Session, status: str | None = None) -> list[Referral]:
    query = select(Referral).order_by(Referral.introduced_at, Referral.id)
    if status:
        query = query.where(Referral.status == status)
    else:
        query = query.where(Referral.status.not_in(HIDDEN))
    return list(session.scalars(query))


def candidates(session: Session) -> list[Referral]:
    """Every intro waiting for a person's yes or no, oldest first."""
    return referrals(session, Status.NEEDS_REVIEW)


def still_pending(session: Session, ids: set[int]) -> set[int]:
    """Which of these referrals are review candidates (an import may also meet logged ones)."""
    if not ids:
        return set()
    return set(session.scalars(select(Referral.id).where(Referral.id.in_(ids), Referral.status == Status.NEEDS_REVIEW)))


def found_in(session: Session, referral_ids: list[int]) -> dict[int, InboundMessage]:
    """The message each candidate was first found in: where it came from, for the review list."""
    rows = session.scalars(select(InboundMessage).where(
        InboundMessage.referral_id.in_(referral_ids), InboundMessage.kind == Kind.NEEDS_REVIEW,
    ).order_by(InboundMessage.id))
    found: dict[int, InboundMessage] = {}
    for row in rows:
        if row.referral_id is not None:  # always: the query asks for these referrals
            found.setdefault(row.referral_id, row)
    return found


def quarantined(session: Session) -> list[Quarantined]:
    return list(session.scalars(select(Quarantined).order_by(Quarantined.id)))
