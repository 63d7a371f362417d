"""Delivery reports about mail we sent: which recipient failed, why, and which of our mails it was.

Pure: a parsed message in, a Report out (or None when it reports nothing we can read). RFC 3464
reports (multipart/report with a message/delivery-status part: Postfix, Exim 4.9x, Gmail,
Exchange) are read field by field; the older plain-text shapes (Exim's "This message was created
automatically by mail delivery software", qmail, sendmail) by their layout and words. `refusal()`
decides whether a permanent failure is about the address itself (mail to it is paused) or about
our mail or server (it is not), for reports and for a server's synchronous 5xx alike.
"""
import re
from dataclasses import dataclass

from worker.mail.parse import Inbound, addresses

MAX_REASON = 300  # characters of a server's words kept on the outbox row and the pause


@dataclass(frozen=True)
class Failure:
    """What a report says about one recipient."""

    recipient: str    # the address that failed (Final-Recipient, or the text's)
    action: str       # failed | delayed | delivered | relayed | expanded
    status: str       # the enhanced status code, e.g. "5.1.1" ("" when none is given)
    diagnostic: str   # the remote server's words, one line, trimmed ("" when none)
    original: str = ""  # Original-Recipient, when it differs (a forward that failed further on)

    @property
    def permanent(self) -> bool:
        return self.action == "failed"

    @property
    def reason(self) -> str:
        """The status code and the server's words, e.g. "550 5.1.1 <a@b>: User unknown"."""
        words = self.diagnostic
        if not words:
            return " ".join(w for w in (self.status, MEANINGS.get(self.status, "")) if w)
        if self.status and self.status not in words:
            return _trim(f"{self.status} {words}")
        return words


@dataclass(frozen=True)
class Report:
    """A delivery report, as far as it could be read."""

    shape: str                    # "rfc3464" (a delivery-status part) or "text" (read from its words)
    failures: tuple[Failure, ...]
    message_ids: tuple[str, ...]  # the Message-IDs it names for the returned mail, best evidence first
    returned_to: tuple[str, ...]  # To: of the returned mail, when it came back
    reporter: str = ""            # the mail server that wrote it

    @property
    def failed(self) -> tuple[Failure, ...]:
        return tuple(f for f in self.failures if f.permanent)

    @property
    def delayed(self) -> tuple[Failure, ...]:
        return tuple(f for f in self.failures if f.action == "delayed")

    @property
    def reason(self) -> str:
        by = f" (reported by {self.reporter})" if self.reporter else ""
        if self.failed:
            return "; ".join(f"{f.recipient} failed: {f.reason}" for f in self.failed) + by
        if self.delayed:
            return ("delayed, still being retried: "
                    + "; ".join(f"{f.recipient}: {f.reason}" for f in self.delayed) + by)
        return "a delivery report naming no failed recipient" + by

    def failure_for(self, address: str) -> Failure | None:
        """The permanent failure about this address (as finally or originally addressed), else
        the report's only one."""
        address = address.lower()
        for f in self.failed:
            if address in (f.recipient, f.original):
                return f
        return self.failed[0] if len(self.failed) == 1 else None


@dataclass(frozen=True)
class Refusal:
    """What a permanent refusal says about the address it names."""

    about_address: bool  # the address is no good: pause mail to it (else: our mail or server was refused)
    why: str


# RFC 3463 meanings, for a report that gives a code and no words.
MEANINGS = {
    "5.1.1": "bad destination mailbox address", "5.1.2": "bad destination system address",
    "5.1.3": "bad destination mailbox address syntax", "5.1.6": "destination mailbox has moved",
    "5.1.10": "recipient address has a null MX", "5.2.1": "mailbox disabled, not accepting messages",
    "5.2.2": "mailbox full", "5.4.4": "unable to route", "5.7.1": "delivery not authorized, message refused",
}

# Whether a refusal is about the address, as data: first the codes that say so plainly, then the
# server's words (servers often pick a vague or wrong code), then the code's class.
_SENDER_STATUSES = ("5.1.7", "5.1.8")  # about our sender address, not theirs
STATUS_RULES: tuple[tuple[str, bool, str], ...] = (
    ("5.2.2", False, "the mailbox is full, which may pass"),
    ("5.2.3", False, "our mail was too large for it"),
    ("5.1.", True, "the address does not exist"),
    ("5.2.", True, "the mailbox is disabled"),
    ("5.4.4", True, "the domain has no mail server"),
)
OUR_MAIL_WORDS = re.compile(
    r"spam|blocked|block ?list|blacklist|listed at|reputation|dmarc|\bspf\b|dkim|unauthenticated|"
    r"authenticat|relay(?:ing)? (?:access )?(?:denied|not permitted)|not permitted to relay|too (?:large|big)|"
    r"size limit|exceeds|virus|malware|content|rate limit|too many", re.IGNORECASE)
ADDRESS_WORDS = re.compile(
    r"user unknown|unknown (?:user|recipient|address|mailbox)|no such (?:user|mailbox|recipient|address|domain)|"
    r"does ?n[o']t exist|doesn't exist|address (?:not found|rejected)|recipient (?:address )?rejected|"
    r"recipient ?not ?found|recipnotfound|not found|no mailbox|mailbox (?:unavailable|not found|disabled|inactive)|"
    r"account (?:disabled|inactive|has been disabled|is disabled)|invalid (?:recipient|address|mailbox)|"
    r"unroutea?ble|domain (?:not found|does not exist)|host (?:not found|unknown)|no longer (?:exists|available)",
    re.IGNORECASE)


def refusal(status: str, text: str) -> Refusal:
    """Is this permanent refusal (enhanced status, the server's words) about the address?"""
    status = status or enhanced_status(text)
    if status.startswith(_SENDER_STATUSES):
        return Refusal(False, "the refusal is about our sender address")
    for prefix, about, why in STATUS_RULES:
        if status.startswith(prefix):
            return Refusal(about, why)
    if OUR_MAIL_WORDS.search(text):
        return Refusal(False, "the refusal is about our mail or our server, not the address")
    if ADDRESS_WORDS.search(text):
        return Refusal(True, "the address does not exist")
    if status[:4] in ("5.3.", "5.5.", "5.6.", "5.7.") or status.startswith("5.4."):
        return Refusal(False, "the refusal is about our mail or our server, not the address")
    return Refusal(True, "the recipient's server refused the address for good")


_ENHANCED = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.]*\d)")
_SMTP_CODE = re.compile(r"(?<![\w.\-/:#])([2-5]\d\d)(?:[ -]+([245]\.\d{1,3}\.\d{1,3})\b|(?=[ -]))")


def enhanced_status(text: str) -> str:
    """The first enhanced status code (5.1.1) in a server's words, or ""."""
    found = _ENHANCED.search(text or "")
    return ".".join(found.groups()) if found else ""


def read(msg: Inbound) -> Report | None:
    """The report this message is, or None if it reports nothing (no delivery-status part, and
    no failure or delay its words describe)."""
    status_parts = [text for ctype, text in msg.reports if ctype.endswith("delivery-status")]
    header_parts = [text for ctype, text in msg.reports if not ctype.endswith("delivery-status")]
    returned_ids, returned_to = _returned(msg, header_parts)
    # Exim, Gmail and Exchange also thread their reports to the mail they return.
    threaded = (*msg.in_reply_to, *msg.references)
    for text in status_parts:
        reporter, failures = _delivery_status(text)
        if failures:
            gmail = [_msgid(g.get("x-original-message-id", "")) for g in _groups(text)]
            return Report("rfc3464", failures, _unique(*returned_ids, *gmail, *threaded), returned_to, reporter)
    failures = _from_text(msg)
    if not failures:
        return None
    return Report("text", failures, _unique(*returned_ids, *threaded), returned_to)


# ---- message/delivery-status (RFC 3464 section 2) -----------------------------------------------

def _groups(text: str) -> list[dict[str, str]]:
    """The report's field groups (per message, then one per recipient), names lower-cased;
    continuation lines unfolded."""
    groups: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last = ""
    for line in text.splitlines():
        if not line.strip():
            if current:
                groups.append(current)
            current, last = {}, ""
        elif line[0] in " \t" and last:
            current[last] += " " + line.strip()
        elif ":" in line:
            name, _, value = line.partition(":")
            last = name.strip().lower()
            current.setdefault(last, value.strip())
    if current:
        groups.append(current)
    return groups


def _delivery_status(text: str) -> tuple[str, tuple[Failure, ...]]:
    reporter, failures = "", []
    for group in _groups(text):
        if "reporting-mta" in group and not reporter:
            reporter = _typed(group["reporting-mta"])
        if "final-recipient" not in group and "original-recipient" not in group:
            continue
        recipient = _address(group.get("final-recipient") or group.get("original-recipient", ""))
        original = _address(group.get("original-recipient", ""))
        diagnostic = one_line(_typed(group.get("diagnostic-code", "")
                                              or group.get("x-supplementary-info", "")))
        status = _best_status(group.get("status", "").split(" ")[0].strip(), diagnostic)
        action = group.get("action", "").strip().lower().split(" ")[0]
        if not action:  # no Action: field (it is required, but) the status class says it
            action = {"5": "failed", "4": "delayed", "2": "delivered"}.get(status[:1], "")
        if recipient and action:
            failures.append(Failure(recipient, action, status, diagnostic,
                                    original if original != recipient else ""))
    return reporter, tuple(failures)


def _typed(value: str) -> str:
    """"dns; mx.example.com" / "smtp; 550 ..." → the value without its type."""
    kind, sep, rest = value.partition(";")
    return rest.strip() if sep and " " not in kind.strip() else value.strip()


def _address(value: str) -> str:
    value = _typed(value).strip().strip("<>").strip().lower()
    return value if "@" in value and " " not in value else ""


def _best_status(status: str, diagnostic: str) -> str:
    """The DSN's Status, unless it is the vague x.0.0 and the server's words name a finer code
    of the same class (Exim writes 5.0.0 for every failure)."""
    if not re.fullmatch(r"[245]\.\d{1,3}\.\d{1,3}", status):
        status = ""
    finer = enhanced_status(diagnostic)
    if finer and (not status or (status.endswith(".0.0") and finer[0] == status[0])):
        return finer
    return status


# ---- the plain-text shapes (Exim before 4.90, qmail, sendmail, others) ---------------------------

# Where a returned copy of our mail begins, in the words of the mail servers that write one.
_RETURNED = re.compile(
    r"^[ \t]*(?:-+[ \t]*(?:this is a copy of the message|below this line is a copy of the message|"
    r"(?:original|returned|undelivered) message|message headers? follows?)|original message headers:)",
    re.IGNORECASE | re.MULTILINE)
_DELAYED = re.compile(
    r"not yet been delivered|not (?:been )?delivered yet|will (?:continue to )?(?:retry|try)|still being retried|"
    r"delivery attempts will continue|warning message only|this is a warning|\bdelayed\b|temporary problem",
    re.IGNORECASE)
_FAILED = re.compile(
    r"permanent(?:ly)? (?:error|fatal|failure)|could ?n[o']t be delivered|could not be delivered|"
    r"wasn't able to deliver|"
    r"was not delivered|wasn't delivered|undeliverable|delivery has failed|failed permanently|address not found|"
    r"following address(?:\(es\))? failed|permanent fatal errors|returned to sender|not able to deliver",
    re.IGNORECASE)
# Bounded repeats (an address's parts have RFC 5321 limits): anyone can write a "report", and an
# unbounded local part made a 200 KB line of letters take minutes (each start scanned to the end).
_LEADING_ADDRESS = re.compile(
    r"^[ \t]*(?:[^\n<>]{0,200}\()?<?([^\s<>()@,;:\"]{1,64}@[^\s<>()@,;:\"]{1,253}?)>?[):]*(?:[ \t]|$)",
    re.MULTILINE)
_ANY_ADDRESS = re.compile(r"<?([^\s<>()@,;:\"'=]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24})>?")
MAX_NOTICE = 20_000  # characters of a plain-text report read before the returned copy: real ones take 1-3 KB
_QMAIL_STATUS = re.compile(r"\(#([245]\.\d{1,3}\.\d{1,3})\)")
_ROBOTS = ("mailer-daemon@", "postmaster@", "mail-daemon@")


def _from_text(msg: Inbound) -> tuple[Failure, ...]:
    text = msg.text
    cut = _RETURNED.search(text)
    notice = (text[:cut.start()] if cut else text)[:MAX_NOTICE]
    ours = {a.email for a in (*msg.to, *msg.cc)} | ({msg.sender.email} if msg.sender else set())
    recipient, diagnostic = _failed_line(notice, ours)
    qmail = _QMAIL_STATUS.search(diagnostic or notice)
    status = _best_status("", diagnostic) or (qmail.group(1) if qmail else "")
    code = _SMTP_CODE.search(diagnostic or notice)
    klass = status[:1] or (code.group(1)[:1] if code else "")
    if klass == "5" or (not klass and _FAILED.search(notice) and not _DELAYED.search(notice)):
        action = "failed"
    elif klass == "4" or _DELAYED.search(notice):
        action = "delayed"
    else:
        return ()
    failed = [a.strip().lower() for a in msg.headers.get("x-failed-recipients", "").split(",") if "@" in a]
    recipients = failed or ([recipient] if recipient else [])
    if not recipients:
        return ()
    return tuple(Failure(r, action, status, diagnostic) for r in recipients)


def _failed_line(notice: str, ours: set[str]) -> tuple[str, str]:
    """(the first address the notice lists that is not ours or a mail system's, the server's words
    about it): the lines after the address up to a blank line, from the SMTP code on if one is there."""
    for found in _LEADING_ADDRESS.finditer(notice):
        address = found.group(1).lower().rstrip(".")
        if address in ours or address.startswith(_ROBOTS):
            continue
        rest = notice[found.end():]
        paragraph = rest.split("\n\n", 1)[0] if rest.strip() else ""
        return address, one_line(_from_code(paragraph))
    for found in _ANY_ADDRESS.finditer(notice):
        address = found.group(1).lower()
        if address not in ours and not address.startswith(_ROBOTS):
            code = _SMTP_CODE.search(notice)
            return address, one_line(_from_code(notice[code.start():].split("\n\n", 1)[0]) if code else "")
    return "", ""


def _from_code(paragraph: str) -> str:
    """A server's words from its SMTP code on ("host x [ip]: 550 5.1.1 ..." → "550 5.1.1 ...")."""
    reason = re.search(r"\(reason: (.*?)\)\s*$", paragraph, re.DOTALL)  # sendmail
    if reason:
        return reason.group(1)
    code = _SMTP_CODE.search(paragraph)
    return paragraph[code.start():] if code else paragraph


def one_line(text: str) -> str:
    """One line: folded lines joined, a multi-line reply's "550-5.7.26" prefixes dropped after the
    first, Exchange's '#…##' and "Remote Server returned '…'" wrappers taken off."""
    text = " ".join(text.split())
    wrapped = re.fullmatch(r"Remote Server returned '(.*)'", text)
    text = wrapped.group(1) if wrapped else text
    text = re.sub(r"^#(.*?)\s*##\s*$", r"\1", text)
    first = re.match(r"([2-5]\d\d)[ -]((?:[245]\.\d{1,3}\.\d{1,3})?)", text)
    if first:
        again = rf"\s+{first.group(1)}[ -]{re.escape(first.group(2))}(?=\s|$)" if first.group(2) else \
            rf"\s+{first.group(1)}-(?=\S)"
        head = f"{first.group(1)} {first.group(2)}".strip()
        text = head + re.sub(again, "", text[first.end():])
    return _trim(" ".join(text.split()))


def _trim(text: str) -> str:
    return text if len(text) <= MAX_REASON else text[:MAX_REASON - 1].rstrip() + "…"


# ---- which of our mails came back ---------------------------------------------------------------

_MESSAGE_ID_LINE = re.compile(r"^[ \t]*Message-ID:[ \t]*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
_TO_LINE = re.compile(r"^[ \t]*To:[ \t]*(.*(?:\n[ \t]+.*)*)", re.IGNORECASE | re.MULTILINE)


def _returned(msg: Inbound, header_parts: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(Message-IDs, To: addresses) of the returned mail: an attached message/rfc822, a
    text/rfc822-headers part, or the copy quoted in a plain-text report."""
    for inner in msg.attached:
        if inner.message_id:
            return (inner.message_id,), tuple(a.email for a in inner.to)
    quoted = [*header_parts]
    cut = _RETURNED.search(msg.text)
    if cut:
        quoted.append(msg.text[cut.end():])
    for text in quoted:
        found = _MESSAGE_ID_LINE.search(text)
        if found:
            to = _TO_LINE.search(text)
            return (_msgid(found.group(1)),), tuple(a.email for a in addresses([to.group(1)] if to else None))
    return (), ()


def _msgid(value: str) -> str:
    return value.strip().strip("<>").strip()


def _unique(*ids: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in ids if i))
