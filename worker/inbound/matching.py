"""Is this intro one we logged already (a CC'd copy, then the forward of it)? One bounded query.

The same intro reaches us by several routes with different Message-IDs: the same introducer,
the same people, within a short window. Finding it must not cost more for a sender with a long
or wide history (a past group mail to 10,000 people): the query is driven by an index on
(introducer, time), checks each addressed party through the (referral, person) unique index,
reads at most one party more than wanted, and looks at a capped number of candidates.
"""
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from models import Person, Referral, ReferralParty

WINDOW = timedelta(days=2)
# Earlier intros by one sender, around one moment, with exactly these people: a handful at most.
CANDIDATES = 20


def same_parties(session: Session, introducer: Person, parties: list[Person], when: datetime,
                 window: timedelta = WINDOW) -> int | None:
    """The earliest referral by `introducer` within `window` of `when` whose parties are exactly
    `parties` (people with an address by id, a nameless prospect by name), else None."""
    if introducer.id is None or any(p.email and p.id is None for p in parties):
        return None  # someone in it is new to us, so no earlier intro can have them all
    wanted = {identity(p) for p in parties}
    ids = sorted({p.id for p in parties if p.email})
    if not ids:
        return None
    query = (
        select(Referral.id)
        .where(Referral.introducer_id == introducer.id, Referral.introduced_at.between(when - window, when + window))
        .where(*(_has(person_id) for person_id in ids), ~_more_parties_than(len(wanted)))
        .order_by(Referral.introduced_at, Referral.id).limit(CANDIDATES)
    )
    candidates = session.scalars(query).all()
    if not candidates:
        return None
    found: dict[int, set] = {c: set() for c in candidates}
    # Each has these addresses and no more parties than wanted: what is left is a prospect's name.
    for referral_id, person_id, email, name in session.execute(
            select(ReferralParty.referral_id, Person.id, Person.email, Person.name)
            .join(Person, Person.id == ReferralParty.person_id)
            .where(ReferralParty.referral_id.in_(candidates))):
        found[referral_id].add(person_id if email else _name_key(name))
    return next((c for c in candidates if found[c] == wanted), None)


def identity(person: Person) -> object:
    """Who a party is for matching: the person with an address, a nameless prospect by name."""
    return person.id if person.email else _name_key(person.name)


def _name_key(name: str) -> tuple[str, str]:
    return ("name", " ".join((name or "").lower().split()))


def _has(person_id: int):
    return exists().where(ReferralParty.referral_id == Referral.id, ReferralParty.person_id == person_id)


def _more_parties_than(n: int):
    # An (n+1)-th party exists: reads n+1 index entries at most, so a referral with thousands of
    # parties is rejected as fast as one with three.
    # (Ordered as the (referral, person) index is, so the planner walks that index, not the table.)
    return exists(select(ReferralParty.id).where(ReferralParty.referral_id == Referral.id)
                  .order_by(ReferralParty.person_id).limit(1).offset(n))
