"""Strip quoted replies, forwarded parts, mobile footers and signatures from an email body."""

from __future__ import annotations

import re

from .forwarded import INTRODUCERS, MARKER_PATTERN, colon_after

_SP = r"[ \t\u00a0]"
_EOL = _SP + r"*$"
# Every quantifier is bounded so a hostile 1 MB line cannot make a pattern backtrack for long.
_BODY = r"[^\n]{0,300}?(?:\n[^\n]{0,300}?)?"
# Quoted-printable soft breaks ("=" + newline) can split an address across two lines.
_ADDR = r"<[^<>@\s]{0,100}(?:=?\n[^<>@\s]{0,100})?@[^<>\s]{1,150}(?:=?\n[^<>\s]{0,150})?>"
_HAS_DIGIT = r"(?=[^\n\d]{0,300}+\d)"

_STARTERS = r"(?:On|Am|Le|El|Op|Il|Em|A|Às|Den|W dniu|Dnia|В|Во|Dne)(?!\w)"
# Date-first clients (Polish, Russian, Nordic...) open with a digit or a short weekday.
_DATE_HEAD = r"(?:\d|[^\W\d_]{1,5}\.?,?" + _SP + r"+\d)"
_HEAD = r"(?:" + _STARTERS + "|" + _DATE_HEAD + ")"

_EN_VERBS = ("wrote", "writes")
_VERBS = (
    "a écrit", "escribió", "ha scritto", "scrisse", "escreveu", "napisał(a)", "napisała",
    "napisał", "pisze", "пишет", "написал(а)", "написала", "написал", "schrieb", "schreef",
    "skrev", "kirjoitti", "napsal(a)", "napsala", "napsal", "írta",
)


def _literal(words: str) -> str:
    # Clients wrap long attributions anywhere, even between "a" and "écrit".
    return re.escape(words).replace(r"\ ", r"[ \t\u00a0\n]")


def _alternatives(words: tuple[str, ...]) -> str:
    return "(?:" + "|".join(_literal(w) for w in words) + ")"


def _header(names: str) -> str:
    return r"[ \t]*\*?" + names + r"\*?" + _SP + r"?:"


_FOOTER = (
    r"(?:Sent from my (?:iPhone|iPad|Android|Samsung|Galaxy|BlackBerry|mobile|phone)"
    r"|Get Outlook for (?:iOS|Android)|Sent from Mail for Windows"
    r"|Von meinem (?:iPhone|iPad|Android|Smartphone) gesendet|Envoyé de mon (?:iPhone|iPad)"
    r"|Enviado desde mi (?:iPhone|iPad)|Verstuurd vanaf mijn (?:iPhone|iPad)"
    r"|Inviato da(?: il mio)? (?:iPhone|iPad))(?!\w)[^\n]{0,60}$"
)
_FROM_WORDS = ("From", "Von", "De", "Van", "Da", "Od", "От", "Från", "Fra")
_SENT_WORDS = (
    "Sent", "Date", "Gesendet", "Datum", "Envoyé", "Date d'envoi", "Enviado", "Enviado el",
    "Fecha", "Verzonden", "Inviato", "Data", "Wysłano", "Отправлено", "Skickat", "Sendt",
)
_TO_WORDS = (
    "To", "Subject", "Cc", "An", "Betreff", "À", "A", "Objet", "Para", "Asunto", "Aan",
    "Onderwerp", "Oggetto", "Assunto", "Do", "Temat", "Кому", "Тема", "Till", "Ämne", "Til", "Emne",
)


def _names(words: tuple[str, ...]) -> str:
    # Spelled out in both cases rather than (?i) so re can compare them as plain literals.
    return _alternatives(tuple(v for w in words for v in (w, w.upper())))


_VERB_ENDS = [v.split()[-1] for v in _VERBS]
_VERB_FIRST = r"s(?<!\ws)(?:chrieb|chreef|krev)"


def _upto(tail: str) -> str:
    """Anything on this line, or this and the next, then `tail`; one line is tried first.

    Each greedy run is followed by `tail`, which opens with a literal, so re backtracks only to
    the positions holding that literal and failing lines stay cheap.
    """
    return "(?:[^\n]{0,300}" + tail + "|[^\n]{0,300}\n[^\n]{0,300}" + tail + ")"


# "first" and "dated" also need a clock time, which _accept checks on the match.
_ATTRIBUTION = (
    r"(?P<en>[ \t]*On(?!\w)" + _HAS_DIGIT + _upto(colon_after(_EN_VERBS)) + ")"
    r"|(?P<last>[ \t]*" + _HEAD + _HAS_DIGIT + _upto(colon_after(_VERB_ENDS)) + ")"
    r"|(?P<addr>[ \t]*[^\n<]{0,200}" + _ADDR + r"\)?" + _SP + r"*\n?" + _SP + r"*"
    + _alternatives(_EN_VERBS + _VERBS) + _SP + "?:" + _EOL + ")"
    r"|(?P<first>[ \t]*" + _HEAD + _upto(_VERB_FIRST + r"(?:" + _SP + r"|\n)"
    + r"[^\n:]{1,120}(?:\n[^\n:]{1,120})?:" + _EOL) + ")"
    r"|(?P<dated>[ \t]*" + _DATE_HEAD + "(?=" + _upto(r">\)?" + _SP + "*:" + _EOL) + ")"
    + _BODY + _ADDR + r"\)?" + _SP + "*:" + _EOL + ")"
)
# Quoted lines never start a cut: they are dropped instead, and answers between them are kept.
_CUT = re.compile(
    r"^(?=[ \t]*[^\s>])(?:"
    r"(?P<sig>--" + _EOL + ")"
    r"|(?P<marker>[ \t]*" + MARKER_PATTERN + ")"
    r"|(?P<footer>[ \t]*" + _FOOTER + ")"
    r"|(?P<outlook>" + _header("(?i:" + "|".join(_FROM_WORDS) + ")") + ")"
    r"|" + _ATTRIBUTION + ")",
    re.M,
)


_INTRODUCER_ENDS = [phrase.split()[-1] for phrase in INTRODUCERS]
_COLON_ENDINGS = (
    [">", ">)", *_EN_VERBS, *_VERB_ENDS]
    + [w for end in _INTRODUCER_ENDS for w in (end, end.capitalize(), end.upper())]
)
# Outlook's "From:" counts only with a "Sent:"/"Date:" line among the next four.
_SENT_FOLLOWS = r"(?=[^\n]*+(?:\n[^\n]*+){0,3}?\n[ \t]*+\*?" + _names(_SENT_WORDS) + ")"
_FROM_BOTH_CASES = _FROM_WORDS + tuple(w.upper() for w in _FROM_WORDS)
_TRIGGER_WORDS = (
    ["--", colon_after(_COLON_ENDINGS)]
    + [v + "(?:" + _SP + r"|\n)" for v in ("schrieb", "schreef", "skrev")]
    + [w + r"\*?" + _SP + "?:" + _SENT_FOLLOWS for w in _FROM_BOTH_CASES]
    + ["Sent from", "Get Outlook", "Von meinem", "Envoyé de", "Enviado desde", "Verstuurd vanaf"]
    + ["Inviato da"]
)
# Every cut has one of these on its (last) line. They are rare in prose, and as flat
# alternatives that each open with a literal, re scans for them in C instead of running
# _CUT at every line.
_TRIGGER = re.compile("|".join(_TRIGGER_WORDS))

_STARTS_ATTRIBUTION = re.compile(r"[ \t]*" + _STARTERS + r"[^\n]*:" + _EOL)
_SENT = re.compile(_header(_names(_SENT_WORDS)))
_TO = re.compile(_header(_names(_TO_WORDS)))
_RULE = re.compile(r"[ \t]*_{10,}[ \t]*")
_QUOTED_LINE = re.compile(r"^[ \t]*>[^\n]*(?:\n|\Z)", re.M)
# "10.14" is a Danish clock time; the guards keep "02.11.2026" from counting as one.
_CLOCK = re.compile(r"(?<![\d.])\d{1,2}[:.]\d{2}(?![\d.])")
_SENTENCE_END = re.compile(r"[.!?]" + _SP + r"*$")


def new_text(text: str) -> str:
    """Return only what the author newly wrote in `text`, stripped at both ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    head = text[: _find_cut(text)]
    return (_QUOTED_LINE.sub("", head) if ">" in head else head).strip()


def _find_cut(text: str) -> int:
    """Offset where the first quoted original, forward, footer or signature begins."""
    pos = 0
    while (hit := _TRIGGER.search(text, pos)) is not None:
        start = text.rfind("\n", 0, hit.start()) + 1
        end = text.find("\n", hit.start())
        end = len(text) if end < 0 else end
        cut = _cut_in_line(text, start, end)
        if cut is not None:
            return cut
        pos = end + 1
    return len(text)


def _cut_in_line(text: str, start: int, end: int) -> int | None:
    """Check the line text[start:end], and an attribution wrapped onto it from the line above."""
    if start > 0:
        above = _CUT.match(text, text.rfind("\n", 0, start - 1) + 1)
        if above and above.end() > start and (cut := _accept(text, above)) is not None:
            return cut
    here = _CUT.match(text, start)
    return _accept(text, here) if here else None


def _accept(text: str, m: re.Match[str]) -> int | None:
    kind = m.lastgroup
    if kind in ("first", "dated") and not _CLOCK.search(m.group()):
        return None
    if kind == "outlook":
        return _rewind_rule(text, m.start()) if _is_header_block(text, m.start()) else None
    if kind in ("en", "last", "first", "dated") and "\n" in m.group():
        return m.start() if _is_wrapped(m.group()) else None
    return m.start()


def _is_wrapped(match: str) -> bool:
    """Whether a two-line match is one wrapped attribution rather than a sentence and a new line."""
    first, _, second = match.partition("\n")
    if _SENTENCE_END.search(first) or not any(c.isdigit() for c in first):
        return False
    return _STARTS_ATTRIBUTION.match(second) is None


def _is_header_block(text: str, start: int) -> bool:
    """Whether "Sent:"/"Date:" and "To:"/"Subject:" follow Outlook's "From:" within 4 lines."""
    following = text[start : start + 4000].split("\n", 5)[1:5]
    has_sent = any(_SENT.match(line) for line in following)
    return has_sent and any(_TO.match(line) for line in following)


def _rewind_rule(text: str, start: int) -> int:
    """Include the "_____" rule Outlook draws above its header block."""
    window = max(0, start - 2000)
    before = text[window:start].rstrip()
    last_line = before.rpartition("\n")[2]
    if _RULE.fullmatch(last_line):
        return window + len(before) - len(last_line)
    return start
