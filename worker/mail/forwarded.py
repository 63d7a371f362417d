"""Find an inline forwarded message in a plain-text email body and parse its loose dates."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

_SP = r"[ \t\u00a0]"

_DASHED = (
    r"forwarded message|weitergeleitete nachricht|message transf[ée]r[ée]|mensaje reenviado"
    r"|doorgestuurd bericht|messaggio inoltrato|mensagem encaminhada|original message"
    r"|urspr[üu]ngliche nachricht|message d'origine|mensaje original|oorspronkelijk bericht"
    r"|messaggio originale|mensagem original|oprindelig meddelelse|opprinnelig melding"
    r"|ursprungligt meddelande|alkuper[äa]inen viesti|p[ůu]vodn[íi] zpr[áa]va|oryginalna wiadomo[śs][ćc]"
    r"|исходное сообщение|eredeti [üu]zenet|orijinal ileti"
    r"|start of forwarded message"  # Emacs message-mode and Gnus
    # Zimbra's web client: "----- Ursprüngliche Mail -----", "----- Mail original -----".
    r"|urspr[üu]ngliche mail|weitergeleitete mail|mail original|mail transf[ée]r[ée]"
)
# Lines that introduce a forward with a colon, as Apple Mail and its translations write them.
INTRODUCERS = (
    "begin forwarded message", "anfang der weitergeleiteten nachricht",
    "début du message réexpédié", "début du message transféré", "inicio del mensaje reenviado",
    "begin doorgestuurd bericht", "inizio messaggio inoltrato",
)
_INTRODUCED = "|".join(INTRODUCERS).replace("é", "[ée]")
# Shared with quotes.py so both modules agree on what starts a forwarded/original part.
# The leading lookahead lets ordinary lines fail on their first character.
MARKER_PATTERN = (
    r"(?=[-BbAaDdIi])(?:-{2,30}" + _SP + r"*(?i:" + _DASHED + ")" + _SP + r"*-{2,30}" + _SP + r"*$"
    r"|(?i:" + _INTRODUCED + ")" + _SP + r"*:" + _SP + r"*$)"
)

_FROM_NAMES = ("from", "von", "de", "van", "da")
# A bare rule is only a marker when Outlook's "From:" header block follows it.
# It opens with a literal, and the lookbehind starts it only at the first "_" of a run, so
# scanning for it stays linear.
_RULE = (
    r"__________(?<!_{11})_*+[ \t]*$"
    r"(?=\n(?:[ \t>]*\n)?[ \t>]*\*?(?i:" + "|".join(_FROM_NAMES) + r")\*?" + _SP + "?:)"
)
_MARKER = re.compile(
    r"(?P<q>(?:[ \t]*>)*)[ \t]*(?:" + MARKER_PATTERN + r"|(?P<rule>" + _RULE + "))", re.M
)


def colon_after(endings: Sequence[str]) -> str:
    """Pattern for a line-ending colon right after one of `endings` (fixed-width lookbehinds).

    It opens with a literal ":" so re scans for it in C; a single look at the character before
    the colon then rejects most lines, which keeps 1 MB bodies full of "key:" lines fast.
    """
    last_chars = re.escape("".join(sorted({e[-1] for e in endings})))
    behind = [re.escape(e) + space + ":" for e in endings for space in ("", _SP)]
    return (
        ":(?=" + _SP + r"*(?:\n|\Z))"
        + f"(?:(?<=[{last_chars}]:)|(?<=[{last_chars}]{_SP}:))"
        + "(?:" + "|".join(f"(?<={b})" for b in behind) + ")"
    )


_INTRODUCER_ENDS = [phrase.split()[-1] for phrase in INTRODUCERS]
# Every marker line holds one of these; scanning for them skips all other lines in C.
_MARKER_HINT = re.compile("|".join(["--", _RULE, colon_after(_INTRODUCER_ENDS)]), re.I | re.M)

_FIELDS = {
    "from": _FROM_NAMES,
    "to": ("to", "an", "à", "a", "para", "aan"),
    "cc": ("cc", "kopie"),
    "date": ("date", "datum", "fecha", "data", "sent", "gesendet", "envoyé", "enviado",
             "enviado el", "verzonden", "inviato", "date d'envoi"),
    "subject": ("subject", "betreff", "objet", "asunto", "onderwerp", "oggetto", "assunto"),
    # Recognised only so their lines are not mistaken for wrapped values.
    "": ("reply-to", "bcc", "importance", "priority", "wichtigkeit", "attachments", "anlagen"),
}
_FIELD_OF = {name: field for field, names in _FIELDS.items() for name in names}
_NAMES = "|".join(sorted((re.escape(n) for n in _FIELD_OF), key=len, reverse=True))
_HEADER = re.compile(
    r"[ \t]*\*?(?P<name>" + _NAMES + r")\*?" + _SP + r"?:\*?" + _SP + r"*(?P<value>.*)$", re.I
)
# A field name inside a wrapped line: capitalised, after a space (English and the main translations).
_EMBEDDED = re.compile(
    r"(?<=\S) (?P<name>From|To|Cc|Date|Subject|Sent|Von|An|Betreff|Datum|Gesendet|De|Objet|Para|Asunto|Fecha|Van"
    r"|Aan|Onderwerp|Da|Oggetto|Data):" + _SP
)
_QUOTE_DEPTH = re.compile(r"(?:[ \t]*>)*")
_OPEN_LIST = re.compile(r"[,;]\s*$")


@dataclass(frozen=True)
class ForwardedBlock:
    note: str  # the forwarder's own text above the marker, stripped
    from_: str  # "Name <addr>" (Outlook's "Name [mailto:addr]" rewritten)
    to: str  # comma-separated, "" when absent
    cc: str
    date: str  # as written; parse_loose_date reads it
    subject: str
    body: str  # the forwarded message's text after its header block


def find_forwarded(text: str) -> ForwardedBlock | None:
    """Return the first (outermost) forwarded message in `text`, or None."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    pos = 0
    while (hint := _MARKER_HINT.search(text, pos)) is not None:
        start = text.rfind("\n", 0, hint.start()) + 1
        marker = _MARKER.match(text, start)
        if marker is not None:
            return _block_after(text, marker)
        end = text.find("\n", hint.start())
        if end < 0:
            return None
        pos = end + 1
    return None


def _block_after(text: str, marker: re.Match[str]) -> ForwardedBlock:
    rest = text[marker.end():].partition("\n")[2]
    depth = max(marker.group("q").count(">"), _first_line_depth(rest))
    lines = _unquote(rest, depth).split("\n")
    fields, body_start = _parse_headers(lines)
    return ForwardedBlock(
        note=text[: marker.start()].strip(),
        from_=_normalise_from(fields.get("from", "")),
        to=_normalise_list(fields.get("to", "")),
        cc=_normalise_list(fields.get("cc", "")),
        date=fields.get("date", ""),
        subject=fields.get("subject", ""),
        body="\n".join(lines[body_start:]).strip(),
    )


def _first_line_depth(rest: str) -> int:
    for line in rest.split("\n", 20)[:20]:
        if line.strip(" \t>"):
            quotes = _QUOTE_DEPTH.match(line)
            assert quotes is not None, "the pattern matches the empty string too"
            return quotes.group().count(">")
    return 0


def _unquote(rest: str, depth: int) -> str:
    if depth == 0:
        return rest
    return re.sub(rf"(?m)^(?:[ \t]*>[ \t]?){{0,{depth}}}", "", rest)


def _parse_headers(lines: list[str]) -> tuple[dict[str, str], int]:
    """Read the header block; return its fields and the index where the body starts."""
    i = _skip_blank(lines, 0)
    fields: dict[str, str] = {}
    key: str | None = None
    rewrapped = False
    while i < len(lines) and lines[i].strip():
        header = _HEADER.match(lines[i])
        if header:
            key = _FIELD_OF[header.group("name").lower()]
            # A repeated header would otherwise overwrite the first, which is the real one.
            key = "" if key in fields else key
            fields[key] = _squash(header.group("value"))
        elif key is not None and (rewrapped or _continues(fields[key], lines, i)):
            line = lines[i]
            while key is not None and (embedded := _EMBEDDED.search(line)):
                # Claws Mail rewraps the forwarded header block like a paragraph: "Alice Brandt\n
                # <alice@x> Subject: Intro: …" — the next field starts mid-line, and every line up to
                # the blank one belongs to a field.
                fields[key] = _squash(fields[key] + " " + line[:embedded.start()])
                key = _FIELD_OF[embedded.group("name").lower()]
                key = "" if key in fields else key
                fields[key], line, rewrapped = "", line[embedded.end():], True
            if key is not None:
                fields[key] = _squash(fields[key] + " " + line)
        else:
            break
        i += 1
    fields.pop("", None)
    return fields, _skip_blank(lines, i)


def _continues(value: str, lines: list[str], i: int) -> bool:
    """Whether lines[i] is a wrapped part of the previous header value rather than body text."""
    if lines[i][:1] in (" ", "\t", "<", "(") or _OPEN_LIST.search(value):
        return True
    if value.count("<") > value.count(">") or value.count("[") > value.count("]"):
        return True
    return i + 1 < len(lines) and _HEADER.match(lines[i + 1]) is not None


def _skip_blank(lines: list[str], i: int) -> int:
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i


def _squash(value: str) -> str:
    return " ".join(value.split())


_MAILTO_SQUARE = re.compile(r"\[mailto:([^\]\s]+)\]", re.I)
_MAILTO_ANGLE = re.compile(r"<mailto:([^>\s]+)>", re.I)
_DOUBLED_ADDR = re.compile(r"<([^<>\s]+)\s*<\1>>")
# Display names arrive quoted ("Carol") or, from HTML mail turned into text, bold (*Carol*).
_QUOTED_NAME = re.compile(r"""^(["'*]+)(.*?)\1\s*(?=<)""")


def _normalise_address(value: str) -> str:
    value = _MAILTO_ANGLE.sub(r"<\1>", _MAILTO_SQUARE.sub(r"<\1>", value))
    value = _DOUBLED_ADDR.sub(r"<\1>", value)
    value = _QUOTED_NAME.sub(r"\2 ", value.strip())
    return _squash(value)


def _normalise_from(value: str) -> str:
    value = _normalise_address(value)
    name, sep, addr = value.partition(" <")
    # Outlook prints "addr [mailto:addr]" when there is no display name.
    if sep and addr.endswith(">") and name == addr[:-1]:
        return name
    return value


_LIST_ITEM = re.compile(r'(?:"[^"]*"|<[^>]*>|\[[^\]]*\]|[^,;])+')


def _normalise_list(value: str) -> str:
    """Comma-separate the addresses (Outlook uses ";"), each normalised like From."""
    items = (_normalise_address(item) for item in _LIST_ITEM.findall(value))
    return ", ".join(item for item in items if item)


# ---- loose dates -------------------------------------------------------------------------

_MONTHS = {
    1: "january jan januar jänner jän janvier janv enero ene januari gennaio gen janeiro",
    2: "february feb februar février févr fév fevrier fevr febrero februari febbraio fevereiro fev",
    3: "march mar märz mär maerz mrz mars marzo maart mrt março marco",
    4: "april apr avril avr abril abr aprile",
    5: "may mai mayo mei maggio mag maio",
    6: "june jun juni juin junio giugno giu junho",
    7: "july jul juli juillet juil julio luglio lug julho",
    8: "august aug août aout agosto ago augustus",
    9: "september sep sept septembre septiembre setiembre set settembre setembro",
    10: "october oct oktober okt octobre octubre ottobre ott outubro",
    11: "november nov novembre noviembre novembro",
    12: "december dec dezember dez décembre déc decembre diciembre dic dicembre dezembro",
}
_MONTH_OF = {name: num for num, names in _MONTHS.items() for name in names.split()}

_ZONES = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "BST": 60, "WEST": 60, "CET": 60, "MEZ": 60,
    "CEST": 120, "MESZ": 120, "EET": 120, "EEST": 180, "EST": -300, "EDT": -240, "CST": -360,
    "CDT": -300, "MST": -420, "MDT": -360, "PST": -480, "PDT": -420, "JST": 540,
    "AEST": 600, "AEDT": 660,
}

_RFC_SHAPE = re.compile(
    r"\s*(?:[A-Za-z]{3},?\s+)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?"
    r"(?:\s+(?:[+-]\d{4}|[A-Z]{1,5}))?(?:\s*\([^)]*\))?\s*$"
)
_YMD = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_DMY = re.compile(r"(?<!\d)(\d{1,2})(?:\. ?|-)(\d{1,2})(?:\. ?|-)(\d{4}|\d{2})(?!\d)")
_SLASHED = re.compile(r"(?<!\d)(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?!\d)")
_TIME = re.compile(
    r"(?<![\d:+-])(\d{1,2}):(\d{2})(?::(\d{2}))?(?:[ \t]*([ap])\.?[ \t]?m\.?(?![^\W_]))?", re.I
)
_TWELVE_HOUR = re.compile(r"\d\s*[ap]\.?\s?m\b", re.I)
_GMT_OFFSET = re.compile(r"\b(?:GMT|UTC)(?:[ \t]*([+-])(\d{1,2})(?::?(\d{2}))?)?(?!\w)")
_NUM_OFFSET = re.compile(r"(?<![\w:+-])([+-])(\d{2}):?(\d{2})(?!\d)")
_ZONE_NAME = re.compile(r"\b(" + "|".join(sorted(_ZONES, key=len, reverse=True)) + r")\b")
_TOKEN = re.compile(r"[^\W\d_]+|\d+")


def parse_loose_date(text: str) -> datetime | None:
    """Parse RFC 2822 or a mail client's human date; aware when a zone is given, else naive."""
    text = " ".join(text.split())
    if not text:
        return None
    exact = _parse_exact(text)
    if exact is not None:
        return exact
    day, rest = _numeric_date(text)
    clock, rest = _clock(rest)
    zone, rest = _zone(rest)
    day = day or _named_date(rest)
    if day is None:
        return None
    try:
        return datetime(*day, *clock, tzinfo=zone)
    except ValueError:
        return None


def _parse_exact(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    if _RFC_SHAPE.match(text):
        try:
            return parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
    return None


def _numeric_date(text: str) -> tuple[tuple[int, int, int] | None, str]:
    """An all-digit date: ISO y-m-d, European d.m.y / d-m-y, and m/d/y only when unambiguous."""
    if m := _YMD.search(text):
        return (int(m[1]), int(m[2]), int(m[3])), _cut(text, m)
    if m := _DMY.search(text):
        return (_year(m[3]), int(m[2]), int(m[1])), _cut(text, m)
    if m := _SLASHED.search(text):
        return _slashed(m, text), _cut(text, m)
    return None, text


def _slashed(m: re.Match[str], text: str) -> tuple[int, int, int] | None:
    first, second, year = int(m[1]), int(m[2]), _year(m[3])
    if first > 12:
        return year, second, first
    # A 12-hour clock is the US convention, which writes month first.
    if second > 12 or _TWELVE_HOUR.search(text):
        return year, first, second
    return None


def _year(digits: str) -> int:
    return int(digits) + 2000 if len(digits) == 2 else int(digits)


def _clock(text: str) -> tuple[tuple[int, int, int], str]:
    m = _TIME.search(text)
    if not m:
        return (0, 0, 0), text
    hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
    if m[4]:
        hour = hour % 12 + (12 if m[4].lower() == "p" else 0)
    return (hour, minute, second), _cut(text, m)


def _zone(text: str) -> tuple[timezone | None, str]:
    if m := _GMT_OFFSET.search(text):
        minutes = _offset_minutes(m[1], m[2], m[3])
    elif m := _NUM_OFFSET.search(text):
        minutes = _offset_minutes(m[1], m[2], m[3])
    elif m := _ZONE_NAME.search(text):
        minutes = _ZONES[m[1]]
    else:
        return None, text
    if abs(minutes) >= 24 * 60:
        return None, _cut(text, m)
    return timezone(timedelta(minutes=minutes)), _cut(text, m)


def _offset_minutes(sign: str | None, hours: str | None, minutes: str | None) -> int:
    total = int(hours or 0) * 60 + int(minutes or 0)
    return -total if sign == "-" else total


def _named_date(text: str) -> tuple[int, int, int] | None:
    """Year, month name and day number in any order, as in "Mo., 2. Nov. 2026" or "Nov 2, 2026"."""
    tokens = _TOKEN.findall(text.lower())
    months = [i for i, t in enumerate(tokens) if t in _MONTH_OF]
    years = [t for t in tokens if len(t) == 4 and t.isdigit() and 1900 <= int(t) < 2200]
    if not months or not years:
        return None
    # Weekday abbreviations such as Spanish "mar" (martes) precede the month, so take the last.
    at = months[-1]
    days = [i for i, t in enumerate(tokens) if t.isdigit() and len(t) <= 2 and 1 <= int(t) <= 31]
    if not days:
        return None
    day = min(days, key=lambda i: abs(i - at))
    return int(years[0]), _MONTH_OF[tokens[at]], int(tokens[day])


def _cut(text: str, m: re.Match[str]) -> str:
    return text[: m.start()] + " " + text[m.end():]
