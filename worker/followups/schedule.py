"""Follow-ups as rows: scheduled with the referral, turned into mail when due, moved or cancelled
when the referral changes. A sweep does the due work, idempotently."""
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from models import FollowUp, Member, Referral
from models.db import must_get, skip_locked
from worker.core import durations, lifecycle
from worker.core.config import FollowUpConfig, QuietHours
from worker.core.locales import Choice
from worker.core.statuses import OPEN, Mail, Status, Step
from worker.mail import tokens
from worker.outbound import outbox, sendrules
from worker.outbound.language import for_address as language_for
from worker.outbound.memberview import describe
from worker.outbound.quiet import member_zone, quiet_reason, send_time
from worker.outbound.templating import TemplateProblem, Templates

log = logging.getLogger("introledger.followups")


@dataclass
class FollowUps:
    policy: FollowUpConfig
    tracking: str
    secret: str
    templates: Templates
    now: Callable[[], datetime]
    quiet: QuietHours | None = None  # outbound.quiet_hours, in the member's zone
    default_zone: str = "UTC"  # outbound.default_timezone, for a member without a timezone
    # members[].currency by each of the member's addresses: the example answer is in it ("WON €4,500")
    currencies: dict[str, str] = field(default_factory=dict)

    def on_referral(self, session: Session, verdict, msg, referral_id: int | None) -> None:
        referral = session.get(Referral, referral_id) if referral_id else None
        if referral is None or referral.member_id is None or referral.status != Status.INTRODUCED:
            return
        now = self.now()
        if now - referral.introduced_at > self.policy.stale_after:
            return  # a backfilled old intro: asking now would be noise
        existing = set(session.scalars(select(FollowUp.step).where(FollowUp.referral_id == referral.id)))
        for step, delay in enumerate(self.policy.steps, start=1):
            if step not in existing:
                due = max(referral.introduced_at + delay, now)
                session.add(FollowUp(referral_id=referral.id, step=step, due_at=due, status=Step.SCHEDULED))

    def language(self, session: Session, to: str) -> str:
        """The language of our mail to `to` (worker/outbound/language.py)."""
        return self.voice(session, to).language

    def voice(self, session: Session, to: str) -> Choice:
        """The language of our mail to `to`, and its register (formal or not)."""
        return language_for(session, to, self.templates.language)

    def currency_of(self, member: Member | None) -> str:
        """members[].currency of this member, "" when unset: the example answer stays the language's own
        ("GEWONNEN 4.500 €", "WON $4,500") rather than follow_ups.default_currency's."""
        return next((self.currencies[e] for e in (member.emails if member else ()) if e in self.currencies), "")

    def _voice(self, session: Session, to: str) -> tuple[str, str]:
        voice = self.voice(session, to)
        return voice.language, voice.register

    def reply_to(self, referral_id: int, step: int, to: str) -> str:
        """A reply address only `to` can answer through, for this referral and follow-up step."""
        return tokens.reply_address(self.tracking, self.secret, referral_id, self.now(), step=step, to=to)

    STEPS_AT_ONCE = 500  # due steps turned into mail in one transaction
    STALE_AT_ONCE = 200  # referrals the stale timer marks in one transaction

    def run_due(self, sessions: sessionmaker[Session]) -> int:
        """materialize(), a bounded batch per transaction: the mailbox's commits go on between
        them, however much fell due at once (a worker that was off for a week)."""
        after: int | None = 0
        while after is not None:
            with sessions.begin() as session:
                after = self._mark_stale(session, self.now(), after, self.STALE_AT_ONCE)
        queued, held = 0, Held()
        while True:
            with sessions.begin() as session:
                done, seen = self._due_steps(session, self.now(), self.STEPS_AT_ONCE, held)
            queued += done
            if seen < self.STEPS_AT_ONCE:
                held.say()
                return queued

    def materialize(self, session: Session) -> int:
        """Due steps become queued mail; stale referrals are marked. Returns mails queued."""
        now, after = self.now(), 0
        while True:
            last = self._mark_stale(session, now, after, self.STALE_AT_ONCE)
            if last is None:
                break
            after = last
        held = Held()
        queued = self._due_steps(session, now, self.STEPS_AT_ONCE, held)[0]
        held.say()
        return queued

    def _due_steps(self, session: Session, now: datetime, limit: int, held: "Held") -> tuple[int, int]:
        """(mails queued, steps handled) for at most `limit` steps due now, the earliest first; a step
        `held` this tick (its template does not render) is not looked at again until the next."""
        queued = 0
        again = (FollowUp.id.not_in(held.steps),) if held.steps else ()  # the usual query when nothing is held
        due = session.scalars(skip_locked(
            select(FollowUp).join(Referral, Referral.id == FollowUp.referral_id)
            .where(FollowUp.status == Step.SCHEDULED, FollowUp.due_at <= now, *again)
            .order_by(FollowUp.due_at).limit(limit),
            FollowUp, Referral)).all()
        latest = {}
        for step in due:  # ordered by due date: the last one seen per referral is its latest
            latest[step.referral_id] = step
        for step in due:
            referral = must_get(session, Referral, step.referral_id)
            if referral.status not in OPEN:
                step.status = Step.CANCELLED
                continue
            if step is not latest[step.referral_id]:
                step.status = Step.SKIPPED  # overdue together (a late-logged intro): one mail asks, not one per step
                continue
            # The heads-up reminder asked the member about this referral within a day: this step
            # counts as done by it (worker/outbound/sendrules.py ask_once), the next keeps its date.
            ask = sendrules.ask_once(lifecycle.FOLLOW_UP, outbox.asks_about(session, referral.id),
                                     now - sendrules.ASK_GAP)
            if not ask.send:
                step.status, step.outbox_id = Step.DONE, ask.asked_by
                log.info("follow-up %s:%s not sent: %s", referral.id, step.step, ask.reason)
                continue
            try:
                row = self._queue(session, referral, step, now)
            except TemplateProblem as exc:
                # A broken override (templates_dir) holds back only the mail it renders: the step stays
                # scheduled and goes out on the first sweep after the fix; the others go on.
                held.hold(step.id, referral.id, str(exc))
                continue
            step.status, step.outbox_id = Step.DONE, row.id if row else None
            queued += row is not None
        return queued, len(due)

    def _queue(self, session: Session, referral: Referral, step: FollowUp, now: datetime):
        """The step's mail, queued; TemplateProblem (raised before anything is written) when it does not render."""
        view = describe(session, referral)
        member = session.get(Member, referral.member_id)
        zone = member_zone(member.timezone if member else None, self.default_zone)
        when = send_time(now, zone, self.quiet)  # due at night: asked in the member's morning
        rendered = self.templates.render("follow_up", *self._voice(session, view["member"]["email"]), **view,
                                         asked_before=outbox.unanswered_follow_ups(session, referral.id),
                                         answer_currency=self.currency_of(member))
        # An earlier step's mail still waiting (an SMTP outage, the daily cap, quiet hours) would
        # go out beside this one: one mail asks, this step's.
        lifecycle.withdraw(session, referral.id, frozenset({lifecycle.FOLLOW_UP}), f"step {step.step} asks instead")
        row = outbox.queue(
            session, key=f"follow-up:{referral.id}:{step.step}", kind="follow_up",
            to=view["member"]["email"], sender=f"introledger <{self.tracking}>", rendered=rendered,
            now=now, referral_ids=[referral.id],
            reply_to=self.reply_to(referral.id, step.step, view["member"]["email"]), member_id=referral.member_id,
            not_before=when,
        )
        if row is not None and row.status == Mail.QUEUED:
            row.reason = quiet_reason(now, when, zone)
        session.flush()
        return row

    def _mark_stale(self, session: Session, now: datetime, after: int, limit: int) -> int | None:
        """Mark stale the referrals (id > after, at most `limit`) whose timer ran out; the last id
        looked at when there may be more, else None."""
        stale_after = self.policy.stale_after
        cutoff = now - stale_after
        found = session.scalars(skip_locked(select(Referral).where(
                Referral.status.in_(lifecycle.sources("stale")), Referral.introduced_at < cutoff,
                ~lifecycle.heard(Referral.id),  # a party replied in the thread: not silence
                or_(Referral.snoozed_until.is_(None), Referral.snoozed_until < cutoff),
                Referral.member_id.is_not(None), Referral.id > after).order_by(Referral.id).limit(limit),
                Referral)).all()
        for referral in found:
            quiet, why = lifecycle.gone_quiet(referral.introduced_at, referral.snoozed_until, now, stale_after,
                                              durations.words(stale_after))
            if quiet:
                lifecycle.record(session, referral, "stale",
                                 lifecycle.decide(referral.status, None, lifecycle.TIMER, "stale"), now, reason=why)
        return found[-1].id if len(found) == limit else None

    def reschedule(self, session: Session, referral_id: int, start: datetime, later_only: bool = False) -> bool:
        """Pending steps move so the next is due at `start`, the rest keep their spacing (False, and
        nothing scheduled, after a STOP for the referral: nothing asks about it again). `later_only`:
        a next step already due at or after `start` stays (an out-of-office only ever delays)."""
        if lifecycle.stopped(session, referral_id):
            return False
        steps = session.scalars(select(FollowUp).where(FollowUp.referral_id == referral_id,
                                                       FollowUp.status == Step.SCHEDULED).order_by(FollowUp.step)).all()
        if later_only and steps and steps[0].due_at is not None and steps[0].due_at >= start:
            return False
        if not steps:
            steps = [FollowUp(referral_id=referral_id, step=_next_step(session, referral_id), status=Step.SCHEDULED)]
            session.add(steps[0])
        shift = start - steps[0].due_at if steps[0].due_at else timedelta(0)
        for step in steps:
            step.due_at = step.due_at + shift if step.due_at else start
        # A follow-up already queued (e.g. held back by the daily cap) would ask early: withdrawn.
        outbox.withdraw_follow_ups(session, referral_id, f"follow-up withdrawn: the next one was moved to "
                                                         f"{start:%Y-%m-%d %H:%M} UTC")
        return True


@dataclass
class Held:
    """The steps one tick held back because their mail does not render, by problem: said once a tick
    (not once per step, nor only once ever: the log shows it is still so until the file is fixed)."""
    steps: set[int] = field(default_factory=set)
    referrals: dict[str, list[int]] = field(default_factory=dict)  # problem -> referral ids

    def hold(self, step_id: int, referral_id: int, problem: str) -> None:
        self.steps.add(step_id)
        self.referrals.setdefault(problem, []).append(referral_id)

    def say(self) -> None:
        for problem, ids in self.referrals.items():
            shown = ", ".join(f"#{i}" for i in ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
            log.warning("follow-ups held back for referral(s) %s until the template is fixed (they go on the first "
                        "sweep after; `introledger doctor` checks): %s", shown, problem)


def _next_step(session: Session, referral_id: int) -> int:
    steps = session.scalars(select(FollowUp.step).where(FollowUp.referral_id == referral_id)).all()
    return max(steps, default=0) + 1
