"""Partners who are also clients: a partner introduced to a member as the prospect, or a prospect
of ours who later introduces others, plays both roles — the partner record says so, with a date.

Read from the intros themselves: someone is a member's client since the first counted intro that
put them, as the prospect, in touch with that member (the member was its provider). Partner
records keep the earliest of those (is_customer, customer_since); the per-member dates are asked
when shown ("Carol is also your client since March").
"""
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Member, Partner, Person, Referral, ReferralParty
from worker.core.statuses import NOT_COUNTED


def _as_client(*wheres):
    """(member id, partner id, first intro) for partners who were a member's prospect."""
    return (select(Referral.member_id, Person.partner_id, func.min(Referral.introduced_at))
            .select_from(ReferralParty).join(Referral, Referral.id == ReferralParty.referral_id)
            .join(Person, Person.id == ReferralParty.person_id)
            .where(ReferralParty.role == "prospect", Referral.direction == "received",
                   Referral.member_id.is_not(None), Referral.status.not_in(NOT_COUNTED),
                   Person.partner_id.is_not(None), *wheres)
            .group_by(Referral.member_id, Person.partner_id))


def clients_of(session: Session, partner_id: int) -> dict[int, datetime]:
    """Member id → since when this partner is that member's client."""
    return {member_id: since for member_id, _, since in session.execute(_as_client(Person.partner_id == partner_id))}


def partners_who_are_clients(session: Session, member: Member) -> dict[int, datetime]:
    """Partner id → since when, for this member's clients who are partners."""
    return {pid: since for _, pid, since in session.execute(_as_client(Referral.member_id == member.id))}


def note(session: Session, people: list[Person]) -> None:
    """Mark the partner records of these people (an intro's, just logged) that are also clients."""
    ids = sorted({p.partner_id for p in people if p.partner_id is not None})
    if not ids:
        return
    session.flush()  # this intro's parties count
    first: dict[int, datetime] = {}
    for _, pid, since in session.execute(_as_client(Person.partner_id.in_(ids))):
        first[pid] = min(since, first.get(pid, since))
    for pid, since in first.items():
        partner = session.get(Partner, pid)
        if partner is not None:
            partner.is_customer = True
            partner.customer_since = min(filter(None, (partner.customer_since, since)))
