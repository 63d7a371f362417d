"""The give-and-take ledger: per member and partner, what went each way over a period.

"Given to P": the member introduced P as the provider (business went to P).
"Received from P": P introduced someone to the member, who was the provider.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Member, Partner, Referral
from worker.config import LedgerConfig, seconds

CONNECTED = frozenset({"connected", "qualified", "won"})
QUALIFIED = frozenset({"qualified", "won"})
WENT_NOWHERE = frozenset({"stale", "no_fit"})


@dataclass
class Flow:
    referrals: int = 0
    connected: int = 0
    qualified: int = 0
    won: int = 0
    value_cents: int = 0
    went_nowhere: int = 0
    last: datetime | None = None

    def add(self, r: Referral) -> None:
        self.referrals += 1
        self.connected += r.status in CONNECTED
        self.qualified += r.status in QUALIFIED
        self.won += r.status == "won"
        self.value_cents += (r.value_cents or 0) if r.status == "won" else 0
        self.went_nowhere += r.status in WENT_NOWHERE
        self.last = max(filter(None, (self.last, r.introduced_at)), default=None)


@dataclass
class PartnerLine:
    member: str
    partner: str   # the partner's (first seen) address
    name: str
    partner_id: int | None = None
    given: Flow = field(default_factory=Flow)
    received: Flow = field(default_factory=Flow)
    flags: list[str] = field(default_factory=list)

    @property
    def balance(self) -> int:
        return self.given.referrals - self.received.referrals


@dataclass(frozen=True)
class Thresholds:
    unbalanced_ratio: float = 3.0   # given ≥ ratio × received (and ≥ min_given) is out of balance
    min_given: int = 3
    quiet_days: float = 90
    nowhere_share: float = 0.5      # given referrals that went nowhere, as a share

    @classmethod
    def from_config(cls, c: LedgerConfig) -> "Thresholds":
        return cls(c.unbalanced_ratio, c.min_given, seconds(c.quiet_after) / 86400, c.nowhere_share)


def build(session: Session, since: datetime | None, until: datetime | None, now: datetime,
          thresholds: Thresholds = Thresholds(), member: str | None = None) -> list[PartnerLine]:
    members = {m.id: m for m in session.scalars(select(Member))}
    partners = {p.id: p for p in session.scalars(select(Partner))}
    lines: dict[tuple[int, object], PartnerLine] = {}
    for r in _referrals(session, since, until):
        for member_id, person, way in _flows(r, members):
            m = members[member_id]
            if member and member.lower() not in (m.name.lower(), *m.emails):
                continue
            record = partners.get(person.partner_id)
            key = (member_id, record.id if record else person.email)  # merged addresses count as one
            name = record.name if record else (person.name or person.email)
            line = lines.setdefault(key, PartnerLine(m.name, person.email, name, partner_id=record.id if record else None))
            (line.given if way == "given" else line.received).add(r)
    for line in lines.values():
        line.flags = flags(line, now, thresholds)
    return sorted(lines.values(), key=lambda l: (l.member, -(l.given.referrals + l.received.referrals), l.partner))


def _referrals(session: Session, since, until) -> list[Referral]:
    query = select(Referral).where(Referral.status != "needs_review")
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
    for p in r.parties:
        receiver = member_of(p.person.email)
        if receiver is not None and giver is None and r.introducer.email:
            yield receiver, r.introducer, "received"
        if giver is not None and receiver is None and p.role != "prospect" and p.person.email:
            yield giver, p.person, "given"


def flags(line: PartnerLine, now: datetime, t: Thresholds) -> list[str]:
    found = []
    g, rcv = line.given.referrals, line.received.referrals
    if g >= t.min_given and g >= t.unbalanced_ratio * max(rcv, 1) and g > rcv:
        found.append(f"out of balance: you gave {g}, got {rcv}")
    last = max(filter(None, (line.given.last, line.received.last)), default=None)
    if last is not None and now - last > timedelta(days=t.quiet_days):
        found.append(f"gone quiet: nothing either way for {(now - last).days} days")
    if g and line.given.went_nowhere / g >= t.nowhere_share:
        found.append(f"{line.given.went_nowhere} of {g} referrals you gave went nowhere")
    return found
