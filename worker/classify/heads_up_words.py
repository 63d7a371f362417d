"""More ways a heads-up names who will get in touch, and the words that say a caller is no person.

language.py holds the core tables (HEADS_UP_NAMED, GAVE_CONTACT); these are the other shapes people
write, in the same six languages, kept as data beside them:
  - the person after the verb: "expect a call from Kirk", "te llamará mi amiga Anna", "you'll be
    contacted by Kirk", "je wordt gebeld door Anna";
  - the writer asked them to call: "I've asked Kirk to call you", "j'ai demandé à Anna de t'appeler";
  - who they are first: "A friend of mine, Kirk Olsen, will be calling you";
  - the contact handed over with the name first: "I gave Anna your number", "ik heb Anna je nummer gegeven";
  - a person said who they are, for "I gave her your number … Anna Berg, my neighbour".
And what no person's name is: "Our Sales Team", "DHL", "der Kurier", a weekday; and the calls that
are an errand ("the courier will call you", "about the leak in your flat").
"""
import re

from worker.classify.given_names import GIVEN_NAMES
from worker.classify.language import (
    _A_OR_MY,
    _CALLS,
    _CONTACT,
    _KIN,
    _NAME,
    _RELATION,
    _RELATION_WORDS,
    _WHO_IS,
    _WILL,
)
from worker.mail import titles

_U = re.UNICODE
_I = re.IGNORECASE | re.UNICODE

# The named person after the words: "expect a call from my friend Kirk".
_BEFORE_NAME = (
    # English
    r"\bexpect (?:a (?:call|phone call|ring|message|note|text|e-?mail)|an e-?mail|to hear)(?: \w+)? from",
    r"\byou(?:['’]ll| will| may| might| should| are going to|['’]re going to) (?:soon |shortly |probably )?"
    r"(?:be )?(?:hear(?:ing)?|get(?:ting)? (?:a (?:call|phone call|ring|message|note|text|e-?mail)|an e-?mail))"
    r"(?: \w+)? from",
    r"\byou(?:['’]ll| will| may| might| should)? (?:soon |shortly |probably )?be (?:contacted|called|e-?mailed"
    r"|rung|phoned) by",
    # German
    r"\b(?:du wirst|sie werden|ihr werdet) (?:bald |demnächst |in kürze )?(?:einen anruf |eine (?:e-)?mail |post )?von",
    r"\bwunder(?:e|n sie) (?:dich|sich) nicht,? wenn",
    # French
    r"\b(?:tu vas|vous allez) (?:bientôt |sans doute )?(?:recevoir un (?:appel|coup de fil|mail|message)"
    r"|avoir des nouvelles) (?:de|d['’])",
    r"\b(?:tu seras|vous serez|tu vas être|vous allez être) (?:bientôt )?(?:contactée?s?|appelée?s?) par",
    # Spanish
    r"\b(?:recibirás|vas a recibir|recibirá|va a recibir) (?:pronto )?(?:una llamada|un (?:correo|mensaje|email))"
    r" de",
    r"\b(?:te|le|os) (?:llamará|contactará|escribirá|va a (?:llamar|contactar|escribir))",
    r"\bse (?:pondrá|va a poner) en contacto (?:contigo|con usted)",
    # Dutch
    r"\b(?:je|jij|u) (?:krijgt|gaat) (?:binnenkort |straks )?(?:een )?(?:telefoontje|belletje|mailtje|bericht"
    r"|mail) (?:krijgen )?van",
    r"\b(?:je|jij|u) (?:hoort|gaat horen) (?:binnenkort |snel )?van",
    r"\b(?:je|u) (?:wordt|zal worden) (?:binnenkort |straks )?(?:gebeld|gemaild|benaderd) door",
    # Italian
    r"\b(?:riceverai|riceverà) (?:a breve |presto )?(?:una (?:chiamata|telefonata|mail|email)|un (?:messaggio"
    r"|email)) da",
    r"\b(?:ti|la|vi) (?:chiamerà|contatterà|scriverà)",
    r"\bsi metterà in contatto con (?:te|lei|voi)",
    r"\b(?:sarai|sarà) (?:presto )?(?:contattat[oa]|chiamat[oa]) da",
)
# The writer asked the named person to call: "I've asked Kirk to call you".
_ASKED = (
    (r"\b(?:asked|told|encouraged|suggested to|advised)",
     r"to (?:give you a (?:call|ring|buzz|shout)|drop you a (?:line|note)|(?:call|contact|email|e-mail|ring|phone"
     r"|text|get in touch with|reach out to) you)\b"),
    (r"\b(?:habe|hab|bat)",
     r"(?:gebeten|gesagt),? (?:(?:dich|sie|euch) (?:anzurufen|zu kontaktieren)|sich (?:bei (?:dir|ihnen|euch) )?"
     r"zu melden)"),
    (r"\b(?:demandé|dit|conseillé|proposé) (?:à|a)", r"de (?:t['’]|vous )(?:appeler|contacter|écrire)"),
    (r"\b(?:pedido|pedí|dicho|dije) a", r"que (?:te|le|os) (?:llame|llamara|contacte|contactara|escriba|escribiera)"),
    (r"\b(?:heb|vroeg)", r"gevraagd (?:om )?(?:(?:je|jou|u) te (?:bellen|mailen|contacteren)|contact met (?:je|jou|u)"
     r" op te nemen)"),
    (r"\b(?:chiesto|detto) (?:a|ad)", r"di (?:chiamarti|contattarti|scriverti|chiamarla|contattarla|chiamarvi"
     r"|contattarvi)"),
)
# Who they are before the name: "A friend of mine, Kirk Olsen, will be calling you".
_FIRST_SAID = (
    r"(?<![\w'’-])(?i:" + _A_OR_MY + r")\s++(?:[a-zà-ÿ]+\s++)?(?i:" + _KIN + r")(?![\w'’-])"
    r"(?:\s++(?i:of (?:mine|ours)|von mir|von uns|à moi|mí[oa]|van (?:me|mij|ons)))?"
    r"[ \t]*+[,–—][ \t]*+" + _NAME + r"[ \t]*+[,–—]" + _WILL + r"[^.!?\n]{0,40}?" + _CALLS
)

# One regex per shape, each language an alternative: one pass over the text, not twenty-five. (A
# language's "asked" with another's "to call you" never occurs, so mixing them costs nothing.)
CALLER_NAMED = [
    # "contacted by Mr. Kirk Olsen": _NAME takes the title with the name (worker/mail/titles.py)
    re.compile(r"(?i:" + "|".join(_BEFORE_NAME) + r")\s*+" + _RELATION + _NAME, _U),
    re.compile(r"(?i:" + "|".join(before for before, _ in _ASKED) + r")\s++" + _RELATION + _NAME
               + r"\s++(?i:" + "|".join(after for _, after in _ASKED) + r")", _U),
    re.compile(_FIRST_SAID, _U),
]

# The contact handed over with the name before it: "I gave Anna your number" (English, Dutch; German's
# "ich habe Anna deine Nummer gegeben" is in language.GAVE_CONTACT).
GAVE_NAME_FIRST = [re.compile(
    r"(?i:\b(?:gave|given|give|sent|passed|texted|forwarded|heb|geef|gaf|stuur)\s++)" + _RELATION + _NAME
    + r"\s++(?i:(?:your|je|jouw|uw)\s++" + _CONTACT + r")\b", _U)]

# A person said who they are, wherever: "my neighbour Anna", "Anna Berg, my neighbour.", "Es Anna, una amiga".
PERSON_SAID = [re.compile(p, _U) for p in (
    _RELATION_WORDS + _NAME,
    _NAME + _WHO_IS + r"(?=[ \t]*+(?:[,.;:!)–—]|$))",
)]

# Words that make the capitalised words after them a thing, not a name: "Our Sales Team", "Ein Kollege",
# "Die Administration".
DETERMINERS = frozenset("""
The A An My Our Your Their His Her Its These Those Der Die Das Den Dem Ein Eine Einen Mein Meine Unser Unsere
Dein Deine Le La Les Un Une Mon Ma Mes Notre Votre Nos El Los Las Una Mi Nuestro Nuestra De Het Een Mijn Ons Onze
Il Lo Gli Mio Mia Nostro Nostra One Each Every Any Some All None Both Einer Keiner Chacun Alguno Uno Nessuno
""".split())
# Words a name does not start with, that may stand before one: greetings ("Hoi Dana"), days and months
# ("Monday will be fine"), and someone unnamed. A title alone is no name either (not_a_person).
GREETINGS = frozenset("""
Hi Hey Hello Hallo Hoi Dear Liebe Lieber Sehr Bonjour Bonsoir Salut Cher Chère Hola Querida Querido Estimada Estimado
Ciao Caro Cara Gentile Buongiorno Beste Geachte Goedemorgen Morning Good
""".split())
NOT_A_NAME = GREETINGS | frozenset("""
Monday Tuesday Wednesday Thursday Friday Saturday Sunday Tomorrow Today Tonight Montag Dienstag Mittwoch Donnerstag
Freitag Samstag Sonntag Morgen Heute January February March April June July August September October November
December Januar Februar März Juni Juli Oktober Dezember
Someone Somebody Anyone Nobody Everyone Everybody Jemand Niemand Alguien Iemand Qualcuno
""".split())
# The word before a name that makes it a noun: "der Kurier", "the Sales Team", "unser Vertrieb". Not the
# Romance and Dutch articles: "un appel de Kirk", "Anna de Vries", "la Maria" (Italian speech) name people.
_ARTICLE_BEFORE = re.compile(
    r"(?<![\w'’-])(?P<article>(?i:the|my|his|her|our|your|their|der|die|das|den|dem|des|ein\w*|kein\w*|mein\w*|dein\w*"
    r"|sein\w*|ihr\w*|unser\w*|euer|eure\w*|notre|votre|nos|vos"
    r"|nuestr[oa]s?|vuestr[oa]s?|ons|onze|nostr[oa]|vostr[oa]))[ \t]+$", _U)
# Spoken German puts the article before a first name ("die Anna ruft dich an", "dem Thomas hab ich deine Nummer
# gegeben"): a given name known to be one (given_names) stays a person after der, die, den, dem.
_NAME_ARTICLES = frozenset({"der", "die", "den", "dem"})


def _article_and_first_name(article: str, first: str) -> bool:
    return article.lower() in _NAME_ARTICLES and first in GIVEN_NAMES

# An elided article and a capitalised word before a name: "l'Ufficio Tecnico ti chiamerà" names an office (a name
# does not start right after "l'", language._START, so only "Tecnico" was left to read as one).
_ELIDED_BEFORE = re.compile(r"(?<![\w'’-])[lL]['’](?P<word>[A-ZÀ-ÖØ-Þ][\w'’-]*\.?)[ \t]+$", _U)


def not_a_person(name: str, before: str) -> str | None:
    """Why the words a pattern took for a name are no person's (None: they may be): `before` is the text
    just before them."""
    first = name.split()[0]
    if first in NOT_A_NAME or first in DETERMINERS:
        return f"{first!r} starts no one's name"
    if titles.is_title(first):
        return f"{first!r} is a title, not a name"
    if len(first) > 1 and first.isupper():
        return f"{first!r} is written like a company's name"
    article = _ARTICLE_BEFORE.search(before[-20:])
    if article is not None and not _article_and_first_name(article.group("article"), first):
        return f"{article.group(0).strip()!r} before it makes {name!r} a thing, not a person"
    elided = _ELIDED_BEFORE.search(before[-30:])
    if elided is not None and not titles.is_title(elided.group("word")):
        return f"{elided.group(0).strip()!r} before it makes {name!r} part of a thing's name, not a person"
    return None


# A call that is an errand, not a new customer: a delivery, a visit to a rented home, access.
ERRAND = re.compile(
    r"\b(?:deliver(?:y|ies)|arrival|parcel|package|shipment|pick-?up|(?:arrange|give|get) access|let (?:him|her|them)"
    r" in|(?:your|the) (?:flat|apartment|unit|tenancy|lease|rental)|meter reading"
    r"|lieferung|zustellung|paket|(?:deine|ihre|eure|der) (?:wohnung|mietwohnung)|mietvertrag|zählerstand"
    r"|livraison|colis|(?:ton|votre|l['’]) ?appartement|(?:ton|votre) logement|bail"
    r"|entrega|paquete|(?:tu|su) (?:piso|apartamento)|contrato de alquiler"
    r"|levering|bezorging|pakket|(?:je|jouw|uw|de) (?:woning|huurwoning|appartement)|huurcontract"
    r"|consegna|pacco|(?:tuo|suo|l['’]) ?appartamento|contratto d['’]affitto)\b", _I)

# A caller who is a service, not a person: "the courier will call you", "unser Vertrieb wird sich melden".
SERVICE_CALLER = re.compile(
    r"(?<![\w'’-])(?:the|our|your|their|a|der|die|das|unser\w*|ein|le|la|les|notre|votre|un|el|nuestr[oa]|de|het"
    r"|ons|onze|il|lo|nostr[oa]|someone from|jemand (?:von|aus)|quelqu['’]un (?:de|du)|alguien de|iemand van"
    r"|qualcuno d[ai])\s++(?:[\w-]+\s++){0,2}?(?:courier|driver|delivery|technician|engineer|fitter|installer|team"
    r"|department|office|support|helpdesk|service|bank|store|shop|branch|reception|it|hr|sales|admin|administrator"
    r"|administration|representative|rep|mitarbeiter(?:in)?|administrator(?:in)?|verwaltung"
    r"|kurier|fahrer|lieferdienst|techniker|monteur|vertrieb|kundendienst|abteilung|büro"
    r"|livreur|chauffeur|technicien|équipe|bureau|agence"
    r"|mensajero|repartidor|conductor|técnico|equipo|departamento|servicio|oficina"
    r"|koerier|bezorger|chauffeur|technicus|afdeling|klantenservice|kantoor|verkoopteam"
    r"|corriere|autista|tecnico|ufficio|servizio|reparto|assistenza)(?![\w'’-])[^.!?\n]{0,30}?" + _WILL, _I)

# A person named in one sentence, a pronoun calling in the next: "a client of mine, Julie Bernard, wants to sell her
# house. I gave her your details, she should call you this week." (user trial: filed for review, the name and the
# call were not in one sentence). The naming sentence says who they are before the name, between commas, or starts
# with the name and what they want:
_ONE_OF_MY = r"one of my|one of our|un de mes|une de mes|uno de mis|una de mis|uno dei miei|una delle mie|een van mijn"
_WANTS = (
    r"wants?|needs?|is looking|would like|plans?|möchte|will|sucht|braucht|plant|veut|cherche|souhaite|voudrait"
    r"|a besoin|quiere|busca|necesita|wil|zoekt|heeft .{0,20}nodig|vuole|cerca|ha bisogno"
)
NAMED_BEFORE_PRONOUN = [re.compile(p, _U) for p in (
    r"(?<![\w'’-])(?i:" + _ONE_OF_MY + "|" + _A_OR_MY + r")\s++(?:[a-zà-ÿ]+\s++)?(?i:" + _KIN + r")s?(?![\w'’-])"
    r"(?:\s++(?i:of (?:mine|ours)|von mir|von uns|à moi|mí[oa]|van (?:me|mij|ons)))?"
    r"[ \t]*+[,–—][ \t]*+" + _NAME + r"[ \t]*+[,–—]",
    r"^\s*+" + _RELATION + _NAME + r"\s++(?i:" + _WANTS + r")\b",
)]
# The pronoun that calls, in the sentence right after: a subject pronoun ("she", "elle", "sie", "ze"), or the
# verb alone where a language drops it ("te llamará", "ti chiamerà"). Not "they", "ils": more than one person.
# The words between skip no negation ("sie wird Sie nicht anrufen": trap_words.NOT_COMING as well).
_NOT_NEG = r"(?:(?!nicht\b|niet\b|not\b)\w+ )"
PRONOUN_CALLS = re.compile("|".join((
    r"\b(?:she|he)(?:['’]ll| will| should| may| might| is going to)? (?:probably |likely |soon )?(?:call|ring|phone"
    r"|e-?mail|text|contact|get in touch with|reach out to) you\b",
    r"\b(?:she|he)['’]ll (?:be|get) in touch\b",
    r"\b(?:elle|il) (?:va |devrait |doit |pourrait )?(?:t['’] ?|vous )(?:appeler|appellera|contacter|contactera"
    r"|écrire|écrira)\b",
    r"\b(?:sie|er) (?:wird|sollte|müsste|dürfte|möchte|will) (?:dich|sie|euch) " + _NOT_NEG + r"{0,3}?(?:anrufen"
    r"|kontaktieren)\b",
    r"\b(?:sie|er) (?:wird|sollte|möchte|will) sich " + _NOT_NEG + r"{0,3}?melden\b",
    r"\b(?:sie|er) (?:ruft (?:dich|sie|euch)|meldet sich) " + _NOT_NEG + r"{0,3}?(?:an|bei (?:dir|ihnen|euch))\b",
    r"\b(?:te|le) (?:llamará|contactará|va a llamar|debería llamar)\b",
    r"\b(?:debería|va a) (?:llamarte|llamarle|contactarte|contactarle)\b",
    r"\b(?:ti|la|vi) (?:chiamerà|contatterà|dovrebbe chiamare)\b", r"\bdovrebbe (?:chiamarti|contattarti)\b",
    r"\b(?:ze|zij|hij) (?:belt|mailt) (?:je|u)\b",
    r"\b(?:ze|zij|hij) (?:zal|gaat|zou) (?:je|u) " + _NOT_NEG + r"{0,3}?(?:moeten )?(?:bellen|mailen|contacteren)\b",
)), _I)
# Other people in the naming sentence make the pronoun ambiguous: a first and last name ("Marc Petit"), a person
# said who they are ("her husband Marc"), a known given name. German capitalises nouns, so a word alone is no one.
OTHER_PERSON = re.compile(
    r"(?<![\w'’-])[A-ZÀ-ÖØ-Þ][\w'’-]++[ \t]++[A-ZÀ-ÖØ-Þ][\w'’-]++|" + _RELATION_WORDS + _NAME, _U)
# The greeting on its own line before the naming sentence, with no blank line after it ("Hi Dana,\na client of
# mine, Julie Bernard, wants …"): Dana is spoken to, not another person the pronoun may be.
GREETING_LINE = re.compile(r"^\s*+(?:" + "|".join(sorted(GREETINGS)) + r")\b[^\n.!?]{0,60},[ \t]*+\n", _U)
