"""Read the one-word commands people reply with: WON $4,500, LOST - too pricey, SNOOZE 2 weeks."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from worker.core import durations
from worker.core.money import Amount, to_minor


@dataclass(frozen=True)
class Command:
    verb: str  # "met" | "qualified" | "won" | "lost" | "no_fit" | "snooze" | "stop" | "stop_all"
    amount: Amount | None = None  # WON only
    reason: str = ""  # LOST / NO FIT: the rest of the line after the command word
    snooze_seconds: int | None = None  # SNOOZE only
    matched: str = ""  # the words that matched, as written, for the event log


# The words each language answers with; a participle in every gender and number ("Rencontrée": the
# prospect met is often a woman). Every word counts in every language (people mix them:
# "Getroffen, thanks!"); by language so that our mail names, in its language, words read here
# (tests/outbound/test_languages.py feeds each back through parse_command).
VOCABULARY: dict[str, dict[str, list[str]]] = {
    "en": {
        "met": ["met", "we met", "connected", "spoke", "we spoke"],
        "qualified": ["qualified", "good lead"],
        "won": ["won", "we won", "closed", "signed", "deal"],
        "lost": ["lost", "didn't work out", "did not work out", "didnt work out"],
        "no_fit": ["no fit", "not a fit", "not a good fit", "not the right fit"],
        "snooze": ["snooze", "later"],
        # STOP ends the follow-ups of the one referral it answers; the words that mean "no mail at
        # all" opt the address out of everything (digests too) — people say these on purpose.
        "stop": ["stop", "stop these", "stop asking"],
        "stop_all": ["stop all", "stop everything", "stop all mail", "unsubscribe", "unsubscribe all", "opt out",
                     "opt-out"],
    },
    "de": {
        "met": ["getroffen", "haben uns getroffen", "verbunden", "gesprochen", "haben gesprochen"],
        "qualified": ["qualifiziert"],
        "won": ["gewonnen", "auftrag", "unterschrieben"],
        "lost": ["verloren", "nicht geklappt"],
        "no_fit": ["passt nicht", "passt leider nicht", "kein fit"],
        "snooze": ["später", "spaeter"],
        "stop": ["stopp", "stop"],
        "stop_all": ["abmelden", "abbestellen", "alles stoppen"],
    },
    "fr": {
        "met": ["rencontré", "rencontrés", "rencontrée", "rencontrées", "on s'est vus", "on s'est vu",
                "on s'est parlé"],
        "qualified": ["qualifié", "qualifiée", "qualifiés", "qualifiées"],
        "won": ["gagné", "signé"],
        "lost": ["perdu", "n'a pas marché"],
        "no_fit": ["pas adapté"],
        "snooze": ["plus tard"],
        "stop": ["stop", "arrêter", "arrête"],
        "stop_all": ["désabonner", "se désabonner", "tout arrêter"],
    },
    "es": {
        "met": ["reunidos", "reunidas", "nos reunimos", "contactado", "contactada"],
        "qualified": ["calificado", "calificada", "cualificado", "cualificada"],
        "won": ["ganado", "ganamos", "cerrado", "firmado"],
        "lost": ["perdido", "perdimos", "no funcionó"],
        "no_fit": ["no encaja"],
        "snooze": ["más tarde"],
        "stop": ["stop", "parar"],
        "stop_all": ["baja", "darme de baja"],
    },
    "nl": {
        "met": ["ontmoet", "gesproken"],
        "qualified": ["gekwalificeerd"],
        "won": ["binnen", "binnengehaald", "getekend", "gewonnen"],
        "lost": ["verloren", "niet gelukt"],
        "no_fit": ["geen match", "past niet", "geen klik"],
        "snooze": ["later"],
        "stop": ["stop", "stoppen"],
        "stop_all": ["afmelden", "uitschrijven", "alles stoppen"],
    },
    "it": {
        "met": ["incontrati", "ci siamo incontrati", "ci siamo visti", "ci siamo sentiti"],
        "qualified": ["qualificato", "qualificata"],
        "won": ["vinto", "abbiamo vinto", "firmato", "affare fatto"],
        "lost": ["perso", "non è andata", "non ha funzionato"],
        "no_fit": ["non adatto", "non adatta", "non fa per noi"],
        "snooze": ["più tardi", "rimanda"],
        "stop": ["stop", "basta"],
        "stop_all": ["disiscrivi", "disiscrivimi", "annulla iscrizione", "cancellami", "stop tutto"],
    },
}
DEFAULT_VOCABULARY: dict[str, list[str]] = {
    verb: list(dict.fromkeys(w for words in VOCABULARY.values() for w in words.get(verb, ())))
    for verb in VOCABULARY["en"]
}

_COMMAND_LINES = 3  # only the first non-empty lines carry a command; later text is conversation
_LEAD_WORDS = 6  # a command starts within this many words of its line, not deep in a sentence
_MAX_LINE = 2000  # bounds per-character work on a hostile one-megabyte line
_DEFAULT_SNOOZE = 7 * 24 * 3600

# When one line names several verbs ("closed lost", "met, signed for $4k", "Auftrag verloren"),
# the furthest outcome wins; ties go to the earliest word.
_RANK = {"snooze": 0, "stop": 1, "stop_all": 1, "met": 2, "qualified": 3, "won": 4, "lost": 5, "no_fit": 5}
# NO FIT phrases are negative already, so "nope not a fit" confirms rather than negates them.
_SELF_NEGATIVE = {"no_fit"}

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u02bc": "'"})
_WORD = re.compile(r"\S*\w\S*")
_TOKEN = re.compile(r"\w+(?:['-]\w+)*'?")
_LEADING_JUNK = re.compile(r"^[\W_]+")
_LINE = re.compile(r"[^\r\n]+")
# Clause edges scope a negation: "haven't met yet, later" is a snooze, not a negated line.
# A hyphen or dot inside a word ("non-binding", "4.5k") is no edge.
_CLAUSE_BREAK = re.compile(
    r"[,;:!?()\[\]|\u2013\u2014]|[-.](?!\w)|(?<!\w)[-.]"
    r"|(?<!\w)(?:but|however|aber|sondern|mais|pero|maar)(?!\w)"
)
_NEGATIONS = frozenset((
    "not", "no", "never", "nope", "nah", "nothing", "none", "cannot",
    "havent", "hasnt", "hadnt", "didnt", "dont", "doesnt", "isnt", "wasnt", "arent", "werent",
    "wont",
    "nicht", "nichts", "kein", "keine", "keinen", "keinem", "keiner", "nie", "niemals", "nein",
    "pas", "ne", "jamais", "rien", "non",
    "nunca", "jamas", "nada", "ni", "tampoco",
    "niet", "geen", "nooit", "niets", "nee",
    "niente", "nulla", "nessuno", "nessun",
))
# Words that may pad a bare "not yet" answer without making it a sentence of its own.
_FILLER = frozenset((
    "yet", "really", "quite", "sadly", "unfortunately", "noch", "leider", "encore",
    "malheureusement", "todavia", "aun", "lamentablemente", "nog", "helaas", "ancora", "purtroppo",
))


# A command word inside a phrase that means something else: Dutch "met" is "with" ("Met
# vriendelijke groet"), an office that "is closed until 5 January" closed no deal, "Ihr Auftrag"
# is a shop's order confirmation. Matched on folded text (lower case, no accents); the named
# group `w` is the word that is not a command here.
_NOT_COMMANDS = [re.compile(p) for p in (
    r"(?<!\w)(?P<w>met)\s+(?:vriendelijke|hartelijke|warme|beste|collegiale|sportieve|zonnige|fijne|lieve)"
    r"\s+groet",
    r"(?<!\w)(?P<w>met)\s+(?:groet|groeten|dank|de|het|een|u|je|jou|jullie|ons|mij|me|hem|haar|elkaar"
    r"|ingang|betrekking|name|vakantie|verlof|spoed|plezier)(?!\w)",
    r"(?<!\w)(?:(?:office|offices|shop|store|practice|studio|clinic|business)(?:\s+(?:is|are|will\s+be|remains?"
    r"|stays?))?|we're|we\s+are|we\s+will\s+be|i'm|i\s+am)\s+(?:currently\s+|temporarily\s+|now\s+)?"
    r"(?P<w>closed)(?!\w)",
    r"(?<!\w)(?P<w>closed)\s+(?:until|till|through|from|during|over|for\s+(?:the\s+)?(?:holidays?|vacation"
    r"|christmas|new\s+year|easter|summer|inventory|maintenance))(?!\w)",
    r"(?<!\w)(?:ihr|ihre|ihren|ihrem|dein|deinen)\s+(?P<w>auftrag)(?!\w)",
    # Dutch "binnen" is "it's in" (won) alone, but "within" before a time or a place: "binnen een
    # week", "binnen twee dagen", "binnen 3 weken", "binnen de regio".
    r"(?<!\w)(?P<w>binnen)\s+(?:een|de|het|deze|dit|die|enkele|paar|afzienbare|twee|drie|vier|vijf|zes"
    r"|zeven|acht|negen|tien|\d+\s*(?:dag|dagen|week|weken|maand|maanden|uur|jaar|minuten|werkdagen))(?!\w)",
)]


def _not_command_spans(folded: str) -> list[tuple[int, int]]:
    """Where a command word means something else on this line (see _NOT_COMMANDS)."""
    spans: list[tuple[int, int]] = []
    for pattern in _NOT_COMMANDS:
        spans.extend(m.span("w") for m in pattern.finditer(folded))
    return spans


class _Matcher(NamedTuple):
    pattern: re.Pattern[str]
    verbs: dict[str, str]  # folded phrase -> verb

    def verb(self, hit: re.Match[str]) -> str:
        return self.verbs[" ".join(hit.group().split())]


def _fold(text: str) -> tuple[str, list[int]]:
    """Casefold and drop accents (GAGNE = GAGNÉ); origin[i] is the source index of folded char i."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text.translate(_APOSTROPHES)):
        for part in unicodedata.normalize("NFKD", char.casefold()):
            if not unicodedata.combining(part):
                chars.append(part)
                origin.append(index)
    return "".join(chars), origin


def _folded(text: str) -> str:
    return _fold(text)[0]


def _alternation(words) -> str:
    # Longest first, so "haben uns getroffen" beats "getroffen" and "US$" beats "$".
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=32)
def _compile(vocabulary: tuple[tuple[str, tuple[str, ...]], ...]) -> _Matcher:
    verbs = {}
    for verb, words in vocabulary:
        for word in words:
            phrase = " ".join(_folded(word).split())
            if phrase:
                verbs[phrase] = verb
    if not verbs:
        return _Matcher(re.compile(r"(?!)"), {})
    longest_first = sorted(verbs, key=len, reverse=True)
    phrases = "|".join(r"\s+".join(map(re.escape, phrase.split())) for phrase in longest_first)
    # Whole words only; an apostrophe continues a word, so "won't" never reads as "won".
    return _Matcher(re.compile(rf"(?<!\w)(?:{phrases})(?!\w)(?!'\w)"), verbs)


def _matcher(vocabulary: dict[str, list[str]] | None) -> _Matcher:
    chosen = DEFAULT_VOCABULARY if vocabulary is None else vocabulary
    return _compile(tuple((verb, tuple(words)) for verb, words in chosen.items()))


def _leading_lines(text: str) -> list[str]:
    """The first non-empty lines: the command window plus one line below it for a WON amount."""
    lines = []
    for match in _LINE.finditer(text or ""):
        line = match.group().strip()[:_MAX_LINE]
        if line:
            lines.append(line)
            if len(lines) > _COMMAND_LINES:
                break
    return lines


# "CORRECTION: LOST" on the first line: the member changes a final answer on purpose.
_CORRECTION = re.compile(
    r"^[\W_]*(?:correction|correct|korrektur|korrigiert|correctif|corrección|correccion|correctie|correzione)"
    r"(?:\s*[:\-\u2013\u2014]\s*|\s+)", re.IGNORECASE)


def split_correction(text: str) -> tuple[bool, str]:
    """(True, the rest) when the reply's first non-empty line starts with CORRECTION."""
    stripped = (text or "").lstrip()
    found = _CORRECTION.match(stripped[:_MAX_LINE])
    return (True, stripped[found.end():]) if found else (False, text)


def parse_command(text: str, vocabulary: dict[str, list[str]] | None = None) -> Command | None:
    """The command in the first non-empty lines of a reply's new text, or None."""
    matcher = _matcher(vocabulary)
    lines = _leading_lines(text)
    for index, line in enumerate(lines[:_COMMAND_LINES]):
        command = _line_command(line, matcher)
        if command is not None:
            return _with_amount_below(command, lines[index + 1:index + 2])
    return None


def _with_amount_below(command: Command, below: list[str]) -> Command:
    # Phones often put the figure on its own line ("Won!\n€4.500"); a bare number there could be
    # anything, so only a figure with a currency or k/m suffix is taken from the next line.
    if command.verb != "won" or command.amount is not None or not below:
        return command
    amount = _find_amount(below[0], "", bare_ok=False)
    return command if amount is None else replace(command, amount=amount)


def _line_command(line: str, matcher: _Matcher) -> Command | None:
    folded, origin = _fold(line)
    hits = list(matcher.pattern.finditer(folded))
    masked = _mask(folded, hits)
    other_meaning = _not_command_spans(folded)
    live = [
        hit for hit in hits
        if _leads(folded, hit) and not _negated(folded, masked, hit, matcher.verb(hit))
        and not any(start < hit.end() and hit.start() < end for start, end in other_meaning)
    ]
    if not live:
        return None
    best = max(live, key=lambda hit: (_RANK.get(matcher.verb(hit), 0), -hit.start()))
    return _build(line, folded, origin, best, matcher.verb(best))


def _mask(folded: str, hits: list[re.Match[str]]) -> str:
    # Blank the command phrases so the "not" in "not a fit" is not taken for a negation.
    chars = list(folded)
    for hit in hits:
        chars[hit.start():hit.end()] = " " * (hit.end() - hit.start())
    return "".join(chars)


def _leads(folded: str, hit: re.Match[str]) -> bool:
    return len(_WORD.findall(folded, 0, hit.start())) < _LEAD_WORDS


def _is_negation(token: str) -> bool:
    return token in _NEGATIONS or token.endswith("n't") or token.startswith("n'")


def _negated(folded: str, masked: str, hit: re.Match[str], verb: str) -> bool:
    """A negation in the command's own clause ("not won yet") or a bare "not yet" after it."""
    if verb in _SELF_NEGATIVE:
        return False
    left, right = _clause_bounds(masked, hit.start(), hit.end())
    if any(_is_negation(token) for token in _TOKEN.findall(masked[left:right])):
        return True
    return _bare_negation_follows(folded[right:right + 200])


def _clause_bounds(masked: str, start: int, end: int) -> tuple[int, int]:
    left = 0
    for mark in _CLAUSE_BREAK.finditer(masked):
        if mark.end() <= start:
            left = mark.end()
        elif mark.start() >= end:
            return left, mark.start()
    return left, len(masked)


def _bare_negation_follows(after: str) -> bool:
    # "Won? Not yet." / "Getroffen? Noch nicht." answer the question with no.
    for piece in _CLAUSE_BREAK.split(after):
        tokens = _TOKEN.findall(piece)
        if tokens:
            negations = [token for token in tokens if _is_negation(token)]
            return bool(negations) and all(t in _FILLER or _is_negation(t) for t in tokens)
    return False


def _build(line: str, folded: str, origin: list[int], hit: re.Match[str], verb: str) -> Command:
    start, end = origin[hit.start()], origin[hit.end() - 1] + 1
    command = Command(verb=verb, matched=line[start:end])
    if verb == "won":
        return replace(command, amount=parse_amount(line))
    if verb in ("lost", "no_fit"):
        return replace(command, reason=_LEADING_JUNK.sub("", line[end:]).strip())
    if verb == "snooze":
        return replace(command, snooze_seconds=_snooze_seconds(folded, hit))
    return command


def _snooze_seconds(folded: str, hit: re.Match[str]) -> int:
    # "snooze 2 weeks" puts the duration after the word, "2 Wochen später" before it.
    for part in (folded[hit.end():], folded[:hit.start()]):
        found = durations.find(part)
        if found is not None:
            return int(found.total_seconds())
    return _DEFAULT_SNOOZE


# ---- amounts ---------------------------------------------------------------------------------

# How people write a currency, lower-cased → its ISO 4217 code: one table for symbols, codes and words.
CURRENCIES = {
    "us$": "USD", "c$": "CAD", "a$": "AUD", "r$": "BRL", "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY",
    "₹": "INR",
    **{code.lower(): code for code in ("USD", "EUR", "GBP", "CHF", "JPY", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK",
                                       "PLN", "CZK", "HUF", "INR", "BRL", "MXN", "SGD", "HKD", "ZAR")},
    "dollar": "USD", "dollars": "USD", "bucks": "USD", "euro": "EUR", "euros": "EUR",
    "pound": "GBP", "pounds": "GBP", "pfund": "GBP", "franken": "CHF",
}
_MAX_AMOUNT_TEXT = 10_000  # an amount sits on one reply line; the cap bounds work on hostile input
_MULTIPLIERS = {
    **dict.fromkeys(("k", "thousand", "tausend", "mille"), 1000),
    **dict.fromkeys(("m", "mm", "mn", "mio", "mln", "million", "millions", "millionen", "millones",
                     "miljoen"), 1_000_000),
}
_NO_LETTER_BEFORE, _NO_LETTER_AFTER = r"(?<![^\W\d_])", r"(?![^\W\d_])"
_CURRENCY = (
    rf"(?:{_alternation(w for w in CURRENCIES if not w.isalpha())}"  # symbols: "US$4,500", "4500€"
    rf"|{_NO_LETTER_BEFORE}(?:{_alternation(w for w in CURRENCIES if w.isalpha())})"  # whole words only
    rf"{_NO_LETTER_AFTER})"
)
# Grouped ("4,500", "4.500,00", "3 000", "2'500") before plain ("4500", "4,5", "1250.50").
_NUMBER = (
    r"\d{1,3}(?:[,.'\u2019 \u00a0\u202f]\d{3})+(?:[.,]\d{1,2})?(?!\d)"
    r"|\d{1,12}(?:[.,]\d{1,2})?(?!\d)"
)
_AMOUNT = re.compile(
    rf"(?:(?P<pre>{_CURRENCY})[ \u00a0]?)?(?<!\d)(?<!\d[.,'\u2019])(?P<num>{_NUMBER})"
    rf"(?:[ \u00a0]?(?P<suffix>{_alternation(_MULTIPLIERS)}){_NO_LETTER_AFTER}\.?)?"
    rf"(?:[ \u00a0]?(?P<post>{_CURRENCY}))?",
    re.IGNORECASE,
)
# One or two digits after the last separator are decimals ("4,5k", "1250.50"); three are thousands.
_DECIMAL_TAIL = re.compile(r"[.,](\d{1,2})$")
# A bare number next to these is a date, time, phone number, percentage or count, not money.
_BARE_BEFORE = re.compile(
    r"(?:[\d+#(][\s./:-]?|[/:]|(?<![^\W\d_])(?:on|am|le|el|op|in|im|en|at|um|om|by|since|seit"
    r"|depuis|desde|until|bis|tot)\s+)$",
    re.IGNORECASE,
)
_BARE_AFTER = re.compile(
    rf"^(?:[./:-]\d|\s\d|\s?%|[^\W\d_]|\s*(?:{durations.UNIT_WORDS}|years?|yrs?|jahre?n?|ans|annees?|anos?"
    r"|jaar|jaren|pm|am|uhr|x)(?!\w))"
)


def parse_amount(text: str, default_currency: str = "") -> Amount | None:
    """The first money amount in text; a figure with a currency or k/m suffix beats a bare one."""
    return _find_amount(text, default_currency, bare_ok=True)


def _find_amount(text: str, default_currency: str, bare_ok: bool) -> Amount | None:
    bare = None
    for match in _AMOUNT.finditer(text, 0, _MAX_AMOUNT_TEXT):
        if match["pre"] or match["post"] or match["suffix"]:
            return _to_amount(match, default_currency)
        if bare is None and bare_ok and _plausible_bare(text, match):
            bare = match
    return None if bare is None else _to_amount(bare, default_currency)


def _plausible_bare(text: str, match: re.Match[str]) -> bool:
    before = text[max(0, match.start("num") - 24):match.start("num")]
    after = _folded(text[match.end("num"):match.end("num") + 24])
    return not _BARE_BEFORE.search(before) and not _BARE_AFTER.match(after)


def _to_amount(match: re.Match[str], default_currency: str) -> Amount:
    written = match["pre"] or match["post"]
    currency = CURRENCIES[written.lower()] if written else default_currency.upper()
    multiplier = _MULTIPLIERS[match["suffix"].lower()] if match["suffix"] else 1
    return Amount(to_minor(_decimal(match["num"]) * multiplier, currency), currency)




def _decimal(number: str) -> Decimal:
    tail = _DECIMAL_TAIL.search(number)
    whole = number[:tail.start()] if tail else number
    return Decimal(re.sub(r"\D", "", whole) + "." + (tail[1] if tail else "0"))


# BRIEF: "send me your ideal-referral brief" (worker/followups/briefreply.py). Our mail names
# BRIEF in English and its own word elsewhere (templates/<language>/_words.txt brief_word: KURZPROFIL,
# FICHE, PERFIL, PROFIEL, PROFILO); the others are what people write instead. Only a whole first line
# or subject counts: "Brief" is German for a letter, and a sentence with "brief" in it is talk.
BRIEF_WORDS = frozenset((
    "brief", "the brief", "your brief", "brief please", "send brief", "send your brief", "send me your brief",
    "referral brief", "kurzprofil", "empfehlungsprofil", "fiche", "perfil", "profiel", "profilo",
))


def asks_for_brief(line: str) -> bool:
    """Is this line (a first line of new text, or a subject without Re:) a BRIEF request?"""
    return " ".join(re.sub(r"[^\w\s]", " ", _folded(line[:_MAX_LINE])).split()) in BRIEF_WORDS
