"""The ledger's flows as SQL: for each counted referral, which member's ledger it is on, with which
partner, and which way (given or received) — one relation the ledger's answers aggregate in the
database (GROUP BY member, partner, way, month, currency), never rows loaded into Python.

The rules (what a flow is) are the ledger's, worker/ledger/balance.py says them in words:
- a member who introduced gives it to each party who is not a member, not the prospect, and known
  (an address, or a partner record for one known only by name: a slip);
- a member who is the provider (or, when the mail named no provider, the referral's own member
  among its parties) receives it from the introducer — unless they introduced it themselves, or
  nobody knows who did — and a member who introduced it gives it to that member.
Members are recognised by their addresses (members.emails, as config.yaml says them now), so an
address added to a member brings its old referrals into their ledger.
"""
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Subquery,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from models import Member, Person, Referral, ReferralParty
from worker.core.statuses import NOT_COUNTED, QUALIFIED, WENT_NOWHERE, Status

GIVEN, RECEIVED = "given", "received"
CONNECTED = frozenset({Status.CONNECTED, Status.QUALIFIED, Status.WON})
PARTNER_KEY = "partner:"  # a line's key: "partner:<id>" for a partner record, else the person's address


@dataclass(frozen=True)
class Scope:
    """Which flows an answer is about: a period, some members, one partner record, some lines."""

    since: datetime | None = None
    until: datetime | None = None
    members: tuple[int, ...] | None = None   # None: every member
    partner_id: int | None = None
    lines: tuple[tuple[int, str], ...] | None = None  # (member id, key): only these lines

    def restricted(self, lines: Iterable[tuple[int, str]]) -> "Scope":
        return Scope(self.since, self.until, self.members, self.partner_id, tuple(lines))


def member_people(session: Session, members: Sequence[Member]) -> dict[int, int]:
    """Person id → member id for the people rows of members' addresses (the first member by id
    listing an address has it): a few dozen rows, found through the unique index on people.email."""
    owner: dict[str, int] = {}
    for m in sorted(members, key=lambda m: m.id):
        for address in m.emails:
            owner.setdefault(address, m.id)
    if not owner:
        return {}
    rows = session.execute(select(Person.id, Person.email).where(Person.email.in_(sorted(owner))))
    return {pid: owner[email] for pid, email in rows if email is not None}


def _member_of(person_id, people: dict[int, int]) -> ColumnElement:
    """The member a person (by id) is, NULL for anyone else."""
    return case(people, value=person_id, else_=null()) if people else null()


def month_of(session: Session, column: ColumnElement) -> ColumnElement:
    """'YYYY-MM' of a UTC timestamp: SQLite stores 'YYYY-MM-DD HH:MM:SS…' text; PostgreSQL a timestamptz."""
    if session.get_bind().dialect.name == "sqlite":
        return func.substr(column, 1, 7)
    return func.to_char(func.timezone("UTC", column), "YYYY-MM")


def _key(person) -> ColumnElement:
    return case((person.partner_id.is_not(None), literal(PARTNER_KEY) + cast(person.partner_id, String)),
                else_=person.email)


def relation(session: Session, members: Sequence[Member], scope: Scope) -> Subquery:
    """One row per flow: referral_id, member_id, way, partner_id, email, key, and the referral's
    status, value_cents, currency, introduced_at, role_unknown. A referral may flow twice to one
    line (two addresses of one partner in it): aggregates count DISTINCT referral_id.

    Every flow has a member at one end, so each arm starts from the members' people through an
    index (parties by person, referrals by introducer): a member's ledger reads that member's
    referrals only, and nobody's clients are looked at twice."""
    people = member_people(session, members)
    mine = sorted(p for p, m in people.items() if scope.members is None or m in scope.members) or [0]
    everyone = sorted(people) or [0]
    r = aliased(Referral, name="r")
    party = aliased(ReferralParty, name="p")
    other = aliased(ReferralParty, name="p2")
    person = aliased(Person, name="pp")
    introducer = aliased(Person, name="i")
    giver, receiver = _member_of(r.introducer_id, people), _member_of(party.person_id, people)
    named_provider = exists().where(other.referral_id == r.id, other.role == "provider")
    role_unknown = ~exists().where(other.referral_id == r.id, other.role.in_(("provider", "prospect")))
    # A member party receives it: the provider, or (no provider named) the referral's own member.
    receives = or_(party.role == "provider",
                   and_(party.role == "party", ~named_provider, receiver == r.member_id))
    wheres: list[ColumnElement[bool]] = [r.status.not_in(NOT_COUNTED)]
    if scope.since is not None:
        wheres.append(r.introduced_at >= scope.since)
    if scope.until is not None:
        wheres.append(r.introduced_at < scope.until)

    def columns(member: ColumnElement, way: str, who) -> list:
        return [r.id.label("referral_id"), member.label("member_id"), literal(way).label("way"),
                who.partner_id.label("partner_id"), who.email.label("email"), _key(who).label("key"),
                r.status, r.value_cents, r.currency, r.introduced_at,
                case((role_unknown, 1), else_=0).label("role_unknown")]

    def partner(who) -> list:
        return [] if scope.partner_id is None else [who.partner_id == scope.partner_id]

    received = (select(*columns(receiver, RECEIVED, introducer))
                .select_from(party).join(r, r.id == party.referral_id)
                .join(introducer, introducer.id == r.introducer_id)
                .where(party.person_id.in_(mine), receives, *wheres, *partner(introducer),
                       or_(giver.is_(None), receiver != giver),  # nobody receives their own intro
                       # …from someone: an address, a partner record, or a member
                       or_(introducer.email.is_not(None), introducer.partner_id.is_not(None), giver.is_not(None))))
    given = (select(*columns(giver, GIVEN, person))
             .select_from(r).join(party, party.referral_id == r.id).join(person, person.id == party.person_id)
             .where(r.introducer_id.in_(mine), *wheres, *partner(person), or_(
                 # to a party outside the group who is not the client, and known
                 and_(party.person_id.not_in(everyone), party.role != "prospect",
                      or_(person.email.is_not(None), person.partner_id.is_not(None))),
                 # to another member who receives it
                 and_(party.person_id.in_(everyone), receives, receiver != giver))))
    flows = union_all(given, received).subquery("flows")
    if scope.lines is None:
        return flows
    return select(flows).where(tuple_(flows.c.member_id, flows.c.key).in_(scope.lines)).subquery("flows")


def per_referral(flows: Subquery, *keys: ColumnElement) -> Subquery:
    """One row per referral and `keys` (a line, a member): the same referral twice counts once."""
    return (select(*keys, flows.c.referral_id, func.min(flows.c.status).label("status"),
                   func.min(flows.c.value_cents).label("value_cents"), func.min(flows.c.currency).label("currency"),
                   func.min(flows.c.introduced_at).label("introduced_at"),
                   func.min(flows.c.role_unknown).label("role_unknown"),
                   func.min(flows.c.email).label("first_email"), func.max(flows.c.email).label("last_email"),
                   func.count(flows.c.email).label("emails"), func.count().label("rows"))
            .group_by(*keys, flows.c.referral_id).subquery("once"))


def counts(once: Subquery, *keys: ColumnElement, at: Sequence[datetime] = ()) -> Select:
    """Flow figures per keys and the currency of closed business (NULL for the rest): referrals,
    connected, qualified, won, went nowhere, roles unknown, last intro, value, and how many came
    before each instant in `at` (for balances then)."""
    def n(condition) -> ColumnElement:
        return func.sum(case((condition, 1), else_=0))

    valued = case((and_(once.c.status == Status.WON, once.c.value_cents != 0), once.c.currency), else_=null())
    status = once.c.status
    return (select(*keys, valued.label("value_currency"), func.count().label("referrals"),
                   n(status.in_(CONNECTED)).label("connected"), n(status.in_(QUALIFIED)).label("qualified"),
                   n(status == Status.WON).label("won"), n(status.in_(WENT_NOWHERE)).label("went_nowhere"),
                   func.sum(once.c.role_unknown).label("role_unknown"), func.max(once.c.introduced_at).label("last"),
                   func.sum(case((valued.is_not(None), once.c.value_cents), else_=0)).label("value"),
                   *(n(once.c.introduced_at < when).label(f"before_{i}") for i, when in enumerate(at)),
                   func.min(once.c.first_email).label("first_email"), func.max(once.c.last_email).label("last_email"),
                   func.sum(once.c.rows - once.c.emails).label("no_email"), func.min(once.c.referral_id).label("first"))
            .group_by(*keys, valued))
