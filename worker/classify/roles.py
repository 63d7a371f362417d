"""Who is the provider and who the prospect in an intro, and which way it runs for members."""
import re

from worker.classify.directory import Directory
from worker.classify.language import CLIENT_NEEDS, PROVIDER_NAMED, TRADES, YOU
from worker.classify.verdict import Party
from worker.mail import titles
from worker.mail.names import given_and_family
from worker.mail.parse import Address

_NEEDS = (
    r"(?:is|are) (?:looking|searching) for|needs?(?! no\b)|wants?|asked (?:me )?(?:for|about)|is after"
    r"|sucht|braucht|cherche|a besoin|busca|necesita|zoekt|heeft .{1,30} nodig|cerca|ha bisogno"
    r"|vuole|möchte|quiere|veut|wil graag|benötigt|bräuchte|requires"
)
_OFFERS = (
    r"is (?:a|an|the|our|my) |helps (?:people|clients|businesses|owners)|offers |ist (?:ein|eine|der|die|unser|unsere) "
    r"|est (?:un|une|le|la|notre) |es (?:un|una|el|la|nuestro|nuestra|mi) |is (?:een|de|het|onze) "
    r"|è (?:un|una|il|la|lo|il nostro|la nostra) "
    r"|, (?:il|lo|la|el|the|der|die|le|de|het|our|my|mi|mio|mon|ma|notre|unser|unsere) "
    # A trade with no article, as German, French, Spanish, Dutch and Italian say it: "Herr Richter ist
    # Fachanwalt", "elle est avocate", "es abogado", "hij is advocaat", "è avvocato".
    r"|(?:ist|est|es|is|è) \w*?(?:" + TRADES + r")\b"
)


def assign(parties: list[Address], introducer: Address, text: str, directory: Directory
           ) -> tuple[tuple[Party, ...], str, int | None]:
    """Roles for each party, the direction, and the member it belongs to."""
    member_ids = {p.email: m.id for p in parties if (m := directory.member_of(p.email))}
    members = [p for p in parties if p.email in member_ids]
    giver = directory.member_of(introducer.email)
    cues = _cues(text)  # the text's "needs"/"is a" phrases, read once for both questions below
    if len(members) == 1:
        member = members[0]
        if _client(member, parties, cues):
            # The member is the one who needs something ("Dana is looking for an architect"): the other
            # party is the provider and the business goes to them, not to the member. Given, if a member
            # introduced it; else no member's business moves (partner), on the member's ledger all the same.
            return _from_text(parties, cues), ("given" if giver else "partner"), (
                giver.id if giver else member_ids[member.email])
        roles = tuple(Party(p, "provider" if p in members else "prospect") for p in parties)
        return roles, "received", member_ids[member.email]
    roles = _from_text(parties, cues)
    receiver = _receiving_member(roles, members)
    if receiver is not None:
        return roles, "received", member_ids[receiver.email]
    return roles, ("given" if giver else "partner"), (giver.id if giver else None)


def _client(member: Address, parties: list[Address], cues: list[tuple[frozenset[str], str]]) -> bool:
    """The text says only that the member needs something, and only that another party provides it
    ("Dana is looking for an architect … Raj is the architect who did our loft"). Anything less clear
    keeps the member the provider, as a member on the mail mostly is."""
    said = {p: {role for words, role in cues if words & keys} for p in parties if (keys := _keys(p))}
    return said.get(member) == {"prospect"} and any(p != member and roles == {"provider"} for p, roles in said.items())


def heads_up_client(text: str, newcomer: str) -> str | None:
    """A heads-up's one recipient is the client and the named newcomer the provider: the words that say so
    ("my plumber Luis", "you were looking for a plumber"), or None. Unless the text says the newcomer (or
    anyone but the recipient) needs something: "my friend Kirk needs a plumber, he'll call you" and "my
    accountant Marta — her bakery needs a bookkeeper" keep the recipient the provider."""
    first = _WORD.findall(titles.strip(newcomer).lower())[:1]
    if not first or _someone_else_needs(text, first[0]):
        return None
    for pattern in PROVIDER_NAMED:
        for found in pattern.finditer(text):
            if _WORD.findall(titles.strip(found.group("name")).lower())[:1] == first:
                return found.group(0).strip()
    return next((hit.group(0).strip() for pattern in CLIENT_NEEDS if (hit := pattern.search(text))), None)


def _someone_else_needs(text: str, newcomer: str) -> bool:
    """A "needs"/"is looking for" said of the newcomer, or of someone other than "you"."""
    for m in _ANYONE_NEEDS_RE.finditer(text):
        window = text[max(0, m.start() - 45):m.start()]
        clause = _CLAUSE.split(window)[-1]
        words = {w.lower() for w in _WORD.findall(clause)}
        if words and (newcomer in words or not YOU.search(clause)):
            return True  # "Kirk needs", "his restaurant needs" (not "if you need")
        if not words and newcomer in {w.lower() for w in _WORD.findall(window)}:
            return True  # "Kirk, who you met last week, needs …"
    return False


def client_roles(recipient: Address, provider: Address, introducer: Address, directory: Directory
                 ) -> tuple[tuple[Party, ...], str, int | None]:
    """A heads-up whose one recipient is the client: as for a member who is the client in a double intro
    (assign), the business goes to the provider, not to the recipient — given, if a member introduced it;
    else no member's business moves (partner), on the recipient's ledger if they are a member."""
    roles = (Party(recipient, "prospect"), Party(provider, "provider"))
    giver = directory.member_of(introducer.email)
    if giver is not None:
        return roles, "given", giver.id
    member = directory.member_of(recipient.email)
    return roles, "partner", (member.id if member else None)


def _keys(party: Address) -> frozenset[str]:
    """The words in a cue that stand for a party: their given name ("Sabine braucht …"), or their surname after a
    title ("Frau Hoffmann benötigt …", "Dr. Mehta is …"), from their name or their address (s.hoffmann@…)."""
    given, family = given_and_family(party.name)
    local = _WORD.findall(party.email.split("@")[0].lower())[-1:]
    keys = {given.lower()} | {_TITLED_KEY + part for w in (family.lower(), *local) for part in _WORD.findall(w)}
    return frozenset(k for k in keys if len(k.removeprefix(_TITLED_KEY)) >= 2)


def _receiving_member(roles: tuple[Party, ...], members: list[Address]) -> Address | None:
    """Of several members introduced together, the one who gets the work (the others are its
    clients): the provider the text names; if it names none, the first member (roles unknown)."""
    providers = [r.address for r in roles if r.role == "provider"]
    if providers:
        return next((a for a in providers if a in members), None)
    return next((r.address for r in roles if r.address in members and r.role == "party"), None)


_NEEDS_RE = re.compile(rf"\b(?:{_NEEDS})", re.IGNORECASE)
# The same, and "he's looking for", "they're after" said of anyone (a heads-up's newcomer is no party here).
_ANYONE_NEEDS_RE = re.compile(rf"\b(?:{_NEEDS})|['’](?:s|re) (?:looking|searching) for|['’](?:s|re) after",
                              re.IGNORECASE)
_OFFERS_RE = re.compile(rf"\b(?:{_OFFERS})", re.IGNORECASE)
_WORD = re.compile(r"\w+")
_CLAUSE = re.compile(r"[.\n–—:;,]|\s-\s")


def _from_text(parties: list[Address], cues: list[tuple[frozenset[str], str]]) -> tuple[Party, ...]:
    found = {p: _role_of(p, cues) for p in parties}
    known = {r for r in found.values() if r}
    if len(parties) == 2 and len(known) == 1:
        if all(found.values()):
            return tuple(Party(p, "party") for p in parties)  # both described alike: no telling
        # One party's role named in the text implies the other's.
        other = "provider" if known == {"prospect"} else "prospect"
        found = {p: r or other for p, r in found.items()}
    return tuple(Party(p, found[p] or "party") for p in parties)


def _cues(text: str) -> list[tuple[frozenset[str], str]]:
    """For each "needs"/"is a" phrase, the words just before it: the name it is about. A surname after a title
    is marked as one ("Dr. Mehta" reads "Mehta titled_mehta"), its title's dot ending no clause."""
    cues = []
    for pattern, role, reach in ((_NEEDS_RE, "prospect", 45), (_OFFERS_RE, "provider", 25)):
        for m in pattern.finditer(text):
            window = titles.TITLED.sub(_mark_titled, text[max(0, m.start() - reach):m.start()])
            # "Peter – Rachel Kim is the attorney": the cue is about the name nearest to it.
            window = _CLAUSE.split(window)[-1]
            cues.append((frozenset(w.lower() for w in _WORD.findall(window)), role))
    return cues


_TITLED_KEY = "titled_"


def _mark_titled(found: re.Match) -> str:
    words = found.group("name").split()
    return " ".join([*words, *(_TITLED_KEY + part for w in words for part in _WORD.findall(w))])


def _role_of(party: Address, cues: list[tuple[frozenset[str], str]]) -> str | None:
    keys = _keys(party)
    return next((role for words, role in cues if words & keys), None)
