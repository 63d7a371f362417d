"""Whether a person wrote to us formally ("Sie", "vous", "usted", "u", "Lei") or not ("du", "tu", …).

Our mail answers in the register it was written to in: a German who wrote "Sehr geehrte Frau
Weber … Ihnen" and gets "vielen Dank, dass du …" back reads it as cheek. The cues are data, one
table per language, in two tiers: how the writer addresses the reader (a pronoun) says more than
the formula around it (greeting, closing), so a pronoun decides first and a formula only when no
pronoun did. Within a tier a formal cue beats an informal one: a writer who says "Sie" to one of
two people is answered formally, and nobody minds being answered too politely.

Some pronouns are also plural and then say nothing about register: French "vous", Italian "voi",
Dutch "jullie", Latin-American "ustedes". An intro speaks to two people at once, so those count
only when one person is addressed (`addressed=1`, a reply). English has one register: no answer.
"""
import re
from dataclasses import dataclass

from worker.core.locales import FORMAL, INFORMAL

REGISTERS = (FORMAL, INFORMAL)

_I = re.IGNORECASE | re.UNICODE
# Capitalised in the middle of a sentence: after a lower-case word or a comma, the courtesy form
# ("…, dass Sie", "ich danke Ihnen"; Italian "La ringrazio", "mi può dire Lei"). At a sentence's
# start "Sie" may be "she"; there it says nothing.
_MID = r"(?<=[a-zäöüßàèéìòùç,]\s)"


@dataclass(frozen=True)
class Cues:
    """One language's cues: (tier, register, pattern) rows, read in order."""

    rows: tuple[tuple[str, str, re.Pattern[str]], ...]


def _rows(*rows: tuple[str, str, str, int]) -> Cues:
    return Cues(tuple((tier, register, re.compile(pattern, flags)) for tier, register, pattern, flags in rows))


PRONOUN, FORMULA, PLURAL = "pronoun", "formula", "plural"  # PLURAL: a pronoun that counts for one reader only

CUES: dict[str, Cues] = {
    "de": _rows(
        (PRONOUN, FORMAL, _MID + r"(?:Sie|Ihnen|Ihr|Ihre[mnrs]?)\b", re.UNICODE),
        (PRONOUN, INFORMAL, r"\b(?:du|dich|dir|dein|deine[mnrs]?|euch|euer|eure[mnrs]?)\b", _I),
        (FORMULA, FORMAL, r"\bsehr geehrte[rs]?\b|\bmit freundlichen grüßen\b|"
                          r"^(?:hallo|guten tag|liebe[r]?) (?:herr|frau)\b", _I | re.MULTILINE),
        (FORMULA, INFORMAL, r"\bliebe grüße\b|\blg\b|^(?:hey|hi|servus|moin)\b", _I | re.MULTILINE),
    ),
    "fr": _rows(
        (PLURAL, FORMAL, r"\b(?:vous|votre|vos)\b", _I),
        (PRONOUN, INFORMAL, r"\b(?:tu|toi|ton|ta|tes|te)\b|\bt['’](?=[aeéèêiouyh])", _I),
        (FORMULA, FORMAL, r"\b(?:madame|monsieur)\b|\bcordialement\b|\bbien à vous\b|\bje vous prie\b|"
                          r"\bveuillez\b|\bsalutations distinguées\b", _I),
        (FORMULA, INFORMAL, r"\bsalut\b|\bbises\b|\bbisous\b|\bà \+|\bbien à toi\b|\bà plus\b", _I),
    ),
    "es": _rows(
        # "Ud." and "Vd." are how many write usted; "Uds."/"Vds." are ustedes.
        (PRONOUN, FORMAL, r"\b(?:usted|ud|vd)\b", _I),
        (PLURAL, FORMAL, r"\b(?:ustedes|uds|vds)\b", _I),
        (PRONOUN, INFORMAL, r"\b(?:tú|te|ti|contigo|tu|tus|os|vosotros|vosotras|vuestr[oa]s?)\b", _I),
        # "Sr. García": the abbreviation ends in a dot, after which no word boundary follows.
        (FORMULA, FORMAL, r"\bestimad[oa]s?\b|\batentamente\b|\b(?:señor|señora|señorita|don|doña)\b|"
                          r"\b(?:sra?|srta|dña)\.|\ble (?:agradezco|escribo|saluda)\b", _I),
        (FORMULA, INFORMAL, r"\bun abrazo\b|\bbesos\b|\bun beso\b|^(?:hey|buenas)\b", _I | re.MULTILINE),
    ),
    "nl": _rows(
        (PRONOUN, FORMAL, r"\b(?:u|uw)\b", _I),
        (PRONOUN, INFORMAL, r"\b(?:je|jij|jou|jouw)\b", _I),
        (FORMULA, FORMAL, r"\bgeachte\b|\bhoogachtend\b|\b(?:meneer|mevrouw)\b", _I),
        (FORMULA, INFORMAL, r"\bgroetjes\b|\bdoei\b|^(?:hoi|hey|hi)\b", _I | re.MULTILINE),
    ),
    "it": _rows(
        (PRONOUN, FORMAL, _MID + r"(?:Lei|La|Le|Suo|Sua|Suoi|Sue)\b", re.UNICODE),
        (PRONOUN, INFORMAL, r"\b(?:tu|ti|te|tuo|tua|tuoi|tue)\b", _I),
        (FORMULA, FORMAL, r"\bgentile\b|\begregi[oa]\b|\bcordiali saluti\b|\bdistinti saluti\b|"
                          r"\bla ringrazio\b|\ble scrivo\b", _I),
        (FORMULA, INFORMAL, r"^ciao\b|\bun abbraccio\b|\bbaci\b", _I | re.MULTILINE),
    ),
}

_MAX_TEXT = 20_000  # the start of a long mail shows how its writer addresses us


@dataclass(frozen=True)
class Register:
    register: str | None  # "formal", "informal", or None: the text does not say
    reason: str


def detect(text: str, language: str | None, addressed: int = 1) -> Register:
    """How `text`, written in `language`, addresses its reader(s); `addressed`: how many it speaks to."""
    cues = CUES.get(language or "")
    if cues is None:
        return Register(None, f"{language or 'the language'} has one register" if language else "no language")
    text = text[:_MAX_TEXT]
    tiers = (PRONOUN, PLURAL) if addressed == 1 else (PRONOUN,)
    for wanted in (tiers, (FORMULA,)):
        for register in REGISTERS:
            for tier, said, pattern in cues.rows:
                found = pattern.search(text) if tier in wanted and said == register else None
                if found:
                    return Register(register, f"{'they addressed' if tier != FORMULA else 'they wrote'} "
                                              f"“{found.group(0).strip()}” ({language}, {register})")
    return Register(None, f"no sign of formal or informal address in the {language} text")
