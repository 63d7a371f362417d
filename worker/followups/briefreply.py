"""BRIEF by mail: a partner asks for a member's ideal-referral brief and gets it back.

A request proves itself with a signed address of ours bound to the sender, as a status answer
must (worker/followups/replytrust.py): a brief address (the Reply-To of partner mail) or a reply
token of a follow-up; that address names the member. In-Reply-To alone proves nothing, with or
without follow_ups.authserv_id: anyone copied on the thread holds it and may write any From.
Our receiving server's DKIM/DMARC fail refuses, robots are never answered, and a partner gets at
most one brief a day from a member. Every request a person made leaves an outbox row: the brief, or `suppressed` with
the reason it was not sent.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Member, OutboxMessage, Referral
from worker.classify.verdict import Verdict
from worker.core.statuses import Mail
from worker.mail import names, tokens
from worker.mail import sender as senders
from worker.mail.names import first_name
from worker.mail.parse import Inbound
from worker.outbound import briefs, outbox
from worker.outbound.language import for_address as language_for
from worker.outbound.memberview import member_view
from worker.outbound.partnerlinks import PartnerLinks
from worker.outbound.templating import TemplateProblem, Templates

KIND = "brief"
ONCE_PER = timedelta(days=1)
# A brief that went (or may have) counts for ONCE_PER; one suppressed or failed does not.
GONE = (Mail.QUEUED, Mail.SENDING, Mail.SENT, Mail.UNCONFIRMED)


@dataclass(frozen=True)
class Asked:
    """Whose brief a request is for, and why it may not be answered ("" when it may)."""

    member_id: int | None
    refusal: str


@dataclass
class BriefDesk:
    tracking: str
    secret: str | None  # None: no addresses were signed, so no request proves itself
    templates: Templates
    now: Callable[[], datetime]
    authserv_id: str | None = None
    max_age_days: float | None = None
    partner_links: PartnerLinks | None = None  # the partner's own page, linked from the answer

    def on_request(self, session: Session, verdict: Verdict | None, msg: Inbound | None,
                   referral_id: int | None) -> None:
        if verdict is None or msg is None or msg.sender is None or verdict.looks_automated:
            return  # never answer a robot: it answers back
        sender = msg.from_address.email
        asked = self.asked(session, msg)
        member = session.get(Member, asked.member_id) if asked.member_id else None
        why = asked.refusal or self._not_now(session, member, sender)
        key = f"brief:{asked.member_id or 0}:{sender}:{msg.message_id or msg.dedupe_key}"[:400]
        if why:
            return self._suppressed(session, key, sender, asked.member_id, why)
        assert member is not None, "asked() names a member whenever it finds no refusal"
        self._send(session, key, member, msg)

    def asked(self, session: Session, msg: Inbound) -> Asked:
        """Which member's brief the sender may have, by the proof the mail carries."""
        sender = msg.from_address.email
        found = (self._by_address(msg, sender) or self._by_reply_token(session, msg, sender)
                 or self._by_our_mail(session, msg, sender))
        if found is None:
            return Asked(None, f"the request proves nothing: it replies to no mail of ours to {sender} "
                               f"and is sent to no brief address of ours")
        said = senders.verdict(msg, self.authserv_id)
        if said.forged and not found.refusal:
            return Asked(found.member_id, said.reason)
        return found

    def _by_address(self, msg: Inbound, sender: str) -> Asked | None:
        if not self.secret:
            return None
        for address in [*(a.email for a in msg.recipients), *msg.gateway]:
            check = tokens.check_brief(address, self.tracking, self.secret, self.now(), self.max_age_days, sender)
            if check is None:
                continue
            if not check.valid:
                return Asked(None, check.why)
            if not check.bound:
                return Asked(check.member_id, f"{check.why} (a reply-all copy?); only its recipient may ask with it")
            return Asked(check.member_id, "")
        return None

    def _by_reply_token(self, session: Session, msg: Inbound, sender: str) -> Asked | None:
        """A follow-up's reply address, as a status answer proves itself: signed, and sent to the sender."""
        if not self.secret:
            return None
        for address in [*(a.email for a in msg.recipients), *msg.gateway]:
            check = tokens.check(address, self.tracking, self.secret, self.now(), self.max_age_days, sender)
            if check is None:
                continue
            referral = session.get(Referral, check.referral_id) if check.referral_id else None
            member_id = referral.member_id if referral else None
            if not check.valid or member_id is None:
                return Asked(None, check.why if not check.valid else "its reply address names no member's referral")
            if not check.bound:
                return Asked(member_id, f"{check.why} (a reply-all copy?); only its recipient may ask with it")
            return Asked(member_id, "")
        return None

    def _by_our_mail(self, session: Session, msg: Inbound, sender: str) -> Asked | None:
        """A reply to our mail by In-Reply-To alone is refused, saying what would prove it."""
        ours = "@" + self.tracking.partition("@")[2]
        ids = [i for i in dict.fromkeys(msg.in_reply_to + msg.references) if i.endswith(ours)]
        if not ids:
            return None
        rows = session.execute(select(OutboxMessage.to_addr, OutboxMessage.member_id)
                               .where(OutboxMessage.message_id.in_(ids), OutboxMessage.member_id.is_not(None))).all()
        mine = next((r for r in rows if r.to_addr.lower() == sender), None)
        if mine is not None:
            return Asked(mine.member_id, f"it replies to our mail to {sender} but not through the signed reply "
                                         f"address in its Reply-To, and In-Reply-To alone is no proof of who "
                                         f"wrote it (anyone copied on that thread can set From: {sender})")
        if rows:
            return Asked(rows[0].member_id, f"the mail of ours it replies to went to {rows[0].to_addr}, "
                                            f"not {sender} (a reply-all copy?)")
        return None

    def _not_now(self, session: Session, member: Member | None, sender: str) -> str:
        if member is None:
            return "no such member"
        if briefs.get(session, member.id).empty:
            return f"{member.name} has written no brief yet (`introledger brief set`)"
        earlier = session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.kind == KIND, OutboxMessage.member_id == member.id, OutboxMessage.to_addr == sender,
            OutboxMessage.status.in_(GONE), OutboxMessage.queued_at > self.now() - ONCE_PER).limit(1))
        return f"{sender} got {member.name}'s brief within a day already (outbox #{earlier})" if earlier else ""

    def _send(self, session: Session, key: str, member: Member, msg: Inbound) -> None:
        sender, now = msg.from_address.email, self.now()
        addresses = briefs.BriefAddresses(self.tracking, self.secret) if self.secret else None
        reply_to, brief = briefs.partner_reply_to(session, member, sender, now, addresses,
                                                  f"{member.name} <{member.emails[0]}>", "answer")
        partner = {"name": names.person(msg.from_address.name) or sender, "email": sender,
                   "first_name": first_name(msg.from_address.name, sender)}
        try:
            voice = language_for(session, sender, self.templates.language)  # the partner's
            manage = self.partner_links.url(session, sender, member, now) if self.partner_links else ""
            rendered = self.templates.render(KIND, voice.language, voice.register, member=member_view(member),
                                             partner=partner, brief=brief,
                                             manage=manage)
        except TemplateProblem as exc:  # a broken override must not cost the message: the row says why
            return self._suppressed(session, key, sender, member.id, f"not rendered: {exc}", Mail.FAILED)
        outbox.queue(session, key=key, kind=KIND, to=sender, sender=f"{member.name} via introledger <{self.tracking}>",
                     rendered=rendered, now=now, referral_ids=[], reply_to=reply_to, in_reply_to=msg.message_id,
                     member_id=member.id)

    def _suppressed(self, session: Session, key: str, to: str, member_id: int | None, why: str,
                    status: str = Mail.SUPPRESSED) -> None:
        if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)) is not None:
            return  # this very request again (another route): already decided
        now = self.now()
        session.add(OutboxMessage(
            dedupe_key=key, kind=KIND, status=status, reason=f"BRIEF not answered: {why}"[:2000],
            last_error=why if status == Mail.FAILED else "", referral_ids=[], member_id=member_id, to_addr=to,
            from_addr=self.tracking, subject="(not sent)", text_body="", not_before=now, attempts=0, queued_at=now))
        session.flush()
