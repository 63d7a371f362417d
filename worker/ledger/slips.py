"""Referral-group slips as CSV (giver, receiver, date, type, value): read, checked row by row, and
imported as history. A bad row is reported with its line and reason and the rest go in; importing
the same file again adds nothing."""
import csv
import hashlib
import io
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Member, Partner, Person, Referral, ReferralParty
from worker.core import money
from worker.core.addresses import is_address
from worker.core.statuses import QUALIFIED, Status
from worker.ledger import partners
from worker.ledger.partners import fold_name
from worker.mail.commands import parse_amount

COLUMNS = ("giver", "receiver", "date", "type", "value", "giver_email", "receiver_email")
REQUIRED = ("giver", "receiver", "date")
# What groups write on a slip → our status. "TYFCB" is BNI's "thank you for closed business".
TYPES = {
    "referral": Status.INTRODUCED, "": Status.INTRODUCED, "introduced": Status.INTRODUCED,
    "connected": Status.CONNECTED, "qualified": Status.QUALIFIED, "closed business": Status.WON,
    "won": Status.WON, "tyfcb": Status.WON, "lost": Status.LOST, "no fit": Status.NO_FIT,
}
# Everything else exports as "referral".
STATUS_TYPE: dict[str, str] = {Status.WON: "closed business", Status.QUALIFIED: "qualified"}


@dataclass(frozen=True)
class Slip:
    line: int
    giver: str
    giver_email: str
    receiver: str
    receiver_email: str
    day: date
    status: str
    value_cents: int | None
    currency: str

    def fingerprint(self) -> str:
        parts = (self.giver_email or self.giver.lower(), self.receiver_email or self.receiver.lower(),
                 self.day.isoformat(), self.status, str(self.value_cents), self.currency)
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Problem:
    line: int
    reason: str


def slip_type(status: str) -> str:
    return STATUS_TYPE.get(status, "referral")


def parse_value(text: str, default_currency: str) -> tuple[int | None, str]:
    """'$4,500' → (450000, 'USD'); '¥450,000' → (450000, 'JPY'); '' → (None, ''). ValueError if unreadable.

    The same reader as a WON reply, so 'US$4,500', '4.5k EUR' and "CHF 1'250.50" work here too."""
    text = text.strip()
    if not text:
        return None, ""
    amount = parse_amount(text, default_currency)
    if amount is None:
        raise ValueError(f"value {text!r} is not an amount like $4,500, 4500 EUR or ¥450,000")
    return amount.minor, amount.currency


# Which currency a member's amounts are in (members[].currency), by the name and address a slip
# gives for them; None: not a member, or one without a currency of their own.
MemberCurrency = Callable[[str, str], "str | None"]


def member_currencies(members: Iterable[tuple[str, Iterable[str], str | None]]) -> MemberCurrency:
    """From (name, emails, currency) of each member: a slip's side is a member as _People.find
    reads it — by its address if it gives one, else by the member's name (fold_name)."""
    by_email: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for name, emails, currency in members:
        if currency:
            by_email.update({e.lower(): currency for e in emails})
            by_name.setdefault(fold_name(name), currency)
    return lambda name, email: by_email.get(email.lower()) if email else by_name.get(fold_name(name))


def read(text: str, default_currency: str = "USD",
         member_currency: MemberCurrency = lambda name, email: None) -> tuple[list[Slip], list[Problem]]:
    """An amount written without a currency is in the receiver's currency if the receiver is a
    member with one (the closed business is theirs), else the giver's, else `default_currency`."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))  # spreadsheets like a byte-order mark
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return [], [Problem(1, f"missing column(s) {', '.join(missing)}; the header must name "
                               f"{', '.join(REQUIRED)} (and may add type, value, giver_email, receiver_email)")]
    reader.fieldnames = header
    slips, problems = [], []
    for row in reader:
        line = reader.line_num
        if not any((v or "").strip() for k, v in row.items() if k):
            continue  # spreadsheets pad exports with empty ",,,," rows
        try:
            slips.append(_slip(line, {k: (v or "").strip() for k, v in row.items() if k}, default_currency,
                               member_currency))
        except ValueError as exc:
            problems.append(Problem(line, str(exc)))
    return slips, problems


def _slip(line: int, row: dict[str, str], default_currency: str, member_currency: MemberCurrency) -> Slip:
    for column in REQUIRED:
        if not row.get(column):
            raise ValueError(f"{column} is empty")
    try:
        day = date.fromisoformat(row["date"])
    except ValueError:
        raise ValueError(f"date {row['date']!r} is not a date like 2026-11-01") from None
    kind = row.get("type", "").lower()
    if kind not in TYPES:
        raise ValueError(f"type {row.get('type')!r} is not one of: referral, qualified, closed business, lost, no fit")
    emails = {}
    for side in ("giver", "receiver"):
        email = row.get(f"{side}_email", "").lower()
        if email and not is_address(email):
            raise ValueError(f"{side}_email {email!r} is not an address")
        emails[side] = email
    if (emails["giver"] or row["giver"].lower()) == (emails["receiver"] or row["receiver"].lower()):
        raise ValueError("giver and receiver are the same")
    theirs = (member_currency(row["receiver"], emails["receiver"])
              or member_currency(row["giver"], emails["giver"]) or default_currency)
    value, currency = parse_value(row.get("value", ""), theirs)
    return Slip(line, row["giver"], emails["giver"], row["receiver"], emails["receiver"], day, TYPES[kind],
                value, currency)


def import_slips(session: Session, slips: list[Slip],
                 advance: Callable[[], None] = lambda: None) -> tuple[int, int]:
    """(imported, already there). No mail: these are history, not news. `advance` hears each slip done."""
    imported = skipped = 0
    seen: Counter[str] = Counter()
    people = _People(session)
    for slip in slips:
        advance()
        fingerprint = slip.fingerprint()
        seen[fingerprint] += 1  # two identical slips in one file are two referrals
        key = f"slip:{fingerprint}:{seen[fingerprint]}"
        if session.scalar(select(Referral.id).where(Referral.dedupe_key == key)) is not None:
            skipped += 1
            continue
        giver, receiver = people.find(slip.giver, slip.giver_email), people.find(slip.receiver, slip.receiver_email)
        when = datetime.combine(slip.day, time(12), tzinfo=UTC)
        referral = Referral(
            dedupe_key=key, kind="slip", status=slip.status, direction=people.direction(giver, receiver),
            confidence=1.0, reason=f"imported from a slip (line {slip.line})", introduced_at=when,
            introducer_id=giver.id, member_id=None,  # history: no follow-ups, never marked stale
            subject="", subject_key="", excerpt="",
            value_cents=slip.value_cents if slip.status == Status.WON else None,
            currency=slip.currency if slip.status == Status.WON else "", outcome_note="",
            won_at=when if slip.status == Status.WON else None,
            qualified_at=when if slip.status in QUALIFIED else None,
        )
        session.add(referral)
        session.flush()
        session.add(ReferralParty(referral_id=referral.id, person_id=receiver.id, role="provider"))
        partners.adopt(session, [giver, receiver])
        _adopt_nameless(session, [giver, receiver])
        imported += 1
    return imported, skipped


class _People:
    """Who a slip names: by address, else a member by name, else a partner or person by name,
    else someone new. Read once per import; names compare by partners.fold_name."""

    def __init__(self, session: Session):
        self.session = session
        members = list(session.scalars(select(Member).order_by(Member.id)))
        self.member_emails = {e for m in members for e in m.emails}
        self.member_by_name = {fold_name(m.name): m for m in reversed(members)}
        records = session.scalars(select(Partner).order_by(Partner.id)).all()
        self.partner_by_name = {fold_name(p.name): p.id for p in reversed(records)}
        self.by_name: dict[str, Person] = {}
        self.by_partner: dict[int, Person] = {}
        for person in reversed(session.scalars(select(Person).order_by(Person.id)).all()):  # the first one wins
            self.by_name[fold_name(person.name)] = person
            if person.partner_id is not None:
                self.by_partner[person.partner_id] = person

    def find(self, name: str, email: str) -> Person:
        if email:
            person = self.session.scalar(select(Person).where(Person.email == email))
            return person or self._new(name, email)
        folded = fold_name(name)
        member = self.member_by_name.get(folded)
        if member is not None:
            return self.find(member.name, member.emails[0])
        partner_id = self.partner_by_name.get(folded)
        person = self.by_partner.get(partner_id) if partner_id is not None else None
        return person or self.by_name.get(folded) or self._new(name, None)

    def _new(self, name: str, email: str | None) -> Person:
        person = Person(email=email, name=name)
        self.session.add(person)
        self.session.flush()
        self.by_name.setdefault(fold_name(name), person)
        return person

    def direction(self, giver: Person, receiver: Person) -> str:
        if receiver.email in self.member_emails:
            return "received"
        return "given" if giver.email in self.member_emails else "partner"


def _adopt_nameless(session: Session, people: list[Person]) -> None:
    """A partner known only by name on a slip still gets a record, so the ledger counts them."""
    for person in people:
        if person.partner_id is None and person.email is None and person.member_id is None:
            partner = Partner(name=person.name, domain="", partner_type="other", company="", notes="",
                              referral_fee="", is_customer=False)
            session.add(partner)
            session.flush()
            person.partner_id = partner.id


def rows(referrals) -> list[dict]:
    """The export: one slip per referral (see row)."""
    return [slip for slip in map(row, referrals) if slip is not None]


def row(r) -> dict | None:
    """A referral's slip (a Referral or a listed one, worker/ledger/queries.py): to its provider, or
    to its first party when the mail did not tell who provides (a slip per party would count one
    intro twice in the group's system). None for a referral without parties."""
    parties = sorted(r.parties, key=lambda p: (p.role != "provider", p.role == "prospect", p.id or 0))
    if not parties:
        return None
    p = parties[0]
    return {"giver": r.introducer.name or r.introducer.email, "receiver": p.person.name or p.person.email,
            "date": r.introduced_at.date().isoformat(), "type": slip_type(r.status),
            "value": money.format_money(r.value_cents, r.currency), "giver_email": r.introducer.email or "",
            "receiver_email": p.person.email or ""}
