"""The give-and-take ledger: per member and partner, what went each way over a period.

"Given to P": the member introduced P as the provider (business went to P).
"Received from P": P introduced someone to the member, who was the provider.
"""
import dataclasses
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select, union_all
from sqlalchemy.orm import Session

from models import Mailbox, Member, Partner, Person
from models.db import READS_ONLY
from models.groups import group_of
from worker.core import money
from worker.core.config import LedgerConfig
from worker.core.statuses import NOT_COUNTED
from worker.ledger import flows, summary

__all__ = ["NOT_COUNTED", "Flow", "Ledger", "MemberTotals", "PartnerLine", "PartnerRow", "Thresholds", "build",
           "flag_facts", "flag_text", "group", "names"]
TREND_WINDOW = timedelta(days=90)


@dataclass
class Flow:
    referrals: int = 0
    connected: int = 0
    qualified: int = 0
    won: int = 0
    values: dict[str, int] = field(default_factory=dict)  # currency → minor units; never added across
    went_nowhere: int = 0
    role_unknown: int = 0  # intros whose provider the mail did not tell (counted once all the same)
    last: datetime | None = None

    def add(self, row) -> None:
        """Fold in one aggregate row (worker/ledger/flows.py counts): one currency's share of the figures."""
        self.referrals += row.referrals
        self.connected += row.connected
        self.qualified += row.qualified
        self.won += row.won
        self.went_nowhere += row.went_nowhere
        self.role_unknown += row.role_unknown
        if row.value_currency is not None:
            money.add(self.values, row.value, row.value_currency)
        self.last = max(filter(None, (self.last, row.last)), default=None)

    @classmethod
    def stored(cls, way) -> "Flow":
        """One way of a row of stored sums (worker/ledger/summary.py: row[GIVEN] or row[RECEIVED])."""
        referrals, connected, qualified, won, nowhere, unknown, last, amounts = way
        return cls(referrals, connected, qualified, won, summary.amounts(amounts) if amounts else {}, nowhere, unknown,
                   summary.instant(last))

    @property
    def value(self) -> str:
        return money.format_sums(self.values)


@dataclass
class PartnerLine:
    member: str
    partner: str   # the partner's (first seen) address; "" for one known only by name (a slip)
    name: str
    partner_id: int | None = None
    given: Flow = field(default_factory=Flow)
    received: Flow = field(default_factory=Flow)
    flags: list[str] = field(default_factory=list)
    # The same flags as facts ({"kind": "unbalanced", "gave": 4, "got": 1}, …): mail words them per language.
    flag_facts: list[dict] = field(default_factory=list)
    # The balance just before the ledger's trend instant, and TREND_WINDOW before that.
    balance_now: int = field(default=0, repr=False)
    balance_before: int = field(default=0, repr=False)
    # Referrals either way before that window: none, and the line is new, with no trend to speak of.
    earlier: int = field(default=0, repr=False)
    # (YYYY-MM, given, received); None until asked for (monthly() asks the ledger, for all its lines).
    months: list[tuple[str, int, int]] | None = field(default=None, repr=False)
    ref: tuple[int, int] | None = field(default=None, repr=False)  # (member id, flows key)
    book: "Ledger | None" = field(default=None, repr=False, compare=False)  # the ledger that built it

    @property
    def balance(self) -> int:
        return self.given.referrals - self.received.referrals

    def monthly(self) -> list[dict]:
        """Per calendar month with activity: given, received, and the running balance after it."""
        if self.months is None and self.book is not None:
            self.book.load_months()
        return running(self.months or [])

    def trend(self, now: datetime, since: datetime | None = None) -> dict:
        """The balance TREND_WINDOW ago beside now: is the relationship getting more one-sided?
        A period that starts later than that has no "before" to compare with. The balances are
        the ones the database counted for the ledger's `trend_at` (Ledger.lines), `now` the
        moment a caller says that is (a few microseconds later, or the end of the period)."""
        if self.book is not None:
            self.book.load_trend()
        after, before = self.balance_now, self.balance_before
        if since is not None and since > now - TREND_WINDOW:
            return {"days": TREND_WINDOW.days, "before": None, "now": after, "direction": "n/a"}
        if not self.earlier:  # all of it came within the window: "+0 → -1 widening" said nothing
            return {"days": TREND_WINDOW.days, "before": None, "now": after, "direction": "new"}
        if abs(after) > abs(before):
            word = "widening"
        elif abs(after) < abs(before):
            word = "narrowing"
        else:
            word = "steady"
        return {"days": TREND_WINDOW.days, "before": before, "now": after, "direction": word}


@dataclass
class PartnerRow:
    """One partner on the partners page: its lines (one a member who dealt with it) added up."""

    key: int
    partner_id: int | None
    name: str
    partner: str  # an address of it: the least of its lines' first addresses
    given: int
    received: int
    won: tuple[int, int]
    members: list[str]
    flags: list[str]
    addresses: list[str] = field(default_factory=list, repr=False)

    @property
    def balance(self) -> int:
        return self.given - self.received

    @classmethod
    def of(cls, key: int, lines: list[PartnerLine], name: str | None = None) -> "PartnerRow":
        lines = sorted(lines, key=_order)
        addresses = sorted({l.partner for l in lines if l.partner})
        return cls(key, flows.partner_of(key), lines[0].name if name is None and lines else name or "",
                   addresses[0] if addresses else "", sum(l.given.referrals for l in lines),
                   sum(l.received.referrals for l in lines), (sum(l.given.won for l in lines),
                                                              sum(l.received.won for l in lines)),
                   sorted({l.member for l in lines}), [f for l in lines for f in l.flags], addresses)


def running(months: list[tuple[str, int, int]]) -> list[dict]:
    """(month, given, received) in month order → the same with the balance after each month."""
    total, out = 0, []
    for month, given, received in months:
        total += given - received
        out.append({"month": month, "given": given, "received": received, "balance": total})
    return out


@dataclass(frozen=True)
class Thresholds:
    unbalanced_ratio: float = 3.0   # given ≥ ratio × received (and ≥ min_given) is out of balance
    min_given: int = 3
    quiet_days: float = 90
    nowhere_share: float = 0.5      # given referrals that went nowhere, as a share

    @classmethod
    def from_config(cls, c: LedgerConfig) -> "Thresholds":
        return cls(c.unbalanced_ratio, c.min_given, c.quiet_after.total_seconds() / 86400, c.nowhere_share)


def names(who: str, member) -> bool:
    """Does `who` (a name or an address, any case) name this member (config or database row)?"""
    return who.strip().lower() in (member.name.lower(), *member.emails)


def build(session: Session, since: datetime | None, until: datetime | None, now: datetime,
          thresholds: Thresholds = Thresholds(), member: str | None = None, *, partner_id: int | None = None,
          trend_at: datetime | None = None, months: bool = False) -> list[PartnerLine]:
    """The ledger's lines (see Ledger.lines)."""
    return Ledger(session, since, until, member, partner_id).lines(now, thresholds, trend_at, months)


def _group(session: Session) -> tuple[bool, int | None]:
    """(may this session read stored sums, of which group): a group's session (models/groups.py)
    its group's (the mailbox id; None: config.yaml's); a session of no group sees every member and
    referral, which is config.yaml's group alone while no other mailbox exists — else it reads the
    flows. That is asked on a connection of its own, so the session's snapshot has not begun yet."""
    grouped, mailbox_id = group_of(session)
    if grouped:
        return True, mailbox_id
    bind = session.get_bind()
    with (bind if isinstance(bind, Engine) else bind.engine).connect() as conn:
        conn.execution_options(**{READS_ONLY: True})  # SQLite: a reader's DEFERRED begin, no write lock
        return conn.scalar(select(Mailbox.id).limit(1)) is None, None


class Ledger:
    """One ledger question — a period, a member (name or address), a partner record — answered by
    aggregates in the database (worker/ledger/flows.py): lines per member and partner, totals per
    member, a monthly series. What it holds is the answer's size, not the history's."""

    def __init__(self, session: Session, since: datetime | None = None, until: datetime | None = None,
                 member: str | None = None, partner_id: int | None = None, stored: bool = True):
        """stored=False: every answer from the flows, never the stored sums (what they are checked against)."""
        def choose(members) -> tuple[int, ...] | None:
            return None if member is None else tuple(m.id for m in members if names(member, m))

        self.session = session
        # The whole history is read from the members' stored sums (worker/ledger/summary.py),
        # brought up to date before this session's snapshot begins when it has not begun yet.
        whole = stored and since is None and until is None and partner_id is None
        self._history, self.mailbox_id = _group(session) if whole else (False, None)
        if self._history and summary.may_prepare(session):
            summary.prepare(session.get_bind(), choose, self.mailbox_id)
        self.members = list(session.scalars(select(Member).order_by(Member.id)))
        self.names = {m.id: m.name for m in self.members}
        self.scope = flows.Scope(since, until, choose(self.members), partner_id)
        self._stored: bool | None = None  # are the stored sums, as this session sees them, up to date
        self._trend_at: datetime | None = None  # the instant lines() owes its lines' balances at
        # The members' totals when group() worked them out, and whether they are stored sums.
        self._totals: tuple[list, bool] | None = None
        self._lines: dict[tuple[int, int], PartnerLine] = {}  # what lines() built, by (member id, key)

    @contextmanager
    def _reading(self):
        """A question asked after the caller's session was closed (its lines kept, the session not)
        reads in a transaction of its own, ended here: SQLite's BEGIN IMMEDIATE would otherwise
        hold the write lock until the session is collected, so it begins as a reader (DEFERRED)."""
        was_open = self.session.in_transaction()
        try:
            if not was_open:
                self.session.connection(execution_options={READS_ONLY: True})
            yield
        finally:
            if not was_open:
                self.session.close()

    def _flows(self, lines: list[PartnerLine] | None = None):
        scope = self.scope if lines is None else self.scope.restricted(l.ref for l in lines if l.ref)
        return flows.relation(self.session, self.members, scope)

    def _ask(self, parts) -> list:
        """Several figures over one flows relation in one statement: the relation is worked out
        once (a MATERIALIZED common table expression) however many answers read it."""
        if len(parts) == 1:
            return list(self.session.execute(parts[0]).all())
        return list(self.session.execute(union_all(*parts)).all())

    def _ids(self) -> list[int]:
        return sorted(self.scope.members if self.scope.members is not None else self.names)

    def stored(self) -> bool:
        """Does this ledger read the stored sums: a question about the whole history whose members'
        sums, as this session sees them, no logged write has touched since they were computed."""
        if self._stored is None:
            self._stored = self._history and not summary.out_of_date(self.session, self.members, self._ids(),
                                                                     self.mailbox_id)
        return self._stored

    def _stored_lines(self, rows: list | None = None) -> dict[tuple[int, int], PartnerLine]:
        """Lines from stored rows (default: all of the scope's), named."""
        found: dict[tuple[int, int], PartnerLine] = {}
        with self._reading():
            for row in summary.rows(self.session, "line", self._ids()) if rows is None else rows:
                ref = (row.member_id, row.key)
                found[ref] = PartnerLine(self.names[row.member_id], row.email or "", "", flows.partner_of(row.key),
                                         Flow.stored(row[summary.GIVEN]), Flow.stored(row[summary.RECEIVED]), ref=ref,
                                         book=self)
            self._name_lines(found)
        return found

    def lines(self, now: datetime, thresholds: Thresholds = Thresholds(), trend_at: datetime | None = None,
              months: bool = False) -> list[PartnerLine]:
        """Per member and partner: each way's figures, balances at `trend_at` (default `now`) and
        TREND_WINDOW before it, flags as of `now`, and with `months` the monthly series (in the
        same statement; else PartnerLine.monthly() asks for them when first read). From the stored
        sums, the balances are asked for when a line's trend() is first read."""
        trend_at = trend_at or now
        if not months and self.stored():
            self._trend_at = trend_at
            return self._flagged(self._stored_lines(), now, thresholds)
        f = self._flows().cte("flows")
        parts = [flows.figures("line", f, ("member_id", "key", "way"), at=(trend_at, trend_at - TREND_WINDOW),
                               emails=True)]
        if months:
            parts.append(flows.monthly(self.session, "month", f, ("member_id", "key", "way")))
        if len(parts) > 1:
            f = f.prefix_with("MATERIALIZED")
        found: dict[tuple[int, int], PartnerLine] = {}
        seen: dict[tuple[int, int], list] = {}  # addresses met: [first, last, rows without one]
        series: dict[tuple[int, int], dict[str, list[int]]] = {}
        for row in self._ask(parts):
            ref = (row.member_id, row.key)
            if row.part == "month":
                series.setdefault(ref, {}).setdefault(row.month, [0, 0])[row.way != flows.GIVEN] += row.referrals
                continue
            line = found.get(ref)
            if line is None:
                line = found[ref] = PartnerLine(self.names[row.member_id], "", "", flows.partner_of(row.key), ref=ref,
                                                book=self)
                seen[ref] = [row.first_email, row.last_email, row.no_email]
            else:
                s = seen[ref]
                s[0] = min(filter(None, (s[0], row.first_email)), default=None)
                s[1] = max(filter(None, (s[1], row.last_email)), default=None)
                s[2] += row.no_email
            sign = 1 if row.way == flows.GIVEN else -1
            (line.given if sign > 0 else line.received).add(row)
            line.balance_now += sign * row.before_0
            line.balance_before += sign * row.before_1
            line.earlier += row.before_1  # either way, before the window
        self._name(found, seen)
        if months:
            self._months(found, series)
        return self._flagged(found, now, thresholds)

    def _flagged(self, found: dict[tuple[int, int], PartnerLine], now: datetime,
                 thresholds: Thresholds) -> list[PartnerLine]:
        self._lines = found
        for line in found.values():
            line.flag_facts = flag_facts(line, now, thresholds)
            line.flags = [flag_text(f) for f in line.flag_facts]
        return sorted(found.values(), key=_order)

    def flagged(self, now: datetime, thresholds: Thresholds = Thresholds(), first: int | None = None
                ) -> list[PartnerLine]:
        """lines() with a flag, in lines()' order; with `first`, the first that many of them (how
        many there are in all: group()'s totals count them). From the stored sums only those lines
        are read (the database picks the first by member, most referrals, address)."""
        if not self.stored():
            return [line for line in self.lines(now, thresholds) if line.flags][:first]
        order = {m: i for i, m in enumerate(sorted(self.names, key=lambda m: (self.names[m], m)))}
        with self._reading():
            found = self._stored_lines(summary.rows(self.session, "line", self._ids(), (now, thresholds),
                                                    first=None if first is None else (first, order)))
        for line in found.values():
            line.flag_facts = flag_facts(line, now, thresholds)
            line.flags = [flag_text(f) for f in line.flag_facts]
        return sorted((l for l in found.values() if l.flags), key=_order)[:first]

    def partners(self, now: datetime, thresholds: Thresholds = Thresholds(), q: str = "", flagged: bool = False,
                 offset: int = 0, limit: int | None = None) -> tuple[list["PartnerRow"], int]:
        """The partners page: per partner across these lines (a coordinator's: every member's), the
        busiest first, then by name; with `q` (lower case) those whose name or an address has it,
        with `flagged` those with a flag. One page (from `offset`, at most `limit`) and how many
        there are in all. From the stored sums the database aggregates the lines and only the
        page's are read; else worked out from lines()."""
        if not self.stored():
            by_key: dict[int, list[PartnerLine]] = {}
            for line in self.lines(now, thresholds):
                by_key.setdefault(line.ref[1] if line.ref else 0, []).append(line)
            found = [PartnerRow.of(key, lines) for key, lines in by_key.items()]
            found = [r for r in found if (not q or q in r.name.lower() or any(q in a.lower() for a in r.addresses))
                     and (not flagged or r.flags)]
            found.sort(key=lambda r: (-(r.given + r.received), r.name.lower(), r.key))
            return found[offset:None if limit is None else offset + limit], len(found)
        with self._reading():
            page, total, rows = summary.partner_rows(self.session, self._ids(), now, thresholds, q, flagged, offset,
                                                     limit)
            named = self._stored_lines(rows)
        by_key = {}
        for line in named.values():
            line.flag_facts = flag_facts(line, now, thresholds)
            line.flags = [flag_text(f) for f in line.flag_facts]
            by_key.setdefault(line.ref[1] if line.ref else 0, []).append(line)
        return [PartnerRow.of(row.key, by_key.get(row.key, []), row.name) for row in page], total

    @staticmethod
    def _months(found: dict[tuple[int, int], PartnerLine], series: dict[tuple[int, int], dict[str, list[int]]]):
        for ref, line in found.items():
            line.months = [(m, g, r) for m, (g, r) in sorted(series.get(ref, {}).items())]

    def load_trend(self) -> None:
        """The balances at the trend instant lines() was asked for, of every line it built, in one
        statement. The stored sums keep no balance at an instant, but each line's whole balance:
        what came from TREND_WINDOW before the instant on is counted and taken off it, so the
        statement reads the window's referrals, not the member's whole history."""
        at, self._trend_at = self._trend_at, None
        if at is None:
            return
        for line in self._lines.values():
            line.balance_now = line.balance_before = line.balance
            line.earlier = line.given.referrals + line.received.referrals
        with self._reading():
            scope = dataclasses.replace(self.scope, since=at - TREND_WINDOW)
            f = flows.relation(self.session, self.members, scope).subquery()
            for row in self._ask([flows.figures("line", f, ("member_id", "key", "way"), at=(at,))]):
                moved = self._lines.get((row.member_id, row.key))
                if moved is not None:
                    sign = 1 if row.way == flows.GIVEN else -1
                    moved.balance_before -= sign * row.referrals  # came in the window or later
                    moved.earlier -= row.referrals
                    moved.balance_now -= sign * (row.referrals - row.before_0)  # came at the instant or later

    def load_months(self) -> None:
        """The monthly series of every line lines() built, in one statement (PartnerLine.monthly)."""
        series: dict[tuple[int, int], dict[str, list[int]]] = {}
        with self._reading():
            f = self._flows().subquery()
            for row in self._ask([flows.monthly(self.session, "month", f, ("member_id", "key", "way"))]):
                cell = series.setdefault((row.member_id, row.key), {}).setdefault(row.month, [0, 0])
                cell[row.way != flows.GIVEN] += row.referrals
        self._months(self._lines, series)

    def _whole(self, lines: list[PartnerLine] | None) -> bool:
        """Are these all the lines lines() built (no partner filter): then the whole scope is asked."""
        return lines is None or {l.ref for l in lines} == set(self._lines)

    def _name(self, found: dict[tuple[int, int], PartnerLine], seen: dict[tuple[int, int], list]) -> None:
        """Each line's name (the partner record's, else the person's) and address: the partner's
        first seen, i.e. in the line's earliest referral, when it has several."""
        unsure = []
        for ref, line in found.items():
            first, last, without = seen[ref]
            if first == last and not (without and first):
                line.partner = first or ""
            else:
                unsure.append(line)
        if unsure:
            f = self._flows(unsure).subquery()
            earliest = self.session.execute(select(f.c.member_id, f.c.key, f.c.email,
                                                   func.min(f.c.referral_id).label("first"))
                                            .group_by(f.c.member_id, f.c.key, f.c.email)).all()
            for row in sorted(earliest, key=lambda r: (r.first, r.email or "")):
                line = found[(row.member_id, row.key)]
                if line in unsure:
                    line.partner = row.email or ""
                    unsure.remove(line)
        self._name_lines(found)

    def _name_lines(self, found: dict[tuple[int, int], PartnerLine]) -> None:
        """Each line's name: its partner record's, else its person's, else its address."""
        records = _lookup(self.session, Partner.id, Partner.name, {l.partner_id for l in found.values()} - {None})
        people = _lookup(self.session, Person.id, Person.name,
                         {-ref[1] for ref, l in found.items() if l.partner_id is None})
        for ref, line in found.items():
            line.name = records.get(line.partner_id, "") if line.partner_id else (people.get(-ref[1]) or line.partner)

    def totals(self, names: list[str], lines: list[PartnerLine], only_these: bool = False) -> list["MemberTotals"]:
        """Per member, every intro once (an intro of two partners is given once, not twice); every
        member in `names` has a line, quiet ones too. `only_these`: over these lines alone (a
        partner filter), else over the whole scope (worked out already if group() asked)."""
        totals = {name: MemberTotals(name) for name in names}
        for line in lines:
            t = totals.setdefault(line.member, MemberTotals(line.member))
            t.partners += 1
            t.flagged += bool(line.flags)
        found = self._totals
        only_these = only_these and not self._whole(lines)
        if not only_these and found is None and self.stored():
            with self._reading():
                found = (summary.rows(self.session, "member", self._ids()), True)
        if only_these or found is None:
            with self._reading():
                f = self._flows(lines if only_these else None).subquery()
                found = (self._ask([flows.figures("member", flows.per_member(f), ("member_id", "way"))]), False)
        return self._tally(totals, *found)

    def _tally(self, totals: dict[str, "MemberTotals"], rows: list, stored: bool) -> list["MemberTotals"]:
        """Fold the members' figures (stored sums, or the flows' per_member figures) into their totals."""
        for row in rows:
            name = self.names[row.member_id]
            t = totals.setdefault(name, MemberTotals(name))
            if stored:  # one row a member, both ways
                t.given, t.received = Flow.stored(row[summary.GIVEN]), Flow.stored(row[summary.RECEIVED])
            else:
                (t.given if row.way == flows.GIVEN else t.received).add(row)
        return sorted(totals.values(), key=lambda t: (-(t.given.referrals + t.received.referrals), t.member))

    def group(self, names: list[str], now: datetime, thresholds: Thresholds = Thresholds()) -> list["MemberTotals"]:
        """totals(names, lines(now, thresholds)) in one statement, reading of each line only what its
        flags need: the coordinator's view of the group."""
        if self.stored():
            with self._reading():
                counts = summary.line_counts(self.session, self._ids(), now, thresholds)
                rows = summary.rows(self.session, "member", self._ids())
            totals = {name: MemberTotals(name) for name in names}
            for member, (lines, flagged) in counts.items():
                t = totals.setdefault(self.names[member], MemberTotals(self.names[member]))
                t.partners, t.flagged = lines, flagged
            return self._tally(totals, rows, True)
        f = self._flows().cte("flows").prefix_with("MATERIALIZED")
        rows = self._ask([flows.flagging("line", f, ("member_id", "key", "way")),
                          flows.figures("member", flows.per_member(f), ("member_id", "way"))])
        found: dict[tuple[int, int], PartnerLine] = {}
        self._totals = ([row for row in rows if row.part == "member"], False)
        for row in rows:
            if row.part == "line":
                ref = (row.member_id, row.key)
                line = found.setdefault(ref, PartnerLine(self.names[row.member_id], "", "", ref=ref, book=self))
                (line.given if row.way == flows.GIVEN else line.received).add(row)
        for line in found.values():
            line.flags = [flag_text(f) for f in flag_facts(line, now, thresholds)]
        return self.totals(names, list(found.values()))

    def by_month(self, lines: list[PartnerLine] | None = None) -> list[dict]:
        """Per member and month: given, received (each intro once) and the running balance."""
        series: dict[str, dict[str, list[int]]] = {}
        with self._reading():
            if self._whole(lines) and self.stored():
                for row in summary.rows(self.session, "month", self._ids()):
                    series.setdefault(self.names[row.member_id], {})[row.month] = [row.g_referrals, row.r_referrals]
                found = []
            else:
                f = self._flows(None if self._whole(lines) else lines).subquery()
                once = select(f.c.member_id, f.c.way, f.c.referral_id, f.c.introduced_at).distinct().subquery()
                found = self._ask([flows.monthly(self.session, "month", once, ("member_id", "way"))])
        for row in found:
            cell = series.setdefault(self.names[row.member_id], {}).setdefault(row.month, [0, 0])
            cell[row.way != flows.GIVEN] += row.referrals
        return [{"member": name, **month} for name in sorted(series)
                for month in running([(m, g, r) for m, (g, r) in sorted(series[name].items())])]


def _order(l: PartnerLine) -> tuple:
    """Lines by member, the busiest first."""
    return l.member, -(l.given.referrals + l.received.referrals), l.partner, l.name, l.partner_id or 0


def _lookup(session: Session, key, value, wanted: set) -> dict:
    """{key: value} for the wanted keys, asked in chunks (a database caps a statement's parameters)."""
    found: dict = {}
    wanted_list = sorted(wanted)
    for at in range(0, len(wanted_list), 500):
        found.update((k, v) for k, v in session.execute(select(key, value).where(key.in_(wanted_list[at:at + 500]))))
    return found


def flag_facts(line: PartnerLine, now: datetime, t: Thresholds) -> list[dict]:
    """A line's flags as of `now` (worker/ledger/summary.py's _flagged asks the same of stored sums)."""
    found: list[dict] = []
    g, rcv = line.given.referrals, line.received.referrals
    if g >= t.min_given and g >= t.unbalanced_ratio * max(rcv, 1) and g > rcv:
        found.append({"kind": "unbalanced", "gave": g, "got": rcv})
    last = max(filter(None, (line.given.last, line.received.last)), default=None)
    if last is not None and now - last > timedelta(days=t.quiet_days):
        found.append({"kind": "quiet", "days": (now - last).days})
    if g and line.given.went_nowhere / g >= t.nowhere_share:
        found.append({"kind": "nowhere", "count": line.given.went_nowhere, "of": g})
    return found


def flag_text(fact: dict) -> str:
    """A flag in the words of reports (English; mail words them in templates/<language>/_words.txt)."""
    if fact["kind"] == "unbalanced":
        return f"out of balance: you gave {fact['gave']}, got {fact['got']}"
    if fact["kind"] == "quiet":
        return f"gone quiet: nothing either way for {fact['days']} days"
    return f"{fact['count']} of {fact['of']} referrals you gave went nowhere"


@dataclass
class MemberTotals:
    """One member's whole ledger in a line: the coordinator's view of the group."""

    member: str
    given: Flow = field(default_factory=Flow)
    received: Flow = field(default_factory=Flow)
    partners: int = 0
    flagged: int = 0

    @property
    def balance(self) -> int:
        return self.given.referrals - self.received.referrals


def group(lines: list[PartnerLine], members: list[str]) -> list[MemberTotals]:
    """Totals per member over these lines, every intro once (Ledger.totals), asked of the ledger
    that built them; every member in `members` has a line, quiet ones too."""
    book = next((l.book for l in lines if l.book is not None), None)
    if book is None:
        return [MemberTotals(name) for name in sorted(members)]
    return book.totals(members, lines, only_these=True)
