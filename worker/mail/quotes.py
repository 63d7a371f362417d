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


_DEVICES = r"(?:iPhone|iPad|Android|Samsung|Galaxy|BlackBerry|Huawei|Pixel|Xiaomi|OnePlus|mobile|phone|Smartphone)"
_FOOTER = (
    r"(?:Sent from my " + _DEVICES + r"|Get Outlook for (?:iOS|Android)|Sent from Mail for Windows"
    r"|Sent from (?:Yahoo Mail|Outlook for (?:iOS|Android)|Proton Mail)|Sent with Proton(?: |)Mail"
    r"|Von meinem " + _DEVICES + r"|Envoy[ée] (?:de|depuis) mon " + _DEVICES
    + r"|Enviado (?:desde mi|do meu|de mi) " + _DEVICES + r"|Verstuurd (?:vanaf|met) mijn " + _DEVICES
    + r"|Inviato da(?: il mio)? " + _DEVICES + r"|Skickat från min " + _DEVICES + r"|Sendt fra min " + _DEVICES
    + r"|Отправлено с " + _DEVICES + r"|Wysłane z " + _DEVICES + r")(?!\w)[^\n]{0,60}$"
)
# Footers that close a mail for its sender's company or list, never for what the sender wrote.
_DISCLAIMER = (
    r"(?:(?i:confidentiality notice|disclaimer|vertraulichkeitshinweis|avis de confidentialit[ée])\b"
    r"|(?i:this (?:e-?mail|message|communication)(?: and any (?:files|attachments)[^\n]{0,40})?"
    r" (?:is|are|may be|contains?) (?:confidential|privileged|intended (?:only |solely )?for)))"
)
# Mailman's footer: a rule, then "<list> mailing list".
_LIST_FOOTER = r"_{20,}" + _SP + r"*\n[^\n]{1,80}mailing list" + _SP + r"*$"
# Outlook's header block as its translations write it (Outlook for Windows, Mac and the web).
_FROM_WORDS = (
    "From", "Von", "De", "Van", "Da", "Od", "От", "Från", "Fra", "Lähettäjä", "Feladó", "Kimden",
    "Expéditeur", "Remitente", "差出人", "发件人", "寄件者",
)
_SENT_WORDS = (
    "Sent", "Date", "Gesendet", "Datum", "Envoyé", "Date d'envoi", "Enviado", "Enviado el", "Enviada em",
    "Fecha", "Verzonden", "Inviato", "Data", "Wysłano", "Отправлено", "Skickat", "Sendt", "Lähetetty",
    "Elküldve", "Gönderildi", "Tarih", "Odesláno", "送信日時", "发送时间", "日期",
)
_TO_WORDS = (
    "To", "Subject", "Cc", "An", "Betreff", "À", "A", "Objet", "Para", "Asunto", "Aan",
    "Onderwerp", "Oggetto", "Assunto", "Do", "Temat", "Кому", "Тема", "Till", "Ämne", "Til", "Emne",
    "Vastaanottaja", "Aihe", "Címzett", "Tárgy", "Kime", "Konu", "Komu", "Předmět", "宛先", "件名",
    "收件人", "主题", "主旨",
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
# Lotus Notes: '"Doe, Jane" <jane@x> on 03/20/2001 06:17:51 PM', then To:/cc:/Subject: lines.
_LOTUS_DATE = r"\d{1,2}/\d{1,2}/\d{2,4}" + _SP + r"+\d{1,2}:\d{2}(?::\d{2})?(?:" + _SP + r"*[AP]M)?" + _EOL
# Quoted lines never start a cut: they are dropped instead, and answers between them are kept.
_CUT = re.compile(
    r"^(?=[ \t]*[^\s>])(?:"
    r"(?P<sig>--" + _EOL + ")"
    r"|(?P<marker>[ \t]*" + MARKER_PATTERN + ")"
    r"|(?P<footer>[ \t]*" + _FOOTER + ")"
    r"|(?P<disclaimer>[ \t]*" + _DISCLAIMER + ")"
    r"|(?P<listfooter>" + _LIST_FOOTER + ")"
    r"|(?P<lotus>[^\n<>]{0,200}<[^<>\s]{1,100}@[^<>\s]{1,150}>" + _SP + r"+on" + _SP + r"+" + _LOTUS_DATE + ")"
    r"|(?P<fields>[ \t]*To:" + _SP + r"[^\n]*(?:\n[^\n]*){0,3}?\n[ \t]*Subject:)"
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
    + ["Sent from", "Get Outlook", "Von meinem", "Envoy", "Enviado d", "Verstuurd"]
    + ["Inviato da", "Skickat från", "Sendt fra", "Отправлено с", "Wysłane z", "Sent with"]
    # Literals in the cases people write them: a case-insensitive trigger would be tried at every
    # character of the text (5x slower on a 1 MB reply).
    + ["CONFIDENTIAL", "Confidential", "DISCLAIMER", "Disclaimer", "VERTRAULICH", "Vertraulich", "AVIS DE",
       "Avis de", "This e", "This m", "This c", "THIS ", "mailing list", r"> on \d", "To:"]
)
# Every cut has one of these on its (last) line. They are rare in prose, and as flat
# alternatives that each open with a literal, re scans for them in C instead of running
# _CUT at every line.
_TRIGGER = re.compile("|".join(_TRIGGER_WORDS))

_STARTS_ATTRIBUTION = re.compile(r"[ \t]*" + _STARTERS + r"[^\n]*:" + _EOL)
_SENT = re.compile(_header(_names(_SENT_WORDS)))
_TO = re.compile(_header(_names(_TO_WORDS)))
_RULE = re.compile(r"[ \t]*(?:_{10,}|-{10,})[ \t]*")
_FROM_LINE = re.compile(_header("(?i:" + "|".join(_FROM_WORDS) + ")"))
_QUOTED_LINE = re.compile(r"^[ \t]*>[^\n]*(?:\n|\Z)", re.M)
# "10.14" is a Danish clock time; the guards keep "02.11.2026" from counting as one.
_CLOCK = re.compile(r"(?<![\d.])\d{1,2}[:.]\d{2}(?![\d.])")
_SENTENCE_END = re.compile(r"[.!?]" + _SP + r"*$")


_ATTRIBUTIONS = frozenset({"en", "last", "addr", "first", "dated", "lotus"})
_BELOW_DEPTH = 20  # answers interleaved with quotes, at most this many rounds (a hostile mail has thousands)


def new_text(text: str) -> str:
    """Return only what the author newly wrote in `text`, stripped at both ends."""
    return _new_text(text.replace("\r\n", "\n").replace("\r", "\n"), _BELOW_DEPTH)


def _new_text(text: str, depth: int) -> str:
    cut, kind, end = _find_cut(text)
    head = text[:cut]
    head = (_QUOTED_LINE.sub("", head) if ">" in head else head).strip()
    if kind in _ATTRIBUTIONS and depth and _quote_follows(text, end):
        # Bottom-posted or inline: the answer is under the quote, e.g. "On … wrote:\n> WON?\nYes."
        below = _new_text(text[end:], depth - 1)
        return "\n\n".join(part for part in (head, below) if part)
    return head


def _quote_follows(text: str, end: int) -> bool:
    rest = text[end:end + 2000].lstrip()
    return rest.startswith(">")


def _find_cut(text: str) -> tuple[int, str, int]:
    """Where the first quoted original, forward, footer or signature begins: its offset, its kind
    and where its opening line(s) end; (len(text), "", len(text)) when there is none."""
    pos = 0
    while (hit := _TRIGGER.search(text, pos)) is not None:
        start = text.rfind("\n", 0, hit.start()) + 1
        end = text.find("\n", hit.start())
        end = len(text) if end < 0 else end
        found = _cut_in_line(text, start, end)
        if found is not None:
            return found
        pos = end + 1
    return len(text), "", len(text)


def _cut_in_line(text: str, start: int, end: int) -> tuple[int, str, int] | None:
    """Check the line text[start:end], and an attribution wrapped onto it from the line above."""
    if start > 0:
        above = _CUT.match(text, text.rfind("\n", 0, start - 1) + 1)
        if above and above.end() > start and (cut := _accept(text, above)) is not None:
            return cut, str(above.lastgroup), above.end()
    here = _CUT.match(text, start)
    if here and (cut := _accept(text, here)) is not None:
        return cut, str(here.lastgroup), here.end()
    return None


def _accept(text: str, m: re.Match[str]) -> int | None:
    kind = m.lastgroup
    if kind in ("first", "dated") and not _CLOCK.search(m.group()):
        return None
    if kind == "outlook":
        return _rewind_rule(text, m.start()) if _is_header_block(text, m.start()) else None
    if kind == "fields":
        return _rewind_from(text, m.start())
    if kind in ("en", "last", "first", "dated") and "\n" in m.group():
        return m.start() if _is_wrapped(m.group()) else None
    return m.start()


def _rewind_from(text: str, start: int) -> int:
    """A "To:"/"Subject:" block: from the "From:" line right above it, if there is one."""
    above = text.rfind("\n", 0, max(0, start - 1)) + 1
    if start and _FROM_LINE.match(text, above, start):
        return _rewind_rule(text, above)
    return start


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
