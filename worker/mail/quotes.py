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

_EN_VERBS = ("wrote", "writes", "typed", "said")
_VERBS = (
    "a écrit", "escribió", "ha scritto", "scrisse", "escreveu", "napisał(a)", "napisała",
    "napisał", "pisze", "пишет", "написал(а)", "написала", "написал", "schrieb", "geschrieben", "schreef",
    "skrev", "kirjoitti", "napsal(a)", "napsala", "napsal", "írta",
)


def _literal(words: str) -> str:
    # Clients wrap long attributions anywhere, even between "a" and "écrit".
    return re.escape(words).replace(r"\ ", r"[ \t\u00a0\n]")


def _alternatives(words: tuple[str, ...]) -> str:
    return "(?:" + "|".join(_literal(w) for w in words) + ")"


def _header(names: str) -> str:
    return r"[ \t]*\*?" + names + r"\*?" + _SP + r"?:"


_DEVICES = (
    r"(?:iPhone|iPad|Android|Samsung|Galaxy|BlackBerry|Huawei|Pixel|Xiaomi|OnePlus|mobile|phone|Smartphone"
    r"|appareil|dispositivo|Handy|Mobiltelefon|móvil|telefono|telefoon)"
)
# Mobile apps and webmails put a footer under what was written ("Sent from my iPhone"); the original
# may follow it unquoted. These open a footer only when a device follows within two words.
_DEVICE_FOOTERS = (
    "Sent from my", "Von meinem", "Envoyé de mon", "Envoyé depuis mon", "Envoye de mon", "Enviado desde mi",
    "Enviado do meu", "Enviado de mi", "Enviado de meu", "Verstuurd vanaf mijn", "Verzonden vanaf mijn",
    "Verstuurd met", "Inviato da", "Inviato dal mio", "Skickat från min", "Sendt fra min", "Sendt fra mi",
    "Отправлено с", "Wysłane z", "Odesláno z", "Lähetetty", "Gönderildi",
)
# Footers that name the app and are footers whatever follows them on their line.
_APP_FOOTERS = (
    "Get Outlook for", "Sent from Outlook", "Sent from Mail for Windows", "Sent from Yahoo Mail",
    "Sent with Proton", "Sent from Proton", "Sent from Yandex", "Sent from Mail.ru", "Sent from my Galaxy",
    "Outlook für iOS beziehen", "Outlook für Android beziehen", "Obtenir Outlook pour", "Obtener Outlook para",
    "Scarica Outlook per", "Outlook voor iOS downloaden", "Outlook voor Android downloaden", "Obter o Outlook para",
    "Hämta Outlook för", "Pobierz aplikację Outlook", "Hent Outlook til", "Получить Outlook для",
    "Von Yahoo Mail", "Enviado desde Yahoo Mail", "Envoyé de Yahoo Mail", "Inviato da Yahoo Mail",
    "Gesendet mit der GMX", "Gesendet mit der WEB.DE", "Gesendet von meinem", "Отправлено из мобильной Яндекс",
    "Отправлено из Почты Mail.ru", "Diese Nachricht wurde von meinem Android",
    "iPhoneから送信", "iPadから送信", "发自我的iPhone", "发自我的iPad", "iPhone'umdan gönderildi",
    "Lähetetty iPhonesta", "Odesláno z iPhonu", "Wysłane z iPhone'a",
)
_FOOTER = (
    r"(?:" + "|".join(re.escape(f) for f in _DEVICE_FOOTERS) + r")(?:" + _SP + r"+[^\s]{1,20}){0,2}?" + _SP + "+"
    + _DEVICES + r"(?!\w)[^\n]{0,60}$"
    r"|(?:" + "|".join(re.escape(f) for f in _APP_FOOTERS) + r")[^\n]{0,80}$"
)
# A company's notice under the signature: a paragraph that opens with one of these and speaks of
# confidentiality within its first lines (so "Disclaimer: nothing is signed yet" stays an answer).
_DISCLAIMER_OPENINGS = (
    "CONFIDENTIALITY NOTICE", "Confidentiality Notice", "Confidentiality notice", "CONFIDENTIAL", "Confidential",
    "DISCLAIMER", "Disclaimer", "IMPORTANT NOTICE", "Important notice", "NOTICE:", "This e-mail", "This email",
    "This message", "This communication", "THIS E-MAIL", "THIS EMAIL", "THIS MESSAGE", "The information contained",
    "The information in this", "VERTRAULICHKEITSHINWEIS", "Vertraulichkeitshinweis", "Diese E-Mail", "Diese Nachricht",
    "Diese Mail", "Der Inhalt dieser E-Mail", "AVIS DE CONFIDENTIALIT", "Avis de confidentialit", "Ce message",
    "Ce courriel", "Ce mail", "Este mensaje", "Este correo", "Este e-mail", "Questo messaggio", "Questa e-mail",
    "Questa email", "Il presente messaggio", "De informatie verzonden", "Dit e-mailbericht", "Dit bericht",
    "Esta mensagem", "Este e-mail", "Denne e-post", "Denne e-mail", "Detta e-postmeddelande", "Tämä viesti",
    "Ta wiadomość", "Tato zpráva", "Этот e-mail", "Это сообщение", "Bu e-posta",
)
_CONFIDENTIAL = re.compile(
    r"(?i:confidential|privileged|intended (?:only |solely )?for|intended recipient|vertraulich|Adressat|Empfänger"
    r"|confidenti|destinataire|destinatari|riservat|vertrouwelijk|geadresseerde|bestemd|confidencial|sigilo"
    r"|fortrolig|konfidentiell|luottamuksellinen|poufn|důvěrn|конфиденциальн|gizli)"
)
_DISCLAIMER = "(?:" + "|".join(re.escape(d) for d in _DISCLAIMER_OPENINGS) + ")"
# Mailman's footer: a rule, then "<list> mailing list" (Mailman 3 adds " -- <list address>").
_LIST_FOOTER = (
    r"_{20,}" + _SP + r"*\n[^\n]{1,80}mailing list(?:" + _SP + r"+--" + _SP + r"+[^\s]{1,100})?" + _SP + r"*$"
)
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
    # Any wording around the sender's address, as long as a clock time is in it and a colon ends it:
    # "X <x@y> schrieb am Mo., 2. Nov. 2026, 10:14:", "X <x@y> 于2026年11月2日周一 10:14写道：",
    # "X <x@y> wrote on 11/02/2026 10:14:00 AM:", "X (x@y) kirjoitti:" (checked in _accept).
    r"|(?P<addressed>[ \t]*[^\n<(]{0,200}(?:" + _ADDR + r"|\([^()<>@\s]{1,100}@[^()<>\s]{1,150}\))"
    + r"[^\n<>]{0,150}?[:：]" + _EOL + ")"
    # nmh's "Carol writes:", no date at all: an attribution only when a quote follows (_accept).
    r"|(?P<bare>[^\n]{1,120}" + colon_after(_EN_VERBS + tuple(_VERB_ENDS)) + ")"
    # Zoho's "---- On Mon, 02 Nov 2026 10:14:00 +0100 X <x@y> wrote ----".
    r"|(?P<dashed>[ \t]*-{2,10}" + _SP + r"[^\n<]{0,200}" + _ADDR + r"[^\n<>]{0,60}" + _SP + r"-{2,10}" + _EOL + ")"
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
    r"|(?P<sentfirst>" + _header(_names(_SENT_WORDS)) + ")"
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
_FROM_FOLLOWS = r"(?=[^\n]*+\n[ \t]*+\*?(?i:" + "|".join(_FROM_WORDS) + r")\*?" + _SP + "?:)"
_TRIGGER_WORDS = (
    ["--", colon_after(_COLON_ENDINGS)]
    + [v + "(?:" + _SP + r"|\n)" for v in ("schrieb", "schreef", "skrev")]
    + [w + r"\*?" + _SP + "?:" + _SENT_FOLLOWS for w in _FROM_BOTH_CASES]
    # GMX and WEB.DE open their block with "Gesendet:", the "Von:" line right under it.
    + [w + r"\*?" + _SP + "?:" + _FROM_FOLLOWS for w in _SENT_WORDS]
    # An address closing on a line: the attributions that name the sender anywhere in their wording.
    + [r"@[^\s<>()]{1,150}[>)]"]
    + [re.escape(f) for f in _DEVICE_FOOTERS + _APP_FOOTERS]
    # Literals in the cases people write them: a case-insensitive trigger would be tried at every
    # character of the text (5x slower on a 1 MB reply).
    + [re.escape(d) for d in _DISCLAIMER_OPENINGS] + ["mailing list", r"> on \d", "To:"]
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
# What an attribution's date has and a sentence ("On Thursday at 10:30 she wrote:") has not: a
# year, a numeric date or the sender's address.
_DATED = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)|\d{1,2}[./-]\s?\d{1,2}[./-]\s?\d{2,4}|@")
# Quoted-printable that was never decoded (an archive's copy): "=" soft breaks and "=C3=BC" escapes.
_SOFT_BREAK = re.compile(r"=\n")
_QP_ESCAPE = re.compile(r"=[0-9A-F]{2}")


# Microsoft 365's sensitivity label, stamped by Outlook above what the author wrote: "[AMD Official Use Only]",
# "[Public]", "[Internal Use Only - General]". A whole line in brackets naming a class, never an answer.
_LABEL = re.compile(
    r"\A[ \t]*\[[^\]\n]{0,40}(?i:use only|public|internal|confidential|general|restricted|classification)"
    r"[^\]\n]{0,40}\][ \t]*(?:\n|\Z)"
)
_ATTRIBUTIONS = frozenset({"en", "last", "addr", "first", "dated", "addressed", "dashed", "bare", "lotus"})
_BELOW_DEPTH = 20  # answers interleaved with quotes, at most this many rounds (a hostile mail has thousands)


def new_text(text: str) -> str:
    """Return only what the author newly wrote in `text`, stripped at both ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "=\n" in text and _QP_ESCAPE.search(text):
        text = _SOFT_BREAK.sub("", text)  # rejoin the lines the encoding split, attributions among them
    if "\n\t" in text or text.startswith("\t"):
        text = _interpolated_as_quote(text)
    return _LABEL.sub("", _new_text(text, _BELOW_DEPTH), count=1).lstrip()


_FIELD = re.compile(r"\t[A-Za-z][A-Za-z0-9-]{0,40}:")
_ORIGINAL_FIELD = re.compile(r"\t(?i:(From)|Date|Subject|Message-ID):")


def _interpolated_as_quote(text: str) -> str:
    """GNU mail's ~m puts the original in whole, its header fields, MIME parts and all, each line
    indented by a tab and with no attribution line: that block reads as quoted lines."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        if _FIELD.match(lines[i]):
            header = i
            while header < len(lines) and lines[header].startswith("\t") and lines[header].strip():
                header += 1
            fields = [line for line in lines[i:header] if _FIELD.match(line)]
            named = [m for f in fields if (m := _ORIGINAL_FIELD.match(f))]
            # A message's header: its From: and its Date:, Subject: or Message-ID: among three fields or more.
            if len(fields) >= 3 and any(m.group(1) for m in named) and any(not m.group(1) for m in named):
                end = header
                while end < len(lines) and (lines[end].startswith("\t") or (
                        not lines[end].strip() and end + 1 < len(lines) and lines[end + 1].startswith("\t"))):
                    end += 1
                lines[i:end] = [">" + line for line in lines[i:end]]
                i = end
                continue
            i = header
        i += 1
    return "\n".join(lines)


def _new_text(text: str, depth: int) -> str:
    cut, kind, end = _find_cut(text)
    head = text[:cut]
    head = (_QUOTED_LINE.sub("", head) if ">" in head else head).strip()
    if depth and (kind in _ATTRIBUTIONS and _quote_follows(text, end)
                  or kind == "marker" and _quote_follows(text, end, blank_lines=1)):
        # Bottom-posted or inline: the answer is under the quote, e.g. "On … wrote:\n> WON?\nYes.";
        # Zimbra puts its "----- Original Message -----" over a quoted original too.
        below = _new_text(text[end:], depth - 1)
        return "\n\n".join(part for part in (head, below) if part)
    if kind == "sig" and not head and depth:
        # Nothing above the signature: Alpine puts it where the cursor starts, above the quote, and
        # an answer typed under the quote or between its lines comes after it.
        rest = text[end:]
        _, after, quote_at = _find_cut(rest)
        if after in _ATTRIBUTIONS and _quote_follows(rest, quote_at):
            return _new_text(rest[quote_at:], depth - 1)
    return head


def _quote_follows(text: str, end: int, blank_lines: int = 2000) -> bool:
    """Whether a quoted line comes next (after at most `blank_lines` blank lines)."""
    rest = text[end:end + 2000]
    stripped = rest.lstrip()
    return stripped.startswith(">") and rest[: len(rest) - len(stripped)].count("\n") <= blank_lines + 1


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
    if kind in ("first", "dated", "addressed", "dashed") and not _CLOCK.search(m.group()):
        return None
    if kind in ("en", "last", "first", "bare") and not _DATED.search(m.group()):
        # Undated, it is a sentence ("On Thursday she wrote:") unless quoted lines follow it.
        return m.start() if _quote_follows(text, m.end(), blank_lines=1) else None
    if kind == "disclaimer":
        paragraph = text[m.start():m.start() + 600].split("\n\n", 1)[0]
        return m.start() if _CONFIDENTIAL.search(paragraph) else None
    if kind == "sentfirst":
        return _rewind_rule(text, m.start()) if _is_header_block(text, m.start(), first=_SENT) else None
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


def _is_header_block(text: str, start: int, first: re.Pattern[str] | None = None) -> bool:
    """Whether "Sent:"/"Date:" and "To:"/"Subject:" follow Outlook's "From:" within 4 lines (or, when
    the block opens with "Sent:" as GMX's does, "From:" right under it and "To:"/"Subject:" after)."""
    following = text[start : start + 4000].split("\n", 5)[1:5]
    if first is _SENT:
        return bool(following) and _FROM_LINE.match(following[0]) is not None and any(
            _TO.match(line) for line in following[1:])
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
