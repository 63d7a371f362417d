"""The languages we write mail in, which one a recipient gets, and how each writes dates and lists.

A recipient is written to in the language they last wrote to us in (worker/mail/languages.py
reads it), else the language set for them (members[].language, `partners edit --language`),
else outbound.language. Dates and lists are Babel's for the language; amounts: worker/core/money.py.
"""
from dataclasses import dataclass
from datetime import date, datetime

from babel.dates import format_date, format_interval, format_skeleton
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
# A range of days in CLDR's words ("7–13 Dec", "30 Nov – 6 Dec"); our English puts the day first.
_SPAN_LOCALES = {"en": "en_GB"}
_SPAN_JOINED = {"it"}  # CLDR's Italian range pads the days ("02–08 nov"), its dates do not: two dates
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
    register: str = ""  # formal, informal, or "" (one register): see address()
    register_reason: str = ""


def choose(written: str | None, setting: str | None, default: str) -> Choice:
    """The language of a mail: the one its recipient wrote to us in, else their setting, else the default."""
    if supported(written):
        return Choice(supported(written) or DEFAULT, f"they wrote to us in {written}")
    if supported(setting):
        return Choice(supported(setting) or DEFAULT, f"their setting is {setting}")
    return Choice(supported(default) or DEFAULT, f"the default language, {default}")


FORMAL, INFORMAL = "formal", "informal"
# The register our mail takes with someone who has not shown theirs (worker/mail/register.py reads
# it from what they wrote to us). This is business mail to people who may be strangers to us: a
# careful writer of German, French or Italian says "Sie", "vous", "Lei" until the other side offers
# "du"; in Spanish and Dutch "tú" and "je" are spreading in business, but "usted" and "u" are still
# what nobody takes amiss from someone they have not written with (and all that Latin America and
# Flanders expect). Answered too formally, a reader smiles; too familiarly, some take offence.
# English has one register. Each other language has both (templates/<language>/_words.txt and a
# _words.formal.txt or _words.informal.txt beside it); one without the other register's file would
# stay in its _words.txt's.
WHEN_UNKNOWN = {"de": FORMAL, "fr": FORMAL, "es": FORMAL, "nl": FORMAL, "it": FORMAL}


@dataclass(frozen=True)
class Address:
    """How our mail addresses its reader: formal, informal, or "" (a language with one register)."""

    register: str
    reason: str


def address(language: str, written: str | None) -> Address:
    """The register of a mail in `language` to someone who last wrote to us in `written` (or None)."""
    if language not in WHEN_UNKNOWN:
        return Address("", f"{language} has one register")
    if written in (FORMAL, INFORMAL):
        return Address(written, f"they wrote to us {written}ly")
    return Address(WHEN_UNKNOWN[language], f"not known how they address people; {language} business mail is "
                                           f"{WHEN_UNKNOWN[language]} then")


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


def span(first: date | datetime, last: date | datetime, language: str) -> str:
    """Days from `first` to `last` as `language` writes them ("30 Nov – 6 Dec", "30. Nov. – 6. Dez."):
    a digest's week, which people read as dates, not as an ISO week number."""
    first, last = (d.date() if isinstance(d, datetime) else d for d in (first, last))
    if language in _SPAN_JOINED:
        return f"{when(first, 'day_month', language)} – {when(last, 'day_month', language)}"
    return format_interval(first, last, "MMMd", locale=_SPAN_LOCALES.get(language) or LOCALES.get(language, "en"))


def names(items: list[str], language: str) -> str:
    """"Anna", "Anna and Bob", "Anna, Bob and Carl" — "und", "et", "y", "en", "e" in the others."""
    items = [i for i in items if i]
    if language == "en" or len(items) < 2:  # ours never had the serial comma
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""
    joined = format_list(items, locale=LOCALES.get(language, "en"))
    last = items[-1].lower()
    if language == "es" and (last.startswith(("i", "í", "hi")) and not last.startswith(("hia", "hie", "hio", "hiu"))):
        joined = joined[:len(joined) - len(items[-1]) - 3] + " e " + items[-1]  # "Ana e Inés": y before an i-sound
    if language == "it" and euphonic("e", items[-1], language) == "ed":
        joined = joined[:len(joined) - len(items[-1]) - 3] + " ed " + items[-1]  # "Marco ed Elena"
    return joined


# Italian adds a d to "a" and "e" before a word that starts with the same vowel: "ad Álvaro", "ed Elena"
# (today's usage: only before the same vowel, "a Ines", "e Anna").
_EUPHONIC = {"it": {"a": ("ad", "aàáâä"), "e": ("ed", "eèéêë")}}


def euphonic(word: str, before: str, language: str) -> str:
    """`word` as `language` writes it before `before` (a name): Italian "a" → "ad" before "Álvaro"."""
    form = _EUPHONIC.get(language, {}).get(word)
    return form[0] if form and before[:1].lower() in form[1] else word


def in_language(values: "str | dict[str, str]", language: str) -> str:
    """A configured text for a mail in `language`: one string is the same in all; of a dict
    ({en: ..., de: ...}, keys as `supported` reads them), the language's own, else English, else
    the first given — a promise said in another language beats a promise left out."""
    if isinstance(values, str):
        return values
    own = {supported(k) or k: v for k, v in values.items()}
    return own.get(language) or own.get(DEFAULT) or next(iter(own.values()), "")
