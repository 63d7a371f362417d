"""The weekly digest per member: the week's referrals each way, changes, value, and the partners
worth a coffee — queued through the outbox like every other mail, once per member and week."""
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from models import FollowUp, Member, OutboxMessage, Person, Referral, ReferralEvent, ReferralParty
from models.db import must_get, reading
from worker.core import locales, money
from worker.core.statuses import NOT_COUNTED, Step
from worker.ledger import balance as ledger
from worker.ledger import customers, promotions
from worker.outbound import outbox
from worker.outbound.language import for_address as language_for
from worker.outbound.memberview import describe, member_view
from worker.outbound.templating import Rendered, TemplateProblem, Templates

log = logging.getLogger("introledger.digest")

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

    def due_now(self, session: Session) -> list[tuple[int, str, datetime, datetime, str]]:
        """(member id, outbox key, week covered from, until, week) for every member whose local
        Monday 08:00 has passed and whose digest for it is not queued yet: one lookup of the keys,
        so a sweep with nothing due costs a query, not a digest per member."""
        items = []
        for member in session.scalars(select(Member).order_by(Member.id)):
            local = self.now().astimezone(ZoneInfo(self.zones.get(member.name, "UTC")))
            start = (local - timedelta(days=(local.weekday() - self.weekday) % 7)).replace(
                hour=self.hour, minute=0, second=0, microsecond=0)
            if local < start:
                start -= timedelta(days=7)
            covered = start - timedelta(days=7)  # the digest sent on Monday is about the week before
            if start <= member.created_at:
                continue  # its Monday came before the member joined (day one): not sent days late
            week = f"{covered:%G-W%V}"
            items.append((member.id, f"digest:{member.id}:{week}", covered, start, week))
        queued = set(session.scalars(select(OutboxMessage.dedupe_key).where(
            OutboxMessage.dedupe_key.in_([key for _, key, *_ in items])))) if items else set()
        return [item for item in items if item[1] not in queued]

    def queue_due(self, session: Session) -> int:
        """Queue this week's digest for every member whose local Monday 08:00 has passed."""
        queued, held = 0, Held()
        for member_id, key, covered, start, week in self.due_now(session):
            member = must_get(session, Member, member_id)
            rendered = held.render(self, session, member, covered, start, week)
            if rendered is not None:  # None: a quiet week, no mail about nothing (or held)
                queued += self._queue(session, key, member, rendered)
        held.say()
        return queued

    def run_due(self, sessions: sessionmaker[Session]) -> int:
        """queue_due() a member at a time: each digest worked out in a session that only reads
        (no lock on SQLite: the mailbox's commits go on meanwhile), then queued in a short write."""
        with reading(sessions) as session:
            due = self.due_now(session)
        queued, held = 0, Held()
        for member_id, key, covered, start, week in due:
            with reading(sessions) as session:
                member = must_get(session, Member, member_id)
                rendered = held.render(self, session, member, covered, start, week)
            if rendered is not None:
                with sessions.begin() as session:
                    queued += self._queue(session, key, must_get(session, Member, member_id), rendered)
        held.say()
        return queued

    def _queue(self, session: Session, key: str, member: Member, rendered) -> bool:
        row = outbox.queue(session, key=key, kind="digest", to=member.emails[0],
                           sender=f"introledger <{self.tracking}>", rendered=rendered, now=self.now(),
                           referral_ids=[], member_id=member.id)
        return row is not None

    def render(self, session: Session, member: Member, since: datetime, until: datetime, week: str):
        # The member's people (their addresses as people rows): every question below reads only the
        # referrals they are in, through indexes, not the whole week's or history's.
        mine = select(Person.id).where(Person.email.in_(member.emails)).scalar_subquery()
        in_week = (Referral.introduced_at >= since, Referral.introduced_at < until, Referral.status.not_in(NOT_COUNTED))
        order = (Referral.introduced_at, Referral.id)
        received = session.scalars(select(Referral).where(*in_week, Referral.id.in_(_with_party(mine)))
                                   .order_by(*order)).all()
        given = session.scalars(select(Referral).where(*in_week, Referral.introducer_id.in_(mine))
                                .order_by(*order)).all()
        changes, won = _changes(session, mine, member, since, until), _won(session, mine, since, until)
        group = self._group(session, since, until) if member.name in self.coordinators else []
        if not (received or given or changes or won or any(g["week_given"] or g["week_received"] for g in group)):
            return None
        lines = ledger.build(session, None, until, until, self.thresholds, member=member.name, months=False)
        voice = language_for(session, member.emails[0], self.templates.language)
        return self.templates.render(
            "digest", voice.language, voice.register,
            # the week as the reader's dates (Monday to Sunday, their zone); `week` keys the outbox
            member=member_view(member), week=locales.span(since, until - timedelta(days=1), voice.language),
            received=[_item(session, r, member) for r in received],
            given=[_item(session, r, member) for r in given], changes=changes, won=won,
            due=_due(session, member, until), top=_top(lines),
            unbalanced=_unbalanced(lines), group=group,
            gave_back=promotions.gave_back(lines, promotions.promoted_ids(session, member)),
            clients=_clients(session, member, lines),
        )

    def _group(self, session: Session, since: datetime, until: datetime) -> list[dict]:
        """The coordinator's table: every member's week and running balance."""
        names = list(session.scalars(select(Member.name).order_by(Member.id)))
        week = {t.member: t for t in ledger.Ledger(session, since, until).group(names, until, self.thresholds)}
        total = ledger.Ledger(session, None, until).group(names, until, self.thresholds)
        return [{"name": t.member, "week_given": week[t.member].given.referrals,
                 "week_received": week[t.member].received.referrals, "given": t.given.referrals,
                 "received": t.received.referrals, "balance": f"{t.balance:+d}"} for t in total]


@dataclass
class Held:
    """The digests one sweep could not render (a broken override, templates_dir/<language>/digest.txt):
    not queued, so each stays due and goes on the first sweep after the fix while the other members'
    go now; said once a sweep per problem, naming the members who wait."""
    members: dict[str, list[str]] = field(default_factory=dict)  # problem -> member names

    def render(self, digests: Digests, session: Session, member: Member, since: datetime, until: datetime,
               week: str) -> Rendered | None:
        try:
            return digests.render(session, member, since, until, week)
        except TemplateProblem as exc:
            self.members.setdefault(str(exc), []).append(member.name)
            return None

    def say(self) -> None:
        for problem, names in self.members.items():
            log.warning("weekly digest for %s held back until the template is fixed (it goes on the first sweep "
                        "after; `introledger doctor` checks): %s", ", ".join(names), problem)


def _item(session: Session, r: Referral, reader: Member) -> dict:
    view = describe(session, r, reader)
    return {"date": r.introduced_at, "introducer": view["introducer"]["name"], "others": view["others"]}


def _with_party(people) -> Select:
    """The referrals these people are parties to."""
    return select(ReferralParty.referral_id).where(ReferralParty.person_id.in_(people))


def _changes(session: Session, mine, reader: Member, since: datetime, until: datetime) -> list[dict]:
    """The week's status changes of the member's referrals (a review decision is bookkeeping, not news)."""
    changed = session.execute(select(ReferralEvent, Referral).join(Referral, Referral.id == ReferralEvent.referral_id)
                              .where(ReferralEvent.at >= since, ReferralEvent.at < until,
                                     ReferralEvent.accepted.is_(True),
                                     ReferralEvent.old_status != ReferralEvent.new_status,
                                     ReferralEvent.old_status.not_in(NOT_COUNTED), Referral.status.not_in(NOT_COUNTED),
                                     or_(Referral.introducer_id.in_(mine), Referral.id.in_(_with_party(mine))))
                              .order_by(ReferralEvent.at, ReferralEvent.id)).all()
    return [{"others": describe(session, r, reader)["others"], "ref": r.id, "old": e.old_status, "new": e.new_status}
            for e, r in changed]


def _won(session: Session, mine, since: datetime, until: datetime) -> dict[str, int]:
    """Closed business the member received this week, per currency."""
    rows = session.execute(select(Referral.currency, func.sum(Referral.value_cents)).where(
        Referral.won_at >= since, Referral.won_at < until, Referral.value_cents.is_not(None),
        Referral.value_cents != 0, Referral.id.in_(_with_party(mine))).group_by(Referral.currency))
    by_currency: dict[str, int] = {}
    for currency, total in rows:
        money.add(by_currency, int(total or 0), currency)
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


def _clients(session: Session, member: Member, lines: list[ledger.PartnerLine]) -> list[dict]:
    """Partners in the member's ledger who are also the member's clients (worker/ledger/customers.py)."""
    since = customers.partners_who_are_clients(session, member)
    named = {l.partner_id: l.name for l in lines if l.partner_id in since}
    return [{"name": named[pid], "since": since[pid]} for pid in sorted(named, key=lambda p: since[p])][:5]
