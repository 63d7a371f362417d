"""People's names as they should read in our mail: "Delaney, Mark" is Mark Delaney, greeted Mark."""
import re

from worker.mail import titles

# After a comma these are a title or a company form, not a given name: "Mark Delaney, CPA".
_NOT_GIVEN = frozenset({
    "jr", "sr", "ii", "iii", "iv", "cpa", "md", "phd", "esq", "mba", "dds", "rn",
    "inc", "llc", "ltd", "gmbh", "ag", "sa", "sarl", "bv", "nv", "srl", "spa", "co", "corp", "plc",
})
_WORD = re.compile(r"^[^\W\d_][\w'’.-]*$")


def display(name: str) -> str:
    """Outlook's "Last, First" as "First Last"; anything else unchanged but for spacing."""
    name = " ".join(name.split()).strip("\"' ")
    last, comma, given = name.partition(",")
    if not comma or "," in given or not _is_name(last) or not _is_name(given):
        return name
    return f"{given.strip()} {last.strip()}"


def person(name: str) -> str:
    """A name from an address header as we store and show it: turned round like display, and without a
    title when a given name follows — "Dott. Luca Ferri" is Luca Ferri, as names read from a mail's text are
    kept (titles.person); "Dr. Roth" keeps its title, "Roth" alone would read as a slip."""
    return titles.person(display(name))


def first_name(name: str, email: str | None = None) -> str:
    """What to greet someone by: their given name ("Dr. Eva Roth", "RA Thomas Richter" are Eva and Thomas —
    worker/mail/titles.py), a title with a surname alone as written ("Dr. Roth"), else the first part of
    their address."""
    shown = display(name)
    given, family = titles.given_and_family(shown)
    if given:
        return given
    if family:
        return shown.split(",")[0].strip().rstrip(",;:")
    return (email or "there").split("@")[0].split(".")[0].capitalize()


def given_and_family(name: str) -> tuple[str, str]:
    """A display name's given name and surname, Outlook's "Last, First" turned round: see titles."""
    return titles.given_and_family(display(name))


def _is_name(part: str) -> bool:
    words = part.split()
    return 1 <= len(words) <= 3 and all(
        _WORD.match(w) and w.rstrip(".").lower() not in _NOT_GIVEN for w in words)
