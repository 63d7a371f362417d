"""The weekly digest per member: the week's referrals each way, changes, value, and the partners
worth a coffee — queued through the outbox like every other mail, once per member and week."""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import FollowUp, Member, OutboxMessage, Referral, ReferralEvent
from models.db import must_get
from worker.core import money
from worker.core.statuses import NOT_COUNTED, Step
from worker.ledger import balance as ledger
from worker.ledger import promotions
from worker.outbound import outbox
from worker.outbound.language import for_address as language_for
from worker.outbound.memberview import describe, member_view
from worker.outbound.templating import Templates

BAR_PX = 160


@dataclass
class Digests:
    tracking: str
    templates: Templates
    zones: dict[str, str]          # member name → IANA zone
    now: Callable[[], datetime]
    weekday: int = 0               # Monday
    hour: int = 8
    thresholds: ledger.Thresholds = ledger.Thresholds()
    coordinators: frozenset[str] = frozenset()  # member names who also get the group's figures

    def queue_due(self, session: Session) -> int:
        """Queue this week's digest for every member whose local Monday 08:00 has passed."""
        queued = 0
        for member in session.scalars(select(Member).order_by(Member.id)):
            local = self.now().astimezone(ZoneInfo(self.zones.get(member.name, "UTC")))
            start = (local - timedelta(days=(local.weekday() - self.weekday) % 7)).replace(
                hour=self.hour, minute=0, second=0, microsecond=0)
            if local < start:
                start -= timedelta(days=7)
            covered = start - timedelta(days=7)  # the digest sent on Monday is about the week before
            week = f"{covered:%G-W%V}"
            key = f"digest:{member.id}:{week}"
            if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)) is not None:
                continue  # this week's is queued already: the sweep runs every few seconds
            rendered = self.render(session, member, covered, start, week)
            if rendered is None:
                continue  # a quiet week: no mail about nothing
            row = outbox.queue(session, key=key, kind="digest", to=member.emails[0],
                               sender=f"introledger <{self.tracking}>", rendered=rendered, now=self.now(),
                               referral_ids=[], member_id=member.id)
            queued += row is not None
        return queued

    def render(self, session: Session, member: Member, since: datetime, until: datetime, week: str):
        mine = set(member.emails)
        week_refs = session.scalars(select(Referral).where(
            Referral.introduced_at >= since, Referral.introduced_at < until, Referral.status.not_in(NOT_COUNTED))
            .order_by(Referral.introduced_at)).all()
        received = [r for r in week_refs if any(p.person.email in mine for p in r.parties)]
        given = [r for r in week_refs if r.introducer.email in mine]
        changes, won = _changes(session, mine, since, until), _won(session, mine, since, until)
        group = self._group(session, since, until) if member.name in self.coordinators else []
        if not (received or given or changes or won or any(g["week_given"] or g["week_received"] for g in group)):
            return None
        lines = ledger.build(session, None, until, until, self.thresholds, member=member.name, months=False)
        return self.templates.render(
            "digest", language_for(session, member.emails[0], self.templates.language).language,
            member=member_view(member), week=week,
            received=[_item(session, r) for r in received], given=[_item(session, r) for r in given],
            changes=changes, won=won, due=_due(session, member, until), top=_top(lines),
            unbalanced=_unbalanced(lines), group=group,
            gave_back=promotions.gave_back(lines, promotions.promoted_ids(session, member)),
        )

    def _group(self, session: Session, since: datetime, until: datetime) -> list[dict]:
        """The coordinator's table: every member's week and running balance."""
        names = list(session.scalars(select(Member.name).order_by(Member.id)))
        week = {t.member: t for t in ledger.Ledger(session, since, until).group(names, until, self.thresholds)}
        total = ledger.Ledger(session, None, until).group(names, until, self.thresholds)
        return [{"name": t.member, "week_given": week[t.member].given.referrals,
                 "week_received": week[t.member].received.referrals, "given": t.given.referrals,
                 "received": t.received.referrals, "balance": f"{t.balance:+d}"} for t in total]


def _item(session: Session, r: Referral) -> dict:
    view = describe(session, r)
    return {"date": r.introduced_at, "introducer": view["introducer"]["name"], "others": view["others"]}


def _changes(session: Session, mine: set[str], since: datetime, until: datetime) -> list[dict]:
    events = session.scalars(select(ReferralEvent).where(
        ReferralEvent.at >= since, ReferralEvent.at < until, ReferralEvent.accepted.is_(True),
        ReferralEvent.old_status != ReferralEvent.new_status).order_by(ReferralEvent.at)).all()
    out = []
    for e in events:
        r = must_get(session, Referral, e.referral_id)
        if r.status in NOT_COUNTED or e.old_status in NOT_COUNTED:
            continue  # a review decision is bookkeeping, not news about a referral
        if r.introducer.email in mine or any(p.person.email in mine for p in r.parties):
            out.append({"others": describe(session, r)["others"], "ref": r.id, "old": e.old_status,
                        "new": e.new_status})
    return out


def _won(session: Session, mine: set[str], since: datetime, until: datetime) -> dict[str, int]:
    won = session.scalars(select(Referral).where(Referral.won_at >= since, Referral.won_at < until)).all()
    mine_won = [r for r in won if any(p.person.email in mine for p in r.parties) and r.value_cents]
    by_currency: dict[str, int] = {}
    for r in mine_won:
        money.add(by_currency, r.value_cents, r.currency)
    return by_currency


def _due(session: Session, member: Member, until: datetime) -> int:
    return session.scalar(select(func.count()).select_from(FollowUp).join(Referral).where(
        FollowUp.status == Step.SCHEDULED, FollowUp.due_at < until + timedelta(days=7),
        Referral.member_id == member.id)) or 0


def _top(lines: list[ledger.PartnerLine]) -> list[dict]:
    ranked = sorted(lines, key=lambda l: -(l.given.referrals + l.received.referrals))[:5]
    most = max((max(l.given.referrals, l.received.referrals) for l in ranked), default=1) or 1
    return [{"name": l.name, "given": l.given.referrals, "received": l.received.referrals,
             "given_px": round(BAR_PX * l.given.referrals / most),
             "received_px": round(BAR_PX * l.received.referrals / most),
             "bar": "▮" * l.received.referrals + "▯" * l.given.referrals} for l in ranked]


def _unbalanced(lines: list[ledger.PartnerLine]) -> list[dict]:
    return [{"name": l.name, "flags": l.flag_facts} for l in lines if l.flags][:5]
