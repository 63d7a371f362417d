"""An unsubscribe by mail: the "Unsubscribe" button of a mail client (our List-Unsubscribe header
mails the tracking address with subject UNSUBSCRIBE) or a person writing STOP ALL to it.

It names no referral (no reply token), so it cannot mean "stop asking about this intro": it means
no more mail from us at all, and becomes an opt-out of the sender's address, like `optout add`.
Only a short request sent to us alone counts: an intro that says "stop by our office" is no
request, and neither is anything a robot sent.

Anyone can write From: a member, and a member's opt-out ends their follow-ups and digests, so it
needs the proof a status change needs: here (no reply token) our receiving server's DMARC pass
for the sender (worker/mail/sender.py). A member who answers a follow-up with STOP ALL proves
themselves with its signed reply address instead (worker/followups/status.py). Anyone's request
that server fails (DKIM/DMARC) is a forgery we can tell: nobody is opted out. Either refusal is
kept on the message's log line (`explain`, `ingest`), and no mail answers it.
"""
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Member, OptOut
from worker.mail import sender as senders
from worker.mail.commands import parse_command
from worker.mail.parse import Inbound
from worker.mail.quotes import new_text

_PREFIX = re.compile(r"^(?:\s*(?:re|aw|fwd?|wg|tr|sv|antw)\s*:\s*)+", re.IGNORECASE)
_SHORT = 4  # words: "UNSUBSCRIBE", "stop all mail please" — a sentence is something else


def requested(msg: Inbound, tracking: frozenset[str], vocabulary=None) -> str:
    """The words asking us to stop all mail, or "" when this mail is no such request."""
    if msg.sender is None or not msg.sender.email or _ours(msg.sender.email, tracking):
        return ""
    if not msg.recipients or not all(_ours(a.email, tracking) for a in msg.recipients):
        return ""  # sent to others too: a conversation, not a request to us
    subject = _PREFIX.sub("", msg.subject or "").strip()
    first = next((line.strip() for line in new_text(msg.text or "").splitlines() if line.strip()), "")
    for text in (subject, first):
        command = parse_command(text, vocabulary) if 0 < len(text.split()) <= _SHORT else None
        if command is None:
            continue
        # UNSUBSCRIBE / STOP ALL are unambiguous; a bare STOP only as the whole subject (the button).
        if command.verb == "stop_all" or (command.verb == "stop" and text is subject
                                          and _bare(command.matched) == _bare(subject)):
            return command.matched or command.verb
    return ""


def _bare(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text or "").lower().split())


def _ours(address: str, tracking: frozenset[str]) -> bool:
    local, _, domain = (address or "").lower().partition("@")
    return f"{local.partition('+')[0]}@{domain}" in tracking


@dataclass
class Unsubscribes:
    tracking: frozenset[str]
    vocabulary: dict[str, list[str]] | None = None
    authserv_id: str | None = None  # follow_ups.authserv_id: whose Authentication-Results count

    def on_mail(self, session: Session, verdict, msg: Inbound, referral_id: int | None) -> str | None:
        """Opts the sender out; returns why not when the request proves too little (for the log)."""
        words = "" if verdict.looks_automated and not _from_a_button(msg) else requested(msg, self.tracking,
                                                                                         self.vocabulary)
        if not words:
            return None
        email = msg.from_address.email.lower()  # requested() saw one
        why = refusal(msg, self.authserv_id, _members_address(session, email))
        if why:
            return f"{words.upper()} not applied, nobody opted out: {why}"
        if session.scalar(select(OptOut.id).where(OptOut.email == email)) is None:
            session.add(OptOut(email=email, reason=f"asked by mail: {words.upper()!r} ({msg.message_id})"[:2000]))
            session.flush()
        return None


def refusal(msg: Inbound, authserv_id: str | None, member: bool) -> str:
    """Why an opt-out mailed to us (no reply token) may not count, or "": a forgery our receiving
    server failed never does; a member's address needs that server's DMARC pass."""
    said = senders.verdict(msg, authserv_id)
    if said.forged:
        return senders.likely_forged(said)
    if member and not said.vouched:
        return (f"{msg.from_address.email} is a member's address, and a member's opt-out needs proof of who sent it "
                f"({said.reason}); STOP ALL in answer to one of our follow-ups (its signed reply address) "
                f"or `introledger optout add` opts them out")
    return ""


def _members_address(session: Session, email: str) -> bool:
    """One of a member's addresses, or on one of their domains (those count as the member's)."""
    domain = email.rpartition("@")[2]
    return any(email in (m.emails or ()) or domain in (m.domains or ()) for m in session.scalars(select(Member)))


def _from_a_button(msg: Inbound) -> bool:
    # A mail client's unsubscribe button writes the mail for the person: it may look automated.
    return bool(re.fullmatch(r"\s*unsubscribe\s*", msg.subject or "", re.IGNORECASE))
