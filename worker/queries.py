"""Read-side queries the CLI and reports use."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Quarantined, Referral


def referrals(session: Session, status: str | None = None) -> list[Referral]:
    query = select(Referral).order_by(Referral.introduced_at, Referral.id)
    if status:
        query = query.where(Referral.status == status)
    return list(session.scalars(query))


def quarantined(session: Session) -> list[Quarantined]:
    return list(session.scalars(select(Quarantined).order_by(Quarantined.id)))
