"""Is this sender who they say? The one place that reads it from our receiving server's verdict.

Anyone can write any From:. What tells a real sender from a forger is our receiving server's
Authentication-Results (follow_ups.authserv_id; worker/mail/authres.py tells its headers from a
sender's by where they stand):

  forged    it says DMARC fail, or DKIM fail for the From's domain's signature (another domain's
            broken signature says nothing of the From; without an authserv_id a fail in any
            Authentication-Results header counts: a fail can only cost the sender) — a forgery we
            can tell, so it changes nothing and nobody is mailed in answer to it;
  vouched   it says DMARC pass for the From's own domain (header.from aligned) and nothing failed;
  unproven  neither (no authserv_id set, or a server that adds no Authentication-Results): only a
            signed reply token bound to the sender proves who wrote it.

A pure function of the message and the setting: each desk (status answers, opt-outs by mail, a
member's thank-you by hand, BRIEF requests) decides what it needs from the verdict.
"""
from dataclasses import dataclass

from worker.mail import authres
from worker.mail.parse import Inbound

FORGED, VOUCHED, UNPROVEN = "forged", "vouched", "unproven"


@dataclass(frozen=True)
class SenderVerdict:
    standing: str  # FORGED, VOUCHED or UNPROVEN
    reason: str    # what a person reads: "the receiving server says dmarc=fail for dana@…"
    failed: tuple[str, ...] = ()  # the results that failed ("dmarc=fail", "dkim=fail")

    @property
    def forged(self) -> bool:
        return self.standing == FORGED

    @property
    def vouched(self) -> bool:
        return self.standing == VOUCHED


def verdict(msg: Inbound, authserv_id: str | None) -> SenderVerdict:
    """What our receiving server (`authserv_id`) says of the message's From:, with the reason."""
    sender = msg.sender.email if msg.sender else ""
    results = _results(msg, authserv_id)
    failed = tuple(authres.spoiled(results, sender.rpartition("@")[2]))
    if failed:
        return SenderVerdict(FORGED, f"the receiving server says {' and '.join(failed)} for {sender}", failed)
    if not authserv_id:
        return SenderVerdict(UNPROVEN, "follow_ups.authserv_id is not set")
    if authres.dmarc_passes(results, sender.rpartition("@")[2]):
        return SenderVerdict(VOUCHED, f"{authserv_id} says DMARC pass for {sender}")
    return SenderVerdict(UNPROVEN, f"no DMARC pass from {authserv_id}")


def likely_forged(said: SenderVerdict) -> str:
    """The log's words for a message `verdict` found forged: refused, and never answered."""
    return f"{said.reason}: likely forged, so not answered (no mail sent about it)"


def _results(msg: Inbound, authserv_id: str | None) -> tuple[str, ...]:
    """The Authentication-Results to read: our receiving server's (by id and by where they stand),
    or without an authserv_id every one (a fail can only cost the sender)."""
    trace = msg.trace or tuple((authres.AUTH, v) for v in msg.auth_results)
    if authserv_id:
        return authres.ours(trace, authserv_id).headers
    return tuple(v for name, v in trace if name == authres.AUTH)
