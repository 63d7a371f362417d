"""A partner record changed by hand (`introledger partners add|edit`, the dashboard), and who may
change it: the record is one for the whole group, so a member changes it only while it is theirs alone."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Partner, Person
from models.partners import PARTNER_TYPES
from worker.core.locales import LANGUAGES
from worker.ledger import balance as ledger

FIELDS = ("name", "company", "partner_type", "notes", "referral_fee", "language")


class BadType(ValueError):
    pass


def apply(p: Partner, values: dict) -> None:
    """Set the fields given (None: leave it); `is_customer` True or False sets the customer flag."""
    if values.get("partner_type") is not None and values["partner_type"] not in PARTNER_TYPES:
        raise BadType(f"type {values['partner_type']!r}: use one of {', '.join(PARTNER_TYPES)}")
    if values.get("language") is not None and values["language"] not in LANGUAGES:
        raise BadType(f"language {values['language']!r}: use one of {', '.join(LANGUAGES)}")
    for field in FIELDS:
        value = values.get(field)
        if value is not None:
            setattr(p, field, value)
    if values.get("is_customer") is not None:
        p.is_customer = bool(values["is_customer"])


def attach(session: Session, partner: Partner, emails: tuple[str, ...] | list[str]) -> None:
    """These addresses belong to the partner (a person is made for a new one)."""
    for email in (e.strip().lower() for e in emails if e.strip()):
        person = session.scalar(select(Person).where(Person.email == email))
        if person is None:
            person = Person(email=email, name=partner.name)
            session.add(person)
        person.partner_id = partner.id


@dataclass(frozen=True)
class Right:
    allowed: bool
    reason: str = ""


def may_change(coordinator: bool, me: str, members: set[str]) -> Right:
    """A partner record (its notes, type, referral fee, customer flag, merges) is shared by every
    member whose ledger shows it: a member may change it only while no other member works with the
    partner, since the change would rewrite what those members see; a coordinator always may."""
    others = members - {me}
    if coordinator or not others:
        return Right(True)
    n = len(others)
    return Right(False, f"this partner also works with {n} other member{'s' if n != 1 else ''}; "
                        "ask your coordinator")


def members_of(session: Session, partner_id: int, now: datetime) -> set[str]:
    """The members whose ledger shows this partner (any period)."""
    return {line.member for line in ledger.build(session, None, None, now, partner_id=partner_id)
            if line.partner_id == partner_id}
