"""An unsubscribe by mail: the "Unsubscribe" button of a mail client (our List-Unsubscribe header
mails the tracking address with subject UNSUBSCRIBE) or a person writing STOP ALL to it.

It names no referral (no reply token), so it cannot mean "stop asking about this intro": it means
no more mail from us at all, and becomes an opt-out of the sender's address, like `optout add`.
Only a short request sent to us alone counts: an intro that says "stop by our office" is no
request, and neither is anything a robot sent.

Anyone can write From: a member, so what proves who sent it is kept with the opt-out (`optout
list`) and on the message's log line (`explain`, `ingest`). Inbound mail is untrusted, but the safe
direction for an opt-out is to honour it:

  forged    our receiving server says DKIM/DMARC fail (worker/mail/sender.py): nobody is opted
            out, and no mail answers it;
  token     the subject carries the unsubscribe token of our mail to the sender (`UNSUBSCRIBE
            k3v9…`, the List-Unsubscribe button of our mail, worker/mail/tokens.py): proven;
  vouched   that server's aligned DMARC pass for the sender: proven;
  unproven  anything else (no Authentication-Results, no follow_ups.authserv_id, the bare button of
            older mail, STOP ALL typed by hand, a token sent to another address): honoured, as
            asked, and said so. It costs a forger a member's mail only from an address whose mail
            our server does not fail, and the member sees it in `optout list` / `optout remove`.

A member who answers a follow-up with STOP ALL proves themselves with its signed reply address
instead (worker/followups/status.py).
"""
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OptOut
from worker.mail import sender as senders
from worker.mail import tokens
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
    secret: str | None = None  # the token secret: the button's unsubscribe token (worker/mail/tokens.py)

    def on_mail(self, session: Session, verdict, msg: Inbound, referral_id: int | None) -> str | None:
        """Opts the sender out unless the request is forged; returns what it did and why (for the log)."""
        words = "" if verdict.looks_automated and not _from_a_button(msg) else requested(msg, self.tracking,
                                                                                         self.vocabulary)
        if not words:
            return None
        email = msg.from_address.email.lower()  # requested() saw one
        said = senders.verdict(msg, self.authserv_id)
        if said.forged and not self.bound(msg, email):  # the button's token is the sender's own proof
            return f"{words.upper()} not applied, nobody opted out: {senders.likely_forged(said)}"
        proof = self.proof(msg, email, said)
        if session.scalar(select(OptOut.id).where(OptOut.email == email)) is None:
            session.add(OptOut(email=email,
                               reason=f"asked by mail: {words.upper()!r} ({msg.message_id}); {proof}"[:2000]))
            session.flush()
        return f"{email} opted out of all mail ({proof})"

    def proof(self, msg: Inbound, email: str, said: senders.SenderVerdict) -> str:
        """What shows the request is the sender's own: their button's token, our server's DMARC
        pass, or nothing (unproven, honoured all the same)."""
        token = button_token(msg)
        if self.bound(msg, email):
            return f"proven: the unsubscribe token of our mail to {email}"
        if said.vouched:
            return f"proven: {said.reason}"
        mismatch = "; its unsubscribe token is not the one sent to it" if token and self.secret else ""
        return f"sender unproven: {said.reason}{mismatch}; honoured as asked"

    def bound(self, msg: Inbound, email: str) -> bool:
        """The subject carries the unsubscribe token of our mail to `email`."""
        token = button_token(msg)
        return bool(token and self.secret and tokens.unsubscribe_bound(token, self.secret, email))


def button_token(msg: Inbound) -> str:
    """The unsubscribe token our List-Unsubscribe subject carries (`UNSUBSCRIBE k3v9…`), or ""."""
    m = tokens.UNSUBSCRIBE_WORD.search(_PREFIX.sub("", msg.subject or "").strip())
    return m.group(1).lower() if m else ""


def _from_a_button(msg: Inbound) -> bool:
    # A mail client's unsubscribe button writes the mail for the person: it may look automated.
    return bool(re.fullmatch(r"\s*unsubscribe(?:\s+[a-z2-7]{16})?\s*", msg.subject or "", re.IGNORECASE))
