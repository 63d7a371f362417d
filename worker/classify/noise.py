"""Rules for mail that is recorded but never acted on: robots, bounces, lists, ourselves.

Each takes (message, context) like every classifier rule; only own_mail and other_deployment
need the context.
"""
import re

from worker.classify.language import OUT_OF_OFFICE_SUBJECT
from worker.classify.verdict import Verdict
from worker.core.statuses import Kind
from worker.mail import bounces
from worker.mail.parse import Inbound, getaddresses_safely

BOUNCE_SENDERS = frozenset({"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"})
# An introledger reply token (intros+r12d20412k3v9q2x7mf@…, with a step: intros+r12s2d…, and
# bound to its recipient: 8 more letters): the signed reply address of some deployment's
# follow-up; or a brief token (intros+b3d…: the address a partner replies BRIEF to). No person has one.
# A mailing list's own address, on the mail beside the people: no party of an intro. Hosts that
# only carry lists (vger.kernel.org, lists.*), and list names by their usual endings (-devel, -users):
# "Re: [PATCH]" To the author and netdev@vger.kernel.org introduces no one to netdev.
LIST_HOSTS = re.compile(r"(?:^|\.)(?:vger\.kernel\.org|lists?\.[\w.-]+|googlegroups\.com|groups\.io|nongnu\.org"
                        r"|kvack\.org|freelists\.org|listserv\.[\w.-]+)$")
LIST_NAMES = re.compile(r"^[\w.+-]+-(?:devel|dev|users|announce|discuss|general|list|l)$")
_TOKEN_ADDRESS = re.compile(r"^[^@+\s]+\+[rb]\d+(?:s\d+)?d\d+[a-z0-9]{10}(?:[a-z0-9]{8})?@[^@\s]+$")


def other_deployment(msg: Inbound, ctx) -> Verdict | None:
    """Another introledger's mail: answering it would start two robots talking to each other.

    Its loop header names its tracking address; learned (extra["learn"]) only when that address
    is the sender's or Reply-To's own, and never a member's: a forged header cannot make a person
    look like a robot.
    """
    loop = msg.headers.get("x-introledger-loop", "").strip().lower()
    if loop and not is_tracking(loop, ctx.tracking):
        own = [a for a in _sender_addresses(msg) if is_tracking(a, frozenset({loop}))]
        learn = loop if own and "@" in loop and ctx.directory.member_of(loop) is None else ""
        return Verdict(Kind.OTHER_DEPLOYMENT, "other_deployment",
                       f"carries another introledger's loop header ({loop}): never answered",
                       extra={"learn": learn} if learn else {})
    for address in _sender_addresses(msg):
        if is_tracking(address, ctx.tracking):
            continue  # ours: own_mail says so
        if is_tracking(address, ctx.other_deployments):
            return Verdict(Kind.OTHER_DEPLOYMENT, "other_deployment",
                           f"sent from {address}, another introledger deployment's tracking address")
        if is_reply_token(address):
            return Verdict(Kind.OTHER_DEPLOYMENT, "other_deployment",
                           f"{address} is another introledger deployment's reply address")
    return None


def _sender_addresses(msg: Inbound) -> list[str]:
    found = [msg.sender.email] if msg.sender else []
    reply_to = msg.headers.get("reply-to", "")
    return found + [email.lower() for _, email in getaddresses_safely([reply_to]) if "@" in email]


def is_reply_token(email: str) -> bool:
    return bool(_TOKEN_ADDRESS.match(email.lower()))


def is_robot_address(email: str, ctx) -> bool:
    """An address that is no person: ours, another deployment's, anybody's reply token, or a list's."""
    return (is_tracking(email, ctx.tracking) or is_tracking(email, ctx.other_deployments)
            or is_reply_token(email) or is_list_address(email))


def is_list_address(email: str) -> bool:
    local, _, host = email.lower().rpartition("@")
    return bool(LIST_HOSTS.search(host) or LIST_NAMES.match(local))


def own_mail(msg: Inbound, ctx) -> Verdict | None:
    if "x-introledger-loop" in msg.headers:
        return Verdict(Kind.OWN_MAIL, "own_mail", "carries our X-Introledger-Loop header: we sent it")
    if msg.sender and is_tracking(msg.sender.email, ctx.tracking):
        return Verdict(Kind.OWN_MAIL, "own_mail", f"sent from the tracking address {msg.sender.email}")
    return None


def bounce(msg: Inbound, _ctx) -> Verdict | None:
    """A mail system's report. What it says about our own mail (which recipient failed, why) is
    read here, purely, and acted on by a hook (worker/outbound/pauses.py)."""
    why = _bounce_sign(msg)
    if why is None:
        return None
    report = bounces.read(msg)
    if report is None:
        return Verdict(Kind.BOUNCE, "bounce", why)
    return Verdict(Kind.BOUNCE, "bounce", f"{why}: {report.reason}", extra={"report": report})


def _bounce_sign(msg: Inbound) -> str | None:
    if msg.content_type == "multipart/report":
        return "a multipart/report delivery notification"
    if msg.sender and msg.sender.email.partition("@")[0] in BOUNCE_SENDERS:
        return f"sent by {msg.sender.email}, a mail system"
    if msg.headers.get("return-path", "").strip() == "<>":
        return "null sender (Return-Path: <>), as bounces have"
    if "x-failed-recipients" in msg.headers:
        return "has X-Failed-Recipients, a delivery failure"
    return None


def auto_reply(msg: Inbound, _ctx) -> Verdict | None:
    h = msg.headers
    submitted = h.get("auto-submitted", "").strip().lower()
    if submitted and submitted != "no":
        return Verdict(Kind.AUTO_REPLY, "auto_reply", f"Auto-Submitted: {submitted}")
    for name in ("x-autoreply", "x-autorespond", "x-auto-response-suppress"):
        if name in h:
            return Verdict(Kind.AUTO_REPLY, "auto_reply", f"has {name} header: an automatic reply")
    if h.get("precedence", "").strip().lower() == "junk":
        return Verdict(Kind.AUTO_REPLY, "auto_reply", "Precedence: junk")
    if OUT_OF_OFFICE_SUBJECT.search(msg.subject):
        return Verdict(Kind.AUTO_REPLY, "auto_reply", f"out-of-office subject {msg.subject!r}")
    return None


def mailing_list(msg: Inbound, _ctx) -> Verdict | None:
    h = msg.headers
    if "list-post" not in h and ("list-unsubscribe" in h or "feedback-id" in h):
        return None  # a list nobody can post to is a newsletter
    if "list-id" in h:
        return Verdict(Kind.MAILING_LIST, "mailing_list", f"mailing list mail (List-Id: {h['list-id']})")
    if "list-post" in h or h.get("precedence", "").strip().lower() == "list":
        return Verdict(Kind.MAILING_LIST, "mailing_list", "mailing list mail (List-Post / Precedence: list)")
    return None


def newsletter(msg: Inbound, _ctx) -> Verdict | None:
    h = msg.headers
    if h.get("precedence", "").strip().lower() == "bulk":
        return Verdict(Kind.NEWSLETTER, "newsletter", "Precedence: bulk")
    for name in ("list-unsubscribe", "feedback-id", "x-campaign"):
        if name in h:
            return Verdict(Kind.NEWSLETTER, "newsletter", f"bulk mail (has {name})")
    return None


def is_tracking(email: str, tracking: "frozenset[str] | set[str]") -> bool:
    """Plus-addressed variants (intros+r8k2@…) are the tracking address too."""
    local, _, domain = email.lower().partition("@")
    return email.lower() in tracking or f"{local.partition('+')[0]}@{domain}" in tracking
