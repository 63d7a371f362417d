"""Referral fees due: per member, partner and period, what partners with a fee arrangement
(Partner.referral_fee) owe for the business the member sent them that closed in the period.

The arrangement is the member's own words; two shapes are read, everything else is listed with its
words and no sum (a person reads them): a percentage ("10% of the first job") of each closed deal's
value, or an amount with its currency ("$250 per closed deal") per closed deal. Closed: WON, with
won_at in the period; sums stay per currency, never added across.
"""
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Member, Partner, Referral
from worker.core import money
from worker.core.money import Amount
from worker.core.statuses import Status
from worker.ledger import balance as ledger
from worker.ledger.flows import GIVEN, Scope, relation
from worker.mail.commands import parse_amount

_PERCENT = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:%|percent\b|pct\b|prozent\b|pour ?cent\b|por ?ciento\b|procent\b)",
                      re.IGNORECASE)


@dataclass(frozen=True)
class Terms:
    basis: str                     # "percent" | "flat" | "unread"
    percent: Decimal | None = None
    amount: Amount | None = None

    def due(self, values: dict[str, int], won: int) -> dict[str, int] | None:
        if self.basis == "percent" and self.percent is not None:
            return {c: int((Decimal(v) * self.percent / 100).to_integral_value()) for c, v in values.items()}
        if self.basis == "flat" and self.amount is not None:
            return {self.amount.currency: self.amount.minor * won}
        return None


def terms(text: str) -> Terms:
    found = _PERCENT.search(text or "")
    if found:
        return Terms("percent", percent=Decimal(found.group(1).replace(",", ".")))
    amount = parse_amount(text or "")
    if amount is not None and amount.currency:
        return Terms("flat", amount=amount)
    return Terms("unread")


@dataclass
class FeeLine:
    member: str
    partner_id: int
    partner: str
    words: str
    terms: Terms
    referral_ids: list[int] = field(default_factory=list)
    values: dict[str, int] = field(default_factory=dict)

    @property
    def due(self) -> dict[str, int] | None:
        return self.terms.due(self.values, len(self.referral_ids))

    def as_json(self) -> dict:
        due = self.due
        return {"member": self.member, "partner_id": self.partner_id, "partner": self.partner, "terms": self.words,
                "basis": self.terms.basis, "won": len(self.referral_ids), "referral_ids": self.referral_ids,
                "values": dict(sorted(self.values.items())), "value": money.format_sums(self.values),
                "due": dict(sorted(due.items())) if due is not None else None,
                "due_text": money.format_sums(due) if due is not None else "see terms"}


def due(session: Session, since: datetime | None, until: datetime | None, member: str | None = None,
        partner_id: int | None = None) -> list[FeeLine]:
    """A line per member and partner with a fee arrangement and business closed in the period."""
    members = [m for m in session.scalars(select(Member).order_by(Member.id)) if not member or ledger.names(member, m)]
    if not members:
        return []
    flows = relation(session, members, Scope(members=tuple(m.id for m in members), partner_id=partner_id)).subquery()
    query = (select(flows.c.member_id, Partner.id, Referral.id, Referral.value_cents, Referral.currency)
             .distinct().select_from(flows)
             .join(Referral, Referral.id == flows.c.referral_id).join(Partner, Partner.id == flows.c.partner_id)
             .where(flows.c.way == GIVEN, Referral.status == Status.WON, Referral.won_at.is_not(None),
                    Partner.referral_fee != ""))
    if since is not None:
        query = query.where(Referral.won_at >= since)
    if until is not None:
        query = query.where(Referral.won_at < until)
    names = {m.id: m.name for m in members}
    lines: dict[tuple[int, int], FeeLine] = {}
    for member_id, pid, referral_id, value, currency in session.execute(query.order_by(Referral.id)):
        line = lines.get((member_id, pid))
        if line is None:
            p = session.get(Partner, pid)
            assert p is not None, "joined above"
            line = lines[(member_id, pid)] = FeeLine(names[member_id], pid, p.name, p.referral_fee,
                                                     terms(p.referral_fee))
        if referral_id not in line.referral_ids:
            line.referral_ids.append(referral_id)
            money.add(line.values, value, currency)
    return sorted(lines.values(), key=lambda l: (l.member, l.partner.lower()))
