"""The words that mark an introduction, a heads-up or an auto-reply, in the languages we read.

Kept as data so a new language is a few lines here, not a change to the classifier.
"""
import re
from collections.abc import Sequence

from worker.classify.trap_words import ASKS_TO_INTRODUCE, MEETINGS, NOT_MADE, REQUESTS, WOULD_HAVE
from worker.mail import titles
from worker.mail.flowed import rejoin

_I = re.IGNORECASE | re.UNICODE
_CAP = r"[A-ZÀ-ÖØ-Þ]"

# What "you should meet" / "please meet" is not followed by when it means a person: "you must meet the
# deadline", "please meet me in the lobby", "you should meet at 10".
_MEET_SOMEONE = (
    r"(?! (?:the|a|an|your|our|its|their|these|those|this|that|all|any|every|some|me|us|at|on|in|by|before"
    r"|after|outside|downstairs|here|there|tomorrow|today|tonight|next|monday|tuesday|wednesday|thursday|friday"
    r"|saturday|sunday|deadlines?|requirements?|criteria|expectations|standards?|targets?|goals?|needs?)\b)"
)
# Language that on its own says "I am introducing you to each other".
STRONG_INTRO = [re.compile(p, _I) for p in (
    # English
    r"\bintroduc(?:e|es|ed|ing|tion)\b", r"\be-?intro(?:duction)?\b", r"\bintro(?:ing)?\b(?!spect)",
    r"\bconnect(?:ing)? (?:you|the two of you|you both|you two)\b",
    r"\b(?:put|putting) you (?:two |both )?in touch\b",
    # Those who should meet are "you": "you two should meet", "I'd like you to meet Anna", "please meet Anna" —
    # not a bare "to meet" ("I proposed to meet with him" is a plan), not "we should meet next week" (the
    # writer meets them: trap_words.MEETINGS), not "the driver should meet the requirements" (issue 14).
    r"\b(?:you two|you both|you guys|you all|both of you|the two of you)(?: \w+){0,2}? meet\b",
    r"\b(?:you(?: really| definitely| absolutely| simply| probably| certainly| totally| just)?"
    r" (?:should|must|ought to|need to|have to|gotta)|(?:want|wanted|like|love for) you to|please)"
    r"(?: really| definitely| absolutely| simply| both| all| finally)? meet\b" + _MEET_SOMEONE,
    r"\bthought you (?:two |both )?(?:should|might|could|would) (?:connect|meet|get to know)\b",
    r"\b(?:for|want) you (?:two|both) to (?:connect|meet|get to know)\b",
    r"\byou (?:two|both) should (?:connect|get to know)\b",
    r"\bmeet each other\b", r"\bknow each other\b",
    # The introducer stepping out: "I'll let you two take it from here".
    r"\blet you (?:two|both|guys) take it from (?:here|there)\b",
    # German
    r"\bvor(?:zu)?stellen\b", r"\bstelle (?:ich )?(?:euch|ihnen|dir|sie) .{0,60}?vor\b",
    r"\bbekannt ?(?:zu )?machen\b", r"\bkennen ?(?:zu ?)?lernen\b", r"\bin kontakt (?:zu )?bringen\b",
    r"\bvernetzen\b",
    # French
    r"\bpr[ée]sent(?:e|er|erai|é|ée|ons)\b", r"\bmettre en (?:relation|contact)\b",
    r"\bmets en (?:relation|contact)\b", r"\bfaire connaissance\b",
    # Spanish
    r"\bpresent(?:o|ar|aros|arte|aros|arles|arte)\b", r"\bpong(?:o|amos) en contacto\b",
    r"\bponer(?:os|les|te)? en contacto\b", r"\bconozc(?:áis|an|as)\b",
    # Dutch
    r"\bvoor te stellen\b", r"\bstel (?:ik )?(?:jullie|u|je) .{0,60}?voor\b",
    r"\baan elkaar voor(?:stellen)?\b", r"\bkennismaken\b",
    r"\bbreng (?:ik )?(?:jullie|je|u) .{0,40}?in contact\b", r"\bkennis (?:laten )?maken\b",
    r"\bin contact (?:te )?brengen\b", r"\beven voorstellen\b",
    # Italian
    r"\bpresent(?:arvi|arti|arle|are|o)\b", r"\bmettervi in contatto\b", r"\bmettere in contatto\b",
    r"\bconoscervi\b",
)]
# Case matters here: "Alice, meet Bob." in any language that borrows it.
# Also "Lucy - meet Dana!" and "Lucy: meet Dana" as people type them on a phone.
# "Anna and Sam should meet": two names (or "you and Sam") who should meet, said of them.
STRONG_INTRO_CASED = [
    re.compile(rf"\b{_CAP}\w+(?:,| ?[-–—:]) meet {_CAP}"),
    re.compile(rf"\b(?:you|{_CAP}\w+) (?:and|&) {_CAP}\w+ (?:really |definitely |simply )?(?:should|must)"
               rf"(?: really| definitely| absolutely)? meet\b" + _MEET_SOMEONE),
]

# Softer hints: enough for a human to look, not enough to log on their own.
WEAK_INTRO = [re.compile(p, _I) for p in (
    r"\byou (?:two|both) should (?:talk|chat|connect|speak)\b", r"\blooping in\b",
    r"\bthought you (?:two |both )?(?:should|might|could) (?:connect|talk)\b",
    r"\bcc'?(?:ing|'d)\b", r"\bsollten (?:euch|sich) (?:mal )?(?:austauschen|unterhalten)\b",
    r"\bdevriez (?:vous )?parler\b", r"\bdeberíais hablar\b", r"\bmoeten (?:eens )?praten\b",
    r"\bheads.?up\b", r"\brecommend(?:ed)?\b",
    r"\b(?:leave|let) you (?:two|both) to it\b", r"\bover to you (?:two|both)\b",
    r"\bin (?:cc|kopie) (?:genommen|gesetzt)\b", r"\b(?:mis|mets|mettre) [^.\n]{0,40}?en copie\b",
    r"\ben copia\b", r"\bin (?:de )?cc (?:gezet|gedaan)\b", r"\bin copia\b",
)]

# A name starts at a word's start, and each of its words and each run of spaces is taken whole
# (possessive `++`): with backtracking, 100k letters took minutes, and 50k newlines after a
# name (split between two adjacent `\s*`) half a minute.
# A title may come first ("à mon client M. Antoine Garnier", "ich habe Frau Dr. Weber …"): it is part of the
# name found, and rules._person decides what of it to keep (worker/mail/titles.py).
# A name starts where no word goes on; a title may follow an elided article ("l'Avv. Rossi La contatterà", "all'ing.
# Bianchi"), a name without one not ("l'Ufficio Tecnico": heads_up_words.not_a_person).
_START = r"(?:(?<![\w'’-])|(?<=[lL]['’])(?=" + titles.PATTERN + r"\s))"
_NAME = (rf"{_START}(?P<name>(?:{titles.PATTERN}\s++){{0,3}}"
         rf"{_CAP}[\w'’-]++(?:\s++(?:van |de |von |da |del |le )?{_CAP}[\w'’-]++){{0,2}})")
# Whose person it is: "my", "meinem", "ma", "il mio" …
_MY_WORDS = r"my|our|meine?[mnr]?|unsere?[mnr]?|mon|ma|mi|mijn|onze|la mia|il mio|mio|mia"
_MY = r"(?i:" + _MY_WORDS + r")"
# The trades people pass a contact to or hear from, in each language: "my plumber Luis" is the one who
# does the work ("Hi Dana, my plumber Luis will call you about your leak": Dana is the client).
TRADES = (
    # English
    r"plumber|electrician|accountant|bookkeeper|tax (?:advisor|adviser|accountant)|financial (?:advisor|adviser"
    r"|planner)|lawyer|attorney|solicitor|architect|builder|contractor|roofer|carpenter|joiner|painter|decorator"
    r"|gardener|landscaper|cleaner|mechanic|dentist|doctor|therapist|physio(?:therapist)?|osteopath|vet"
    r"|(?:mortgage |insurance )?broker|realtor|estate agent|photographer|(?:web |graphic )?designer|developer"
    r"|coach|consultant|tutor|translator|notary|handyman|locksmith|hairdresser|tiler"
    # German
    r"|klempner(?:in)?|installateur(?:in)?|elektriker(?:in)?|steuerberater(?:in)?|buchhalter(?:in)?|anwalt"
    r"|anwältin|rechtsanwalt|rechtsanwältin|architekt(?:in)?|handwerker(?:in)?|maler(?:in)?|gärtner(?:in)?"
    r"|schreiner(?:in)?|tischler(?:in)?|dachdecker(?:in)?|mechaniker(?:in)?|zahnarzt|zahnärztin|ärztin|arzt"
    r"|(?:physio)?therapeut(?:in)?|(?:finanz|steuer)?berater(?:in)?|makler(?:in)?|fotograf(?:in)?|übersetzer(?:in)?"
    r"|notar(?:in)?|friseur(?:in)?|fliesenleger(?:in)?"
    # French
    r"|plombier|plombière|électricien(?:ne)?|(?:expert-)?comptable|avocate?|notaire|architecte|menuisier|menuisière|peintre"
    r"|jardinière?|jardinier|couvreur|mécanicien(?:ne)?|dentiste|médecin|kiné(?:sithérapeute)?|ostéo(?:pathe)?"
    r"|thérapeute|conseill(?:er|ère)(?: financi(?:er|ère))?|courtière?|courtier|agent immobilier|photographe"
    r"|graphiste|développeu(?:r|se)|consultante?|tradu(?:cteur|ctrice)|artisan|maçon|carreleur|coiffeu(?:r|se)"
    # Spanish
    r"|fontaner[oa]|plomer[oa]|electricista|contador(?:a)?|contable|gestor(?:a)?|asesor(?:a)?(?: fiscal)?"
    r"|abogad[oa]|arquitect[oa]|carpinter[oa]|pintor(?:a)?|jardiner[oa]|mecánic[oa]|médic[oa]"
    r"|fisio(?:terapeuta)?|terapeuta|fotógraf[oa]|diseñador(?:a)?|consultor(?:a)?|traductor(?:a)?|notari[oa]"
    r"|albañil|peluquer[oa]"
    # Dutch
    r"|loodgieter|elektricien|boekhouder|advocaat|notaris|aannemer|timmerman|schilder|hovenier|tuinman|monteur"
    r"|tandarts|huisarts|dokter|fysio(?:therapeut)?|therapeut|(?:belasting|financieel )?adviseur|makelaar"
    r"|fotograaf|ontwerper|vormgever|vertaler|kapper|klusjesman|dakdekker"
    # Italian
    r"|idraulic[oa]|elettricista|commercialista|contabile|avvocat[oa]|notaio|architett[oa]|falegname|imbianchino"
    r"|pittore|giardiniere|meccanico|dentista|medico|fisioterapista|consulente|agente immobiliare|fotograf[oa]"
    r"|grafic[oa]|tradu(?:ttore|ttrice)|muratore|parrucchier[ea]|geometra"
)
# Who a person is to the writer: "friend", "Nachbarin", "collègue" … or their trade.
_KIN = (
    r"friend|colleague|client|neighbou?r|partner|sister|brother|cousin|wife|husband|daughter|son|acquaintance"
    r"|freundin|freund|kollegin|kollegen|kollege|nachbarin|nachbarn|nachbar|kundin|kunden|partnerin|schwester|bruder"
    r"|bekannte[rn]?|amie?|collègue|voisine?|cliente?|connaissance|amig[oa]|colega|vecin[oa]|conocid[oa]|vriendin"
    r"|vriend|collega|buurvrouw|buurman|klant|kennis|amica|amico|vicin[oa]|conoscente"
    r"|" + TRADES
)
_RELATION_WORDS = r"(?:" + _MY + r" (?:good |dear |guten |lieben |trusted |old )?(?i:" + _KIN + r")(?:,)?\s++)"
_RELATION = _RELATION_WORDS + "?"
# "Luis, my plumber, will call you", "Anna Berg, eine Bekannte von mir, …", "Kirk, who runs the bakery,":
# who the named person is, between commas (or dashes, brackets) after the name. The closing mark is
# needed: "Luis, my plumber will call you" speaks to Luis.
_A_OR_MY = (
    _MY_WORDS + r"|a|an|the|ein|eine|einen|un|une|una|uno|een|un mio|una mia|un mio|la nostra|il nostro"
)
_WHO_IS = (
    r"[ \t]*+[,(–—][ \t]*+(?:(?i:" + _A_OR_MY + r")\s++(?:[a-zà-ÿ]+\s++)?(?i:" + _KIN + r")(?![\w'’-])"
    r"(?:\s++(?i:of (?:mine|ours)|von mir|von uns|à moi|de (?:mí|mi familia)|mí[oa]|van (?:me|mij|ons)|mi[oa]))?"
    r"(?:\s++(?:from|of|at|von|vom|de|du|van|di|da|bei)\s++[^,;:!?()\n]{1,40}?)?"
    r"|(?i:who|whom|der|die|qui|que|quien|che)\s++[^,;:!?()\n]{1,60}?)"
)
_APPOSITIVE = r"(?:" + _WHO_IS + r"[ \t]*+[,)–—])?"
# Spaces with at most one line break: a hard-wrapped sentence goes on, a blank line ends it
# ("Hoi Dana,\n\nde koerier belt je" names no "Dana" from "de koerier").
_SP = r"[ \t]*+(?:\n[ \t]*+)?"
_FROM = (
    r"(?:" + _SP + r"(?:\(|,)?" + _SP + r"(?:from|of|at|von|vom|de|du|van|di|da|bei)[ \t]++[^,;:!?\n]{1,40}?\)?,?)?"
    r"(?:" + _SP + r"\([^)\n]{0,60}\),?)?"  # "(the shop on Main Street)"
)
_WILL = (
    r"\s++(?i:will|may|might|is going to|should|could|wird|werden|kann|va|vous|te|t'|se|neemt|zal"
    r"|gaat|ti|la|le|vi|si|belt|mailt|meldet|ruft)\b"
)
# "I spoke with Jim Alexander today who should be in touch with you tomorrow" (real Enron mail): when
# the writer met them, then who, before what they will do.
_MET_WHO = (
    r"(?:\s*+,?\s*+(?<!\w)(?i:today|yesterday|this morning|this afternoon|last week|earlier))?"
    r"(?:\s*+,?\s*+(?<!\w)(?i:who|and (?:he|she|they)))?"
)
# What a heads-up says the named person will do: call, write, get in touch.
_CALLS = r"(?:" + "|".join((
    r"call|contact|reach(?:ing)? out|get(?:ting)? in touch|be in touch|email|ring|phone"
    r"|drop you a line",
    r"melden|anrufen|kontaktieren|kontakt|(?<=\bmeldet )sich|(?<=\bruft )(?:dich|sie|euch)\b",
    r"contacter|contactera|appeler|appellera|écrire",
    r"contactar|contactará|llamar|llamará|pondrá en contacto|escribir",
    r"contact (?:met|op)|bellen|mailen|(?<=\bbelt )(?:je|u)\b|(?<=\bmailt )(?:je|u)\b",
    r"contatter|contatterà|chiamare|chiamerà|scriver|metterà in contatto",
)) + r")"
# A named person who will get in touch: "Julia Park from XYZ may call you", "Luis, my plumber, will call
# you". Up to 40 characters to the verb, in one sentence: "Monday will be fine. I will call you" names no one.
HEADS_UP_NAMED = re.compile(
    _START + _RELATION + _NAME + _APPOSITIVE + _FROM + _MET_WHO + _WILL + r"[^.!?\n]{0,40}?" + _CALLS,
    re.UNICODE,
)

# "before Governor Tony Knowles from Alaska calls you": the call is coming, whoever makes it.
HEADS_UP_BEFORE = re.compile(
    r"(?i:\bbefore)\s++" + _NAME + _FROM + r"\s++(?i:calls|contacts|emails|e-mails|rings|phones|reaches out to"
    r"|gets in touch with|writes to) you\b", re.UNICODE,
)

# Heads-up language without a clear name.
HEADS_UP_HINT = [re.compile(p, _I) for p in (
    r"\b(?:gave|give|passed|shared|forwarded|sent) (?:him|her|them) your (?:number|email|details|contact|info)",
    r"\b(?:gebe|gab|habe|hab|schicke) (?:ihr|ihm|ihnen) (?:deine|ihre|eure|deine) (?:kontaktdaten|nummer"
    r"|telefonnummer|e-mail|mail|adresse|daten)\b",
    r"\b(?:je )?lui (?:ai )?(?:donné|donne|transmis|transmets|passé|passe) (?:tes|vos|ton|votre) (?:coordonnées"
    r"|numéro|mail|e-mail|contact)",
    r"\ble (?:he dado|di|doy|paso|he pasado) (?:tus?|sus?) (?:datos(?: de contacto)?|contacto|número|teléfono|correo"
    r"|email|e-mail)\b",  # tú's "tu número" and usted's "su número"
    r"\b(?:ik )?(?:heb|geef|gaf|stuur) (?:haar|hem) (?:je|jouw|uw) (?:gegevens|nummer|contactgegevens|e-mail"
    r"|mailadres)\b",
    r"\b(?:le|gli) (?:ho dato|ho passato|do|passo) il tuo (?:contatto|numero|recapito|indirizzo)\b",
    r"\bi (?:have )?(?:recommended|referred) you\b", r"\bexpect (?:a call|an email|to hear)\b",
    r"(?<!\bi )(?<!\bwe )\bwill (?:get in touch|reach out|call you|contact you|be in touch)\b",  # not the writer
    r"\b(?:he|she|they)(?:['’]ll| will| should| may| might| is going to| are going to)"
    r" (?:probably |likely |soon )?(?:call|ring|phone|email|e-mail|text|contact) you\b",
    r"\b(?:he|she|they)['’]ll (?:be|get) in touch\b",
    r"\b(?:er|sie) (?:wird|werden|sollte|sollten|müsste|dürfte) (?:dich|sie|euch) (?:\w+ ){0,3}?(?:anrufen"
    r"|kontaktieren)\b",
    r"\b(?:il|elle) (?:va |devrait |doit |pourrait )?(?:t['’] ?|vous )(?:appeler|appellera|contacter|contactera)\b",
    r"\b(?:te|le) (?:llamará|va a llamar|debería llamar)\b", r"\b(?:debería|va a) (?:llamarte|llamarle)\b",
    r"\b(?:hij|zij|ze) (?:belt|mailt) (?:je|u)\b", r"\b(?:hij|zij|ze) (?:zal|gaat|zou) (?:je|u) (?:\w+ ){0,3}?"
    r"(?:moeten )?(?:bellen|mailen)\b",
    r"\bti (?:chiamerà|dovrebbe chiamare)\b", r"\bdovrebbe (?:chiamarti|contattarti)\b",
    r"\bwird sich (?:bei (?:dir|ihnen|euch) )?melden\b", r"\bhabe (?:dich|sie|euch) empfohlen\b",
    r"\b(?:vous|te) contacter(?:a)?\b", r"\bje (?:vous|t)'?ai recommandée?\b",
    r"\bse pondrá en contacto\b", r"\bte (?:he|ha) recomendado\b",
    r"\bneemt (?:binnenkort )?contact (?:met (?:je|u) )?op\b", r"\bheb (?:je|u) aanbevolen\b",
    r"\bti contatterà\b", r"\bti ho raccomandato\b",
)]

# Strong words where they are no intro: a request for one, an offer, thanks for one, a sender
# introducing themself or a product. A strong cue inside one of these does not count.
NOT_AN_INTRO = [re.compile(p, _I) for p in (
    r"\b(?:could|can|would|will) you (?:please |kindly |possibly )?(?:introduce|connect|put) (?:me|us)\b",
    r"\b(?:introduce|connect) (?:me|us) (?:to|with)\b",
    r"\b(?:love|like|appreciate|grateful for|get|ask(?:ing)? for|request(?:ing)?) (?:an|a|the|your) (?:warm |quick )?"
    r"(?:e-?)?intro(?:duction)?\b",
    r"\b(?:want|would you like|shall i|should i|do you want|happy|glad|i can|i could)(?: me)? (?:to )?(?:introduce"
    r"|connect|put) you\b[^.!?\n]{0,80}\?",
    r"\b(?:happy|glad) to (?:introduce|connect) you\b[^.!\n]{0,60}\b(?:if|let me know|just say)\b",
    r"\blet me know if you(?:'d|’d| would)? (?:like|want) (?:me to (?:introduce|connect)|an? (?:e-?)?intro)",
    r"\bif you(?:'d|’d| would)? like,? i (?:can|could|would be happy to) (?:introduce|connect)\b",
    # An offer with no question mark: "I can put you in touch with the guys there" (real Open MPI list
    # mail, to the asker and the list) — no one on the mail is introduced, the people offered are elsewhere.
    r"\bi (?:can|could|(?:would|'d|’d) be (?:happy|glad) to) (?:introduce|connect|put) you (?:two |both )?"
    r"(?:in touch )?(?:to|with) (?:the|some|someone|somebody|people|folks|them|him|her|a|an|one|my|our|their"
    r"|his|anyone|whoever)\b",
    r"\bthanks?(?: you)?(?: so much| again| very much)? for (?:the|your|this|making the|making this) (?:kind |warm "
    r"|great |e-?)?(?:intro(?:duction)?|connection)\b",
    r"\bthanks?(?: you)?(?: so much| again)? for (?:introducing|connecting) (?:us|me)\b",
    r"\b(?:danke|vielen dank)(?: dir| euch| ihnen)? für die (?:vorstellung|vermittlung|empfehlung)",
    r"\bmerci (?:beaucoup )?pour (?:la|cette) (?:mise en relation|présentation)",
    r"\bgracias por (?:la|tu) presentación", r"\bbedankt voor (?:de|je) (?:introductie|voorstelling)",
    r"\bgrazie per la presentazione",
    r"\bintroduc(?:e|ing) (?:myself|ourselves)\b", r"\bmich (?:kurz |gerne |gern )?vor(?:zu)?stellen\b",
    r"\bme présenter\b", r"\bpresentarme\b", r"\b(?:mezelf|mij) (?:even |graag )?voor(?:te)?stellen\b",
    r"\bpresentarmi\b",
    r"\bintroduc(?:e|es|ed|ing) (?:our|its|their) (?!friend|colleague|client|partner|founder)",
    r"\bintroduc(?:e|es|ed|ing) (?:the |a |an )?(?:new|latest|all-new|next)\b",
    # "an Intro to TurboPark meeting" (Enron, to four colleagues) names a briefing, not a person; the
    # words between may not be "before the", so "an intro to Anna before the meeting" stays an intro.
    r"\bintro(?:duction)? to\s+(?:(?!(?:before|after|at|for|in|during|on|next|this|the|a|an|our|your|my|and"
    r"|with)\b)\w[\w&.'-]*\s+){1,3}(?:meeting|session|course|class|presentation|training|workshop|webinar"
    r"|seminar|lecture)s?\b",
    # "introduce" of a thing, not a person (real kernel mail: "This patch introduces a helper to set
    # virtqueue MSI vector", subject "virtio-pci-modern: introduce vp_modern_set_queue_vector()"):
    # what a patch, commit or release brings in, a code name, a bug and when it came in.
    r"\b(?:patch|patches|commit|change|changeset|series|version|release|update|fix|refactor(?:ing)?|driver"
    r"|code|api|feature|kernel|merge|pr|pull request)(?:es|s)?\s+(?:also\s+|then\s+|now\s+)?introduc(?:e|es|ed|ing)\b",
    r"\bintroduc(?:e|es|ed|ing)\s+(?:a |an |the |new |some |two |several )*(?:[\w-]+\s+)?(?:helpers?|functions?"
    r"|macros?|regressions?|bugs?|variables?|fields?|flags?|options?|parameters?|apis?|interfaces?|structs?|checks?"
    r"|configs?|support|races?|leaks?|warnings?|dependenc(?:y|ies)|methods?|class(?:es)?|types?|tests?|mechanisms?"
    r"|callbacks?|wrappers?|hooks?|locks?|modules?|properties|property|attributes?|constants?|ioctls?|commands?"
    r"|overhead|latency|breakage|deadlocks?)\b",
    r"\bintroduc(?:e|es|ed|ing)\s+[\w.:>-]*(?:_\w|\(\))",  # a code name: vp_modern_set_queue_vector()
    r"\bintroduced (?:in|by|with|since|via) (?:commit|v?\d|version|patch|the (?:patch|commit|change))",
    # Thanks for being brought in ("Thanks for cc'ing me (I'm still on holiday …)", real lkml mail): the
    # newcomer answering a cc-intro, not a new one.
    r"\bthanks?(?: you)?(?: so much| again)? for (?:cc['’]?(?:ing|'?ing)|copying|looping|adding|including"
    r"|bringing|pulling|roping) (?:me|us)\b(?: in(?:to [^.!?\n]{0,40})?)?",
)]

# "my plumber Luis", "Luis, my plumber", "meine Steuerberaterin Marta", "Marta, la mia commercialista": the
# named person does the work — a heads-up's newcomer who is the provider, the one recipient their client.
_TRADE = r"(?i:(?:" + TRADES + r"))(?![\w'’-])"
PROVIDER_NAMED = [re.compile(p, re.UNICODE) for p in (
    r"(?<![\w'’-])" + _MY + r"\s++(?:[a-zà-ÿ]+\s++)?" + _TRADE + r",?\s++" + _NAME,
    _NAME + r"\s*+[,(–—-]\s*+(?i:" + _MY_WORDS + r"|the|a|an|der|die|le|la|el|de|il|un|une|una|een)\s++"
    r"(?:[a-zà-ÿ]+\s++)?" + _TRADE,
)]
# The one recipient of a heads-up said to need something ("you were looking for a plumber", "du suchst
# eine Steuerberaterin"): they are the client. Looking for clients or work is a provider's need.
_NOT_WORK = (
    r"(?!(?:new |more |some )?(?:clients|customers|work|business|leads|referrals|projects|jobs|hand|minute"
    r"|kunden|aufträge|arbeit|travail|clientes|trabajo|klanten|werk|opdrachten|clienti|lavoro)\b)[\w'’-]+"
)
CLIENT_NEEDS = [re.compile(p + _NOT_WORK, _I) for p in (
    r"\byou(?:['’]re| are| were| have been)? (?:still )?(?:looking|searching) for (?:an? |some )?",
    r"\byou (?:need|needed|asked (?:me )?(?:for|about)) (?:an?|some|someone|somebody) (?:good |new )?",
    r"\b(?:du (?:suchst|brauchst)|sie (?:suchen|brauchen)|ihr (?:sucht|braucht)) (?:noch )?(?:eine?n?|jemanden) ",
    r"\b(?:tu cherches|vous cherchez|tu as besoin d['’]|vous avez besoin d['’])\s*+(?:une? )",
    r"\b(?:buscas|necesitas|estás buscando|usted busca|usted necesita) (?:a )?(?:una?|alguien) ",
    r"\b(?:je zoekt|je zocht|jij zoekt|u zoekt|zoek je|zocht je) (?:nog )?(?:een|iemand) ",
    r"\b(?:cerchi|stai cercando|hai bisogno d[ie]) (?:ancora )?(?:una? |un['’]|qualcuno )",
)]
# Words that say the one who needs something is the recipient, not the newcomer ("if you need anything").
YOU = re.compile(
    r"\b(?:you|your|du|dich|dir|dein\w*|tu|toi|vous|votre|vos|ton|ta|tes|te|t['’]|ti|tuo|tua|tuoi|usted|tú"
    r"|jij|je|jou|jouw|u)\b", _I)
# "Let me introduce you to my friend Anna" to one person: a named newcomer who is not on the mail.
INTRO_NAMED = [re.compile(p, re.UNICODE) for p in (
    r"(?i:\bintroduc(?:e|ing) you (?:to|with))\s++" + _RELATION + _NAME,
    r"(?i:\b(?:dir|euch|ihnen|sie)(?:\s++(?:gern|gerne|mal|kurz))?)\s++" + _RELATION + _NAME
    + r"\s++(?i:vor(?:zu)?stellen|vor)\b",
    r"(?i:\b(?:te|vous) présenter)\s++" + _RELATION + _NAME,
    r"(?i:\b(?:te|le|os) presento a|\bpresentart?e a|\bpresentaros a)\s++" + _RELATION + _NAME,
    r"(?i:\b(?:je|u|jullie) (?:graag )?(?:voorstellen aan|voor aan))\s++" + _RELATION + _NAME,
    r"(?i:\b(?:presentarti|presentarvi|ti presento|vi presento))\s++" + _RELATION + _NAME,
)]

# "I gave your number to my neighbor Luis": the one recipient's contact passed on to a named newcomer, who
# will get in touch — a heads-up. The name after the words, or (German, Dutch) between them.
_CONTACT = (
    r"(?:(?:phone |mobile |cell )?(?:number|email|e-mail|address|details|contact(?: details| info)?|info|card)"
    r"|(?:telefon|handy)?nummer|kontaktdaten|adresse|numéro|coordonnées|mail|número|teléfono|contacto|correo"
    r"|datos(?: de contacto)?"
    r"|(?:telefoon)?nummer|(?:contact)?gegevens|mailadres|numero|contatto|recapito|indirizzo)"
)
CONTACT_WORD = re.compile(r"\b" + _CONTACT + r"\b", _I)
GAVE_CONTACT = [re.compile(p, re.UNICODE) for p in (
    r"(?i:\b(?:gave|given|give|passed|shared|forwarded|sent|handed)(?: on| along| over)? your "
    + _CONTACT + r"(?: on| along| over)? to)\s++" + _RELATION + _NAME,
    # "ich hab dem Thomas deine Nummer gegeben": spoken German's article before a name (heads_up_words.not_a_person)
    r"(?i:\b(?:habe|hab|gebe|gab)\s++(?:(?:der|dem)\s++)?)" + _RELATION + _NAME
    + r"\s++(?i:(?:schon |mal |gerade )?(?:deine|ihre|eure) "
    + _CONTACT + r")",
    r"(?i:\b(?:donné|passé|transmis|filé|refilé|envoyé) (?:ton|votre|tes|vos) " + _CONTACT + r" à)\s++"
    + _RELATION + _NAME,
    # "a la Dra. Gómez", "al Sr. Ruiz": Spanish puts an article before a title
    r"(?i:\b(?:di|he dado|pasé|he pasado|doy|paso|envié|he enviado) (?:tus?|sus?) " + _CONTACT
    + r" (?:a|al)(?: la)?)\s++"  # usted's "su número al Sr. Olsen" beside tú's "tu número"
    + _RELATION + _NAME,
    r"(?i:\b(?:je|jouw|uw) " + _CONTACT + r" (?:doorgegeven |gegeven |gestuurd )?aan)\s++" + _RELATION + _NAME,
    r"(?i:\b(?:dato|passato|girato|mandato|inoltrato) il tuo " + _CONTACT + r" (?:(?:a|ad|al|alla)\s++|all['’]))"
    + _RELATION + _NAME,  # "all'Avv. Rossi": the article elided before a title
)]

# "Sarah, this is Dana, my bookkeeper": one person on the mail presented to another by name, with no word
# "introduce". Both names must be people on the mail (worker/classify/rules.py, named_intro), so "Hi Bob,
# this is Anna from Acme" from Anna herself is no intro.
_SAYS_THIS_IS = (
    r"(?i:this is|here(?:['’]s| is)|das ist|hier ist|voici|c['’]est|este es|esta es|dit is|hier is|questo è"
    r"|questa è|ecco|lei è|lui è)"
)
# A title may come first: "Frau Hoffmann, das ist Herr Richter" (rules._recipient_named reads it).
_FIRST = r"(?<![\w'’@.-])(?P<{g}>(?:" + titles.PATTERN + r"\s++){{0,2}}" + _CAP + r"[\w'’-]*\w)"
PRESENTED = [re.compile(p, re.UNICODE) for p in (
    # "Sarah, this is Dana" / "Sarah - here's Dana"; not "Dana, this is Sam's (Sam Ortiz's) first week"
    _FIRST.format(g="a") + r"\s*+(?:,|:|\s[-–—])\s*+" + _SAYS_THIS_IS + r"\s++" + _FIRST.format(g="b")
    + r"(?![\w'’])(?<!['’]s)(?!\s++" + _CAP + r"[\w-]*['’]s\b)",
    # "here's Dana, the bookkeeper I mentioned" (whoever it is said to): a description must follow
    r"(?<!\w)(?i:here(?:['’]s| is)|voici|ecco|hier ist|hier is)\s++" + _FIRST.format(g="b")
    + r"(?:\s++" + _CAP + r"[\w'’-]*)?(?=\s*+(?:,|\(|\s[-–—])\s*+(?i:the|my|our|who|a|an|from|der|die|mon|ma|notre"
    r"|qui|mi|el|la|que|mijn|onze|die|il|lo|che)\b)",
)]

# "I'm copying George and asking him to contact you", "looping in Judith, who runs our media team":
# a newcomer added to a conversation, named and said who they are or what they will do.
_BRING_IN = (
    r"(?i:\b(?:copying|cc['’]?ing|cc['’]?d|cc['’]?ed|looping in|looped in|adding|added|bringing in|roping in|including"
    r"|(?:have|['’]ve) (?:copied|cc['’]?d|cc['’]?ed|included|added))(?: in)?|\bc/c|\bcc to|\bnehme|\bsetze"
    r"|\bmets? en copie|\bpongo en copia a|\bzet|\bmetto in copia|\bho messo in copia|\bj['’]ai mis en copie"
    r"|\bhe puesto en copia a|\bcopio a)"
    # "Also CC to linux-media and Andy Walls who …": a list or team named first
    r"(?:\s++[a-z0-9][\w.-]*+(?:\s++(?i:and|&|und|et|y|en|e)))?"
    r"\s++" + _RELATION + _NAME
    # "Oliver and Patrick, who maintain this driver": a second newcomer
    + r"(?:\s++(?i:and|&|und|et|y|en|e)\s++(?P<name2>" + _CAP + r"[\w'’-]++))?"
)
# The same with the name first: "ich habe Anna mal in CC genommen", "j'ai mis Anna en copie", "he puesto a
# Anna en copia", "ik heb Anna in de cc gezet", "ho messo Anna in copia", "I've cc'd Anna".
_BRING_IN_AFTER = (
    r"(?i:\b(?:habe|hab|nehme|setze|j['’]ai mis|je mets|he puesto a|pongo a|heb|zet|ho messo|metto))\s++" + _RELATION
    + _NAME + r"(?:\s++(?i:and|&|und|et|y|en|e)\s++(?P<name2>" + _CAP + r"[\w'’-]++))?"
    + r"\s++(?i:(?:mal|auch|kurz|gerade|schon|even|ook|aussi|también|anche)\s++)?"
    r"(?i:(?:mit )?in (?:cc|kopie)(?: genommen| gesetzt)?|en copie|en copia|in (?:de )?cc(?: gezet| gedaan)?|in copia)"
)
_SAYS_WHO = (
    r"(?:(?i:\s++here)?(?i:\s++to (?:the )?cc(?: list)?:?)?(?:,\s*+(?i:who|whom|our|my|the|a|an|der|die|qui|que|quien"
    r"|die|che)\b|\s*+\(|\s++(?i:as (?:the|our|my|a|an|der|die|le|la|el|de|il)\b)"
    # a next sentence about them: "Looping in Judith. She runs our media team." / "… genommen – sie sucht …"
    r"|\s*+[.,!;:–—-]\s*+(?i:she|he|they|sie|er|elle|il|ella|él|zij|hij|ze|lei|lui)\s++\w"
    r"|\s++(?i:(?:and|to) (?:am )?(?:asking|ask|asked) (?:him|her|them) to (?:contact|call|reach out|get in touch"
    r"|help|email)|(?:who|whom|der|die|qui|que|quien|che) \w|(?:in cc|in kopie|en copie|in de cc|in copia),?"
    r" (?:der|die|qui|que|die|che)\b)"
    # or what they are brought in for: "Added Jonathan to cc so you can connect"
    r"|\s++(?i:so (?:that )?you (?:two |both )?can|for you (?:two |both )?to) (?:connect|talk|get in touch|chat|meet"
    r"|coordinate|sync|compare notes)\b))"
)
BRING_IN = [re.compile(_BRING_IN + _SAYS_WHO, re.UNICODE), re.compile(_BRING_IN_AFTER + _SAYS_WHO, re.UNICODE)]
BRING_IN_ANY = re.compile(_BRING_IN, re.UNICODE)

# Two people told to get in touch, with no word "introduce": "Vladimir mentioned … he is considering adding
# support for PHYLIB …, you two should probably coordinate with each other" (the one named is on Cc,
# the other the mail is To: rules.pair_intro). "You two should talk" to two people on To is only a hint.
_PAIR_UP = (
    # English
    r"\b(?:you two|you both|the two of you|both of you)\s++(?:should|might|may|could|would|will|can|need to|ought to)"
    r"(?:\s++(?:probably|definitely|really|perhaps|maybe|want to|like to|be able to|get to))*+\s++"
    r"(?:coordinate|talk|connect|sync(?: up)?|compare notes|get in touch|work together|team up|collaborate"
    r"|chat|speak|know (?:about )?each other)\b",
    # German: "Sie beide sollten sich austauschen", "ihr zwei solltet euch mal unterhalten"
    r"\b(?:sie beide|ihr beide|ihr zwei|sie zwei|die beiden von euch)\s++(?:sollten|solltet|müssten|müsstet|könnten"
    r"|könntet)\s++(?:sich|euch)(?:\s++(?:unbedingt|mal|einmal|wirklich|dringend|bald|kurz))*+\s++(?:austauschen"
    r"|unterhalten|kennen ?lernen|abstimmen|kurzschließen|vernetzen|zusammensetzen|zusammentun|treffen"
    r"|(?:mal )?sprechen|in verbindung setzen)\b",
    # French: "vous deux devriez échanger"
    r"\b(?:vous deux|vous tous les deux|vous toutes les deux)\s++(?:devriez|pourriez|gagneriez à)"
    r"(?:\s++(?:vraiment|absolument|sans doute|peut-être))*+\s++(?:échanger|parler|discuter|vous parler"
    r"|vous appeler|vous rencontrer|vous connaître|faire connaissance|collaborer|travailler ensemble"
    r"|vous coordonner|vous contacter|vous mettre en contact)\b",
    # Spanish: "ustedes dos deberían hablar", "vosotros dos deberíais hablar"
    r"\b(?:ustedes dos|vosotros dos|vosotras dos|ustedes|vosotros|vosotras)\s++(?:deberían|deberíais|podrían|podríais"
    r"|tendrían que|tendríais que)(?:\s++(?:realmente|de verdad|sin duda))*+\s++(?:hablar|charlar|conversar"
    r"|conocerse|conoceros|ponerse en contacto|poneros en contacto|coordinarse|coordinaros|colaborar"
    r"|trabajar juntos)\b",
    # Dutch: "jullie twee moeten eens praten"
    r"\b(?:jullie twee|jullie beiden|jullie)\s++(?:moeten|zouden|kunnen)(?:\s++(?:echt|eens|maar|zeker|snel"
    r"|nodig|elkaar|met elkaar))*+\s++(?:praten|bellen|spreken|overleggen|afstemmen|samenwerken|kennismaken"
    r"|contact opnemen|koffie drinken)\b",
    # Italian: "voi due dovreste sentirvi"
    r"\b(?:voi due|voi)\s++(?:dovreste|potreste)(?:\s++(?:davvero|proprio|assolutamente|sicuramente))*+\s++"
    r"(?:sentirvi|parlarvi|parlare|conoscervi|incontrarvi|vedervi|collaborare|lavorare insieme|coordinarvi"
    r"|mettervi in contatto)\b",
)
PAIR_UP = re.compile("|".join(f"(?:{p})" for p in _PAIR_UP), _I)

# A subject that names the two people and nothing else: "Anna <> Bob", "Anna (Acme) / Bob",
# "Intro: Anna — Bob".
_PERSON = r"[^\W\d_][\w'’.-]*(?:\s+[^\W\d_][\w'’.-]*){0,3}(?:\s*\([^)\n]{1,40}\))?"
SUBJECT_PAIR = re.compile(
    r"^(?:(?:re|fwd?|aw|wg|tr|sv)\s*:\s*)*(?:(?:intro(?:duction)?|e-?intro|meet)\s*[:\-–—]\s*)?"
    r"(?P<a>" + _PERSON + r")\s*(?:<>|<->|↔|/|&|\+|–|—|\|| x |\s-\s)\s*(?P<b>" + _PERSON + r")\s*$",
    re.IGNORECASE | re.UNICODE,
)

# Meeting invitations from calendars: "meet" and even "intro" in them are a meeting's, not an intro.
# What Google Calendar and Outlook put before the event's title, in the six languages: the invitation, an update,
# an answer, a cancellation.
INVITATION_SUBJECT = re.compile(
    r"^\s*(?:(?:updated |new )?invitation|accepted|declined|tentative(?:ly accepted)?|cancell?ed(?: event)?"
    r"|new time proposed|einladung|aktualisierte einladung|(?:mit vorbehalt |vorläufig )?angenommen|abgelehnt"
    r"|abgesagt|neuer zeitvorschlag|invitation (?:mise à jour|modifiée)|acceptée?|refusée?|provisoire|annulée?"
    r"|événement annulé|invitación(?: actualizada)?|aceptad[ao]|rechazad[ao]|provisional|cancelad[ao]"
    r"|evento cancelado|(?:bijgewerkte )?uitnodiging|geaccepteerd|afgewezen|geweigerd|voorlopig|geannuleerd"
    r"|invito(?: aggiornato)?|accettato|rifiutato|provvisorio|annullato|evento annullato)"
    r"(?: with note| mit notiz| avec note| con nota| met notitie)?\s*:", re.IGNORECASE,
)

# "I might have someone for you": a partner announcing a possible referral, not yet an intro.
_A = r"['’]"  # straight or curly apostrophe
PROMISE = [re.compile(p, _I) for p in (
    # English
    rf"\b(?:(?:i|we)(?:{_A}ve|{_A}ll| will| might| may| could| should| probably| think i| think we)?"
    r"|might|may|could) (?:have|got|have got) (?:someone|somebody|a (?:possible |potential |new )?"
    r"(?:client|lead|referral|prospect|customer|project|job|contact)) (?:\w+ ){0,2}?for you\b",
    rf"\b(?:i|we)(?:{_A}ll| will| can| could| might| may| am going to| are going to)? (?:send|refer|pass|point)"
    r" (?:someone|somebody|a (?:client|lead|referral|customer|few people)|some (?:people|clients|business|work"
    r"|leads)|people|clients|business|work)(?: \w+){0,2}? (?:your way|over to you|to you)\b",
    # German
    r"\b(?:ich|wir) (?:hätte|habe|hab|könnte|hätten|haben|könnten)(?: \w+){0,3}? (?:jemanden|wen"
    r"|einen (?:kunden|interessenten|kontakt|auftrag|lead)|eine (?:kundin|empfehlung|anfrage))"
    r" (?:\w+ ){0,2}?für (?:dich|sie|euch)\b",
    r"\b(?:ich|wir) (?:schicke|schicken|sende|senden|vermittle|vermitteln)(?: \w+){0,2}? (?:dir|ihnen|euch)"
    r"(?: \w+){0,3}? (?:jemanden|kunden|einen kunden|leute|interessenten)\b",
    # French
    rf"\b(?:j{_A}ai|j{_A}aurais|nous avons|on a)(?: [\w'’-]+){{0,2}}? (?:quelqu{_A}un"
    r"|un (?:client|contact|prospect|projet)|une (?:cliente|piste|recommandation|affaire))"
    r" (?:[\w'’-]+ ){0,2}?pour (?:toi|vous)\b",
    rf"\bje (?:vais |pourrais |peux )?(?:t{_A}|vous )(?:envoyer|enverrai|envoie|adresser|adresserai"
    rf"|orienter)(?: [\w'’-]+){{0,2}}? (?:quelqu{_A}un|un client|des clients|du monde|une piste|un contact)\b",
    # Spanish
    r"\b(?:puede que tenga|quizás? tenga|a lo mejor tengo|tal vez tenga|podría tener|creo que tengo|tengo)"
    r"(?: a)? (?:alguien|un (?:cliente|contacto|proyecto|posible cliente)|una (?:clienta|referencia"
    r"|oportunidad|pista)) (?:\w+ ){0,2}?para (?:ti|usted|vosotros|ustedes)\b",
    r"\b(?:te|le|os|les) (?:enviaré|mandaré|voy a enviar|voy a mandar|pasaré|paso)(?: \w+){0,2}?"
    r" (?:a )?(?:alguien|un cliente|clientes|un contacto)\b",
    # Dutch
    r"\b(?:ik|wij|we) (?:heb|hebben|zou|zal)(?: \w+){0,3}? (?:iemand|een (?:klant|lead|opdracht|contact"
    r"|prospect)) (?:\w+ ){0,2}?voor (?:je|jou|u|jullie)\b",
    r"\b(?:ik|we|wij) (?:stuur|sturen|zal|ga)(?: \w+){0,3}? (?:iemand|een klant|klanten|mensen|werk)"
    r"(?: \w+){0,2}? (?:(?:jouw|uw|jullie) (?:kant|richting) op|naar (?:je|jou|u)(?: door)?)\b",
)]

# Subjects that announce an introduction (raise confidence; never enough alone).
INTRO_SUBJECT = re.compile(
    r"\b(?:intro(?:duction)?|e-?intro|meet|connecting|vorstellung|kennenlernen|présentation"
    r"|mise en relation|presentación|introductie|kennismaking|presentazione)\b|<>|↔|\s/\s", _I,
)

# A reply's subject: a reply prefix among the leading ones ("Re:", "AW:", "Antw:", "R:", "SV:", "VS:", "RIF:", "RES:",
# "Re[2]:", after a forward's "Fwd:"). Its intro words are the intro it answers, not a new one (rules.subject_counts).
REPLY_SUBJECT = re.compile(
    r"^(?:\s*(?:fwd?|wg|tr|rv|enc|doorst|i)\s*:)*\s*(?:re|aw|antw|sv|vs|r|ref|rif|res|odp|ynt)\s*(?:\[\d+\])?\s*:", _I,
)

OUT_OF_OFFICE_SUBJECT = re.compile(
    r"^\s*(?:out of (?:the )?office|automatic reply|auto(?:matic)?[- ]?reply|autoreply|away from"
    r"|on vacation|on leave|abwesenheit|automatische antwort|abwesenheitsnotiz|außer haus"
    r"|réponse automatique|absence|absent du bureau|respuesta automática|fuera de la oficina"
    r"|automatisch antwoord|afwezig|afwezigheidsmelding|risposta automatica|fuori sede"
    r"|fuori ufficio|resposta automática|ausente)", _I,
)


TRAPS = re.compile("|".join(f"(?:{p.pattern})" for p in (*NOT_AN_INTRO, *REQUESTS, *ASKS_TO_INTRODUCE, *WOULD_HAVE,
                                                             *NOT_MADE, *MEETINGS)), re.UNICODE)


def _trapped(lower: str, found: re.Match, traps: list[tuple[int, int]]) -> bool:
    return any(start < found.end() and found.start() < end for start, end in traps)


class Matcher:
    """Many case-insensitive patterns as one regex over lower-cased text: one pass, not forty.
    With `traps`, a match inside a trap ("thanks for the intro") does not count."""

    def __init__(self, patterns: list[re.Pattern], cased: Sequence[re.Pattern] = (), traps: re.Pattern | None = None):
        self.combined = re.compile("|".join(f"(?:{p.pattern})" for p in patterns), re.UNICODE)
        self.cased = list(cased)
        self.traps = traps

    def search(self, text: str) -> re.Match | None:
        lower = text.lower()
        spans = [m.span() for m in self.traps.finditer(lower)] if self.traps else []
        found = next((m for m in self.combined.finditer(lower) if not _trapped(lower, m, spans)), None)
        if found is None:
            found = next((m for p in self.cased if (m := p.search(text))), None)
        return found


STRONG = Matcher(STRONG_INTRO, STRONG_INTRO_CASED, TRAPS)
PROMISES = Matcher(PROMISE)


class Cues:
    """The first strong, heads-up and weak phrase of a text, found in a single pass; `trap`: the
    first phrase that took a strong or weak word out of play ("thanks for the intro")."""

    _ALL = re.compile("|".join(
        f"(?P<{name}>{'|'.join(f'(?:{p.pattern})' for p in patterns)})"
        for name, patterns in (("strong", STRONG_INTRO), ("hint", HEADS_UP_HINT), ("weak", WEAK_INTRO))
    ), re.UNICODE)

    def __init__(self, text: str):
        text = rejoin(text)  # "Could you introduce\nme to someone": a client's wrap is no sentence's end
        lower = text.lower()
        found: dict[str, str] = {}
        traps: list[tuple[int, int]] | None = None
        self.trap: str | None = None
        for m in self._ALL.finditer(lower):
            assert m.lastgroup is not None, "each alternative of _ALL is a named group"
            # A weak cue inside a trap is out of play too: "cc'ing" in "thanks for cc'ing me".
            if m.lastgroup in ("strong", "weak") and m.lastgroup not in found:
                traps = [t.span() for t in TRAPS.finditer(lower)] if traps is None else traps
                if _trapped(lower, m, traps):
                    self.trap = self.trap or next(lower[s:e] for s, e in traps if s < m.end() and m.start() < e)
                    continue
            found.setdefault(m.lastgroup, m.group(0))
            if len(found) == 3:
                break
        if "strong" not in found:
            cased = next((c for p in STRONG_INTRO_CASED if (c := p.search(text))), None)
            if cased:
                found["strong"] = cased.group(0)
        self.strong, self.hint, self.weak = found.get("strong"), found.get("hint"), found.get("weak")


# Thanks in the new text of a member's reply: they thanked the introducer themselves.
THANKS = re.compile(
    r"\b(?:thanks|thank you|thx|danke|vielen dank|merci|gracias|bedankt|dank je|dank u|grazie"
    r"|obrigad[oa])\b", _I,
)
