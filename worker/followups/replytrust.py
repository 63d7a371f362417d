"""May this reply count, and who wrote it? The proofs a status answer needs (reads only).

A reply proves itself with a signed token or In-Reply-To one of our mails, and counts only from
the address that token or mail went to (a reply-all copies Reply-To to everyone on Cc).
Authentication-Results are read from our receiving server (follow_ups.authserv_id) only —
a sender can write any header — all of them, and any DKIM/DMARC fail refuses. A reply address
seen copied to others (a reply-all we received) proves nothing more unless that server says
DMARC pass; status.py records the copy and tells the member.
"""
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ReferralEvent
from worker.mail.parse import Inbound

AUTH_FAIL = ("dmarc=fail", "dkim=fail")  # SPF fails on every forward: not evidence against a sender


def refusal(msg: Inbound, match, proven: bool, unproven_why: str, entitled: set[str], is_member: bool,
            authserv_id: str | None) -> str:
    """Why this reply may not change a status, or "" when it may (the lifecycle decides what)."""
    sender = msg.from_address.email
    if not proven:
        return unproven_why
    failed = auth_failures(msg.auth_results, authserv_id)
    if failed:
        return f"the receiving server says {' and '.join(failed)} for {sender}"
    if sender not in entitled:
        return f"{sender} is not a party to the referral or its member"
    bound = match.bound if match else None
    if bound is False:
        return (f"the reply address or mail {sender} answered was sent to someone else "
                f"(a reply-all copy?); only its recipient can answer with it")
    if bound is None and not is_member:
        return f"{sender} used a reply address that names no recipient; those count for the member only"
    return ""


def _server(header: str) -> str:
    return (header.split(";", 1)[0].split() or [""])[0].lower()


def auth_failures(results: tuple[str, ...], authserv_id: str | None) -> list[str]:
    """DKIM/DMARC failures reported. With `authserv_id` only that server's headers count; without
    it a fail anywhere still refuses (a fail can only cost the sender), and a pass is never
    needed: the token's binding to the recipient then stands alone (doctor warns)."""
    failed = []
    for header in results:
        if authserv_id and _server(header) != authserv_id.lower():
            continue
        failed += [check for check in AUTH_FAIL if check in header.lower() and check not in failed]
    return failed


def auth_passes(results: tuple[str, ...], authserv_id: str | None) -> bool:
    """Our receiving server (and only it) says DMARC passed for this message."""
    if not authserv_id:
        return False
    ours = [h.lower() for h in results if _server(h) == authserv_id.lower()]
    return any("dmarc=pass" in h for h in ours) and not auth_failures(results, authserv_id)


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
    if match is None or not match.bound or auth_passes(msg.auth_results, authserv_id):
        return ""
    row = session.scalar(select(ReferralEvent).where(
        ReferralEvent.answer_key == exposure_key(referral_id, match, msg.from_address.email)))
    return row.reason.partition(" copied to ")[2].partition(" (")[0] if row else ""
