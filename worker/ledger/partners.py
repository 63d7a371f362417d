"""Partner records: created for everyone who gives or gets referrals, edited and merged by hand."""
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from models import Member, Partner, Person, Referral
from models.db import rowcount
from worker.ledger import customers
from worker.ledger.balance import NOT_COUNTED


def adopt(session: Session, people: list[Person]) -> None:
    """Give each non-member person who gives or gets business a partner record (once)."""
    member_emails = {e for m in session.scalars(select(Member)) for e in m.emails}
    for person in people:
        if person.partner_id is None and person.email and person.email not in member_emails:
            partner = Partner(name=person.name or person.email, domain=person.email.partition("@")[2],
                              partner_type="other", company="", notes="", referral_fee="", is_customer=False)
            session.add(partner)
            session.flush()
            _claim(session, person, partner)


def _claim(session: Session, person: Person, partner: Partner) -> None:
    """The person gets this record unless another process gave them one meanwhile (then ours
    goes): a conditional UPDATE waits for that process and sees what it committed."""
    taken = session.execute(update(Person).where(Person.id == person.id, Person.partner_id.is_(None))
                            .values(partner_id=partner.id).execution_options(synchronize_session=False))
    if rowcount(taken) == 1:
        set_committed_value(person, "partner_id", partner.id)
    else:
        session.delete(partner)
        session.refresh(person, ["partner_id"])


def on_referral(session: Session, verdict, msg, referral_id: int | None) -> None:
    referral = session.get(Referral, referral_id) if referral_id else None
    if referral is not None and referral.status not in NOT_COUNTED:
        adopt(session, [referral.introducer, *(p.person for p in referral.parties if p.role != "prospect")])
        # A partner who is this intro's prospect, or a prospect of ours now introducing: both roles.
        customers.note(session, [referral.introducer, *(p.person for p in referral.parties)])


def adopt_all(session: Session) -> None:
    """For databases from before partner records: adopt everyone who gave or got a referral."""
    for referral in session.scalars(select(Referral).where(Referral.status.not_in(NOT_COUNTED))):
        on_referral(session, None, None, referral.id)


def merge(session: Session, keep_id: int, other_id: int) -> Partner:
    """Two records for one partner (a work and a private address): fold `other` into `keep`."""
    keep, other = session.get(Partner, keep_id), session.get(Partner, other_id)
    if keep is None or other is None or keep_id == other_id:
        raise LookupError(f"cannot merge partner #{other_id} into #{keep_id}: both must exist and differ")
    session.execute(update(Person).where(Person.partner_id == other_id).values(partner_id=keep_id))
    for field in ("company", "notes", "referral_fee", "language"):
        if not getattr(keep, field) and getattr(other, field):
            setattr(keep, field, getattr(other, field))
    keep.is_customer = keep.is_customer or other.is_customer
    keep.customer_since = min(filter(None, (keep.customer_since, other.customer_since)), default=None)
    from worker.ledger.promotions import merge_into  # promotions reads partners: imported here, not at the top

    merge_into(session, keep_id, other_id)
    session.delete(other)
    return keep


def addresses(session: Session, partner_id: int) -> list[str]:
    return list(session.scalars(select(Person.email).where(Person.partner_id == partner_id).order_by(Person.email)))


def fold_name(name: str) -> str:
    """A name for matching: case-folded and single-spaced, in Python because SQLite's lower()
    folds only ASCII ("É" stays "É")."""
    return " ".join((name or "").casefold().split())
