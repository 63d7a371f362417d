"""Titles before a name — "Dr. Anna Weber", "Herrn Jürgen Albrecht", "M. Antoine Garnier", "RA Thomas Richter".

A title says how to address someone, not what they are called: greeting "Hallo RA" or storing a prospect
named "Herrn" reads as a machine's mistake. One table, per language, serves every place a name is read:
names found in a mail's text (worker/classify), the given name greeted from a display name
(worker/mail/names.py), and a title with a surname alone ("Frau Hoffmann", "Dr. Mehta") matched to the
person on the mail whose name or address has that surname.
"""
import re

# As written. The trailing dot may be left off ("Dr Weber", "Mme. Dubois" with one), except after a single
# letter: "M. Garnier" is Monsieur, "M Garnier" an initial. Lower-case forms are listed where a language
# writes them so in running text ("mevrouw Jansen", "dhr. de Vries", "monsieur Garnier"). "Don" is left
# out: in English mail it is a given name far more often than a Spanish title ("D." stays).
TITLES: dict[str, tuple[str, ...]] = {
    "en": ("Mr.", "Mrs.", "Ms.", "Miss", "Mx.", "Dr.", "Prof.", "Professor", "Sir", "Dame", "Rev.", "Hon.",
           "Judge", "Governor", "Gov.", "Senator"),
    "de": ("Herr", "Herrn", "Frau", "Dr.", "Prof.", "RA", "RAin", "Dipl.-Ing.", "Dipl.-Kfm.", "Dipl.-Kffr.",
           "Dipl.-Psych.", "Mag.", "StB", "med.", "jur.", "rer. nat."),
    "fr": ("M.", "MM.", "Mme", "Mmes", "Mlle", "Me", "Dr", "Pr", "Monsieur", "Madame", "Mademoiselle", "Maître",
           "monsieur", "madame", "mademoiselle"),
    "es": ("Sr.", "Sra.", "Srta.", "D.", "Dña.", "Dª", "Doña", "Señor", "Señora", "Señorita", "Dr.", "Dra.",
           "Lic.", "Ing.", "Arq.", "Abg.", "señor", "señora", "señorita", "doña"),
    "nl": ("dhr.", "Dhr.", "mevr.", "Mevr.", "mw.", "Mw.", "mr.", "dr.", "drs.", "Drs.", "ir.", "Ir.", "ing.",
           "prof.", "de heer", "De heer", "mevrouw", "Mevrouw", "meneer", "Meneer"),
    "it": ("Sig.", "Sig.ra", "Sig.na", "Signor", "Signora", "Signorina", "Dott.", "Dott.ssa", "Prof.ssa", "Avv.",
           "Ing.", "Arch.", "Geom.", "Rag.", "signor", "signora", "signorina", "avv.", "dott.", "dott.ssa", "arch.",
           "geom.", "rag."),
}
# A title that changes with its grammatical case: "ich habe Herrn Albrecht …" is Herr Albrecht.
CANONICAL = {"Herrn": "Herr"}


def _form(title: str) -> str:
    stem = title.removesuffix(".")
    dot = r"\." if len(stem) == 1 else r"\.?"
    return re.escape(stem).replace(r"\ ", r"\s+") + dot


_FORMS = sorted({t for forms in TITLES.values() for t in forms}, key=len, reverse=True)
# One title as written, for building the patterns that find names in text (worker/classify/language.py):
# whole words only ("Drew", "Frauke" are names), followed by space; after an elided article too ("l'Avv. Rossi").
PATTERN = r"(?<![\w.-])(?:" + "|".join(_form(t) for t in _FORMS) + r")(?=\s)"
_LEADING = re.compile(r"^(?:(?:" + "|".join(_form(t) for t in _FORMS) + r")(?:\s+|$))+", re.IGNORECASE)
_CAP = r"[A-ZÀ-ÖØ-Þ]"
# A title and the capitalised words after it: "Frau Hoffmann", "Dr. Raj Mehta", "Frau Dr. Weber".
TITLED = re.compile(rf"(?:{PATTERN}\s+)+(?P<name>{_CAP}[\w'’-]+(?:\s+{_CAP}[\w'’-]+)?)", re.UNICODE)


def split(name: str) -> tuple[str, str]:
    """The titles a name starts with (any case: display names are typed anyhow) and the rest."""
    found = _LEADING.match(name.strip())
    if found is None:
        return "", name.strip()
    return " ".join(found.group(0).split()), name.strip()[found.end():].strip()


def strip(name: str) -> str:
    return split(name)[1]


def is_title(word: str) -> bool:
    titles, rest = split(word)
    return bool(titles) and not rest


def person(words: str) -> str:
    """The name to keep for a person named in text: without a title when a given name follows ("Dr. Julia
    Romero" is Julia Romero, the way the newcomer is found and greeted elsewhere); with it, in its
    nominative, when only a surname does ("Herrn Olsen" is Herr Olsen — "Olsen" alone reads as a slip);
    nothing when there is no name after it ("Herr")."""
    titles, rest = split(words)
    if not titles or len(rest.split()) != 1:
        return rest
    return " ".join([*(CANONICAL.get(t, t) for t in titles.split()), rest])


def given_and_family(name: str) -> tuple[str, str]:
    """A name's given name and surname: "RA Thomas Richter" is (Thomas, Richter); "Frau Hoffmann" has no
    given name, ("", Hoffmann); "Madonna" no surname. What follows a comma is no name ("…, CPA"): turn
    Outlook's "Last, First" round first (names.display)."""
    titles, rest = split(name)
    words = [w.strip(",;:") for w in rest.split(",")[0].split()]
    words = [w for w in words if w]
    if not words:
        return "", ""
    if titles and len(words) == 1:
        return "", words[0]
    return words[0], (words[-1] if len(words) > 1 else "")


def titled_surnames(text: str) -> list[str]:
    """The words after a title in `text`, each one that may be a surname: "Frau Hoffmann benötigt" gives
    Hoffmann; "Dr. Raj Mehta" gives Raj and Mehta (which one is the surname is the name's to say)."""
    return [word for found in TITLED.finditer(text) for word in found.group("name").split()]
