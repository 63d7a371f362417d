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
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Subquery,
    and_,
    bindparam,
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


@dataclass(frozen=True)
class Scope:
    """Which flows an answer is about: a period, some members, one partner record, some lines."""

    since: datetime | None = None
    until: datetime | None = None
    members: tuple[int, ...] | None = None   # None: every member
    partner_id: int | None = None
    lines: tuple[tuple[int, int], ...] | None = None  # (member id, key): only these lines
    # Only the referrals of one group (the mailbox id, None config.yaml's): for a session that is
    # not the group's own (a group's sessions see only its referrals already, models/groups.py).
    grouped: bool = False
    mailbox_id: int | None = None
    referrals: tuple[int, ...] | None = None  # only these referrals' flows (a write's, summary.py)

    def restricted(self, lines: Iterable[tuple[int, int]]) -> "Scope":
        return replace(self, lines=tuple(lines))


def _once_of(several: Sequence[int | None], who, first: ColumnElement[bool]) -> list[ColumnElement[bool]]:
    """`first` (this is the intro's first party of theirs), asked only of those with several people
    rows: for everyone else it holds, and the check's subquery is not run. A long list of them is
    not worth the test: then `first` is asked of all."""
    if not several:
        return []
    return [or_(who.is_(None), who.not_in(several), first)] if len(several) <= 1000 else [first]


def addresses(members: Sequence[Member]) -> dict[str, int]:
    """Address → member id (the first member by id listing an address has it)."""
    owner: dict[str, int] = {}
    for m in sorted(members, key=lambda m: m.id):
        for address in m.emails:
            owner.setdefault(address, m.id)
    return owner


def member_people(session: Session, members: Sequence[Member]) -> dict[int, int]:
    """Person id → member id for the people rows of members' addresses (the first member by id
    listing an address has it): a few dozen rows, found through the unique index on people.email."""
    owner = addresses(members)
    if not owner:
        return {}
    rows = session.execute(select(Person.id, Person.email).where(Person.email.in_(sorted(owner))))
    return {pid: owner[email] for pid, email in rows if email is not None}


def _member_of(person_id, people: dict[int, int]) -> ColumnElement:
    """The member a person (by id) is, NULL for anyone else."""
    # Typed: a bare NULL is text to PostgreSQL, and INSERT … SELECT into an integer column refuses
    # it (a new group before its first mail: no member has a person yet).
    return case(people, value=person_id, else_=null()) if people else cast(null(), Integer)


def month_of(session: Session, column: ColumnElement) -> ColumnElement:
    """'YYYY-MM' of a UTC timestamp: SQLite stores 'YYYY-MM-DD HH:MM:SS…' text; PostgreSQL a timestamptz."""
    if session.get_bind().dialect.name == "sqlite":
        return func.substr(column, 1, 7)
    return func.to_char(func.timezone("UTC", column), "YYYY-MM")


def _key(person) -> ColumnElement:
    """A line's partner: its partner record (id > 0), else the person (-id: one address, email unique)."""
    return case((person.partner_id.is_not(None), person.partner_id), else_=-person.id)


def partner_of(key: int) -> int | None:
    """The partner record a line's key names, None for a person without one."""
    return key if key > 0 else None


def relation(session: Session, members: Sequence[Member], scope: Scope) -> Select:
    """One row per flow, each (member, key, way, referral) once: referral_id, member_id, way,
    partner_id, email, key, and the referral's status, value_cents, currency, introduced_at,
    role_unknown. A referral flows to several lines of one member (an intro of two partners): a
    member's totals count DISTINCT referral_id.

    Every flow has a member at one end, so each arm starts from the members' people through an
    index (parties by person, referrals by introducer): a member's ledger reads that member's
    referrals only, and nobody's clients are looked at twice."""
    return build(*known(session, members), scope)


def known(session: Session, members: Sequence[Member]) -> tuple[tuple[tuple[int, int], ...], tuple[int, ...]]:
    """What relation() asks the database before it is built: the members' people (person id →
    member id) and the partner records with several people rows."""
    return tuple(sorted(member_people(session, members).items())), tuple(shared_partners(session))


def shared_partners(session: Session) -> list[int]:
    """Partner records with several people rows (a partner's two addresses, or after a merge)."""
    return list(session.scalars(select(Person.partner_id).where(Person.partner_id.is_not(None))
                                .group_by(Person.partner_id).having(func.count() > 1)))


# Kept per (people, shared partners, scope): building the statement took a dashboard page 30-40 ms
# of Python (bench/web.py at 100k referrals, a partner's page builds two), more than the database
# took to run it; a built statement is immutable and SQLAlchemy's compiled cache then serves it too.
@lru_cache(maxsize=64)
def build(people_items: tuple[tuple[int, int], ...], shared: tuple[int, ...], scope: Scope) -> Select:
    """relation() for these members' people (person id → member id) and shared partner records
    (known()). Scope.referrals are the parameter `flow_referrals`: one built statement serves
    every write's referrals, given at execution (summary.py keeps it, as building it costs more
    than running it for a few referrals)."""
    people = dict(people_items)
    mine = sorted(p for p, m in people.items() if scope.members is None or m in scope.members) or [0]
    everyone = sorted(people) or [0]
    # Who has several people rows (a member's two addresses, a partner's after a merge): only their
    # flows need the check that an intro naming two of them counts once.
    twice = [p for p in everyone if sum(m == people[p] for m in people.values()) > 1] if people else []
    r = aliased(Referral, name="r")
    party, other = aliased(ReferralParty, name="p"), aliased(ReferralParty, name="p2")
    provider = aliased(ReferralParty, name="p3")
    person, other_person = aliased(Person, name="pp"), aliased(Person, name="pp2")
    introducer = aliased(Person, name="i")
    giver = _member_of(r.introducer_id, people)
    # correlate_except: inside the nested EXISTS below, r is two levels up (auto-correlation looks one).
    named_provider = exists(select(provider.id).where(provider.referral_id == r.id, provider.role == "provider")
                            .correlate_except(provider))
    role_unknown = ~exists().where(other.referral_id == r.id, other.role.in_(("provider", "prospect")))

    def receives(p) -> ColumnElement[bool]:
        """A member party receives it: the provider, or (no provider named) the referral's own member."""
        return or_(p.role == "provider",
                   and_(p.role == "party", ~named_provider, _member_of(p.person_id, people) == r.member_id))

    def given_to(p) -> ColumnElement[bool]:
        return or_(
            # a party outside the group who is not the client (known: an address or a partner record)
            and_(p.person_id.not_in(everyone), p.role != "prospect"),
            # another member who receives it
            and_(p.person_id.in_(everyone), receives(p), _member_of(p.person_id, people) != giver))

    wheres: list[ColumnElement[bool]] = [r.status.not_in(NOT_COUNTED)]
    if scope.grouped:
        wheres.append(r.mailbox_id.is_(None) if scope.mailbox_id is None else r.mailbox_id == scope.mailbox_id)
    if scope.referrals is not None:
        wheres.append(r.id.in_(bindparam("flow_referrals", list(scope.referrals), expanding=True)))
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

    receiver = _member_of(party.person_id, people)
    received = (select(*columns(receiver, RECEIVED, introducer))
                .select_from(party).join(r, r.id == party.referral_id)
                .join(introducer, introducer.id == r.introducer_id)
                .where(party.person_id.in_(mine), receives(party), *wheres, *partner(introducer),
                       or_(giver.is_(None), receiver != giver),  # nobody receives their own intro
                       # …from someone: an address, a partner record, or a member
                       or_(introducer.email.is_not(None), introducer.partner_id.is_not(None), giver.is_not(None)),
                       *_once_of(twice, party.person_id, ~exists().where(  # two of the member's addresses in one
                           other.referral_id == r.id, other.id < party.id,  # intro: it is received once
                           other.role == party.role, _member_of(other.person_id, people) == receiver))))
    given = (select(*columns(giver, GIVEN, person))
             .select_from(r).join(party, party.referral_id == r.id).join(person, person.id == party.person_id)
             .where(r.introducer_id.in_(mine), *wheres, *partner(person), given_to(party),
                    or_(person.email.is_not(None), person.partner_id.is_not(None)),
                    # two addresses of one partner in one intro: given to that partner once
                    *_once_of(shared, person.partner_id, ~exists(
                        select(other.id).join(other_person, other_person.id == other.person_id).where(
                            other.referral_id == r.id, other.id < party.id,
                            other_person.partner_id == person.partner_id, given_to(other))))))
    flows = union_all(given, received)
    if scope.lines is None:
        return select(flows.subquery("arms"))
    arms = flows.subquery("arms")
    return select(arms).where(tuple_(arms.c.member_id, arms.c.key).in_(scope.lines))


# The columns of every figures query, so several can be asked in one statement (UNION ALL).
FIGURES = ("part", "member_id", "key", "way", "month", "value_currency", "referrals", "connected", "qualified",
           "won", "went_nowhere", "role_unknown", "last", "value", "before_0", "before_1", "first_email",
           "last_email", "no_email")


def figures(part: str, src, keys: Sequence[str], at: Sequence[datetime] = (), emails: bool = False) -> Select:
    """Flow figures of `src` (one row per referral and keys) per keys and the currency of closed
    business (NULL for the rest): referrals, connected, qualified, won, went nowhere, roles unknown,
    last intro, value, how many came before each of two instants `at` (balances then) and, with
    `emails`, the addresses met (first, last, how many rows had none). Columns: FIGURES."""
    c = src.c
    valued = case((and_(c.status == Status.WON, c.value_cents != 0), c.currency), else_=null())
    instants = [n(c.introduced_at < when) for when in at] + [literal(0)] * (2 - len(at))
    values = (literal(part), *(c[k] if k in keys else null() for k in ("member_id", "key", "way")),
              null(), valued, func.count(), n(c.status.in_(CONNECTED)), n(c.status.in_(QUALIFIED)),
              n(c.status == Status.WON), n(c.status.in_(WENT_NOWHERE)), func.sum(c.role_unknown),
              func.max(c.introduced_at), func.sum(case((valued.is_not(None), c.value_cents), else_=0)),
              *instants,
              *((func.min(c.email), func.max(c.email), n(c.email.is_(None))) if emails
                else (null(), null(), literal(0))))
    return _labelled(values).group_by(*(c[k] for k in keys), valued)


def flagging(part: str, src, keys: Sequence[str]) -> Select:
    """Only what a line's flags read (referrals, went nowhere, last intro) per keys: the group's
    view counts flagged partners without working out their every figure. Columns: FIGURES."""
    c = src.c
    values = (literal(part), *(c[k] if k in keys else null() for k in ("member_id", "key", "way")), null(), null(),
              func.count(), literal(0), literal(0), literal(0), n(c.status.in_(WENT_NOWHERE)), literal(0),
              func.max(c.introduced_at), literal(0), literal(0), literal(0), null(), null(), literal(0))
    return _labelled(values).group_by(*(c[k] for k in keys))


def first_seen(part: str, src) -> Select:
    """Per line (member, key) and address met: the first referral it was met in, in `referrals`,
    and the address in `first_email` (a line's partner is the address of its earliest referral).
    Columns: FIGURES."""
    c = src.c
    values = (literal(part), c.member_id, c.key, null(), null(), null(), func.min(c.referral_id), literal(0),
              literal(0), literal(0), literal(0), literal(0), null(), literal(0), literal(0), literal(0), c.email,
              null(), literal(0))
    return _labelled(values).group_by(c.member_id, c.key, c.email)


def n(condition) -> ColumnElement:
    """How many rows meet the condition."""
    return func.sum(case((condition, 1), else_=0))


def _labelled(values) -> Select:
    return select(*(v.label(name) for v, name in zip(values, FIGURES, strict=True)))


def per_member(flows) -> Subquery:
    """Each referral once per member and way: one given to several partners is given once (a
    member receives a referral once already: from its one introducer)."""
    c = flows.c
    columns = (c.member_id, c.way, c.referral_id, c.status, c.value_cents, c.currency, c.introduced_at, c.role_unknown)
    return union_all(select(*columns).where(c.way == RECEIVED),
                     select(*columns).where(c.way == GIVEN).distinct()).subquery("per_member")


def monthly(session: Session, part: str, src, keys: Sequence[str]) -> Select:
    """Referrals per keys and calendar month (UTC) of `src` (one row per referral and keys)."""
    c = src.c
    month = month_of(session, c.introduced_at)
    values = (literal(part), *(c[k] if k in keys else null() for k in ("member_id", "key", "way")), month,
              null(), func.count(), *([literal(0)] * 4), literal(0), null(), literal(0), literal(0), literal(0),
              null(), null(), literal(0))
    return _labelled(values).group_by(*(c[k] for k in keys), month)
