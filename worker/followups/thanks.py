"""The thank-you policy: who thanks whom, when, and once a day at most.

Runs inside the transaction that logged the referral, so the thank-you exists exactly when the
referral does. Each decision not to thank leaves a reason a person can read.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Member, OutboxMessage, Referral
from models.db import must_get
from worker.classify.language import THANKS
from worker.classify.verdict import Verdict
from worker.core.config import OutboundConfig, ThankYouConfig
from worker.core.statuses import NOT_COUNTED, Kind, Mail
from worker.mail import sender as senders
from worker.mail.parse import Inbound
from worker.mail.quotes import new_text
from worker.outbound import briefs, outbox
from worker.outbound.language import for_address as language_for
from worker.outbound.memberview import member_view
from worker.outbound.partnerlinks import PartnerLinks
from worker.outbound.quiet import Zone, introducer_zone, quiet_reason, send_time
from worker.outbound.templating import TemplateProblem, Templates, first_name


@dataclass
class ThankYouPlanner:
    policy: ThankYouConfig
    outbound: OutboundConfig
    tracking: str
    templates: Templates
    now: Callable[[], datetime]
    brief_addresses: briefs.BriefAddresses | None = None  # None: no token secret, no "reply BRIEF"
    partner_links: PartnerLinks | None = None  # None: no token secret, no link to the partner's own page
    authserv_id: str | None = None  # follow_ups.authserv_id: whose Authentication-Results count

    def on_referral(self, session: Session, verdict: Verdict, msg: Inbound, referral_id: int | None) -> None:
        referral = session.get(Referral, referral_id) if referral_id else None
        # (verdict and msg are None for an intro logged by hand: `review accept`)
        forwarded = msg.date if verdict is not None and msg is not None and verdict.kind == Kind.FORWARDED_INTRO \
            else None
        if referral is None or not self._should_thank(session, referral, forwarded):
            return
        member = must_get(session, Member, referral.member_id)  # _should_thank asks for one
        now = self.now()
        # The introducer's day and night: "once a day" is their day, and quiet hours their night.
        zone = introducer_zone(referral.introducer_utc_offset, member.timezone, self.outbound.default_timezone)
        base = f"thank-you:{member.id}:{referral.introducer.email}"
        # Locked and read afresh: two runs adding intros to the same thank-you take turns,
        # so neither overwrites the other's (PostgreSQL; SQLite's writers take turns anyway).
        rows = session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "thank_you", OutboxMessage.member_id == member.id,
            OutboxMessage.to_addr == referral.introducer.email).order_by(OutboxMessage.id)
            .with_for_update().execution_options(populate_existing=True)).all()
        slot = choose_slot([(r.dedupe_key.removeprefix(base + ":"), r.status, r.referral_ids) for r in rows],
                           referral.id, now.astimezone(zone.tz).date())
        if slot is None:
            return  # this intro is in a thank-you already: never two for one intro
        row = next((r for r in rows if r.dedupe_key == f"{base}:{slot.key}"), None)
        if row is None:
            due = max(now, _start_of(slot.day, zone.tz)) + timedelta(seconds=self.policy.delay_seconds)
            not_before = send_time(due, zone, self.outbound.quiet_hours)
            row = OutboxMessage(dedupe_key=f"{base}:{slot.key}", kind="thank_you", status=Mail.QUEUED,
                                referral_ids=[], member_id=member.id, to_addr=referral.introducer.email,
                                not_before=not_before, reason=_held(slot.day, now, due, not_before, zone),
                                attempts=0, queued_at=now)
            session.add(row)
        row.referral_ids = [*row.referral_ids, referral.id]
        try:
            self._render(session, row, member)
        except TemplateProblem as exc:
            # A broken template must not cost the referral: the row shows what to fix.
            row.status, row.last_error = Mail.FAILED, str(exc)
            row.subject, row.text_body, row.from_addr = "(not rendered)", "", self.tracking
            return
        if outbox.opted_out(session, row.to_addr):
            row.status, row.reason = Mail.SUPPRESSED, f"{row.to_addr} opted out of our mail"

    def on_thread_reply(self, session: Session, verdict: Verdict, msg: Inbound, referral_id: int | None) -> str | None:
        """The member thanked the introducer by hand in the thread: ours would be one too many.
        A thread reply carries no token, so its From: is all we have: one our receiving server
        fails (DKIM/DMARC) is not the member, and keeps our thank-you (the log line says why)."""
        referral = session.get(Referral, referral_id) if referral_id else None
        if referral is None or msg.sender is None or referral.member_id is None or verdict.looks_automated:
            return None  # a robot's "Thank you for your message" is no thank-you from the member
        member = must_get(session, Member, referral.member_id)
        if msg.sender.email not in member.emails or not THANKS.search(new_text(msg.text).lower()):
            return None
        said = senders.verdict(msg, self.authserv_id)
        if said.forged:
            return f"our thank-you is kept: {said.reason}: likely forged, not the member thanking by hand"
        for row in session.scalars(select(OutboxMessage).where(
                OutboxMessage.kind == "thank_you", OutboxMessage.status == Mail.QUEUED)):
            if referral.id not in row.referral_ids:
                continue
            reason = f"{msg.sender.email} already thanked by hand (message {msg.message_id})"
            if row.referral_ids == [referral.id]:
                row.status, row.reason = Mail.SUPPRESSED, reason
                continue
            # The same mail also thanks for other intros: those still deserve it. This one
            # leaves the list and is kept as a suppressed row, so it is never thanked later.
            row.referral_ids = [i for i in row.referral_ids if i != referral.id]
            session.add(OutboxMessage(
                dedupe_key=f"{row.dedupe_key}:by-hand:{referral.id}", kind="thank_you", status=Mail.SUPPRESSED,
                reason=reason, referral_ids=[referral.id], member_id=member.id, to_addr=row.to_addr,
                from_addr=row.from_addr, subject="(thanked by hand)", text_body="", not_before=row.not_before,
                attempts=0, queued_at=self.now()))
            try:
                self._render(session, row, member)
            except TemplateProblem as exc:
                row.status, row.last_error = Mail.FAILED, str(exc)
        return None

    def _should_thank(self, session: Session, referral: Referral, forwarded: datetime | None = None) -> bool:
        if not self.policy.enabled or referral.status in NOT_COUNTED:
            return False
        if referral.direction != "received" or referral.member_id is None:
            return False  # the system thanks on a member's behalf, for what the member received
        email = referral.introducer.email
        members = session.scalars(select(Member)).all()
        if not email or email == self.tracking or any(email in m.emails for m in members):
            return False  # nobody thanks themselves, and a member's own intro is theirs to give
        # Older intros come from backfills: a thank-you weeks later would be odd. A forwarded intro
        # counts from the forward: the member passing on Thursday's intro on Monday is the habit
        # of forwarding, not a backfill (a forward as old as a backfill's still is one).
        since = referral.introduced_at if forwarded is None else max(referral.introduced_at,
                                                                     min(forwarded, self.now()))
        return self.now() - since <= timedelta(days=self.policy.max_age_days)

    def _render(self, session: Session, row: OutboxMessage, member: Member) -> None:
        referrals = session.scalars(select(Referral).where(Referral.id.in_(row.referral_ids))
                                    .order_by(Referral.id)).all()
        introducer = referrals[0].introducer
        intros = [{
            "others": [_name(p.person) for p in r.parties if p.person.email not in member.emails],
            "subject": r.subject, "date": r.introduced_at.date().isoformat(),
        } for r in referrals]
        row.from_addr, direct = self._from(member)
        row.reply_to, brief = briefs.partner_reply_to(session, member, introducer.email or "", self.now(),
                                                      self.brief_addresses, direct)
        voice = language_for(session, introducer.email or "", self.templates.language)
        rendered = self.templates.render(
            "thank_you", voice.language, voice.register,
            introducer={"name": introducer.name, "first_name": first_name(introducer.name, introducer.email),
                        "email": introducer.email},
            member=member_view(member),
            intros=intros,
            brief=brief,
            manage=self.partner_links.url(session, introducer.email or "", member, self.now())
            if self.partner_links else "",
        )
        row.subject, row.text_body, row.html_body = rendered.subject, rendered.text, rendered.html
        row.language = rendered.language
        row.in_reply_to = referrals[-1].source_message_id
        row.references = " ".join(r.source_message_id for r in referrals if r.source_message_id)

    def _from(self, member: Member) -> tuple[str, str]:
        if self.policy.sender == "member":
            return f"{member.name} <{member.emails[0]}>", ""
        return f"{member.name} via introledger <{self.tracking}>", f"{member.name} <{member.emails[0]}>"


def _name(person) -> str:
    return person.name or person.email or "someone"


# A thank-you in these states went out (or may have: `unconfirmed`): that day's one is used, so a
# later intro waits for the next day. Suppressed, failed or cancelled ones sent nothing.
GONE = (Mail.SENDING, Mail.SENT, Mail.UNCONFIRMED)


@dataclass(frozen=True)
class Slot:
    key: str    # "2026-11-02" (the day's thank-you) or "2026-11-02:2" (another that day)
    day: date   # the day it may go out
    why: str


def choose_slot(rows: list[tuple[str, str, list[int]]], referral_id: int, today: date) -> Slot | None:
    """Which thank-you names this intro: the earliest day whose mail is still queued (join it),
    else the earliest day on which nothing has gone to this introducer (a new one). `rows` are
    (day key, status, referral ids) of this member's thank-yous to this introducer. None: the
    intro is in one already. Every intro is thanked once; an introducer hears at most once a day."""
    if any(referral_id in ids for _, _, ids in rows):
        return None
    by_day: dict[str, list[tuple[str, str]]] = {}
    for key, status, _ in rows:
        by_day.setdefault(key.split(":")[0], []).append((key, status))
    day = today
    for _ in range(len(by_day) + 1):  # each used day pushes one further; there are no more
        here = by_day.get(day.isoformat(), [])
        queued = [key for key, status in here if status == Mail.QUEUED]
        if queued:
            return Slot(queued[-1], day, "added to that day's thank-you")
        if not any(status in GONE for _, status in here):
            keys, n = {key for key, _ in here}, len(here) + 1
            while f"{day.isoformat()}:{n}" in keys:
                n += 1
            key = day.isoformat() if not here else f"{day.isoformat()}:{n}"
            return Slot(key, day, "a thank-you of its own")
        day += timedelta(days=1)
    raise AssertionError("unreachable: some day among them is free")


def _held(day: date, now: datetime, due: datetime, not_before: datetime, zone: Zone) -> str:
    """The outbox's words for what held a new thank-you: the once-a-day rule names itself (with
    the quiet hours it then waits out, if any), so nobody goes looking at quiet hours for it."""
    if day <= now.astimezone(zone.tz).date():
        return quiet_reason(due, not_before, zone)
    return (f"one thank-you a day: this introducer had one on {now.astimezone(zone.tz):%a %d %b} already; "
            f"goes {not_before.astimezone(zone.tz):%a %d %b %H:%M} the recipient's time ({zone.why})")


def _start_of(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)
