"""Status changes from replies (and by hand): who may change what, the event log, the mails.

A change is applied only for an entitled sender with proof (signed token or a reply to our own
mail); anything else is logged as a refused attempt with its reason, and nothing changes.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import FollowUp, Member, OptOut, Referral, ReferralEvent
from worker import outbox
from worker.commands import Command, parse_command
from worker.followups import FollowUps, cancel, describe
from worker.ooo import before_robot
from worker.money import format_money
from worker.parse import Inbound
from worker.quotes import new_text
from worker.templating import Templates
from worker.verdict import Verdict

NEW_STATUS = {"met": "connected", "qualified": "qualified", "won": "won", "lost": "lost", "no_fit": "no_fit"}
TERMINAL = frozenset({"won", "lost", "no_fit"})
CONVERSIONS = frozenset({"qualified", "won"})
AUTH_FAIL = ("dmarc=fail", "dkim=fail", "spf=fail")


@dataclass
class StatusDesk:
    followups: FollowUps
    templates: Templates
    tracking: str
    reward: str
    vocabulary: dict[str, list[str]] | None
    now: Callable[[], datetime]

    def on_status_reply(self, session: Session, verdict: Verdict, msg: Inbound, referral_id: int | None) -> None:
        referral = session.get(Referral, referral_id) if referral_id else None
        if referral is None or msg.sender is None:
            return
        refusal = self._refusal(session, referral, verdict, msg)
        if refusal:
            self._event(session, referral, referral.status, msg.sender.email, msg.message_id,
                        f"refused: {refusal}", accepted=False)
            return
        text = new_text(msg.text)
        if verdict.looks_automated:  # a robot's "closed until…" or "later" is no answer
            text = before_robot(text)
        command = parse_command(text, self.vocabulary)
        if command is None and verdict.looks_automated:
            self._wait_for_return(session, referral.id, msg)  # never answer a robot: it answers back
            return
        if command is None:
            self._clarify(session, referral, msg)
            return
        self.apply(session, referral, command, msg.sender.email, msg.message_id, via=verdict.reason)

    def on_auto_reply(self, session: Session, verdict: Verdict, msg: Inbound, referral_id: int | None) -> None:
        """An out-of-office answer to our follow-up: no status change, ask again after the return date."""
        from worker.replymatch import find_reply

        match = find_reply(session, msg, self._policy(), self.now())
        if match is None or match.referral_id is None or not match.proven:
            return
        self._wait_for_return(session, match.referral_id, msg)

    def _wait_for_return(self, session: Session, referral_id: int, msg: Inbound) -> None:
        from worker.ooo import return_date

        back = return_date(new_text(msg.text), self.now())
        if back is not None:
            self.followups.reschedule(session, referral_id, back + timedelta(days=1))

    def _policy(self):
        from worker.replymatch import TokenPolicy

        f = self.followups
        return TokenPolicy(f.tracking, f.secret, None)

    def _refusal(self, session: Session, referral: Referral, verdict: Verdict, msg: Inbound) -> str:
        if not verdict.extra.get("proven"):
            return verdict.reason
        results = msg.headers.get("authentication-results", "").lower()
        failed = [check for check in AUTH_FAIL[:2] if check in results]
        if failed:
            return f"the receiving server says {' and '.join(failed)} for {msg.sender.email}"
        if msg.sender.email not in self._entitled(session, referral):
            return f"{msg.sender.email} is not a party to referral #{referral.id} or its member"
        return ""

    def _entitled(self, session: Session, referral: Referral) -> set[str]:
        people = {p.person.email for p in referral.parties if p.person.email}
        member = session.get(Member, referral.member_id) if referral.member_id else None
        return people | set(member.emails if member else ())

    def apply(self, session: Session, referral: Referral, command: Command, actor: str, message_id: str,
              via: str) -> str:
        """The one way a status changes, from a reply or `introledger mark`. Returns the new status."""
        now = self.now()
        if command.verb == "stop":
            return self._stop(session, referral, actor, message_id)
        if command.verb == "snooze":
            self.followups.reschedule(session, referral.id, now + timedelta(seconds=command.snooze_seconds))
            self._event(session, referral, referral.status, actor, message_id,
                        f"snoozed {command.snooze_seconds // 86400 or command.snooze_seconds} "
                        f"{'days' if command.snooze_seconds >= 86400 else 'seconds'} ({via})")
            return referral.status
        old, new = referral.status, NEW_STATUS[command.verb]
        self._record_outcome(referral, command, new, now)
        self._event(session, referral, old, actor, message_id, f"{command.matched or new} ({via})",
                    new=new, amount=command.amount)
        referral.status = new
        if new in TERMINAL:
            cancel(session, referral.id, new)
        else:
            self.followups.reschedule(session, referral.id, now + timedelta(days=7))
        self._confirm(session, referral, actor, message_id)
        if new in CONVERSIONS and new != old:  # thanked again, more warmly, at each step up
            self._closed_business(session, referral, won=new == "won")
        return new

    def _record_outcome(self, referral: Referral, command: Command, new: str, now: datetime) -> None:
        if new == "won":
            referral.won_at = referral.won_at or now
            referral.qualified_at = referral.qualified_at or now
            if command.amount:
                amount = command.amount.or_currency(self.followups.policy.default_currency)
                referral.value_cents, referral.currency = amount.minor, amount.currency
        elif new == "qualified":
            referral.qualified_at = referral.qualified_at or now
        if command.reason:
            referral.outcome_note = command.reason

    def _stop(self, session: Session, referral: Referral, actor: str, message_id: str) -> str:
        if session.scalar(select(OptOut.id).where(OptOut.email == actor)) is None:
            session.add(OptOut(email=actor, reason=f"replied STOP ({message_id})"))
        cancel(session, referral.id, "stop")
        self._event(session, referral, referral.status, actor, message_id, f"{actor} asked for no more mail")
        return referral.status

    def _event(self, session: Session, referral: Referral, old: str, actor: str, message_id: str, reason: str,
               new: str | None = None, amount=None, accepted: bool = True) -> None:
        session.add(ReferralEvent(
            referral_id=referral.id, old_status=old, new_status=new or old, actor_email=actor,
            message_id=message_id, reason=reason[:2000], accepted=accepted, at=self.now(),
            amount_cents=amount.minor if amount else None, currency=amount.currency if amount else "",
        ))

    def _mail(self, session: Session, referral: Referral, kind: str, key: str, to: str, **extra) -> None:
        view = describe(session, referral)
        outbox.queue(session, key=key, kind=kind, to=to, sender=f"introledger <{self.tracking}>",
                     rendered=self.templates.render(kind, **view, **extra), now=self.now(),
                     referral_ids=[referral.id], reply_to=self.followups.reply_to(referral.id),
                     member_id=referral.member_id)

    def _confirm(self, session: Session, referral: Referral, actor: str, message_id: str) -> None:
        self._mail(session, referral, "status_confirmation", f"confirm:{referral.id}:{message_id or self.now()}",
                   actor, status=referral.status.replace("_", " ").upper(), value=format_value(referral))

    def _clarify(self, session: Session, referral: Referral, msg: Inbound) -> None:
        # One clarification per referral and follow-up step: whatever keeps answering in words we
        # cannot read (a person or a robot we did not recognise) hears from us once per question.
        step = session.scalar(select(func.max(FollowUp.step)).where(
            FollowUp.referral_id == referral.id, FollowUp.status == "done")) or 0
        self._mail(session, referral, "clarification", f"clarify:{referral.id}:step{step}", msg.sender.email)

    def _closed_business(self, session: Session, referral: Referral, won: bool) -> None:
        member = session.get(Member, referral.member_id) if referral.member_id else None
        email = referral.introducer.email
        if member is None or not email or email in member.emails:
            return
        kind = "closed_business"
        key = f"closed-business:{referral.id}:{'won' if won else 'qualified'}"
        view = describe(session, referral)
        outbox.queue(session, key=key, kind=kind, to=email,
                     sender=f"{member.name} via introledger <{self.tracking}>",
                     rendered=self.templates.render(kind, **view, won=won, value=format_value(referral),
                                                    reward=self.reward),
                     now=self.now(), referral_ids=[referral.id], reply_to=f"{member.name} <{member.emails[0]}>",
                     in_reply_to=referral.source_message_id, member_id=member.id)


def format_value(referral: Referral) -> str:
    return format_money(referral.value_cents, referral.currency)
