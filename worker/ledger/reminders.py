"""Reminders as mail: the monthly coffee check-in, a nudge about promised referrals and the daily
"who could you refer today?" — pure decisions of what is due, queued through the outbox once each.

Every function that decides takes the session and `now` and returns a Decision with its reason in
words, whether or not a mail goes out; `Reminders.queue_due` renders and queues the ones that do.
"""
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from models import Member, OutboxMessage, Partner, Person, Promise, Referral
from models.db import must_get, reading
from worker.core import durations, lifecycle
from worker.core.config import CoffeeReminder, DailyPrompt, QuietHours, RemindersConfig
from worker.core.statuses import NOT_COUNTED, Kind, Mail, Status
from worker.ledger import balance as ledger
from worker.ledger import promotions
from worker.ledger.partners import fold_name
from worker.outbound import briefs, outbox, sendrules
from worker.outbound.language import for_address as language_for
from worker.outbound.memberview import member_view
from worker.outbound.quiet import outside_quiet_hours
from worker.outbound.templating import Rendered, TemplateProblem, Templates, first_name

log = logging.getLogger("introledger.reminders")
QUARTER = timedelta(days=90)  # "this quarter" in the figures: the last 90 days


@dataclass(frozen=True)
class Decision:
    """One reminder considered: its outbox key, whether it goes out now, and why."""

    key: str                  # the outbox dedupe key: once per key, ever
    template: str             # also the outbox kind
    member_id: int
    send: bool
    reason: str
    data: dict = field(default_factory=dict)  # the template's variables
    referral_ids: tuple[int, ...] = ()
    withdraw: tuple[int, ...] = ()  # queued mail this one replaces (sendrules.ask_once)
    # An asking mail (the heads-up reminder): asks from then on about referral_ids[0] count, and
    # ask_once is decided again where the mail is queued (Reminders._ask_again).
    asks_since: datetime | None = None


def _queued(session: Session, key: str) -> bool:
    return session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)) is not None


def _local(now: datetime, zone: str) -> datetime:
    return now.astimezone(ZoneInfo(zone))


def _day(when: datetime, zone: str = "UTC") -> str:
    return f"{_local(when, zone):%-d %b}"


def _days(span: timedelta) -> int:
    return max(1, round(span.total_seconds() / 86400))


# ---- the monthly coffee check-in ---------------------------------------------------------------

def coffee_check_in(session: Session, member: Member, zone: str, now: datetime, policy: CoffeeReminder,
                    thresholds: ledger.Thresholds) -> Decision:
    local = _local(now, zone)
    key, skip = f"coffee:{member.id}:{local:%Y-%m}", _skipper("coffee_check_in", member)
    slot = local.replace(day=policy.day_of_month, hour=policy.hour, minute=0, second=0, microsecond=0)
    if local < slot:
        return skip(key, f"not yet: due {slot:%Y-%m-%d %H:%M} {zone}")
    if _queued(session, key):
        return skip(key, "already queued this month")
    # As of the slot, whenever the sweep gets to it: a referral logged after it counts next month.
    as_of = slot.astimezone(now.tzinfo)
    active = active_partners(session, member, as_of, policy.active_within, thresholds)
    if not active:
        window = durations.words(policy.active_within)
        return skip(key, f"no partner with a referral either way in the {window} before {slot:%-d %b}")
    names = ", ".join(p["name"] for p in active)
    return Decision(key, "coffee_check_in", member.id, True,
                    f"{local:%B %Y} check-in: {len(active)} active partner(s): {names}",
                    {"month": local, "window_days": _days(policy.active_within), "partners": active,
                     "brief": briefs.view(session, member, "member")})


def active_partners(session: Session, member: Member, now: datetime, within: timedelta,
                    thresholds: ledger.Thresholds) -> list[dict]:
    """Partners with a referral either way in `within` before `now`, with the quarter's figures each way."""
    if not _has_referrals(session, member, now - within, now):
        return []  # the common quiet case, without building the ledger
    quarter = ledger.build(session, now - QUARTER, now, now, thresholds, member=member.name, months=False)
    if within <= QUARTER:  # the usual case: the quarter's lines already say who was active
        return [_partner_view(l) for l in quarter if _last(l) >= now - within]
    recent = ledger.build(session, now - within, now, now, thresholds, member=member.name, months=False)
    by_key = {_line_key(l): l for l in quarter}
    return [_partner_view(by_key.get(_line_key(l)) or ledger.PartnerLine(l.member, l.partner, l.name))
            for l in recent]


def _last(line: ledger.PartnerLine) -> datetime:
    return max(filter(None, (line.given.last, line.received.last)))


def _has_referrals(session: Session, member: Member, since: datetime, until: datetime) -> bool:
    return session.scalar(select(Referral.id).join(Person, Referral.introducer_id == Person.id).where(
        Referral.introduced_at >= since, Referral.introduced_at < until, Referral.status.not_in(NOT_COUNTED),
        Referral.created_at < until,  # a week-old intro forwarded after the slot counts next month
        or_(Referral.member_id == member.id, Person.email.in_(member.emails))).limit(1)) is not None


def _line_key(line: ledger.PartnerLine) -> object:
    return line.partner_id or line.partner


def _partner_view(line: ledger.PartnerLine, company: str = "") -> dict:
    last = _last(line) if line.given.last or line.received.last else None
    return {"name": line.name, "first_name": first_name(line.name, line.partner), "email": line.partner,
            "company": company,
            "given": line.given.referrals, "received": line.received.referrals,
            "last": last, "flags": line.flag_facts}


# ---- nudges about promised referrals -----------------------------------------------------------

def promise_nudges(session: Session, now: datetime, after: timedelta, zones: dict[int, str]) -> list[Decision]:
    """Heads-ups nobody followed up on, and "I might have someone for you" with nothing since.

    Looked at from `after` until twice `after` past the mention: older ones (a backfill of old
    mail, a worker that was off for weeks) would be news nobody needs. Dates are in the zone of
    the member (by id) they are about.
    """
    return [*_heads_up_nudges(session, now, after, zones), *_promised_nudges(session, now, after, zones)]


def _heads_up_nudges(session: Session, now: datetime, after: timedelta, zones: dict[int, str]) -> list[Decision]:
    out = []
    for r in session.scalars(select(Referral).where(
            Referral.kind == Kind.HEADS_UP, Referral.direction == "received", Referral.status == Status.INTRODUCED,
            ~lifecycle.heard(Referral.id),  # the prospect wrote in its thread: answered
            Referral.member_id.is_not(None), Referral.introduced_at <= now - after,
            Referral.introduced_at > now - 2 * after).order_by(Referral.introduced_at)):
        assert r.member_id is not None, "the query asks for a member"
        key = f"heads-up:{r.id}"
        # No name is no word: the mail's language says "someone" ("quelqu'un", "jemand") when nobody is named.
        prospects = [who for who in (p.person.name or p.person.email for p in r.parties if p.role == "prospect") if who]
        zone = zones.get(r.member_id, "UTC")
        introducer, day = r.introducer.name or r.introducer.email, _day(r.introduced_at, zone)
        if _queued(session, key):
            out.append(Decision(key, "promise_nudge", r.member_id, False, "already nudged"))
            continue
        # The member's own word about this referral outranks our timer: "later" and "stop" were
        # confirmed to them as "you hear nothing about it until then" / "nothing asks again".
        if r.snoozed_until is not None and r.snoozed_until > now:
            out.append(Decision(key, "promise_nudge", r.member_id, False,
                                f"not sent: snoozed until {_day(r.snoozed_until, zone)}"))
            continue
        if lifecycle.stopped(session, r.id):
            out.append(Decision(key, "promise_nudge", r.member_id, False, "not sent: STOP was said for it"))
            continue
        # One question about a referral a day: a follow-up that asked settles it; a queued one gives way.
        since = r.introduced_at + after - sendrules.ASK_GAP
        ask = sendrules.ask_once(lifecycle.NUDGE, outbox.asks_about(session, r.id), since)
        if not ask.send:
            out.append(Decision(key, "promise_nudge", r.member_id, False, f"not sent: {ask.reason}"))
            continue
        about = prospects[0] if prospects else "someone"  # the log's English, not the mail's
        reason = f"{introducer}'s heads-up of {day} about {about} is still unanswered"
        reason += f" ({ask.reason})" if ask.reason else ""
        out.append(Decision(key, "promise_nudge", r.member_id, True, reason, {
            "source": Kind.HEADS_UP, "partner": _person_view(r.introducer), "prospects": prospects,
            "prospect_first_name": first_name(prospects[0]) if prospects else "", "date": _local(r.introduced_at, zone),
            "subject": r.subject, "said": "", "waited_days": _days(after)}, (r.id,), ask.withdraw, since))
    return out


def _promised_nudges(session: Session, now: datetime, after: timedelta, zones: dict[int, str]) -> list[Decision]:
    out = []
    for p in session.scalars(select(Promise).where(Promise.made_at <= now - after, Promise.made_at > now - 2 * after)
                             .order_by(Promise.made_at)):
        key, who, zone = f"promise:{p.id}", p.partner.name or p.partner.email, zones.get(p.member_id, "UTC")
        if _queued(session, key):
            out.append(Decision(key, "promise_nudge", p.member_id, False, "already nudged"))
            continue
        # Up to now, not only the waiting period: a late sweep must not miss a referral that came.
        kept = referral_from(session, p.partner, p.member_id, p.made_at, now)
        if kept is not None:
            out.append(Decision(key, "promise_nudge", p.member_id, False,
                                f"kept: {who} sent referral #{kept.id} on {_day(kept.introduced_at, zone)}"))
            continue
        day, waited = _day(p.made_at, zone), durations.words(after)
        out.append(Decision(key, "promise_nudge", p.member_id, True,
                            f"{who} mentioned a possible referral on {day}; none logged in {waited}",
                            {"source": Kind.PROMISE, "partner": _person_view(p.partner), "prospects": [],
                             "prospect_first_name": "", "date": _local(p.made_at, zone), "subject": p.subject,
                             "said": p.said, "waited_days": _days(after)}))
    return out


def referral_from(session: Session, partner: Person, member_id: int, since: datetime, until: datetime):
    """The first referral the partner (any of its merged addresses) gave the member in the period."""
    people = [partner.id] if partner.partner_id is None else select(Person.id).where(
        Person.partner_id == partner.partner_id)
    return session.scalar(select(Referral).where(
        Referral.introducer_id.in_(people), Referral.member_id == member_id, Referral.direction == "received",
        Referral.status != Status.REJECTED,  # thrown out in review: not a referral
        Referral.introduced_at >= since, Referral.introduced_at <= until).order_by(Referral.introduced_at).limit(1))


def _person_view(person: Person) -> dict:
    name = person.name or person.email or "someone"
    return {"name": name, "first_name": first_name(person.name, person.email), "email": person.email or ""}


# ---- the daily "who could you refer today?" ----------------------------------------------------

def daily_prompt(session: Session, member: Member, zone: str, now: datetime, policy: DailyPrompt,
                 thresholds: ledger.Thresholds) -> Decision:
    local = _local(now, zone)
    key, skip = f"daily:{member.id}:{local:%Y-%m-%d}", _skipper("daily_prompt", member)
    if not policy.enabled:
        return skip(key, "off (reminders.daily.enabled)")
    if policy.weekdays_only and local.weekday() >= 5:
        return skip(key, f"{local:%A}: weekdays only")
    if local.hour < policy.hour:
        return skip(key, f"not yet: due at {policy.hour:02d}:00 {zone}")
    if _queued(session, key):
        return skip(key, "already queued today")
    # The member's own list (`introledger promote`) first; the config's list is for members without one.
    own = [_partner_view(e.line, e.partner.company) | {"name": e.partner.name, "first_name": first_name(e.partner.name)}
           for e in promotions.entries(session, member, now, thresholds)]
    partners = own or (promoted(session, member, policy.promote, now, thresholds) if policy.promote
                       else top_givers(session, member, policy.top, now, thresholds))
    if not partners:
        return skip(key, "nobody to suggest: no partners promoted and none who gave you referrals yet")
    return Decision(key, "daily_prompt", member.id, True,
                    f"{local:%a %-d %b}: {', '.join(p['name'] for p in partners)}",
                    {"date": local, "partners": partners, "promoted": bool(own or policy.promote)})


def top_givers(session: Session, member: Member, top: int, now: datetime, thresholds: ledger.Thresholds) -> list[dict]:
    if session.scalar(select(Referral.id).where(Referral.member_id == member.id).limit(1)) is None:
        return []
    lines = ledger.build(session, None, now, now, thresholds, member=member.name, months=False)
    lines = [l for l in lines if l.received.referrals]
    lines.sort(key=lambda l: (-l.received.referrals, -l.given.referrals, l.name))
    return [_partner_view(l, _company(session, l.partner_id)) for l in lines[:top]]


def promoted(session: Session, member: Member, wanted: list[str], now: datetime,
             thresholds: ledger.Thresholds) -> list[dict]:
    """The promoted partners by name or address, with the member's figures; unknown ones as written."""
    lines = ledger.build(session, None, now, now, thresholds, member=member.name, months=False)
    by_key = {k: l for l in lines for k in (l.partner_id, l.partner) if k}
    out = []
    for text in wanted:
        name, keys = _find(session, text.strip())
        line = next((by_key[k] for k in keys if k in by_key), None) or ledger.PartnerLine(member.name, "", name)
        company = _company(session, line.partner_id or next((k for k in keys if isinstance(k, int)), None))
        out.append({**_partner_view(line, company), "name": name, "first_name": first_name(name)})
    return out


def _company(session: Session, partner_id: int | None) -> str:
    record = session.get(Partner, partner_id) if partner_id else None
    return record.company if record else ""


def _find(session: Session, text: str) -> tuple[str, list]:
    """A display name and the ledger keys (partner id, address) a promoted entry stands for."""
    low = text.strip().lower()
    if "@" in low:
        person = session.scalar(select(Person).where(Person.email == low))
    else:
        folded = fold_name(text)
        record = next((r for r in session.scalars(select(Partner).order_by(Partner.id))
                       if fold_name(r.name) == folded), None)
        if record is not None:
            return record.name, [record.id]
        person = next((q for q in session.scalars(select(Person).order_by(Person.id))
                       if fold_name(q.name) == folded), None)
    if person is None:
        return text, []
    record = session.get(Partner, person.partner_id) if person.partner_id else None
    return (record.name if record else person.name or person.email or text), [person.partner_id, person.email]


def _skipper(template: str, member: Member):
    return lambda key, reason: Decision(key, template, member.id, False, reason)


# ---- queueing ----------------------------------------------------------------------------------

@dataclass
class Reminders:
    policy: RemindersConfig
    tracking: str
    templates: Templates
    zones: dict[str, str]          # member name → IANA zone
    now: Callable[[], datetime]
    thresholds: ledger.Thresholds = ledger.Thresholds()
    quiet: QuietHours | None = None

    def due(self, session: Session) -> list[Decision]:
        """Every reminder considered right now, with why it goes out or not."""
        now, out, by_id = self.now(), [], {}
        for member in session.scalars(select(Member).order_by(Member.id)):
            by_id[member.id] = self.zones.get(member.name, "UTC")
            out += self._member_due(session, member, now)
        if self.policy.promises.enabled:
            out += promise_nudges(session, now, self.policy.promises.after, by_id)
        return out

    def _member_due(self, session: Session, member: Member, now: datetime) -> list[Decision]:
        zone, p, out = self.zones.get(member.name, "UTC"), self.policy, []
        if p.coffee.enabled:
            out.append(coffee_check_in(session, member, zone, now, p.coffee, self.thresholds))
        if p.daily.enabled:
            out.append(daily_prompt(session, member, zone, now, p.daily, self.thresholds))
        return out

    def queue_due(self, session: Session) -> int:
        queued = 0
        for decision in self.due(session):
            if decision.send:
                queued += self._queue(session, decision)
            else:
                log.debug("%s not sent: %s", decision.key, decision.reason)
        return queued

    def run_due(self, sessions: sessionmaker[Session]) -> int:
        """queue_due() a member at a time: what is due worked out in a session that only reads (no
        lock on SQLite: the mailbox's commits go on meanwhile), each mail queued in a short write."""
        with reading(sessions) as session:
            members = [(m.id, m.name) for m in session.scalars(select(Member).order_by(Member.id))]
        queued = 0
        for member_id, _ in members:
            with reading(sessions) as session:
                decisions = self._member_due(session, must_get(session, Member, member_id), self.now())
            queued += self._queue_all(sessions, decisions)
        if self.policy.promises.enabled:
            zones = {member_id: self.zones.get(name, "UTC") for member_id, name in members}
            with reading(sessions) as session:
                decisions = promise_nudges(session, self.now(), self.policy.promises.after, zones)
            queued += self._queue_all(sessions, decisions)
        return queued

    def _queue_all(self, sessions: sessionmaker[Session], decisions: list[Decision]) -> int:
        queued = 0
        for decision in decisions:
            if not decision.send:
                log.debug("%s not sent: %s", decision.key, decision.reason)
                continue
            with sessions.begin() as session:
                queued += self._queue(session, decision)
        return queued

    def _ask_again(self, session: Session, d: Decision) -> Decision | None:
        """The one-question-a-day rule decided again in the transaction that queues the reminder.

        The sweep decided in a read-only session: a follow-up the follow-up sweep (another
        process, or this one's next tick) queued since would be asked beside the reminder. The
        referral's row lock (PostgreSQL; SQLite's writers queue on BEGIN IMMEDIATE) orders this
        against the follow-up sweep, which claims the same row: whichever comes second sees the
        first's mail. None: it may not go now."""
        if d.asks_since is None:
            return d
        session.execute(select(Referral.id).where(Referral.id == d.referral_ids[0]).with_for_update())
        ask = sendrules.ask_once(lifecycle.NUDGE, outbox.asks_about(session, d.referral_ids[0]), d.asks_since)
        if not ask.send:
            log.info("%s not queued: %s", d.key, ask.reason)
            return None
        return replace(d, withdraw=ask.withdraw)

    def _queue(self, session: Session, decided: Decision) -> bool:
        d = self._ask_again(session, decided)
        if d is None:
            return False
        member, now = must_get(session, Member, d.member_id), self.now()
        error = ""
        try:
            voice = language_for(session, member.emails[0], self.templates.language)
            rendered = self.templates.render(d.template, voice.language, voice.register, member=member_view(member),
                                             tracking=self.tracking, **d.data)
        except TemplateProblem as exc:  # a broken override must not stop the sweep: the row says why
            rendered, error = Rendered("(not rendered)", "", ""), str(exc)
        # The follow-up it replaces is withdrawn only for a reminder that can go: with a broken
        # template the follow-up still asks.
        if d.withdraw and not error and outbox.withdraw_ids(
                session, d.withdraw, "follow-up withdrawn: the heads-up reminder asks instead (one question "
                "about a referral a day)") < len(d.withdraw):
            log.info("%s not queued: a follow-up it replaces went out meanwhile", d.key)
            return False  # the next sweep decides again, and says why
        row = outbox.queue(session, key=d.key, kind=d.template, to=member.emails[0],
                           sender=f"introledger <{self.tracking}>", rendered=rendered, now=now,
                           referral_ids=list(d.referral_ids), member_id=member.id,
                           not_before=self._send_time(now, self.zones.get(member.name, "UTC")))
        if row is not None and error:
            row.status, row.last_error = Mail.FAILED, error
        log.info("queued %s: %s", d.key, d.reason)
        return row is not None

    def _send_time(self, now: datetime, zone: str) -> datetime:
        """A nudge found at night waits for the member's morning, like every other mail."""
        return outside_quiet_hours(now, zone, self.quiet.start, self.quiet.end) if self.quiet else now
