"""Robots that say so only in their words: out-of-office and acknowledgement replies.

Many auto-replies carry no Auto-Submitted / X-Autoreply / Precedence header (older Exchange
rules, web-mail vacation settings, help-desk tools). Their text gives them away: "I am out of
the office until…", "Ich bin bis … nicht im Büro", "Thank you for your message, we will…".
`automated(text)` says why a text reads as a robot's ("" when it does not); `return_date(text)`
reads when the person is back.

The phrases are data, one list per language; a new language is a few lines here. Each phrase
is a first-person absence statement, an acknowledgement formula, or an "automatic reply"
notice: things a person rarely writes when answering. A reply that reads as a robot is never
answered and never counts as a person acting; any command in it is still read.
"""
import re
from datetime import UTC, datetime, timedelta

from worker.mail.forwarded import parse_loose_date

_W = r"[\w'’-]+"  # one word, apostrophes and hyphens included

# "I am away": a person saying they are not there to read this.
AWAY = {
    "en": [
        r"\b(?:i am|i'm|i’m|i will be|i'll be|i’ll be|i shall be) (?:currently |presently |now |still )?"
        r"(?:out of (?:the |my )?(?:office|shop|studio|clinic|practice|store|workshop|country)|ooo\b"
        r"|away from (?:the office|my desk|work|my email)"
        r"|on (?:annual |parental |maternity |paternity |sick |medical |study )?"
        r"(?:leave|vacation|holidays?|sabbatical|pto)\b|away (?:until|till|through|from|on|and)\b"
        r"|out (?:until|till|through)\b|travell?ing (?:until|till|with (?:limited|no)))",
        r"\bout of (?:the )?office (?:until|till|through|from|and|with)\b",
        r"\b(?:limited|no|without|intermittent) access to (?:my )?e-?mails?\b",
        r"\b(?:limited|no|intermittent) (?:e-?mail|internet) access\b",
        r"\b(?:respond|reply|answer|get back to you|attend to your (?:message|e-?mail))[^.\n]{0,40}?"
        r"\b(?:upon|on|when|after) (?:my |i )?return",
        r"\b(?:our|the) office (?:is|will be|remains) closed\b",
        r"\b(?:i(?:'|’| wi)ll be|i am|i'm|i’m) back (?:in the office |at (?:my desk|work) )?(?:on|from|after)\b",
    ],
    "de": [
        r"\bnicht im (?:büro|hause|haus)\b",
        rf"\b(?:bin|sind) (?:{_W} ){{0,6}}?(?:abwesend|im urlaub|außer haus|nicht erreichbar|in elternzeit)\b",
        r"\bkeinen (?:oder nur eingeschränkten )?zugriff auf (?:meine |meinen |mein )?(?:e-?mails?|postfach)\b",
        r"\bwieder (?:im büro|erreichbar|für sie da)\b",
    ],
    "fr": [
        r"\bje (?:suis|serai) (?:actuellement |en ce moment )?(?:absente?|en congés?|en vacances"
        r"|hors du bureau|en déplacement)\b",
        r"\babsente? du bureau\b",
        r"\bje n['’]aurai pas accès à (?:mes|ma) (?:e-?mails?|courriels?|messagerie|messages)\b",
        r"\bde retour (?:au bureau )?le\b",
    ],
    "es": [
        rf"\b(?:estoy|estaré|me encuentro) (?:{_W} ){{0,3}}?(?:fuera de la oficina|de vacaciones|ausente"
        r"|fuera de la ciudad)\b",
        r"\bsin acceso al correo\b",
        r"\b(?:regresaré|volveré|estaré de vuelta|me reincorporo|me reincorporaré) el\b",
    ],
    "nl": [
        rf"\b(?:ik ben|ben ik|we zijn|zijn wij) (?:{_W} ){{0,6}}?(?:afwezig|niet op kantoor|met vakantie"
        r"|op vakantie|niet bereikbaar|met verlof)\b",
        r"\bweer (?:aanwezig|op kantoor|bereikbaar)\b",
        r"\b(?:beperkt|geen) toegang tot (?:mijn )?e-?mail\b",
    ],
    "it": [
        rf"\b(?:sono|sarò) (?:{_W} ){{0,3}}?(?:fuori (?:ufficio|sede)|in ferie|assente|in vacanza)\b",
        r"\brientrerò\b",
        r"\bnon (?:ho|avrò) accesso alla (?:posta|mail|e-?mail)\b",
    ],
    "pt": [
        rf"\b(?:estou|estarei) (?:{_W} ){{0,3}}?(?:fora do escritório|de férias|ausente|em licença)\b",
        r"\bsem acesso ao (?:e-?mail|correio)\b",
        r"\b(?:retornarei|regressarei|voltarei) (?:no dia|em|a)\b",
    ],
}

# "This is an automatic reply": robots that say what they are.
NOTICE = {
    "en": [
        r"\bthis is an? (?:auto(?:mated|matic|generated)?[- ]?(?:reply|response|message|notification|e-?mail))\b",
        r"\b(?:please )?do not reply to this (?:e-?mail|message|address)\b",
        r"\bthis (?:mailbox|e-?mail address|inbox) is (?:not|no longer) (?:monitored|in use|active)\b",
        r"\byour (?:request|ticket|case|enquiry|inquiry|message|e-?mail)(?: \(?#?\d+\)?| number \d+)?"
        r" (?:has been|was) (?:received|logged|created|opened)\b",
        r"\bplease (?:type|write) your reply above this line\b",
    ],
    "de": [r"\bdies ist eine automatische (?:antwort|nachricht|e-?mail|benachrichtigung)\b",
           r"\bautomatisch (?:generierte|erstellte|versandte) (?:nachricht|e-?mail|antwort)\b"],
    "fr": [r"\bceci est (?:une|un) (?:réponse|message|courriel|e-?mail) automatique\b",
           r"\bmerci de ne pas répondre à ce (?:message|courriel|mail)\b"],
    "es": [r"\best[ea] es (?:una|un) (?:respuesta|mensaje|correo) automátic[oa]\b",
           r"\bno responda a este (?:mensaje|correo)\b"],
    "nl": [r"\bdit is een automatisch (?:antwoord|bericht|gegenereerd)\b",
           r"\bgelieve niet te antwoorden op dit bericht\b"],
    "it": [r"\bquest[oa] è (?:una|un) (?:risposta|messaggio|mail|e-?mail) automatic[oa]\b",
           r"\bsi prega di non rispondere a questa (?:mail|e-?mail)\b"],
    "pt": [r"\besta é uma (?:resposta|mensagem) automática\b",
           r"\bnão responda a (?:este|esta) (?:e-?mail|mensagem)\b"],
}

# "Thank you for your message" is a robot only with what robots add: "we will…", "as soon as
# possible", "has been received", a ticket number. A person's "Thank you for your email,
# Carol!" is not enough on its own.
_THANKS = {
    "en": r"\bthank you (?:very much )?for (?:your (?:message|e-?mail|mail|enquiry|inquiry|request|note)"
          r"|contacting|reaching out|getting in touch|writing)",
    "de": r"\b(?:vielen |herzlichen )?dank für ihre (?:nachricht|e-?mail|mail|anfrage)",
    "fr": r"\bmerci (?:beaucoup )?(?:pour|de) votre (?:message|e-?mail|courriel|demande|mail)",
    "es": r"\bgracias por (?:su|tu) (?:mensaje|correo|e-?mail|consulta|solicitud)",
    "nl": r"\b(?:hartelijk )?(?:bedankt|dank) voor (?:uw|je|jouw) (?:bericht|e-?mail|mail|aanvraag|vraag)",
    "it": r"\bgrazie per (?:il suo|la sua|il tuo|la tua|averci contattato)(?: (?:messaggio|e-?mail|mail|richiesta))?",
    "pt": r"\bobrigad[oa] (?:pel[oa] (?:sua |seu )?(?:mensagem|e-?mail|contato|contacto)|por nos contactar)",
}
_ROBOT_PROMISE = {
    "en": r"\b(?:we(?:'|’| wi)ll|we have received|has been received|(?:was|were) received|our team"
          r"|one of our|a member of our|as soon as possible|at the earliest|shortly|within \d+|business days?"
          r"|working days?|(?:ticket|case|reference|request) (?:number|no\.?|id|#))",
    "de": r"\b(?:wir werden|wir melden|schnellstmöglich|so schnell wie möglich|umgehend|erhalten"
          r"|innerhalb von|werktag|ticketnummer|vorgangsnummer)",
    "fr": r"\b(?:nous (?:vous )?(?:répondrons|reviendrons|avons bien reçu|traiterons)|dans les (?:plus )?brefs délais"
          r"|dès que possible|bien reçu|jours ouvrés|numéro de (?:ticket|dossier))",
    "es": r"\b(?:le responderemos|te responderemos|nos pondremos|hemos recibido|lo antes posible"
          r"|a la mayor brevedad|días hábiles|número de (?:ticket|caso))",
    "nl": r"\b(?:wij|we) (?:nemen|zullen|reageren|hebben .{0,20}ontvangen)|zo (?:snel|spoedig) mogelijk"
          r"|werkdagen|ticketnummer",
    "it": r"\b(?:risponderemo|ti risponderemo|le risponderemo|al più presto|appena possibile|abbiamo ricevuto"
          r"|giorni lavorativi)",
    "pt": r"\b(?:responderemos|entraremos em contato|o mais breve|assim que possível|recebemos|dias úteis)",
}


def _one(patterns: dict[str, list[str]]) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for ps in patterns.values() for p in ps), re.IGNORECASE)


_AWAY = _one(AWAY)
_NOTICE = _one(NOTICE)
_ACK = re.compile("|".join(f"(?:{t}[^\\n]{{0,200}}?{_ROBOT_PROMISE[lang]})" for lang, t in _THANKS.items()),
                  re.IGNORECASE | re.DOTALL)
_READ = 3000  # robots say it at the top; a long message is a person's


def automated(text: str) -> str:
    """Why this text reads as an automatic reply, or "" when it reads as a person's."""
    head = " ".join(text[:_READ].split())
    for pattern, what in ((_NOTICE, "an automatic-reply notice"), (_AWAY, "out-of-office wording"),
                          (_ACK, "an acknowledgement robot's wording")):
        found = pattern.search(head)
        if found:
            return f"{what} ({_quote(found.group(0))})"
    return ""


_ATTRIBUTION_END = re.compile(r"(?:wrote|writes|schrieb|a écrit|escribió|schreef|ha scritto|escreveu)\s*:\s*$",
                              re.IGNORECASE)


def answers_below_quote(text: str) -> bool:
    """The message opens with the quoted text it answers ("On 13/10/06, Pekka wrote:" and "> …") and the
    author writes below it: a person's bottom-posted or inline answer. Auto-responders write above
    the original or quote none, so "(I'm still on holiday …)" under a quote is a person's aside."""
    lines = [line for line in text[:_READ].splitlines() if line.strip()]
    start = 1 if lines and not lines[0].startswith(">") and _ATTRIBUTION_END.search(lines[0]) else 0
    if start >= len(lines) or not lines[start].startswith(">"):
        return False
    return any(not line.startswith(">") for line in lines[start:])


def before_robot(text: str) -> str:
    """The lines above the robot's words: where a person who wrote above an auto-reply put their
    answer ("WON $2,000" over an out-of-office signature). The whole text if no robot is found."""
    lines = text[:_READ].splitlines()
    line_of = [n for n, line in enumerate(lines) for _ in line.split()]  # word index -> its line
    head = " ".join(word for line in lines for word in line.split())
    starts = [found.start() for pattern in (_NOTICE, _AWAY, _ACK) if (found := pattern.search(head))]
    if not starts:
        return text
    return "\n".join(lines[:line_of[head.count(" ", 0, min(starts))]])


def _quote(words: str) -> str:
    words = words.strip()
    return repr(words if len(words) <= 60 else words[:57] + "…")


_CUE = re.compile(
    r"\b(?:until|till|through|back on|back in the office on|back from|return(?:ing)? on|returns? on"
    r"|bis(?: zum| einschließlich)?|ab dem|jusqu'au|jusqu’au|de retour le|retour le|hasta el|hasta|de vuelta el|el día"
    r"|tot en met|tot|terug op|fino al|rientro il|rientrerò il|até (?:ao dia|o dia|dia)?|até|a partir de"
    r"|(?:regresaré|volveré|retornarei|regressarei|voltarei)(?: el| em| a| no dia)?)\b",
    re.IGNORECASE,
)
_WEEKDAYS = {
    name: i for i, names in enumerate((
        "monday montag lundi lunes maandag lunedì lunedi segunda segunda-feira",
        "tuesday dienstag mardi martes dinsdag martedì martedi terça terça-feira",
        "wednesday mittwoch mercredi miércoles miercoles woensdag mercoledì mercoledi quarta quarta-feira",
        "thursday donnerstag jeudi jueves donderdag giovedì giovedi quinta quinta-feira",
        "friday freitag vendredi viernes vrijdag venerdì venerdi sexta sexta-feira",
        "saturday samstag samedi sábado sabado zaterdag sabato",
        "sunday sonntag dimanche domingo zondag domenica",
    )) for name in names.split()
}


def return_date(text: str, now: datetime) -> datetime | None:
    """The first date after a return cue that lies in the future, as an aware datetime."""
    for cue in _CUE.finditer(text[:2000]):
        tail = text[cue.end():cue.end() + 60].strip(" :,")
        when = _first_date(tail, now) or _weekday(tail, now)
        if when is not None and when > now:
            return when
    return None


_DAY_MONTH = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(?!\d)")  # German/Dutch "bis 14.12."


def _first_date(tail: str, now: datetime) -> datetime | None:
    if short := _DAY_MONTH.match(tail):
        when = _aware(parse_loose_date(f"{short[1]}.{short[2]}.{now.year}"))
        if when is not None and when <= now:
            when = _aware(parse_loose_date(f"{short[1]}.{short[2]}.{now.year + 1}"))
        return when
    words = tail.split()
    for length in range(min(6, len(words)), 0, -1):  # the longest readable prefix wins
        candidate = " ".join(words[:length]).rstrip(".,;")
        has_year = bool(re.search(r"\b20\d\d\b", candidate))
        when = _aware(parse_loose_date(candidate if has_year else f"{candidate} {now.year}"))
        if when is not None and not has_year and when <= now:
            # "back on 12 March", written in November, means next March.
            when = _aware(parse_loose_date(f"{candidate} {now.year + 1}"))
        if when is not None:
            return when
    return None


def _weekday(tail: str, now: datetime) -> datetime | None:
    """"until Monday": the next such day (a week on, if today is that day)."""
    first = tail.split()[:1]
    day = _WEEKDAYS.get(first[0].lower().strip(".,;:") if first else "")
    if day is None:
        return None
    ahead = (day - now.weekday()) % 7 or 7
    return (now + timedelta(days=ahead)).replace(hour=0, minute=0, second=0, microsecond=0)


def _aware(when: datetime | None) -> datetime | None:
    if when is None:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
