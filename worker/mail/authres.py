"""Authentication-Results: which of a message's copies our receiving server wrote, and what they say.

Anyone can write an Authentication-Results header, with any authserv-id, ours included. Servers
add their trace headers (Received, Authentication-Results) on top of what they were given, so the
position tells who wrote one: our receiving server's sit above the Received header in which it
took the message in (or directly below it, where a milter put them); a sender's are below it.
Where no Received header names our server, only headers above the lowest Received count: what a
sender wrote is below every Received header. A message with no Received header crossed no server
(a file, an IMAP APPEND): nothing tells its headers apart, so all of them are read.
"""
import re
from dataclasses import dataclass

RECEIVED, AUTH = "received", "authentication-results"
_COMMENT = re.compile(r"\([^()]*\)")
_RESULT = re.compile(r"(?:^|;)\s*(?P<method>[a-z0-9_-]+)\s*=\s*(?P<result>[a-z]+)", re.IGNORECASE)
_FROM = re.compile(r"(?:^|\s)header\.from\s*=\s*(?P<domain>[^\s;()]+)", re.IGNORECASE)
_SIGNER = re.compile(r"(?:^|\s)header\.d\s*=\s*(?P<domain>[^\s;()]+)", re.IGNORECASE)
_BY = re.compile(r"(?:^|\s)by\s+(?P<host>[^\s;()]+)", re.IGNORECASE)
FAILS = ("dmarc", "dkim")  # an SPF fail comes with every forward: no evidence against a sender

Trace = tuple[tuple[str, str], ...]  # (header name, value) of each Received and Authentication-Results, top first


@dataclass(frozen=True)
class Ours:
    """Our server's Authentication-Results headers in a message, and how they were told apart."""

    headers: tuple[str, ...]
    how: str


def server(header: str) -> str:
    """The authserv-id an Authentication-Results value starts with ("" for none, as Microsoft 365 writes)."""
    first = _COMMENT.sub(" ", header).split(";", 1)[0].split()
    return first[0].lower() if first and "=" not in first[0] else ""


def _names(received: str, authserv_id: str) -> bool:
    found = _BY.search(_COMMENT.sub(" ", received))
    host = found["host"].lower().rstrip(".") if found else ""
    return host == authserv_id or host.endswith("." + authserv_id)


def ours(trace: Trace, authserv_id: str) -> Ours:
    """The Authentication-Results headers our receiving server (`authserv_id`) wrote."""
    authserv_id = authserv_id.lower()
    received = [i for i, (name, _) in enumerate(trace) if name == RECEIVED]
    if not received:
        end, how = len(trace), "no Received header: all headers read"
    else:
        entry = next((i for i in received if _names(trace[i][1], authserv_id)), None)
        if entry is None:
            end, how = received[-1], f"no Received header names {authserv_id}: only those above the lowest read"
        else:
            end = next((i for i in received if i > entry), len(trace))
            how = f"those at {authserv_id}'s Received header or above"
    found = tuple(v for name, v in trace[:end] if name == AUTH and server(v) == authserv_id)
    return Ours(found, how)


def results(header: str) -> list[tuple[str, str]]:
    """[("dkim", "pass"), ("dmarc", "fail"), …]: each result of one header, comments left out."""
    _, _, body = _COMMENT.sub(" ", header).partition(";")
    return [(m["method"].lower(), m["result"].lower()) for m in _RESULT.finditer(";" + body)] if body else []


def failures(headers: tuple[str, ...]) -> list[str]:
    """"dmarc=fail", "dkim=fail": the failures these headers report (any of them), each once."""
    said = {pair for h in headers for pair in results(h)}
    return [f"{m}=fail" for m in FAILS if (m, "fail") in said]


def spoiled(headers: tuple[str, ...], from_domain: str) -> list[str]:
    """The failures that speak against the From's domain: a DMARC fail, or a DKIM fail of a
    signature by that domain (or naming none). A DKIM fail of another domain's signature — an
    email service's or a mailing list's second signature, broken by a footer — says nothing of
    the From: real mail carries them beside an aligned pass."""
    domain = from_domain.lower().rstrip(".")
    found = []
    for h in headers:
        _, _, body = _COMMENT.sub(" ", h).partition(";")
        for resinfo in body.split(";"):
            said = _RESULT.match(";" + resinfo)
            if not said or said["result"].lower() != "fail" or said["method"].lower() not in FAILS:
                continue
            signer = _SIGNER.search(resinfo[said.end() - 1:]) if said["method"].lower() == "dkim" else None
            if signer is None or signer["domain"].lower().rstrip(".") == domain:
                found.append(f"{said['method'].lower()}=fail")
    return [f"{m}=fail" for m in FAILS if f"{m}=fail" in found]


def dmarc_passes(headers: tuple[str, ...], from_domain: str) -> bool:
    """DMARC passed for `from_domain` (the message's From domain) and nothing failed for it. A pass counts
    only when its `header.from` is that domain: a pass for another domain (a second From, a header
    about a message the sender wrapped) vouches for nothing here, and so does one naming no domain."""
    domain = from_domain.lower().rstrip(".")
    return (bool(domain) and any(d == domain for h in headers for d in dmarc_pass_domains(h))
            and not spoiled(headers, domain))


def dmarc_pass_domains(header: str) -> list[str]:
    """The header.from domain of each `dmarc=pass` in one header ("" where it names none)."""
    _, _, body = _COMMENT.sub(" ", header).partition(";")
    found = []
    for resinfo in body.split(";"):
        said = _RESULT.match(";" + resinfo)
        if said and (said["method"].lower(), said["result"].lower()) == ("dmarc", "pass"):
            domain = _FROM.search(resinfo[said.end() - 1:])
            found.append(domain["domain"].lower().rstrip(".") if domain else "")
    return found


def servers(trace: Trace) -> list[str]:
    """The authserv-ids of the headers above the lowest Received (what servers wrote), top first."""
    received = [i for i, (name, _) in enumerate(trace) if name == RECEIVED]
    end = received[-1] if received else len(trace)
    return list(dict.fromkeys(server(v) for name, v in trace[:end] if name == AUTH and server(v)))
