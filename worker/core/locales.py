"""The languages we write mail in, which one a recipient gets, and how each writes dates and lists.

A recipient is written to in the language they last wrote to us in (worker/mail/languages.py
reads it), else the language set for them (members[].language, `partners edit --language`),
else outbound.language. Dates and lists are Babel's for the language; amounts: worker/core/money.py.
"""
from dataclasses import dataclass
from datetime import date, datetime

from babel.dates import format_date, format_skeleton
from babel.lists import format_list

LANGUAGES = ("en", "de", "fr", "es", "nl", "it")
DEFAULT = "en"
# Babel locale per language: the country whose conventions most of its writers share.
LOCALES = {"en": "en", "de": "de_DE", "fr": "fr_FR", "es": "es_ES", "nl": "nl_NL", "it": "it_IT"}

# English keeps the forms our mail always had ("2 November 2026", "Monday 16 November 2026");
# other languages get their own long forms and Babel's skeletons (the CLDR order for "day month").
_ENGLISH = {"long": "d MMMM y", "full": "EEEE d MMMM y", "weekday": "EEEE d MMMM", "short": "EEE d MMM",
            "day_month": "d MMM", "month": "MMMM y"}
_SKELETONS = {"short": "MMMEd", "day_month": "MMMd", "month": "yMMMM"}
# Babel's skeletons shorten the weekday ("Mo., 2. November"); a mail says it whole.
_WEEKDAY = {"de": "EEEE, d. MMMM", "fr": "EEEE d MMMM", "es": "EEEE, d 'de' MMMM", "nl": "EEEE d MMMM",
            "it": "EEEE d MMMM"}


def supported(code: str | None) -> str | None:
    """"de", "DE", "de-CH", "de_AT" → "de"; None for a language we do not write."""
    if not code:
        return None
    base = code.strip().lower().replace("_", "-").split("-")[0]
    return base if base in LANGUAGES else None


@dataclass(frozen=True)
class Choice:
    language: str
    reason: str


def choose(written: str | None, setting: str | None, default: str) -> Choice:
    """The language of a mail: the one its recipient wrote to us in, else their setting, else the default."""
    if supported(written):
        return Choice(supported(written) or DEFAULT, f"they wrote to us in {written}")
    if supported(setting):
        return Choice(supported(setting) or DEFAULT, f"their setting is {setting}")
    return Choice(supported(default) or DEFAULT, f"the default language, {default}")


def when(value: date | datetime | None, form: str, language: str) -> str:
    """A date as `language` writes it: form is long, full, weekday, short, day_month or month."""
    if value is None:
        return ""
    locale = LOCALES.get(language, "en")
    if language == "en":
        return format_date(value, _ENGLISH[form], locale=locale)
    if form == "weekday":
        return format_date(value, _WEEKDAY.get(language, "EEEE d MMMM"), locale=locale)
    if form in _SKELETONS:
        return format_skeleton(_SKELETONS[form], value, locale=locale)
    return format_date(value, form, locale=locale)


def names(items: list[str], language: str) -> str:
    """"Anna", "Anna and Bob", "Anna, Bob and Carl" — "und", "et", "y", "en", "e" in the others."""
    items = [i for i in items if i]
    if language == "en" or len(items) < 2:  # ours never had the serial comma
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""
    joined = format_list(items, locale=LOCALES.get(language, "en"))
    last = items[-1].lower()
    if language == "es" and (last.startswith(("i", "í", "hi")) and not last.startswith(("hia", "hie", "hio", "hiu"))):
        joined = joined[:len(joined) - len(items[-1]) - 3] + " e " + items[-1]  # "Ana e Inés": y before an i-sound
    return joined


def in_language(values: "str | dict[str, str]", language: str) -> str:
    """A configured text for a mail in `language`: one string is the same in all; of a dict
    ({en: ..., de: ...}, keys as `supported` reads them), the language's own, else English, else
    the first given — a promise said in another language beats a promise left out."""
    if isinstance(values, str):
        return values
    own = {supported(k) or k: v for k, v in values.items()}
    return own.get(language) or own.get(DEFAULT) or next(iter(own.values()), "")
