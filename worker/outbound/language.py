"""The language of a mail to one address: what they wrote to us in, else their setting, else ours;
and its register (formal or not): the one they wrote to us in, else what careful business mail takes."""
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Member, Partner, Person
from worker.core.locales import Choice, address, choose


def for_address(session: Session, email: str, default: str) -> Choice:
    """What `email` last wrote to us in (people.language), else the language set for the member or
    partner it belongs to, else `default` (outbound.language). Formal or informal: as they last
    wrote to us (people.register), else as worker/core/locales.py WHEN_UNKNOWN says."""
    email = (email or "").lower()
    person = session.scalar(select(Person).where(Person.email == email)) if email else None
    member = next((m for m in session.scalars(select(Member)) if email in (m.emails or ())), None)
    setting = member.language if member else None
    if setting is None and person is not None and person.partner_id is not None:
        partner = session.get(Partner, person.partner_id)
        setting = partner.language if partner else None
    chosen = choose(person.language if person else None, setting, default)
    register = address(chosen.language, person.register if person else None)
    return replace(chosen, register=register.register, register_reason=register.reason)
