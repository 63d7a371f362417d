"""People's names as they should read in our mail: "Delaney, Mark" is Mark Delaney, greeted Mark."""
import re

# After a comma these are a title or a company form, not a given name: "Mark Delaney, CPA".
_NOT_GIVEN = frozenset({
    "jr", "sr", "ii", "iii", "iv", "cpa", "md", "phd", "esq", "mba", "dds", "rn",
    "inc", "llc", "ltd", "gmbh", "ag", "sa", "sarl", "bv", "nv", "srl", "spa", "co", "corp", "plc",
})
_WORD = re.compile(r"^[^\W\d_][\w'’.-]*$")
# Before a name these are how to address someone, not what they are called: "Dr. Eva Roth" is Eva.
_TITLES = frozenset({
    "dr", "prof", "professor", "mr", "mrs", "ms", "miss", "mx", "herr", "frau", "m", "mme", "mlle", "monsieur",
    "madame", "sr", "sra", "srta", "señor", "señora", "don", "doña", "dott", "dott.ssa", "dottssa", "sig", "sig.ra",
    "ing", "dipl.-ing", "mag", "med", "dhr", "mevr", "mevrouw", "meneer", "rev", "sir", "dame",
})


def display(name: str) -> str:
    """Outlook's "Last, First" as "First Last"; anything else unchanged but for spacing."""
    name = " ".join(name.split()).strip("\"' ")
    last, comma, given = name.partition(",")
    if not comma or "," in given or not _is_name(last) or not _is_name(given):
        return name
    return f"{given.strip()} {last.strip()}"


def first_name(name: str, email: str | None = None) -> str:
    """What to greet someone by: their given name, else the first part of their address."""
    words = display(name).split()
    titles = 0
    while titles < len(words) and words[titles].rstrip(".,").lower() in _TITLES:
        titles += 1
    if titles and len(words) - titles == 1:  # "Dr. Roth": a surname, so greeted with the title
        return " ".join(words).rstrip(",;:")
    words = words[titles:] or words
    if words:
        return words[0].rstrip(",;:")
    return (email or "there").split("@")[0].split(".")[0].capitalize()


def _is_name(part: str) -> bool:
    words = part.split()
    return 1 <= len(words) <= 3 and all(
        _WORD.match(w) and w.rstrip(".").lower() not in _NOT_GIVEN for w in words)
