"""The give-and-take ledger: per member and partner, what went each way over a period.

"Given to P": the member introduced P as the provider (business went to P).
"Received from P": P introduced someone to the member, who was the provider.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Member, Partner, Referral
from worker.core import money
from worker.core.config import LedgerConfig
from worker.core.statuses import NOT_COUNTED, QUALIFIED, WENT_NOWHERE, Status

CONNECTED = frozenset({Status.CONNECTED, Status.QUALIFIED, Status.WON})
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
    counted: dict[int, Referral] = field(default_factory=dict, repr=False)

    def add(self, r: Referral) -> None:
        if r.id in self.counted:
            return  # one intro is one referral, however many of its parties are partners
        self.counted[r.id] = r
        self.referrals += 1
        self.connected += r.status in CONNECTED
        self.qualified += r.status in QUALIFIED
        self.won += r.status == Status.WON
        if r.status == Status.WON:
            money.add(self.values, r.value_cents, r.currency)
        self.went_nowhere += r.status in WENT_NOWHERE
        self.role_unknown += not any(p.role in ("provider", "prospect") for p in r.parties)
        self.last = max(filter(None, (self.last, r.introduced_at)), default=None)

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
    # (when, +1 given / -1 received): the balance at any moment, for its trend.
    moves: list[tuple[datetime, int]] = field(default_factory=list, repr=False)

    @property
    def balance(self) -> int:
        return self.given.referrals - self.received.referrals

    def balance_at(self, when: datetime) -> int:
        return sum(step for at, step in self.moves if at < when)

    def monthly(self) -> list[dict]:
        """Per calendar month with activity: given, received, and the running balance after it."""
        months: dict[str, list[int]] = {}
        for at, step in sorted(self.moves):
            months.setdefault(f"{at:%Y-%m}", [0, 0])[0 if step > 0 else 1] += 1
        running, out = 0, []
        for month, (given, received) in months.items():
            running += given - received
            out.append({"month": month, "given": given, "received": received, "balance": running})
        return out

    def trend(self, now: datetime, since: datetime | None = None) -> dict:
        """The balance TREND_WINDOW ago beside now: is the relationship getting more one-sided?
        A period that starts later than that has no "before" to compare with."""
        after = self.balance_at(now)
        if since is not None and since > now - TREND_WINDOW:
            return {"days": TREND_WINDOW.days, "before": None, "now": after, "direction": "n/a"}
        before = self.balance_at(now - TREND_WINDOW)
        if abs(after) > abs(before):
            word = "widening"
        elif abs(after) < abs(before):
            word = "narrowing"
        else:
            word = "steady"
        return {"days": TREND_WINDOW.days, "before": before, "now": after, "direction": word}


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
          thresholds: Thresholds = Thresholds(), member: str | None = None) -> list[PartnerLine]:
    members = {m.id: m for m in session.scalars(select(Member))}
    partners = {p.id: p for p in session.scalars(select(Partner))}
    lines: dict[tuple[int, object], PartnerLine] = {}
    for r in _referrals(session, since, until):
        for member_id, person, way in _flows(r, members):
            m = members[member_id]
            if member and not names(member, m):
                continue
            record = partners.get(person.partner_id)
            key = (member_id, record.id if record else person.email)  # merged addresses count as one
            name = record.name if record else (person.name or person.email)
            line = lines.setdefault(key, PartnerLine(m.name, person.email or "", name,
                                                     partner_id=record.id if record else None))
            (line.given if way == "given" else line.received).add(r)
            line.moves.append((r.introduced_at, 1 if way == "given" else -1))
    for line in lines.values():
        line.flag_facts = flag_facts(line, now, thresholds)
        line.flags = [flag_text(f) for f in line.flag_facts]
    return sorted(lines.values(),
                  key=lambda l: (l.member, -(l.given.referrals + l.received.referrals), l.partner, l.name))


def _referrals(session: Session, since, until) -> list[Referral]:
    query = select(Referral).where(Referral.status.not_in(NOT_COUNTED))
    if since:
        query = query.where(Referral.introduced_at >= since)
    if until:
        query = query.where(Referral.introduced_at < until)
    return list(session.scalars(query))


def _flows(r: Referral, members: dict[int, Member]):
    """(member id, partner person, 'given' | 'received') for each member this referral concerns."""
    def member_of(email):
        return next((m.id for m in members.values() if email and email in m.emails), None)

    giver = member_of(r.introducer.email)
    named_provider = any(p.role == "provider" for p in r.parties)
    for p in r.parties:
        receiver = member_of(p.person.email)
        if receiver is None:
            # A prospect is the client, not a partner; a provider known only by name (a slip
            # imported from a group's system) counts once it has a partner record.
            if giver is not None and p.role != "prospect" and (p.person.email or p.person.partner_id):
                yield giver, p.person, "given"
        elif not (p.role == "provider" or (p.role == "party" and not named_provider and receiver == r.member_id)):
            # A member who is the client of another, or one of two members the mail did not tell apart
            # (the referral's own member receives it): one intro is received once.
            continue
        elif receiver != giver and (r.introducer.email or r.introducer.partner_id or giver is not None):
            # From a partner, or from another member of the group: the receiver's ledger records it,
            # and a giving member's records it as given.
            yield receiver, r.introducer, "received"
            if giver is not None:
                yield giver, p.person, "given"


def flag_facts(line: PartnerLine, now: datetime, t: Thresholds) -> list[dict]:
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
    """Totals per member (every configured member, quiet ones too, so a silent member shows)."""
    totals = {name: MemberTotals(name) for name in members}
    for line in lines:
        t = totals.setdefault(line.member, MemberTotals(line.member))
        t.partners += 1
        t.flagged += bool(line.flags)
        for mine, theirs in ((t.given, line.given), (t.received, line.received)):
            for r in list(theirs.counted.values()):
                mine.add(r)  # by referral, so an intro of two partners is given once, not twice
    return sorted(totals.values(), key=lambda t: (-(t.given.referrals + t.received.referrals), t.member))
