"""May this reply count, and who wrote it? The proofs a status answer needs (reads only).

A reply proves itself with a signed token, and counts only from the address that token went to
(a reply-all copies Reply-To to everyone on Cc). In-Reply-To one of our mails proves nothing by
itself — anyone copied on the thread holds that Message-ID and may write any From — so an answer
without the token counts only when it also replies to our mail sent to the sender AND our receiving
server (follow_ups.authserv_id) says DMARC pass for its From (status.py tells the member how to answer).
A reply that server fails (DKIM/DMARC) is a forgery we can tell: refused, and never answered.
What that server says of the sender (forged, vouched for, unproven) is worker/mail/sender.py's
one decision, shared with opt-outs by mail and the member's thank-you by hand. A reply address
seen copied to others (a reply-all we received) proves nothing more unless that server says
DMARC pass; status.py records the copy and tells the member.
"""
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ReferralEvent
from worker.mail import sender as senders
from worker.mail.parse import Inbound


def refusal(msg: Inbound, match, proven: bool, unproven_why: str, entitled: set[str], is_member: bool,
            authserv_id: str | None) -> str:
    """Why this reply may not change a status, or "" when it may (the lifecycle decides what)."""
    sender = msg.from_address.email
    if not proven:
        return unproven_why
    said = senders.verdict(msg, authserv_id)
    if said.forged:
        return said.reason
    if sender not in entitled:
        return f"{sender} is not a party to the referral or its member"
    if unsigned(msg, match, authserv_id):
        return (f"it replies to our mail to {sender} but not through the signed reply address in its "
                f"Reply-To, and In-Reply-To alone is no proof of who wrote it (anyone copied on that thread "
                f"can set From: {sender}); our receiving server did not vouch for the sender "
                + (f"(no DMARC pass from {authserv_id})" if authserv_id else "(follow_ups.authserv_id is not set)"))
    bound = match.bound if match else None
    if bound is False:
        return (f"the reply address or mail {sender} answered was sent to someone else "
                f"(a reply-all copy?); only its recipient can answer with it")
    if bound is None and not is_member:
        return f"{sender} used a reply address that names no recipient; those count for the member only"
    return ""


def forged(said: senders.SenderVerdict) -> str:
    """The event's reason for a reply our receiving server failed (DKIM/DMARC): it may be anyone
    writing From: the member, so it changes nothing and nobody is mailed in answer to it — a
    "Not changed" note to the real member would be our mail sent on a forger's say-so."""
    return f"refused: {senders.likely_forged(said)}"


def unsigned(msg: Inbound, match, authserv_id: str | None) -> bool:
    """An answer by In-Reply-To alone that our receiving server does not vouch for (a DMARC pass
    whose header.from is the From domain): not applied."""
    return match is not None and not match.signed and not senders.verdict(msg, authserv_id).vouched


def copied_to(msg: Inbound, tracking: str) -> list[str]:
    """The people besides the sender a reply to our address went to: they now hold its token."""
    return sorted({a.email for a in msg.recipients
                   if a.email and a.email != msg.from_address.email and not _ours(a.email, tracking)})


def _ours(address: str, tracking: str) -> bool:
    """The tracking address itself or one of its plus-addresses (reply tokens)."""
    local, _, domain = address.partition("@")
    return f"{local.partition('+')[0]}@{domain}" == tracking.lower()


def exposure_key(referral_id: int, match, recipient: str) -> str:
    # The very token copied (its day included): mail we send the member later carries a fresh one.
    return f"exposed:{referral_id}:{match.token or match.scope}:{recipient}"[:200]


def exposed_to(session: Session, referral_id: int, match, msg: Inbound, authserv_id: str | None) -> str:
    """Who else holds this sender's reply address, unless our server vouches for the sender."""
    if match is None or not match.bound or senders.verdict(msg, authserv_id).vouched:
        return ""
    row = session.scalar(select(ReferralEvent).where(
        ReferralEvent.answer_key == exposure_key(referral_id, match, msg.from_address.email)))
    return row.reason.partition(" copied to ")[2].partition(" (")[0] if row else ""
