"""Status changes from replies (and by hand): who may change what, the event log, the mails.

A change is applied only for an entitled sender with proof (signed token or a reply to our own
mail); anything else is logged as a refused attempt with its reason, and nothing changes.
"""
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import FollowUp, Member, OptOut, OutboxMessage, Referral, ReferralEvent
from models.db import must_get
from worker.classify.ooo import before_robot
from worker.classify.verdict import Verdict
from worker.core import durations, lifecycle
from worker.core.config import QuietHours
from worker.core.locales import in_language
from worker.core.money import Amount
from worker.core.statuses import QUALIFIED, TERMINAL, Mail, Status, Step
from worker.followups import replytrust
from worker.followups.schedule import FollowUps
from worker.mail import names, tokens
from worker.mail import sender as senders
from worker.mail.commands import Command, parse_command, split_correction
from worker.mail.parse import Address, Inbound
from worker.mail.quotes import new_text
from worker.outbound import briefs, disclosures, outbox
from worker.outbound.memberview import describe
from worker.outbound.partnerlinks import PartnerLinks
from worker.outbound.quiet import introducer_zone, quiet_reason, send_time
from worker.outbound.templating import Rendered, TemplateProblem, Templates, first_name

STOPS = {"stop": "stop", "stop_all": "opt_out"}  # command verb -> lifecycle event
NOTES = ("status_confirmation", "snooze_confirmation", "stop_confirmation")  # mail that tells, not asks
MAX_MERGES = 10  # a chain of merges followed this far (each merge is by hand: a longer one is a loop)

log = logging.getLogger("introledger.followups")


class _Said(TypedDict):
    """Who said it, in which mail, answering which step: what every event row of an answer keeps."""
    actor_email: str
    message_id: str
    step: int | None
    answer_key: str | None


@dataclass
class StatusDesk:
    followups: FollowUps
    templates: Templates
    tracking: str
    reward: str | dict[str, str]
    vocabulary: dict[str, list[str]] | None
    now: Callable[[], datetime]
    quiet: QuietHours | None = None  # outbound.quiet_hours: for the closed-business thank-you
    default_zone: str = "UTC"  # outbound.default_timezone
    brief_addresses: briefs.BriefAddresses | None = None  # Reply-To of partner mail: "reply BRIEF"
    partner_links: PartnerLinks | None = None  # the partner's own page, linked from partner mail
    # members[].coordinator's addresses: told what they can do themselves, not to "ask your coordinator"
    coordinators: frozenset[str] = frozenset()
    # members[].currency by each of the member's addresses: an amount answered without a currency
    # is in the referral's member's (else follow_ups.default_currency)
    currencies: dict[str, str] = field(default_factory=dict)

    def on_status_reply(self, session: Session, verdict: Verdict, msg: Inbound, referral_id: int | None) -> None:
        referral = _locked(session, referral_id) if referral_id and msg.sender else None
        if referral is None:
            return
        referral, via = _kept(session, referral), verdict.reason
        if referral.id != referral_id:  # an answer to the old follow-up of a referral merged since
            via = f"{via}; #{referral_id} was merged into #{referral.id}"
        match = verdict.extra.get("match")
        said = senders.verdict(msg, self.followups.policy.authserv_id)
        if said.forged:  # a forgery we can tell: logged with why, and never answered (no mail to anyone)
            return self._refuse(session, referral, msg, match, "refused", replytrust.forged(said))
        why = self._refusal(session, referral, verdict, msg)
        colleague = bool(why) and self._members_own(session, referral, msg)
        if colleague:  # the member from another of their addresses (members: emails, domains)
            why = self._refusal_as_member(session, referral, verdict, msg)
        if why:
            self._refuse(session, referral, msg, match, "refused", f"refused: {why}")
            if replytrust.unsigned(msg, match, self.followups.policy.authserv_id):
                return self._tell_unsigned(session, referral, verdict, msg, match, why)
            return self._tell_member_once(session, referral, verdict, msg, match, why if colleague else "")
        correction, command = self._read(verdict, msg)
        if command is None:
            return self._no_answer(session, referral, verdict, msg, match)
        if self._copied(session, referral, msg, match, command):
            return None
        key = answer_key(referral.id, match.scope if match else "", command, correction)
        if key and session.scalar(select(ReferralEvent.id).where(ReferralEvent.answer_key == key)) is not None:
            return self._refuse(session, referral, msg, match, "replay",
                                f"ignored: {command.verb.upper()} was already applied for this follow-up "
                                f"({key}), a repeat under another Message-ID")
        role = lifecycle.MEMBER if colleague else self._role(session, referral, msg.from_address.email)
        self.apply(session, referral, command, msg.from_address.email, msg.message_id, via=via,
                   role=role, step=match.step if match else None,
                   key=key, correction=correction)

    def _read(self, verdict: Verdict, msg: Inbound) -> tuple[bool, Command | None]:
        text = new_text(msg.text)
        if verdict.looks_automated:  # a robot's "closed until…" or "later" is no answer
            text = before_robot(text)
        correction, text = split_correction(text)
        return correction, parse_command(text, self.vocabulary)

    def _no_answer(self, session: Session, referral: Referral, verdict: Verdict, msg: Inbound, match) -> None:
        if verdict.looks_automated:
            self._wait_for_return(session, referral.id, msg)  # never answer a robot: it answers back
        elif referral.status in TERMINAL:
            # "Thanks!" to the confirmation of a final answer: no question is open, so none is asked
            # (no mail about a referral after its final answer but that answer's confirmation).
            self._refuse(session, referral, msg, match, "no_answer",
                         f"no answer read; not asked again: referral #{referral.id} is "
                         f"{referral.status.replace('_', ' ')} (final; CORRECTION: … changes it)")
        elif note := self._note_answered(session, msg):
            # "Thanks!" to "Noted: … is MET": our note asked nothing, so words we cannot read need no
            # "Sorry, I did not catch that" (a reply to a follow-up or a clarification still gets one).
            self._refuse(session, referral, msg, match, "no_answer",
                         f"no answer read in a reply to our {note.replace('_', ' ')}, which asked nothing")
        else:
            self._clarify(session, referral, msg, match.step if match else None)

    @staticmethod
    def _note_answered(session: Session, msg: Inbound) -> str | None:
        """The kind of our confirmation this message replies to, if it replies to one."""
        ids = [i for i in msg.in_reply_to if i]
        if not ids:
            return None
        return session.scalar(select(OutboxMessage.kind).where(
            OutboxMessage.message_id.in_(ids), OutboxMessage.kind.in_(NOTES)).limit(1))

    def _refuse(self, session: Session, referral: Referral, msg: Inbound, match, event: str, reason: str) -> None:
        lifecycle.record(session, referral, event, lifecycle.Decision(False, referral.status, ""), self.now(),
                         actor_email=msg.from_address.email, message_id=msg.message_id,
                         step=match.step if match else None, reason=reason)

    def _copied(self, session: Session, referral: Referral, msg: Inbound, match, command: Command) -> bool:
        """Refused (True) when the sender's reply address was seen copied to others; notes a new copy."""
        exposed = replytrust.exposed_to(session, referral.id, match, msg, self.followups.policy.authserv_id)
        self._note_exposure(session, referral, match, msg)
        if not exposed:
            return False
        why = (f"its reply address was copied to {exposed} in a reply-all, so a From: {msg.from_address.email} "
               f"through it proves nothing without the receiving server's DMARC pass")
        self._refuse(session, referral, msg, match, "refused", f"refused: {why}")
        how, fresh = self._fresh_way(referral, match, msg, command, self._coordinates(session, referral))
        self._not_applied(session, referral, command, why, match.step, how=how,
                          refusal={"case": "copied", "copied_to": exposed, "fresh": fresh})
        return True

    def on_auto_reply(self, session: Session, verdict: Verdict, msg: Inbound, referral_id: int | None) -> None:
        """An out-of-office answer to our follow-up: no status change, ask again after the return date."""
        from worker.followups.replymatch import find_reply

        match = find_reply(session, msg, self._policy(), self.now())
        if match is None or match.referral_id is None or not match.proven:
            return
        self._wait_for_return(session, match.referral_id, msg)

    def _wait_for_return(self, session: Session, referral_id: int, msg: Inbound) -> None:
        from worker.classify.ooo import return_date

        back = return_date(new_text(msg.text), self.now())
        referral = session.get(Referral, referral_id)
        # Like a SNOOZE: it moves the next follow-up only while there is one to ask (not after a final answer).
        if back is not None and referral is not None and referral.status in lifecycle.sources("snooze"):
            self.followups.reschedule(session, referral_id, back + timedelta(days=1), later_only=True)
        # The away person is the referral's member (follow-ups go to members): found by the
        # referral, not by reading every member's addresses.
        if back is not None and referral is not None and referral.member_id \
                and self._members_own(session, referral, msg):
            self._hold_the_rest(session, referral.member_id, referral_id, back + timedelta(days=1))

    def _hold_the_rest(self, session: Session, member_id: int, answered: int, start: datetime) -> None:
        """The away member's other follow-ups wait for the return date too: a robot answers a sender
        once, and the rest would pile up unread (a step already due later stays; none is added)."""
        waiting = session.scalars(
            select(FollowUp.referral_id).join(Referral, Referral.id == FollowUp.referral_id)
            .where(Referral.member_id == member_id, Referral.id != answered, FollowUp.status == Step.SCHEDULED,
                   FollowUp.due_at < start, Referral.status.in_(sorted(lifecycle.sources("snooze"))))
            .distinct()).all()
        for referral_id in waiting:
            self.followups.reschedule(session, referral_id, start, later_only=True)

    def _policy(self):
        from worker.followups.replymatch import TokenPolicy

        f = self.followups
        return TokenPolicy(f.tracking, f.secret, None)

    def _refusal(self, session: Session, referral: Referral, verdict: Verdict, msg: Inbound) -> str:
        return replytrust.refusal(msg, verdict.extra.get("match"), bool(verdict.extra.get("proven")), verdict.reason,
                                  self._entitled(session, referral),
                                  self._role(session, referral, msg.from_address.email) == lifecycle.MEMBER,
                                  self.followups.policy.authserv_id)

    def _note_exposure(self, session: Session, referral: Referral, match, msg: Inbound) -> None:
        others = replytrust.copied_to(msg, self.tracking) if match is not None and match.bound else []
        key = replytrust.exposure_key(referral.id, match, msg.from_address.email) if others else ""
        if not others or session.scalar(select(ReferralEvent.id).where(ReferralEvent.answer_key == key)):
            return
        lifecycle.record(session, referral, "token_exposed", lifecycle.Decision(True, referral.status, ""),
                         self.now(), actor_email=msg.from_address.email, message_id=msg.message_id, step=match.step,
                         answer_key=key, reason=f"the reply address sent to {msg.from_address.email} was copied to "
                                                f"{', '.join(others)} (reply-all)")

    def _coordinates(self, session: Session, referral: Referral) -> bool:
        """The referral's member is a coordinator: the config and `introledger mark` are theirs to use."""
        return bool(self.coordinators & set(self._member_emails(session, referral)))

    def _fresh_way(self, referral: Referral, match, msg: Inbound, command: Command,
                   coordinator: bool = False) -> tuple[str, bool]:
        """How the member can still answer: this mail's reply address, unless it is the copied one
        (and whether it is new)."""
        sender = msg.from_address.email
        fresh = tokens.check(self.followups.reply_to(referral.id, match.step or 0, sender), self.tracking,
                             self.followups.secret, self.now(), None, sender)
        if fresh is not None and fresh.tag != match.token:
            return "reply to this mail with your answer: its reply address is new and was sent to you alone.", True
        mark = f"`introledger mark {referral.id} {command.verb.upper()}`"
        if coordinator:
            return f"answer the next follow-up (it has a new reply address), or run {mark} yourself.", False
        return f"answer the next follow-up (it has a new reply address), or ask your coordinator to run {mark}.", False

    def _members_own(self, session: Session, referral: Referral, msg: Inbound) -> bool:
        """The sender is one of the member's configured addresses or on one of their domains."""
        member = session.get(Member, referral.member_id) if referral.member_id else None
        sender = msg.from_address.email
        return member is not None and bool(member.emails) and (
            sender in member.emails or sender.rpartition("@")[2] in (member.domains or ()))

    def _refusal_as_member(self, session: Session, referral: Referral, verdict: Verdict, msg: Inbound) -> str:
        """Another address of the member's counts as the member when the proof it answered with
        (token or our mail) went to the member: the same checks, read for the member's first address."""
        from worker.followups.replymatch import find_reply

        member = must_get(session, Member, referral.member_id)  # _members_own found them
        as_member = replace(msg, sender=Address(msg.from_address.name, member.emails[0]))
        match = find_reply(session, as_member, self._policy(), self.now())
        answered = session.get(Referral, match.referral_id) if match and match.referral_id else None
        if match is None or answered is None or _kept(session, answered).id != referral.id:
            return f"{msg.from_address.email} answered no mail of ours about referral #{referral.id}"
        return replytrust.refusal(as_member, match, match.proven, match.how, self._entitled(session, referral),
                                  True, self.followups.policy.authserv_id)

    def _tell_member_once(self, session: Session, referral: Referral, verdict: Verdict, msg: Inbound, match,
                          why: str) -> None:
        """An answer through a valid reply address from an address that is not the member's (their
        phone's personal mail, say): the member believes they answered, so they hear it was not
        applied — once per referral and address, never for robots."""
        member = session.get(Member, referral.member_id) if referral.member_id else None
        sender = msg.from_address.email
        if (member is None or not member.emails or verdict.looks_automated or match is None or not match.proven
                or sender in self._entitled(session, referral)):
            return
        _, command = self._read(verdict, msg)
        word = (command.matched or command.verb).upper() if command else ""
        refusal = {
            "case": "unverified" if why else "other_address", "verb": command.verb if command else "met",
            "sender": sender, "member_email": member.emails[0], "ref": referral.id, "status": referral.status,
            "why": why or f"it came from {sender}, which is not one of your addresses",
            "how": (f"answer from {member.emails[0]}, or ask your coordinator to add {sender} to your "
                    f"addresses in the config (or to run `introledger mark {referral.id} "
                    f"{command.verb.upper() if command else 'MET'}`)."),
        }
        if self._coordinates(session, referral):
            refusal["coordinator"] = True
            refusal["how"] = (f"answer from {member.emails[0]}, or add {sender} to your addresses in the config "
                              f"yourself (or run `introledger mark {referral.id} "
                              f"{command.verb.upper() if command else 'MET'}`).")
        self._mail(session, referral, "answer_not_applied", f"not-applied:{referral.id}:from:{sender}"[:400],
                   member.emails[0], match.step, answer=word, status=referral.status, refusal=refusal)

    def _tell_unsigned(self, session: Session, referral: Referral, verdict: Verdict, msg: Inbound, match,
                       why: str) -> None:
        """An answer in the member's name by In-Reply-To alone: the member hears it was not applied
        and how to answer so it counts. A party is not mailed on the strength of a From we could
        not verify; the refused event keeps the reason (timeline, `introledger referrals show`)."""
        if verdict.looks_automated or msg.from_address.email not in self._member_emails(session, referral):
            return
        _, command = self._read(verdict, msg)
        if command is None:
            return
        self._not_applied(session, referral, command, why, match.step, refusal={"case": "unverified"},
                          how=(f"reply to the follow-up itself so your answer goes to its signed reply address "
                               f"(the Reply-To we set; keep it), or ask your coordinator to run "
                               f"`introledger mark {referral.id} {command.verb.upper()}`."))

    def _entitled(self, session: Session, referral: Referral) -> set[str]:
        people = {p.person.email for p in referral.parties if p.person.email}
        return people | self._member_emails(session, referral)

    def _member_emails(self, session: Session, referral: Referral) -> set[str]:
        member = session.get(Member, referral.member_id) if referral.member_id else None
        return set(member.emails if member else ())

    def _role(self, session: Session, referral: Referral, email: str) -> str:
        return lifecycle.MEMBER if email in self._member_emails(session, referral) else lifecycle.PARTY

    def apply(self, session: Session, referral: Referral, command: Command, actor: str, message_id: str,
              via: str, role: str = lifecycle.MEMBER, step: int | None = None, key: str | None = None,
              correction: bool = False) -> str:
        """The one way a status changes, from a reply or `introledger mark`. Returns the status after.
        `role` is who the actor is to the referral; `key` applies an answer once (see answer_key)."""
        now = self.now()
        if command.verb in STOPS:
            return self._stop(session, referral, command, actor, message_id, step, role, key, via)
        event = "correction" if correction else "snooze" if command.verb == "snooze" else "answer"
        answer = None if command.verb == "snooze" else command.verb
        stopped = lifecycle.stopped(session, referral.id)
        decision = lifecycle.decide(referral.status, answer, role, event, self.followups.policy.partners_may_close,
                                    stopped=stopped)
        said = command.matched or command.verb
        facts = _Said(actor_email=actor, message_id=message_id, step=step, answer_key=key)
        if not decision.allowed:
            lifecycle.record(session, referral, event, decision, now,
                             reason=f"refused {said}: {decision.reason} ({via})", **facts)
            if message_id and role == lifecycle.MEMBER and answer in lifecycle.ANSWER_STATE:
                # by reply: the member hears why (mark prints it)
                self._not_applied(session, referral, command, decision.reason, step,
                                  how=f"reply CORRECTION: {(command.matched or command.verb).upper()} to this mail.",
                                  refusal={"case": "final" if referral.status in TERMINAL else "refused"})
            return referral.status
        if event == "snooze":
            assert command.snooze_seconds is not None, "a SNOOZE always says for how long (parse_command, mark)"
            again = now + timedelta(seconds=command.snooze_seconds)
            referral.snoozed_until = again  # the stale timer waits for it too
            lifecycle.record(session, referral, event, decision, now,
                             reason=f"snoozed {durations.words(again - now)}: next follow-up on {_day(again)} ({via})",
                             because=f"the next one was moved to {again:%Y-%m-%d %H:%M} UTC", **facts)
            self.followups.reschedule(session, referral.id, again)
            if message_id:  # by reply: say it worked, and when we will ask (`mark` prints it instead)
                # a party is not the one asked: they hear whose follow-ups wait, not "I'll ask again"
                self._mail(session, referral, "snooze_confirmation", f"snooze:{referral.id}:{message_id}", actor,
                           step, answers=message_id, again=again, party=role != lifecycle.MEMBER)
            return referral.status
        old, new = referral.status, decision.to_state
        self._record_outcome(referral, command, new, now, correction, self._currency(session, referral))
        lifecycle.record(session, referral, event, decision, now, amount=command.amount,
                         reason=f"{'correction: ' if correction else ''}{said} ({via})", **facts)
        if new not in TERMINAL and not stopped:  # after STOP the answer counts, but nothing asks again
            self.followups.reschedule(session, referral.id, now + timedelta(days=7))
        self._confirm(session, referral, actor, message_id, step, role, command.reason)
        if new in QUALIFIED and new != old:  # thanked again, more warmly, at each step up
            self._closed_business(session, referral, won=new == Status.WON)
        return new

    def _currency(self, session: Session, referral: Referral) -> str:
        """The currency of an amount written without one: the referral's member's, else the config's."""
        member = session.get(Member, referral.member_id) if referral.member_id else None
        mine = [self.currencies[e] for e in (member.emails if member else ()) if e in self.currencies]
        return mine[0] if mine else self.followups.policy.default_currency

    def _record_outcome(self, referral: Referral, command: Command, new: str, now: datetime,
                        correction: bool = False, currency: str = "") -> None:
        if correction and new != Status.WON:  # what was recorded for the old answer no longer holds
            referral.won_at, referral.value_cents, referral.currency = None, None, ""
            if new not in QUALIFIED:
                referral.qualified_at = None
        if new == Status.WON:
            referral.won_at = referral.won_at or now
            referral.qualified_at = referral.qualified_at or now
            if command.amount:
                amount = command.amount.or_currency(currency or self.followups.policy.default_currency)
                referral.value_cents, referral.currency = amount.minor, amount.currency
        elif new == Status.QUALIFIED:
            referral.qualified_at = referral.qualified_at or now
        if command.reason:
            referral.outcome_note = command.reason

    def _stop(self, session: Session, referral: Referral, command: Command, actor: str, message_id: str,
              step: int | None, role: str, key: str | None, via: str) -> str:
        """STOP: no more follow-ups for this referral (the sender hears so, and how to stop all mail).
        STOP ALL / UNSUBSCRIBE: an opt-out of every mail to the sender, digests included."""
        everything = command.verb == "stop_all"
        event, said = STOPS[command.verb], (command.matched or command.verb).upper()
        decision = lifecycle.decide(referral.status, None, role, event)
        facts = _Said(actor_email=actor, message_id=message_id, step=step, answer_key=key)
        if not decision.allowed:
            lifecycle.record(session, referral, event, decision, self.now(),
                             reason=f"refused {said}: {decision.reason} ({via})", **facts)
            return referral.status
        if everything and not outbox.opted_out(session, actor):
            session.add(OptOut(email=actor.lower(), reason=f"{said} about referral #{referral.id} ({via})"))
        what = (f"{actor} gets no more mail from introledger (opted out)" if everything
                else f"no more follow-ups about referral #{referral.id}")
        lifecycle.record(session, referral, event, decision, self.now(), reason=f"{said}: {what} ({via})", **facts)
        if message_id and not everything:  # by reply: say it worked (`mark` prints it instead)
            self._mail(session, referral, "stop_confirmation", f"stop:{referral.id}:{actor}", actor, step,
                       answers=message_id)
        return referral.status

    def _mail(self, session: Session, referral: Referral, kind: str, key: str, to: str, step: int | None,
              answers: str = "", **extra) -> None:
        """`answers`: the Message-ID of the mail this one answers, so it threads under the person's reply."""
        view = describe(session, referral)
        shown = disclosures.for_mail(session, referral, to)  # the client hears of a fee the partner pays
        voice = self.followups.voice(session, to)
        self._queue(session, lambda: self.templates.render(kind, voice.language, voice.register, **view, **extra,
                                                           disclosures=shown),
                    key=key, kind=kind, to=to, sender=f"introledger <{self.tracking}>",
                    referral_ids=[referral.id], reply_to=self.followups.reply_to(referral.id, step or 0, to),
                    member_id=referral.member_id, in_reply_to=answers)

    def _queue(self, session: Session, render: Callable[[], Rendered], **mail) -> OutboxMessage | None:
        """A mail in answer to a message, queued. One whose template does not render (a broken
        override in templates_dir) is kept failed with the reason, as the thank-you is: the answer
        it was to confirm stands, and the message is not quarantined for it."""
        try:
            rendered, error = render(), ""
        except TemplateProblem as exc:
            rendered, error = Rendered("(not rendered)", "", ""), str(exc)
        row = outbox.queue(session, rendered=rendered, now=self.now(), **mail)
        if row is not None and error:
            row.status, row.last_error = Mail.FAILED, error
            log.warning("%s to %s not sent (outbox #%s, failed; `introledger doctor` checks the templates): %s",
                        mail["kind"], mail["to"], row.id, error)
        return row

    def _confirm(self, session: Session, referral: Referral, actor: str, message_id: str, step: int | None,
                 role: str, note: str) -> None:
        """What happened, in people's words ("you and Alice Brook have met"), and what comes next:
        when the member is asked again (follow-ups go to her), or that nothing will ask again."""
        mine = {actor} | (self._member_emails(session, referral) if role == lifecycle.MEMBER else set())
        parties = [p.person for p in referral.parties]
        named = {p.role: p.person.name or p.person.email or "someone" for p in referral.parties}
        session.flush()  # the follow-up just moved (autoflush is off in a batch)
        due = session.scalar(select(func.min(FollowUp.due_at)).where(FollowUp.referral_id == referral.id,
                                                                      FollowUp.status == Step.SCHEDULED))
        self._mail(session, referral, "status_confirmation", f"confirm:{referral.id}:{message_id or self.now()}",
                   actor, step, answers=message_id, status=referral.status, value=amount_of(referral),
                   you=any(p.email in mine for p in parties), note=note,
                   them=[p.name or p.email or "someone" for p in parties if p.email not in mine],
                   prospect=named.get("prospect", ""), provider=named.get("provider", ""),
                   again_days=_days(due - self.now()) if due and role == lifecycle.MEMBER else None,
                   stopped=lifecycle.stopped(session, referral.id), final=referral.status in TERMINAL)

    def _clarify(self, session: Session, referral: Referral, msg: Inbound, step: int | None) -> None:
        # One clarification per referral and follow-up step: whatever keeps answering in words we
        # cannot read (a person or a robot we did not recognise) hears from us once per question.
        # The step is the one the reply's token names, else the last follow-up sent.
        if step is None:
            step = session.scalar(select(func.max(FollowUp.step)).where(
                FollowUp.referral_id == referral.id, FollowUp.status == Step.DONE)) or 0
        self._mail(session, referral, "clarification", f"clarify:{referral.id}:step{step}", msg.from_address.email,
                   step, answers=msg.message_id, **self._greeting(session, referral, msg.from_address),
                   answer_currency=self.followups.currency_of(
                       session.get(Member, referral.member_id) if referral.member_id else None))

    def _greeting(self, session: Session, referral: Referral, who: Address) -> dict[str, str]:
        """Whom a clarification greets: the first name, and the whole one for a formal greeting ("Buenos
        días, Jürgen Müller:", not "Buenos días, Jürgen:") — the member's configured name, else the sender's."""
        member = session.get(Member, referral.member_id) if referral.member_id else None
        if member is not None and who.email in member.emails:
            return {"greet": first_name(member.name), "greet_full": member.name}
        return {"greet": first_name(who.name, who.email), "greet_full": names.person(who.name)}

    def _not_applied(self, session: Session, referral: Referral, command: Command, why: str,
                     step: int | None, how: str, refusal: dict) -> None:
        """Tell the member an answer in their name was not applied, and why (once per answer and step)."""
        member = session.get(Member, referral.member_id) if referral.member_id else None
        if member is None or not member.emails:
            return
        to = member.emails[0]
        self._mail(session, referral, "answer_not_applied", f"not-applied:{referral.id}:s{step}:{command.verb}",
                   to, step, answer=(command.matched or command.verb).upper(), status=referral.status,
                   refusal={"verb": command.verb, "member_email": to, "ref": referral.id, "status": referral.status,
                            "coordinator": self._coordinates(session, referral), **refusal,
                            "why": why, "how": how})

    def _closed_business(self, session: Session, referral: Referral, won: bool) -> None:
        member = session.get(Member, referral.member_id) if referral.member_id else None
        email = referral.introducer.email
        if member is None or not email or email in member.emails:
            return
        kind = "closed_business"
        key = f"closed-business:{referral.id}:{'won' if won else 'qualified'}"
        view = describe(session, referral)
        now = self.now()
        zone = introducer_zone(referral.introducer_utc_offset, member.timezone, self.default_zone)
        when = send_time(now, zone, self.quiet)  # a member's late-night WON reaches the introducer in daylight
        reply_to, brief = briefs.partner_reply_to(session, member, email, now, self.brief_addresses,
                                                  f"{member.name} <{member.emails[0]}>")
        voice = self.followups.voice(session, email)
        reward = "" if _reward_promised(session, referral.id) else in_language(self.reward, voice.language)
        manage = self.partner_links.url(session, email, member, now) if self.partner_links else ""
        row = self._queue(session, lambda: self.templates.render(kind, voice.language, voice.register, **view,
                                                                 won=won, value=shared_value(referral, member),
                                                                 reward=reward, brief=brief, manage=manage),
                          key=key, kind=kind, to=email, sender=f"{member.name} via introledger <{self.tracking}>",
                          referral_ids=[referral.id], reply_to=reply_to, in_reply_to=referral.source_message_id,
                          member_id=member.id, not_before=when)
        if row is not None and row.status == Mail.QUEUED:
            row.reason = quiet_reason(now, when, zone)


def _reward_promised(session: Session, referral_id: int) -> bool:
    """A closed-business mail for this referral went or is going (QUALIFIED, then WON): the
    reward was promised in it, so the next one thanks without promising it again."""
    said = select(OutboxMessage.id).where(
        OutboxMessage.dedupe_key.in_([f"closed-business:{referral_id}:{how}" for how in ("qualified", "won")]),
        OutboxMessage.status.not_in((Mail.SUPPRESSED, Mail.CANCELLED, Mail.FAILED, Mail.BOUNCED)))
    return session.scalar(said.limit(1)) is not None


def _locked(session: Session, referral_id: int) -> Referral | None:
    """Answers about one referral are taken one at a time across processes (a row lock on
    PostgreSQL; SQLite has one writer), and read the status another process just committed:
    two copies of one answer in two `run`s apply once, the second seeing the first's key."""
    session.execute(select(Referral.id).where(Referral.id == referral_id).with_for_update())
    referral = session.get(Referral, referral_id)
    if referral is not None and referral not in session.dirty:
        session.refresh(referral)
    return referral


def _kept(session: Session, referral: Referral) -> Referral:
    """The referral a merged one was folded into (and on, if that one was merged too): the same
    intro, where an answer to the old one's follow-up belongs. Any other referral is itself."""
    for _ in range(MAX_MERGES):
        if referral.status != Status.MERGED or referral.merged_into_id is None:
            return referral
        kept = _locked(session, referral.merged_into_id)
        if kept is None:
            return referral
        referral = kept
    return referral


def answer_key(referral_id: int, scope: str, command: Command, correction: bool = False) -> str | None:
    """Applied once per referral, follow-up scope (token step) and answer — not per Message-ID,
    so the same answer mailed again (a resend, a copy, a replay) changes nothing the second time."""
    if not scope:
        return None
    detail = command.snooze_seconds if command.verb == "snooze" else (
        f"{command.amount.minor}{command.amount.currency}" if command.amount else "")
    kind = "correction" if correction else "answer"
    return f"{kind}:{referral_id}:{scope}:{command.verb}:{detail}"[:200]


def _day(when: datetime) -> str:
    return when.strftime("%A %-d %B %Y")


def _days(delta: timedelta) -> int:
    """When, in whole days from now ("in a week" in English: the templates say it)."""
    return round(delta.total_seconds() / 86400)


def amount_of(referral: Referral) -> Amount | None:
    return Amount(referral.value_cents, referral.currency) if referral.value_cents is not None else None


def shared_value(referral: Referral, member: Member) -> Amount | None:
    """What the introducer is told the deal was worth: nothing, unless the member says so
    (members[].share_value): that a deal closed is the introducer's news, its value the member's."""
    return amount_of(referral) if member.share_value else None
