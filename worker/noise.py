"""Rules for mail that is recorded but never acted on: robots, bounces, lists, ourselves.

Each takes (message, context) like every classifier rule; only own_mail needs the context.
"""
from worker.language import OUT_OF_OFFICE_SUBJECT
from worker.parse import Inbound
from worker.verdict import Verdict

BOUNCE_SENDERS = frozenset({"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"})


def own_mail(msg: Inbound, ctx) -> Verdict | None:
    if "x-introledger-loop" in msg.headers:
        return Verdict("own_mail", "own_mail", "carries our X-Introledger-Loop header: we sent it")
    if msg.sender and is_tracking(msg.sender.email, ctx.tracking):
        return Verdict("own_mail", "own_mail", f"sent from the tracking address {msg.sender.email}")
    return None


def bounce(msg: Inbound, _ctx) -> Verdict | None:
    if msg.content_type == "multipart/report":
        return Verdict("bounce", "bounce", "a multipart/report delivery notification")
    if msg.sender and msg.sender.email.partition("@")[0] in BOUNCE_SENDERS:
        return Verdict("bounce", "bounce", f"sent by {msg.sender.email}, a mail system")
    if msg.headers.get("return-path", "").strip() == "<>":
        return Verdict("bounce", "bounce", "null sender (Return-Path: <>), as bounces have")
    if "x-failed-recipients" in msg.headers:
        return Verdict("bounce", "bounce", "has X-Failed-Recipients, a delivery failure")
    return None


def auto_reply(msg: Inbound, _ctx) -> Verdict | None:
    h = msg.headers
    submitted = h.get("auto-submitted", "").strip().lower()
    if submitted and submitted != "no":
        return Verdict("auto_reply", "auto_reply", f"Auto-Submitted: {submitted}")
    for name in ("x-autoreply", "x-autorespond", "x-auto-response-suppress"):
        if name in h:
            return Verdict("auto_reply", "auto_reply", f"has {name} header: an automatic reply")
    if h.get("precedence", "").strip().lower() == "junk":
        return Verdict("auto_reply", "auto_reply", "Precedence: junk")
    if OUT_OF_OFFICE_SUBJECT.search(msg.subject):
        return Verdict("auto_reply", "auto_reply", f"out-of-office subject {msg.subject!r}")
    return None


def mailing_list(msg: Inbound, _ctx) -> Verdict | None:
    h = msg.headers
    if "list-post" not in h and ("list-unsubscribe" in h or "feedback-id" in h):
        return None  # a list nobody can post to is a newsletter
    if "list-id" in h:
        return Verdict("mailing_list", "mailing_list", f"mailing list mail (List-Id: {h['list-id']})")
    if "list-post" in h or h.get("precedence", "").strip().lower() == "list":
        return Verdict("mailing_list", "mailing_list", "mailing list mail (List-Post / Precedence: list)")
    return None


def newsletter(msg: Inbound, _ctx) -> Verdict | None:
    h = msg.headers
    if h.get("precedence", "").strip().lower() == "bulk":
        return Verdict("newsletter", "newsletter", "Precedence: bulk")
    for name in ("list-unsubscribe", "feedback-id", "x-campaign"):
        if name in h:
            return Verdict("newsletter", "newsletter", f"bulk mail (has {name})")
    return None


def is_tracking(email: str, tracking: frozenset[str]) -> bool:
    """Plus-addressed variants (intros+r8k2@…) are the tracking address too."""
    local, _, domain = email.lower().partition("@")
    return email.lower() in tracking or f"{local.partition('+')[0]}@{domain}" in tracking
