"""The whole history's ledger from stored sums (models/ledger.py), never staler than the database.

A question about the whole history (no period, no partner filter) reads each member's sums instead
of a pass over their flows. Triggers log every write that can move a member's figures
(`ledger_changes`, in the writer's transaction); before trusting a member's sums a reader checks,
in its own snapshot, that no logged write touches them. A refresh — before the reader's
transaction begins, under one lock so two never interleave — applies the log: each member's flows
are stored too (`ledger_flows`, a row per flow as worker/ledger/flows.py gives it), so a write
costs the members it touched the flows of the referrals it touched, worked out again, and of their
sums only the lines, months and totals those flows are in (tens of milliseconds with a 100,000
referral history, where a member worked out whole costs a pass over their thousands of flows). A
member never worked out, or every member after a bulk import or a change of the members, is worked
out whole when next asked for. A reader that cannot refresh first (its transaction had begun) and
finds its members out of date asks the flows, as before.
"""
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CTE,
    BigInteger,
    ColumnElement,
    Connection,
    Engine,
    Float,
    Insert,
    Select,
    Subquery,
    and_,
    bindparam,
    case,
    cast,
    delete,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from models import (
    LedgerChange,
    LedgerFlow,
    LedgerLock,
    LedgerSum,
    LedgerSummary,
    Member,
    Partner,
    Person,
    Referral,
    ReferralParty,
)
from models.base import utcnow
from models.db import READS_ONLY, insert_new, rowcount
from worker.core import money
from worker.ledger import flows

if TYPE_CHECKING:
    from worker.ledger.balance import Thresholds

# More logged writes than this (a bulk import, a migration) are not sorted out member by member:
# every member is recomputed when next asked for.
MANY = 2000
CHUNK = 500
Choose = Callable[[Sequence[Member]], Collection[int] | None]  # the members a reader wants (None: all)


@dataclass(frozen=True)
class Touched:
    """What logged writes may have moved: these members' figures (None: every member's), through
    these referrals' flows; `deleted`: a referral was deleted too (the log has no id for it)."""

    members: set[int] | None
    referrals: frozenset[int] = frozenset()
    deleted: bool = False


def touched(session: Session, changes: Sequence[LedgerChange], members: Sequence[Member]) -> Touched:
    """The members whose figures these logged writes may have moved, and the referrals whose flows
    they may have moved. A referral's write touches the members it flows to and from (its
    introducer's, its parties', its own member); a person's new partner record or address,
    everyone in that person's referrals."""
    if len(changes) > MANY or any(c.kind == "all" for c in changes):
        return Touched(None)
    referrals = {c.referral_id for c in changes if c.referral_id is not None}
    people = {c.person_id for c in changes if c.person_id is not None}
    found = {c.member_id for c in changes if c.member_id is not None}
    owners = flows.addresses(members)
    found |= {owners[c.email] for c in changes if c.email in owners}
    moved = sorted({c.person_id for c in changes if c.kind == "person" and c.person_id is not None})
    for part in _chunks(moved):
        referrals |= set(session.scalars(select(ReferralParty.referral_id).where(ReferralParty.person_id.in_(part))))
        referrals |= set(session.scalars(select(Referral.id).where(Referral.introducer_id.in_(part))))
    if len(referrals) > MANY:
        return Touched(None)
    for part in _chunks(sorted(referrals)):
        for introducer, member in session.execute(select(Referral.introducer_id, Referral.member_id)
                                                  .where(Referral.id.in_(part))):
            people.add(introducer)
            if member is not None:
                found.add(member)
        people |= set(session.scalars(select(ReferralParty.person_id).where(ReferralParty.referral_id.in_(part))))
    whose = flows.member_people(session, members)
    # A deleted referral's row says who was in it, not its id (the referral delete trigger).
    deleted = any(c.kind == "row" and c.referral_id is None for c in changes)
    return Touched(found | {whose[p] for p in people if p in whose}, frozenset(referrals), deleted)


def _group(mailbox_id: int | None) -> ColumnElement[bool]:
    """The summaries worked out over this group's referrals."""
    column = LedgerSummary.mailbox_id
    return column.is_(None) if mailbox_id is None else column == mailbox_id


def out_of_date(session: Session, members: Sequence[Member], wanted: Collection[int] | None,
                mailbox_id: int | None = None) -> set[int]:
    """Which wanted members (of the group `mailbox_id`, `members` its members) this session may not
    trust the sums of: none stored for this group, or a logged write touches them."""
    ids = {m.id for m in members} if wanted is None else set(wanted)
    stored = set(session.scalars(select(LedgerSummary.member_id).where(_group(mailbox_id))))
    missing = ids - stored
    changes = list(session.scalars(select(LedgerChange).order_by(LedgerChange.id).limit(MANY + 1)))
    if not changes:
        return missing
    hit = touched(session, changes, members).members
    return ids if hit is None else missing | (hit & ids)


def may_prepare(session: Session) -> bool:
    """May sums be refreshed for this session's reads: it has no transaction yet, or one that only
    reads (models.db.reading: on SQLite a deferred BEGIN, whose snapshot starts at its first read).
    Never from inside a transaction that may hold SQLite's write lock: the refresh would wait on it."""
    if not session.in_transaction():
        return True
    return bool(session.connection().get_execution_options().get(READS_ONLY))


def prepare(bind: Engine | Connection, choose: Choose, mailbox_id: int | None = None) -> None:
    """Bring the wanted members' sums up to date (of the group `mailbox_id`: its members, over its
    referrals), in transactions of this function's own: call it before the reader's transaction
    begins, so the reader's snapshot holds what it wrote. Nothing out of date: one short read, no
    lock."""
    if not isinstance(bind, Engine):
        return  # a session on a caller's connection: no transaction of our own to be had

    def ours(everyone: list[Member]) -> list[Member]:
        return [m for m in everyone if m.mailbox_id == mailbox_id]

    with Session(bind) as session:
        session.connection(execution_options={READS_ONLY: True})
        members = ours(list(session.scalars(select(Member).order_by(Member.id))))
        if not out_of_date(session, members, choose(members), mailbox_id):
            return
    with Session(bind) as session, session.begin():
        _lock(session)
        everyone = list(session.scalars(select(Member).order_by(Member.id)))
        _forget(session, everyone)  # every group's: the log is one for all
        members = ours(everyone)
        wanted = choose(members)
        ids = {m.id for m in members} if wanted is None else set(wanted) & {m.id for m in members}
        todo = ids - set(session.scalars(select(LedgerSummary.member_id).where(_group(mailbox_id))))
        if todo:
            store(session, members, sorted(todo), mailbox_id)


def _lock(session: Session) -> None:
    """One refresh at a time. On SQLite this UPDATE takes the write lock before anything is read
    (a snapshot read first could not be written from); on PostgreSQL, the row's lock."""
    now = utcnow()
    if not rowcount(session.execute(update(LedgerLock).where(LedgerLock.id == 1).values(refreshed_at=now))):
        session.execute(insert_new(session, LedgerLock.__table__, ("id",)).values(id=1, refreshed_at=now))
        session.execute(update(LedgerLock).where(LedgerLock.id == 1).values(refreshed_at=now))


def _forget(session: Session, members: Sequence[Member]) -> None:
    """The logged writes applied: the members they touched get the flows of the referrals they
    touched worked out again and their sums added up again from their flows (a few referrals' worth
    of work, not a member's whole history). Past MANY writes, or when the members changed, every
    member is out of date instead (their LedgerSummary rows dropped: computed whole when next asked;
    their sums stay readable until then, so a reader that checked before this still reads whole ones)."""
    # One read by the primary key's order, no count(*) beside it: on PostgreSQL a count is a scan
    # of the whole table, dead rows included (an import's logged writes, until a vacuum), which the
    # planner may split over a parallel worker — 12-17 ms of a write's first page at 100k, where
    # this read takes ~1 ms.
    changes = list(session.scalars(select(LedgerChange).order_by(LedgerChange.id).limit(MANY + 1)))
    if not changes:
        return
    hit = Touched(None) if len(changes) > MANY else touched(session, changes, members)
    if hit.members is None:
        if session.get_bind().dialect.name == "postgresql":
            # Ids are handed out before commit: wait for the writers whose rows may not show yet,
            # and keep new ones out until this transaction ends, so "up to the last" is exact.
            session.execute(text("LOCK TABLE ledger_changes IN EXCLUSIVE MODE"))
        # (On SQLite _lock's write lock keeps new ones out already.)
        last = session.scalar(select(func.max(LedgerChange.id))) or changes[-1].id
        session.execute(delete(LedgerSummary))
        gone = LedgerSum.member_id.not_in([m.id for m in members] or [0])
        session.execute(delete(LedgerSum).where(gone))
        session.execute(delete(LedgerFlow).where(LedgerFlow.member_id.not_in([m.id for m in members] or [0])))
        session.execute(delete(LedgerChange).where(LedgerChange.id <= last))
        return
    groups: dict[int | None, list[int]] = {}
    for member_id, mailbox_id in session.execute(select(LedgerSummary.member_id, LedgerSummary.mailbox_id)
                                                 .where(LedgerSummary.member_id.in_(sorted(hit.members)))):
        groups.setdefault(mailbox_id, []).append(member_id)
    for mailbox_id, ids in groups.items():
        group = [m for m in members if m.mailbox_id == mailbox_id]
        ours = sorted(set(ids) & {m.id for m in group})
        stray = sorted(set(ids) - set(ours))  # stored over a group the member is no longer in
        if stray:
            session.execute(delete(LedgerSummary).where(LedgerSummary.member_id.in_(stray)))
        if ours:
            update_flows(session, group, ours, sorted(hit.referrals), mailbox_id, hit.deleted)
    for part in _chunks([c.id for c in changes]):
        session.execute(delete(LedgerChange).where(LedgerChange.id.in_(part)))


FLOW = ("referrals", "connected", "qualified", "won", "went_nowhere", "role_unknown", "last_us", "amounts")
WAYS = {flows.GIVEN: "g_", flows.RECEIVED: "r_"}


# The flows relation's columns, as ledger_flows stores them.
FLOW_COLUMNS = ("referral_id", "member_id", "way", "partner_id", "email", "key", "status", "value_cents", "currency",
                "introduced_at", "role_unknown")


def store(session: Session, members: Sequence[Member], ids: Sequence[int], mailbox_id: int | None = None) -> None:
    """Work out these members' flows (worker/ledger/flows.py) over their group's referrals
    (`members`: the group's, `mailbox_id` its mailbox), store them and the sums they add up to."""
    for part in _chunks(list(ids)):
        session.execute(delete(LedgerFlow).where(LedgerFlow.member_id.in_(part)))
    _write_flows(session, members, ids, mailbox_id)
    add_up(session, ids, mailbox_id)


# Which of a member's stored sums to add up again: the lines of these keys, these months.
Parts = dict[int, tuple[set[int], set[str]]]


def update_flows(session: Session, members: Sequence[Member], ids: Sequence[int], referrals: Sequence[int],
                 mailbox_id: int | None = None, deleted: bool = False) -> None:
    """These members' stored flows of these referrals worked out again (with `deleted`, those of
    referrals no longer there dropped), and of their sums those the old or new flows are in added
    up again from their flows — the lines of those partners, those months, the totals: what a write
    costs the next reader."""
    parts: Parts = {i: (set(), set()) for i in ids}
    conn = session.connection()
    old: list = []
    new: list = []

    def look(gone: bool, into: list, part: Sequence[int] = ()) -> None:
        """Which lines and months these members' stored flows of these referrals are in, and their totals."""
        seen, totals = _touched(session.get_bind().dialect.name, gone)
        given = {"flow_members": list(ids), "flow_referrals": list(part)}
        for member, key, at in conn.execute(seen, given):
            parts[member][0].add(key)
            parts[member][1].add(at)
        into += conn.execute(totals, given).all()

    stored = LedgerFlow.__table__
    for part in _chunks(list(referrals)):
        look(False, old, part)
        conn.execute(delete(stored).where(stored.c.member_id.in_(ids), stored.c.referral_id.in_(part)))
        _write_flows(session, members, ids, mailbox_id, tuple(part))
        look(False, new, part)
    if deleted:
        look(True, old)
        conn.execute(delete(stored).where(stored.c.member_id.in_(ids),
                                          ~exists().where(Referral.__table__.c.id == stored.c.referral_id)))
    add_up(session, ids, mailbox_id, parts, (old, new))


@lru_cache(maxsize=8)
def _touched(dialect: str, gone: bool) -> tuple[Select, Select]:
    """The lines and months (member, key, month) the stored flows of the members `flow_members` and
    the referrals `flow_referrals` (with `gone`, of referrals no longer there) are in, and their
    totals: built once, as building them costs more than running them for a write's referrals."""
    stored = LedgerFlow.__table__
    which = (~exists().where(Referral.__table__.c.id == stored.c.referral_id) if gone
             else stored.c.referral_id.in_(bindparam("flow_referrals", expanding=True)))
    where = and_(stored.c.member_id.in_(bindparam("flow_members", expanding=True)), which)
    month = func.substr(stored.c.introduced_at, 1, 7) if dialect == "sqlite" else \
        func.to_char(func.timezone("UTC", stored.c.introduced_at), "YYYY-MM")  # flows.month_of's
    src = select(*(stored.c[c] for c in FLOW_COLUMNS)).where(where).subquery()
    return (select(stored.c.member_id, stored.c.key, month).distinct().where(where),
            flows.figures("member", flows.per_member(src), ("member_id", "way")))


def _write_flows(session: Session, members: Sequence[Member], ids: Sequence[int], mailbox_id: int | None,
                 referrals: tuple[int, ...] | None = None) -> None:
    """Store these members' flows: all of them, or those of these referrals. A write's are worked
    out for every member of the group and kept for these: one statement, built once, serves them all."""
    grouped = flows.Scope(grouped=True, mailbox_id=mailbox_id)
    scope = replace(grouped, members=tuple(ids)) if referrals is None else replace(grouped, referrals=())
    # On the session's connection, past the ORM (which would take the parameters for rows to insert).
    session.connection().execute(_inserting(*flows.known(session, members), scope),
                                 {"flow_members": list(ids), "flow_referrals": list(referrals or ())})


@lru_cache(maxsize=32)
def _inserting(people: tuple[tuple[int, int], ...], shared: tuple[int, ...], scope: flows.Scope) -> Insert:
    """INSERT INTO ledger_flows the flows relation's rows of the members `flow_members` (and with
    scope.referrals, of the referrals `flow_referrals`), built for these members' people
    (flows.known()) and scope: building it costs more than running it for a write's referrals."""
    arms = flows.build(people, shared, scope).subquery("found")
    kept = select(*(arms.c[c] for c in FLOW_COLUMNS)).where(arms.c.member_id.in_(bindparam("flow_members",
                                                                                           expanding=True)))
    return insert(LedgerFlow.__table__).from_select(FLOW_COLUMNS, kept)


def add_up(session: Session, ids: Sequence[int], mailbox_id: int | None = None, parts: Parts | None = None,
           moved: tuple[list, list] | None = None) -> None:
    """These members' sums added up from their stored flows and stored (of the group `mailbox_id`):
    all of them, or with `parts` only those lines and months (the rest are as they were) and the
    totals moved by `moved` (the touched flows' totals before and after: moved_totals)."""
    stored = LedgerFlow.__table__
    mine = stored.c.member_id.in_(ids)
    month_at = flows.month_of(session, stored.c.introduced_at)
    lines: ColumnElement[bool] = mine
    months: ColumnElement[bool] = mine
    sums: ColumnElement[bool] = LedgerSum.member_id.in_(ids)
    if parts is not None:
        lines = or_(false(), *(and_(stored.c.member_id == m, stored.c.key.in_(sorted(keys)))
                               for m, (keys, _) in parts.items() if keys))
        months = or_(false(), *(and_(stored.c.member_id == m, month_at.in_(sorted(at)))
                                for m, (_, at) in parts.items() if at))
        s = LedgerSum
        sums = or_(and_(s.member_id.in_(ids), s.part == "member"),
                   *(and_(s.member_id == m, s.part == "line", s.key.in_(sorted(keys)))
                     for m, (keys, _) in parts.items() if keys),
                   *(and_(s.member_id == m, s.part == "month", s.month.in_(sorted(at)))
                     for m, (_, at) in parts.items() if at))

    def of(where: ColumnElement[bool], name: str) -> Subquery:
        return select(*(stored.c[c] for c in FLOW_COLUMNS)).where(where).subquery(name)

    out = []
    whole = list(ids)  # the members whose totals are added up over all their flows
    if parts is not None and moved is not None:
        whole = []
        before = {row.member_id: row._asdict() for row in session.execute(
            select(*MEMBER_ROW).where(LedgerSum.member_id.in_(ids), LedgerSum.part == "member"))}
        for member in ids:
            told, totals = moved_totals(member, before.get(member), [f for f in moved[0] if f.member_id == member],
                                        [f for f in moved[1] if f.member_id == member])
            if not told:
                whole.append(member)
            elif totals is not None:
                out.append(totals)
    f: Subquery | CTE
    f_months: Subquery | CTE
    everything: Subquery | CTE
    if parts is None:  # every flow of theirs, read four times: read once into one (materialized) copy
        f = f_months = everything = select(*(stored.c[c] for c in FLOW_COLUMNS)).where(mine).cte(
            "flows").prefix_with("MATERIALIZED")
    else:
        f, f_months = of(lines, "flows"), of(months, "flows_months")
        everything = of(stored.c.member_id.in_(whole), "flows_all")
    once = select(f_months.c.member_id, f_months.c.way, f_months.c.referral_id, f_months.c.introduced_at
                  ).distinct().subquery()
    found = session.execute(union_all(
        flows.figures("line", f, ("member_id", "key", "way")),
        *([flows.figures("member", flows.per_member(everything), ("member_id", "way"))] if whole else []),
        flows.monthly(session, "month", once, ("member_id", "way")),
        flows.first_seen("email", f))).all()
    first: dict[tuple[int, int], tuple[int, str]] = {}
    cells: dict[tuple, dict] = {}
    for row in found:
        if row.part == "email":
            ref, seen = (row.member_id, row.key), (row.referrals, row.first_email or "")
            first[ref] = min(first.get(ref, seen), seen)
            continue
        cell = cells.setdefault((row.member_id, row.part, row.key or 0, row.month or ""), {
            way + name: 0 for way in WAYS.values() for name in FLOW if name not in ("last_us", "amounts")})
        way = WAYS[row.way]
        for name in FLOW[:6]:
            cell[way + name] += getattr(row, name) or 0
        values = cell.setdefault(way + "values", {})
        if row.value_currency is not None:
            money.add(values, row.value, row.value_currency)
        cell[way + "last"] = max(filter(None, (cell.get(way + "last"), row.last)), default=None)
    for (member, part, key, month), cell in cells.items():
        last = {way: cell.pop(way + "last", None) for way in WAYS.values()}
        values = {way: cell.pop(way + "values", {}) for way in WAYS.values()}
        out.append({"member_id": member, "part": part, "key": key, "month": month,
                    "email": first[(member, key)][1] if part == "line" else None,
                    "last_us": micros(max(filter(None, last.values()), default=None)), **cell,
                    **{way + "last_us": micros(last[way]) for way in WAYS.values()},
                    **{way + "amounts": amounts_text(values[way]) for way in WAYS.values()}})
    session.execute(delete(LedgerSum).where(sums))
    if out:
        session.execute(insert(LedgerSum), out)
    now = utcnow()
    session.execute(delete(LedgerSummary).where(LedgerSummary.member_id.in_(ids)))  # another group's
    session.execute(insert(LedgerSummary), [{"member_id": i, "mailbox_id": mailbox_id, "computed_at": now}
                                            for i in ids])


COUNTS = FLOW[:6]
MEMBER_ROW = tuple(LedgerSum.__table__.c[name] for name in (
    "member_id", "part", "key", "month", "email", "last_us",
    *(way + name for way in WAYS.values() for name in (*COUNTS, "last_us", "amounts"))))


def moved_totals(member: int, before: dict | None, old: Sequence, new: Sequence) -> tuple[bool, dict | None]:
    """A member's totals row (MEMBER_ROW's columns; None: no row) once the flows whose totals were
    `old` (figure rows per way and currency, flows.figures) are `new`, from the row stored `before`:
    (True, the row), or (False, None) when that cannot be told without a pass over all their flows —
    a currency's value came to nothing, or the last intro one way left and nothing newer came."""
    if not old and not new:
        return True, before
    row: dict[str, Any] = dict(before) if before else {
        "member_id": member, "part": "member", "key": 0, "month": "", "email": None, "last_us": None,
        **{way + name: 0 for way in WAYS.values() for name in COUNTS},
        **{way + "last_us": None for way in WAYS.values()}, **{way + "amounts": "" for way in WAYS.values()}}
    for way, prefix in WAYS.items():
        values = amounts(row[prefix + "amounts"]) if row[prefix + "amounts"] else {}
        latest: dict[int, int | None] = {-1: None, 1: None}
        for sign, found in ((-1, old), (1, new)):
            for f in found:
                if f.way != way:
                    continue
                for name in COUNTS:
                    row[prefix + name] += sign * (getattr(f, name) or 0)
                if f.value_currency is not None and f.value:
                    values[f.value_currency] = values.get(f.value_currency, 0) + sign * f.value
                    if not values[f.value_currency]:
                        return False, None
                latest[sign] = max(filter(None, (latest[sign], micros(f.last))), default=None)
        if any(row[prefix + name] < 0 for name in COUNTS):
            return False, None  # not what was stored: never guessed at
        last, gone, came = row[prefix + "last_us"], latest[-1], latest[1]
        if came is not None and (last is None or came >= last):
            row[prefix + "last_us"] = came
        elif gone is not None and (last is None or gone >= last):
            return False, None
        row[prefix + "amounts"] = amounts_text(values)
    if not row["g_referrals"] and not row["r_referrals"]:
        return False, None
    row["last_us"] = max(filter(None, (row["g_last_us"], row["r_last_us"])), default=None)
    return True, row


# What rows() reads, in this order: a row's given figures are row[5:13], its received row[13:21].
READ = tuple(LedgerSum.__table__.c[name] for name in (
    "member_id", "key", "month", "email", "last_us", *(way + name for way in WAYS.values() for name in FLOW)))
GIVEN, RECEIVED = slice(5, 13), slice(13, 21)


def rows(session: Session, part: str, ids: Sequence[int], flagged: tuple[datetime, "Thresholds"] | None = None,
         first: tuple[int, dict[int, int]] | None = None) -> list:
    """The stored rows of one part for these members (READ's columns); of lines, with `flagged`
    (now, thresholds), only those with a flag; with `first` (n, {member id: rank}), the first n
    lines by the members' rank, most referrals both ways, address. On the session's connection,
    past the ORM: the group's 4,000 lines are read in milliseconds."""
    query = select(*READ).where(LedgerSum.member_id.in_(ids), LedgerSum.part == part)
    if flagged is not None:
        query = query.where(_flagged(*flagged))
    if first is not None:
        n, rank = first
        query = query.order_by(case(rank, value=LedgerSum.member_id, else_=len(rank)),
                               (LedgerSum.g_referrals + LedgerSum.r_referrals).desc(),
                               func.coalesce(LedgerSum.email, ""), LedgerSum.key).limit(n)
    return list(session.connection().execute(query).all())


def _flagged(now: datetime, t: "Thresholds") -> ColumnElement[bool]:
    """worker/ledger/balance.py flag_facts in SQL over a stored line, to the same arithmetic (the
    ratio and the share in doubles, the quiet time in whole microseconds): any flag as of `now`."""
    s = LedgerSum
    g, r = s.g_referrals, s.r_referrals
    quiet = timedelta(days=t.quiet_days) // MICROSECOND
    return or_(and_(g >= t.min_given, g >= literal(t.unbalanced_ratio, Float) * case((r > 1, r), else_=1), g > r),
               and_(s.last_us.is_not(None), literal(micros(now), BigInteger) - s.last_us > quiet),
               and_(g > 0, cast(s.g_went_nowhere, Float) / g >= literal(t.nowhere_share, Float)))


def partner_rows(session: Session, ids: Sequence[int], now: datetime, t: "Thresholds", q: str = "",
                 flagged: bool = False, offset: int = 0, limit: int | None = None) -> tuple[list, int, list]:
    """The partners page from the stored lines, aggregated in the database: per partner (a line's
    key) over these members' lines, its name, first address, referrals and won both ways and
    whether a line of it is flagged as of `now`; with `q` (lower case) only partners whose name or
    an address has it, with `flagged` only flagged ones; the busiest first, then by name. Returns
    the rows from `offset` (at most `limit`), how many there are in all, and those rows' lines
    (READ's columns) for their members and flags."""
    s = LedgerSum
    name = case((s.key > 0, func.coalesce(Partner.name, "")),
                else_=func.coalesce(func.nullif(Person.name, ""), s.email, ""))
    lines = (select(s.key, s.email, name.label("name"), s.g_referrals, s.r_referrals, s.g_won, s.r_won,
                    case((_flagged(now, t), 1), else_=0).label("flagged"))
             .select_from(s).outerjoin(Partner, Partner.id == s.key).outerjoin(Person, Person.id == -s.key)
             .where(s.member_id.in_(ids), s.part == "line")).subquery("lines")
    c = lines.c
    given, received = func.sum(c.g_referrals), func.sum(c.r_referrals)
    grouped = select(c.key, func.max(c.name).label("name"), func.min(c.email).label("email"),
                     given.label("given"), received.label("received"), func.sum(c.g_won).label("g_won"),
                     func.sum(c.r_won).label("r_won"), func.max(c.flagged).label("flagged")).group_by(c.key)
    if q:
        found = or_(func.lower(c.name).contains(q, autoescape=True),
                    func.lower(func.coalesce(c.email, "")).contains(q, autoescape=True))
        grouped = grouped.having(func.max(case((found, 1), else_=0)) == 1)
    if flagged:
        grouped = grouped.having(func.max(c.flagged) == 1)
    conn = session.connection()
    # How many in all, in the same pass (a window over the groups, counted before the LIMIT).
    page = list(conn.execute(grouped.add_columns(func.count().over().label("total"))
                             .order_by((given + received).desc(), func.lower(func.max(c.name)), c.key)
                             .offset(offset).limit(limit)).all())
    total = page[0].total if page else conn.scalar(select(func.count()).select_from(grouped.subquery())) or 0
    keys = [row.key for row in page]
    found_lines = list(conn.execute(select(*READ).where(s.member_id.in_(ids), s.part == "line", s.key.in_(keys))
                                    ).all()) if keys else []
    return page, total, found_lines


def line_counts(session: Session, ids: Sequence[int], now: datetime, t: "Thresholds") -> dict[int, tuple[int, int]]:
    """Per member: how many lines, how many of them flagged — the group's view, without the lines."""
    found = session.connection().execute(
        select(LedgerSum.member_id, func.count(), func.sum(case((_flagged(now, t), 1), else_=0)))
        .where(LedgerSum.member_id.in_(ids), LedgerSum.part == "line").group_by(LedgerSum.member_id))
    return {member: (count, flagged or 0) for member, count, flagged in found}


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def micros(at: datetime | None) -> int | None:
    return None if at is None else (at - EPOCH) // MICROSECOND


def instant(us: int | None) -> datetime | None:
    """The UTC instant `us` microseconds after 1970 (what micros() stored)."""
    return None if us is None else EPOCH + us * MICROSECOND


def amounts_text(values: dict[str, int]) -> str:
    return " ".join(f"{currency}:{minor}" for currency, minor in sorted(values.items()))


def amounts(text: str) -> dict[str, int]:
    """Currency → minor units, from amounts_text()'s text."""
    if " " not in text:  # one currency: most lines
        currency, _, minor = text.rpartition(":")
        return {currency: int(minor)}
    return {currency: int(minor) for currency, _, minor in (part.rpartition(":") for part in text.split())}


def _chunks(values: list) -> Iterable[list]:
    for at in range(0, len(values), CHUNK):
        yield values[at:at + CHUNK]
