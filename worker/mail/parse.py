"""Raw bytes → Inbound: the facts of one message, decoded once.

The compat32 parser builds the MIME tree about four times faster than policy.default, which
re-parses a header on every read; we decode each header we need exactly once ourselves
(RFC 2047 words, raw 8-bit UTF-8 or Latin-1) and so keep the same results at a fraction of the cost.
"""
import base64
import binascii
import codecs
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.errors import MessageError
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime

from worker.mail.flowed import unflow
from worker.mail.htmltext import html_to_text

MAX_DEPTH = 3          # attached messages inside attached messages
# What a sender writes must fit the database's columns: longer is never a real id, address or name.
MAX_ID, MAX_EMAIL, MAX_NAME = 250, 254, 200
MAX_PARTS_DEPTH = 20   # nested multiparts
_TOP = BytesParser(policy=compat32)
# Headers the classifier reads; kept lower-cased and decoded.
KEPT_HEADERS = (
    "auto-submitted", "x-autoreply", "x-autorespond", "x-auto-response-suppress", "precedence",
    "list-id", "list-post", "list-unsubscribe", "return-path", "x-introledger-loop",
    "feedback-id", "x-campaign", "x-mailer", "x-failed-recipients", "authentication-results",
    "reply-to",
)
GATEWAY_HEADERS = ("x-original-to", "delivered-to", "envelope-to", "resent-to", "resent-cc")
# The machine-readable parts of a delivery report (RFC 3464, RFC 6533): kept as text for
# worker/mail/bounces.py, capped (a real one is a few KB).
CALENDAR_PARTS = frozenset({"text/calendar", "application/ics"})
REPORT_PARTS = frozenset({"message/delivery-status", "message/global-delivery-status", "text/rfc822-headers",
                          "message/rfc822-headers", "message/global-headers"})
MAX_REPORT = 64 * 1024


class ParseError(ValueError):
    """The bytes are not a message we can read."""


@dataclass(frozen=True)
class Address:
    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


@dataclass(frozen=True)
class Inbound:
    dedupe_key: str
    message_id: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    date: datetime | None
    sender: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    gateway: tuple[str, ...]
    headers: dict[str, str]
    content_type: str
    text: str
    attached: tuple["Inbound", ...] = field(default=())
    size: int = 0
    # Every Authentication-Results header, top (newest, our receiving server's) first: a sender
    # can write one too, so only the one our server stamped may be trusted (see status.py).
    auth_results: tuple[str, ...] = field(default=())
    # Received and Authentication-Results headers in the order they stand, top first: where a
    # header stands tells who wrote it (worker/mail/authres.py).
    trace: tuple[tuple[str, str], ...] = field(default=())
    # (content type, text) of each delivery-report part (REPORT_PARTS), in order; () for most mail.
    reports: tuple[tuple[str, str], ...] = field(default=())
    # A text/calendar part (or an .ics file): the mail carries a meeting invitation or its answer.
    calendar: bool = False

    @property
    def recipients(self) -> tuple[Address, ...]:
        return self.to + self.cc

    @property
    def from_address(self) -> Address:
        """The sender, where mail must have one (the classifier passes on answers only with it)."""
        if self.sender is None:
            raise ValueError(f"<{self.message_id}> has no From address")
        return self.sender


def parse(raw: bytes) -> Inbound:
    if not raw or not raw.strip():
        raise ParseError("empty message")
    msg = _TOP.parsebytes(raw, headersonly=True)
    if not msg.keys():
        raise ParseError("no header fields: not an email message")
    return _inbound(msg, raw_key(raw), len(raw), 0)


def raw_key(raw: bytes) -> str:
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _raw_headers(msg: Message) -> dict[str, list[str]]:
    """Header values exactly as received (8-bit bytes as surrogates), read once."""
    found: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        found.setdefault(name.lower(), []).append(value)
    return found


def _inbound(msg: Message, fallback_key: str, size: int, depth: int) -> Inbound:
    h = _raw_headers(msg)
    first = lambda name: h[name][0] if name in h else None
    mid = _msgid(first("message-id"))
    sender = addresses(h.get("from"))
    text, attached, reports, calendar = _body(msg, depth)
    return Inbound(
        dedupe_key=f"mid:{mid}" if mid else fallback_key,
        message_id=mid,
        in_reply_to=_msgids(first("in-reply-to")),
        references=_msgids(first("references")),
        subject=decode(first("subject")),
        date=_date(first("date")),
        sender=sender[0] if sender else None,
        to=addresses(h.get("to")),
        cc=addresses(h.get("cc")),
        gateway=_gateway(h),
        headers={name: decode(h[name][0]) for name in KEPT_HEADERS if name in h},
        content_type=msg.get_content_type(),
        text=text,
        attached=attached,
        size=size,
        auth_results=tuple(decode(v) for v in h.get("authentication-results", ())),
        trace=_trace(msg),
        reports=reports,
        calendar=calendar,
    )


_TRACE = frozenset(("received", "authentication-results"))


def _trace(msg: Message) -> tuple[tuple[str, str], ...]:
    return tuple((name.lower(), decode(value)) for name, value in msg.raw_items() if name.lower() in _TRACE)


def decode(value: object) -> str:
    """A header value as text: RFC 2047 words decoded, raw 8-bit bytes recovered, unfolded."""
    if value is None:
        return ""
    text = _unsurrogate(str(value))
    if "=?" in text:
        text = _decode_words(text)
    return " ".join(text.split())


# Anyone can write a header; what the stdlib raises on a malformed encoded word
# (HeaderParseError for bad base64, CharsetError for an 8-bit or NUL charset name, ...).
_WORD_ERRORS = (MessageError, ValueError, LookupError, UnicodeError, TypeError, AssertionError)
_ENCODED_WORD = re.compile(r"=\?[^?\s]*\?[qQbB]\?[^?\s]*\?=")


def _decode_words(text: str) -> str:
    if _ENCODED_WORD.search(text) and any(_codec(m) is None for m in _WORD_PARTS.finditer(text)):
        return _ENCODED_WORD.sub(_decode_word, text)  # a charset Python does not know: word by word
    try:
        return str(make_header(decode_header(text)))
    except _WORD_ERRORS:
        # One bad word must not cost the rest of the header: decode the words one by one and
        # keep the bad ones as written.
        return _ENCODED_WORD.sub(_decode_word, text)


_WORD_PARTS = re.compile(r"=\?([^?\s]*)\?([qQbB])\?([^?\s]*)\?=")
# Charsets mail software writes that Python has no codec for under that name.
_CHARSET_ALIASES = {"x-mac-roman": "mac_roman", "x-mac-ce": "mac_latin2", "x-user-defined": "cp1252",
                    "ansi_x3.4-1968": "ascii", "windows-874": "cp874", "x-sjis": "shift_jis"}


def _codec(match: re.Match) -> str | None:
    """The Python codec for an encoded word's charset, or None for one we cannot name
    ("unknown-8bit", "x-unknown", a typo): those bytes are decoded best-effort instead."""
    name = match.group(1).partition("*")[0].strip().lower()  # RFC 2231 "utf-8*en" language tag
    name = _CHARSET_ALIASES.get(name, name)
    for candidate in (name, name.removeprefix("x-")):
        try:
            return codecs.lookup(candidate).name if candidate and candidate != "unknown-8bit" else None
        except LookupError:
            continue
    return None


def _decode_word(match: re.Match) -> str:
    """One encoded word as text; an unknown charset is read as UTF-8 or else Windows-1252 (never
    shown raw as =?x-unknown?Q?…?= in our mail); a word that cannot be decoded at all stays as written."""
    word = _WORD_PARTS.fullmatch(match.group(0))
    if word is None:
        return match.group(0)
    try:
        if word.group(2) in "qQ":
            data = re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]),
                          word.group(3).replace("_", " ").encode("ascii", "replace"))
        else:
            payload = word.group(3)
            data = base64.b64decode(payload + "=" * (-len(payload) % 4))
    except (binascii.Error, ValueError):
        return match.group(0)
    codec = _codec(word)
    for name in ((codec,) if codec else ()) + ("utf-8", "cp1252"):
        try:
            return _unsurrogate(data.decode(name))
        except (UnicodeDecodeError, LookupError):
            if name == "utf-8" and _mostly_utf8(data):  # a word cut mid-character: mark just that
                return _unsurrogate(data.decode("utf-8", "replace"))
            continue
    return data.decode("latin-1")


def _mostly_utf8(data: bytes) -> bool:
    """Some UTF-8 characters decode whole: the text is UTF-8 with a broken part, not Windows-1252."""
    return any(ord(c) > 127 and c != "\ufffd" for c in data.decode("utf-8", "replace"))


_SURROGATE = re.compile("[\ud800-\udfff]")


def _unsurrogate(text: str) -> str:
    """Text safe to store: undeclared 8-bit bytes recovered, stray surrogates and NULs gone."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if text.isascii() or not _SURROGATE.search(text):
        return text
    # compat32 smuggles undeclared 8-bit header bytes through as surrogate escapes.
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that was never a byte
        return text.encode("utf-8", "replace").decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # the usual legacy charset of raw 8-bit headers


def addresses(values: list[str] | None) -> tuple[Address, ...]:
    """The addresses in header values anyone can write (also a forwarded block's From:/To:
    lines): decoded, lower-cased, and only those that fit a database column and an SMTP path."""
    if not values:
        return ()
    raw = [_unsurrogate(v) for v in values]
    found = []
    surname = ""  # the bare word before an unquoted "Nakamura, Yuki <y@x>" comma
    for name, written in _simple_addresses(raw) or getaddresses_safely(raw):
        email = written.strip().strip("<>").lower()
        if "@" in email and len(email) <= MAX_EMAIL:  # longer is no deliverable address (RFC 5321)
            # No name starts or ends with a comma or semicolon: one there is a separator that a mailer
            # put inside an encoded word (Python's email package folds ", " into "=?utf-8?q?=2C?=").
            name = decode(name).strip('"\' ,;')
            if surname and _BARE_NAME.fullmatch(name):
                name = f"{surname}, {name}"  # names.display turns it round: Yuki Nakamura
            found.append(Address(name[:MAX_NAME], email))
            surname = ""
        else:
            word = decode(name or written).strip('"\' ')
            surname = word if not name and _BARE_NAME.fullmatch(word) else ""
    return tuple(found)


# One to three words of letters: what is left of a name an unquoting mailer split at its comma.
_BARE_NAME = re.compile(r"[^\W\d_][\w'’.-]*(?: [^\W\d_][\w'’.-]*){0,2}")


_SIMPLE_ADDRESS = re.compile(
    r'\s*"?([^"<>\\]*?)"?\s*<([^<>\s@,;:"()\\]+@[^<>\s@,;:"()\\]+)>\s*'
    r'|\s*([^<>\s@,;:"()\\]+@[^<>\s@,;:"()\\]+)\s*'
)


_SIMPLE_MAX = 512  # characters in one address: a real "Name <address>" is far shorter
_QUOTED_COMMA = re.compile(r'"[^"]*[,;<>@][^"]*"')
_QUOTED = re.compile(r'"[^"]*"')
_SPECIALS = re.compile(r'[()\\;:\[\]]')


def _simple_addresses(values: list[str]) -> list[tuple[str, str]] | None:
    """The everyday forms ('Name <a@b>', '"Name" <a@b>', 'a@b') without the full RFC 5322
    parser; None sends anything unusual (quoted commas, comments, groups) to getaddresses."""
    pairs = []
    for value in values:
        if '"' in value and (value.count('"') % 2 or _QUOTED_COMMA.search(value)):
            return None
        if _SPECIALS.search(_QUOTED.sub("", value)):
            return None  # comments, groups, escapes: the full parser's job
        for piece in value.split(","):
            if not piece.strip():
                continue
            if len(piece) > _SIMPLE_MAX:
                return None  # the pattern backtracks on long runs of spaces; the full parser is linear
            m = _SIMPLE_ADDRESS.fullmatch(piece.replace("\n", " ").replace("\r", ""))
            if m is None or (m.group(1) and '"' in m.group(1)):
                return None
            name = m.group(1) or ""
            if name and not piece.lstrip().startswith('"'):
                name = " ".join(name.split())  # an unquoted phrase's runs of spaces are one, as in the stdlib
            pairs.append((name, m.group(2) or m.group(3)))
    return pairs


# getaddresses recurses once per nested comment: 500 "(" in a To: raised RecursionError.
_MAX_PARENS = 50
_BARE_ADDRESS = re.compile(r'[^\s<>()\[\],;:"\\]+@[^\s<>()\[\],;:"\\]+')


def getaddresses_safely(values: list[str]) -> list[tuple[str, str]]:
    """email.utils.getaddresses for text anyone can write: the stdlib's full RFC 5322 parse, or,
    for what it cannot take (500 nested comments raise RecursionError), the bare addresses in it."""
    if not any(v.count("(") > _MAX_PARENS for v in values):
        try:
            return getaddresses(values)
        except Exception:  # noqa: BLE001 - a pure parse of a sender's bytes: fall back, never fail
            pass
    return [("", found) for v in values for found in _BARE_ADDRESS.findall(v)]


_MSGID = re.compile(r"<([^<>\s]+)>")


def _msgid(value: object) -> str:
    ids = _msgids(value)
    if ids:
        return ids[0]
    bare = _unsurrogate(str(value or "")).strip()
    return _bounded_id(bare) if bare and " " not in bare else ""


def _msgids(value: object) -> tuple[str, ...]:
    return tuple(_bounded_id(found) for found in _MSGID.findall(_unsurrogate(str(value or ""))))


def _bounded_id(message_id: str) -> str:
    """A Message-ID that fits its column (a sender may write 5,000 characters): a long one is
    cut and suffixed with its hash, the same way wherever it appears, so replies still match."""
    if len(message_id) <= MAX_ID:
        return message_id
    return message_id[:MAX_ID - 41] + "#" + hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest()[:40]


def _date(value: object) -> datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(_unsurrogate(str(value)))
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        when.astimezone(UTC)  # 31 Dec 9999 -2359 parses, then overflows in the database
    except Exception:  # noqa: BLE001 - any malformed date is simply no date
        return None
    return when


def _gateway(h: dict[str, list[str]]) -> tuple[str, ...]:
    found = []
    for header in GATEWAY_HEADERS:
        for _name, email in getaddresses_safely([_unsurrogate(v) for v in h.get(header, [])]):
            if "@" in email:
                found.append(email.strip().lower())
    return tuple(found)


def _body(msg: Message, depth: int) -> tuple[str, tuple[Inbound, ...], tuple[tuple[str, str], ...], bool]:
    plain: str | None = None
    html: str | None = None
    attached: list[Inbound] = []
    reports: list[tuple[str, str]] = []
    calendar = False
    for part in _walk(msg):
        ctype = part.get_content_type()
        calendar = calendar or _is_calendar(part, ctype)
        if ctype == "message/rfc822":
            attached.extend(_attached(part, depth))
        elif ctype in REPORT_PARTS:  # before the attachment check: some servers mark them so
            reports.append((ctype, _unsurrogate(_text(part)[:MAX_REPORT]).replace("\r\n", "\n")))
        elif _is_attachment(part):
            continue
        elif ctype == "text/plain" and plain is None:
            plain = _plain(part)
        elif ctype == "text/html" and html is None:
            html = _text(part)
    if plain is None and html is not None:
        plain = html_to_text(html)
    return _unsurrogate(plain or "").replace("\r\n", "\n"), tuple(attached), tuple(reports), calendar


def _walk(msg: Message, depth: int = 0):
    """Leaf parts in order. Each part is parsed headers-only when reached: the body of a part
    we never read (attachments, images) is never parsed at all."""
    if msg.get_content_maintype() != "multipart" or depth > MAX_PARTS_DEPTH:
        yield msg
        return
    # As bytes: get_payload() without decode would turn undeclared 8-bit text into U+FFFD.
    boundary, payload = msg.get_boundary(), msg.get_payload(decode=True)
    if not boundary or not isinstance(payload, bytes):
        yield msg
        return
    delimiter = _as_bytes(boundary, payload)
    if delimiter is None:
        yield msg
        return
    for chunk in _split(payload, delimiter):
        yield from _walk(_TOP.parsebytes(chunk, headersonly=True), depth + 1)


_FIRST_DELIMITER = re.compile(rb"^--([^\r\n]+)", re.M)


def _as_bytes(boundary: str, payload: bytes) -> bytes | None:
    """The boundary as it stands in the body. ASCII by the RFC; a sender's 8-bit one comes back
    from compat32 as surrogates, or, in a folded header, as U+FFFD: the bytes are lost, so the
    first delimiter line of the body says what it was."""
    if "\ufffd" in boundary:
        found = _FIRST_DELIMITER.search(payload)
        return (found.group(1).rstrip(b" \t") or None) if found else None
    try:
        return boundary.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return boundary.encode("utf-8", "surrogateescape")


def _split(payload: bytes, boundary: bytes) -> list[bytes]:
    """The parts between the boundary lines (preamble and epilogue dropped), as RFC 2046 says.

    Plain string search: boundaries are unique per message, so a regex would be compiled anew
    (and cost more than the search) every time.
    """
    marker = b"--" + boundary
    parts: list[bytes] = []
    start, pos = None, 0
    while (found := payload.find(marker, pos)) != -1:
        line_end = payload.find(b"\n", found)
        line_end = len(payload) if line_end == -1 else line_end
        rest = payload[found + len(marker):line_end]
        pos = found + len(marker)
        if (found and payload[found - 1:found] != b"\n") or rest.strip() not in (b"", b"--"):
            continue  # the text merely contains the boundary; not a delimiter line
        if start is not None:
            parts.append(payload[start:found].removesuffix(b"\n").removesuffix(b"\r"))
        if rest.strip() == b"--":
            return parts
        start = pos = line_end + 1
    if start is not None:  # no closing delimiter (a truncated message): keep what arrived
        parts.append(payload[start:])
    return parts


def _is_calendar(part: Message, ctype: str) -> bool:
    """An invitation's part: text/calendar, or an .ics file sent as bytes (application/octet-stream)."""
    if ctype in CALENDAR_PARTS:
        return True
    named = f'{part.get("content-type", "")} {part.get("content-disposition", "")}'.lower()
    return ".ics\"" in named or named.rstrip().endswith(".ics")


def _is_attachment(part: Message) -> bool:
    disposition = str(part.get("content-disposition", "")).lower()
    return disposition.startswith("attachment")


def _text(part: Message) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        data = str(part.get_payload()).encode("utf-8", "surrogateescape")
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, "replace")
    except (LookupError, ValueError, TypeError):  # unknown, NUL-bearing or non-text "charset"
        return data.decode("latin-1")


def _plain(part: Message) -> str:
    """A text/plain part as its writer meant it: format=flowed soft breaks joined (worker/mail/flowed.py)."""
    text = _text(part)
    if str(part.get_param("format", "")).lower() != "flowed":
        return text
    return unflow(text, delsp=str(part.get_param("delsp", "")).lower() == "yes")


def _attached(part: Message, depth: int) -> list[Inbound]:
    if depth >= MAX_DEPTH:
        return []
    # decode=True also undoes a base64/QP wrapping, which RFC 2046 forbids but clients do.
    inner = part.get_payload(decode=True)
    if not isinstance(inner, bytes) or not inner.strip():
        return []
    message = _TOP.parsebytes(inner, headersonly=True)
    if not message.keys():
        return []
    return [_inbound(message, raw_key(inner), len(inner), depth + 1)]
