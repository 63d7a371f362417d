"""Durations, one codec: what the config and people write ("7d", "2w", "2 weeks", "drei Tage") →
timedelta, and a timedelta back to words ("14 days") or to a log line's short form ("1 d 21 h").
"""
import re
import unicodedata
from datetime import timedelta
from decimal import Decimal

_UNITS = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds", "sek", "sekunde", "sekunden",
                     "seconde", "secondes", "segundo", "segundos", "seconden", "secondi"), 1),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes", "minuten", "minuto", "minutos", "minuti"), 60),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours", "std", "stunde", "stunden", "heure",
                     "heures", "hora", "horas", "uur", "ora", "ore"), 3600),
    **dict.fromkeys(("d", "day", "days", "tag", "tage", "tagen", "jour", "jours", "dia", "dias",
                     "dag", "dagen", "giorno", "giorni"), 86400),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks", "woche", "wochen", "semaine", "semaines",
                     "semana", "semanas", "weken", "settimana", "settimane"), 7 * 86400),
    # A month is 30 days: a snooze needs an interval, not a calendar date.
    **dict.fromkeys(("mo", "mos", "month", "months", "monat", "monate", "monaten", "mois", "mes",
                     "meses", "maand", "maanden", "mese", "mesi"), 30 * 86400),
}
_NUMBER_WORDS = {
    **dict.fromkeys(("a", "an", "one", "ein", "eine", "einen", "un", "une", "una", "uno", "een"), 1),
    **dict.fromkeys(("two", "zwei", "deux", "dos", "twee", "due"), 2),
    **dict.fromkeys(("three", "drei", "trois", "tres", "drie", "tre"), 3),
}


def _alternation(words) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))  # "mins" before "m"


UNIT_WORDS = _alternation(_UNITS)  # the unit names, for a pattern that must not read "3 days" as money
# Matched against folded text (lower case, no accents), so "días" is "dias" and "Wochen" is "wochen".
_DURATION = re.compile(
    r"(?<![\w.,])(?:(?P<digits>\d{1,9}(?:[.,]\d{1,6})?)\s*"
    rf"|(?P<word>{_alternation(_NUMBER_WORDS)})\s+)"
    rf"(?P<unit>{UNIT_WORDS})(?!\w)"
)
EXAMPLES = "30s, 10m, 2h, 7d, 2w or '2 weeks'"


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def _delta(match: re.Match[str]) -> timedelta:
    count = Decimal(match["digits"].replace(",", ".")) if match["digits"] else Decimal(_NUMBER_WORDS[match["word"]])
    return timedelta(microseconds=int(count * _UNITS[match["unit"]] * 1_000_000))


def parse(text: str) -> timedelta:
    """A duration written alone: '7d', '2w', '1.5h', '2 weeks'; ValueError naming what was written."""
    match = _DURATION.fullmatch(_fold(text.strip()))
    if match is None:
        raise ValueError(f"durations look like {EXAMPLES}; not {text!r}")
    return _delta(match)


def find(text: str) -> timedelta | None:
    """The first duration inside a sentence ("snooze for 3 days please", "zwei Wochen später")."""
    match = _DURATION.search(_fold(text))
    return None if match is None else _delta(match)


def words(span: timedelta) -> str:
    """'14 days', '1 day', '6 hours', '30 seconds': the largest whole unit, rounded."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count = round(span.total_seconds() / size)
        if count >= 1 or unit == "second":
            return f"{count} {unit}{'' if count == 1 else 's'}"
    raise AssertionError("unreachable")


def short(span: timedelta) -> str:
    """'40 s', '5 min 20 s', '2 h 5 min', '1 d 21 h' — for log lines and the docs."""
    seconds = round(span.total_seconds())
    for big, big_name, small, small_name in ((86400, "d", 3600, "h"), (3600, "h", 60, "min"),
                                             (60, "min", 1, "s")):
        if seconds >= big:
            rest = (seconds % big) // small
            return f"{seconds // big} {big_name}" + (f" {rest} {small_name}" if rest else "")
    return f"{seconds} s"
