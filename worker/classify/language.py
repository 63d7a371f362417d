"""The words that mark an introduction, a heads-up or an auto-reply, in the languages we read.

Kept as data so a new language is a few lines here, not a change to the classifier.
"""
import re
from collections.abc import Sequence

_I = re.IGNORECASE | re.UNICODE
_CAP = r"[A-ZÀ-ÖØ-Þ]"

# Language that on its own says "I am introducing you to each other".
STRONG_INTRO = [re.compile(p, _I) for p in (
    # English
    r"\bintroduc(?:e|es|ed|ing|tion)\b", r"\be-?intro(?:duction)?\b", r"\bintro(?:ing)?\b(?!spect)",
    r"\bconnect(?:ing)? (?:you|the two of you|you both|you two)\b",
    r"\b(?:put|putting) you (?:two |both )?in touch\b",
    r"\b(?:should|to|must|want you to|wanted you to|you two|you both|please) (?:\w+ )?meet\b",
    r"\bmeet each other\b", r"\bknow each other\b",
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
STRONG_INTRO_CASED = [re.compile(rf"\b{_CAP}\w+(?:,| ?[-–—:]) meet {_CAP}")]

# Softer hints: enough for a human to look, not enough to log on their own.
WEAK_INTRO = [re.compile(p, _I) for p in (
    r"\byou (?:two|both) should (?:talk|chat|connect|speak)\b", r"\blooping in\b",
    r"\bthought you (?:two |both )?(?:should|might|could) (?:connect|talk)\b",
    r"\bcc'?(?:ing|'d)\b", r"\bsollten (?:euch|sich) (?:mal )?(?:austauschen|unterhalten)\b",
    r"\bdevriez (?:vous )?parler\b", r"\bdeberíais hablar\b", r"\bmoeten (?:eens )?praten\b",
    r"\bheads.?up\b", r"\brecommend(?:ed)?\b",
)]

# A name starts at a word's start, and each of its words and each run of spaces is taken whole
# (possessive `++`): with backtracking, 100k letters took minutes, and 50k newlines after a
# name (split between two adjacent `\s*`) half a minute.
_NAME = rf"(?<![\w'’-])(?P<name>{_CAP}[\w'’-]++(?:\s++(?:van |de |von |da |del |le )?{_CAP}[\w'’-]++){{0,2}})"
_FROM = (
    r"(?:\s*+(?:\(|,)?\s*+(?:from|of|at|von|vom|de|du|van|di|da|bei)\s++[^,;:!?\n]{1,40}?\)?,?)?"
    r"(?:\s*+\([^)\n]{0,60}\),?)?"  # "(the shop on Main Street)"
)
_WILL = (
    r"\s++(?:will|may|might|is going to|should|could|wird|werden|kann|va|vous|te|t'|se|neemt|zal"
    r"|gaat|ti|la|le|vi)\b"
)
# A named person who will get in touch: "Julia Park from XYZ may call you".
HEADS_UP_NAMED = re.compile(_NAME + _FROM + _WILL + r".{0,40}?(?:" + "|".join((
    r"call|contact|reach(?:ing)? out|get(?:ting)? in touch|be in touch|email|ring|phone"
    r"|drop you a line",
    r"melden|anrufen|kontaktieren|kontakt",
    r"contacter|contactera|appeler|appellera|écrire",
    r"contactar|contactará|llamar|llamará|pondrá en contacto|escribir",
    r"contact (?:met|op)|bellen|mailen",
    r"contatter|contatterà|chiamare|chiamerà|scriver",
)) + r")", re.UNICODE)

# Heads-up language without a clear name.
HEADS_UP_HINT = [re.compile(p, _I) for p in (
    r"\b(?:gave|passed|shared|forwarded) (?:him|her|them) your (?:number|email|details|contact)",
    r"\bi (?:have )?(?:recommended|referred) you\b", r"\bexpect (?:a call|an email|to hear)\b",
    r"\bwill (?:get in touch|reach out|call you|contact you|be in touch)\b",
    r"\bwird sich (?:bei (?:dir|ihnen|euch) )?melden\b", r"\bhabe (?:dich|sie|euch) empfohlen\b",
    r"\b(?:vous|te) contacter(?:a)?\b", r"\bje (?:vous|t)'?ai recommandée?\b",
    r"\bse pondrá en contacto\b", r"\bte (?:he|ha) recomendado\b",
    r"\bneemt (?:binnenkort )?contact (?:met (?:je|u) )?op\b", r"\bheb (?:je|u) aanbevolen\b",
    r"\bti contatterà\b", r"\bti ho raccomandato\b",
)]

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

OUT_OF_OFFICE_SUBJECT = re.compile(
    r"^\s*(?:out of (?:the )?office|automatic reply|auto(?:matic)?[- ]?reply|autoreply|away from"
    r"|on vacation|on leave|abwesenheit|automatische antwort|abwesenheitsnotiz|außer haus"
    r"|réponse automatique|absence|absent du bureau|respuesta automática|fuera de la oficina"
    r"|automatisch antwoord|afwezig|afwezigheidsmelding|risposta automatica|fuori sede"
    r"|fuori ufficio|resposta automática|ausente)", _I,
)


class Matcher:
    """Many case-insensitive patterns as one regex over lower-cased text: one pass, not forty."""

    def __init__(self, patterns: list[re.Pattern], cased: Sequence[re.Pattern] = ()):
        self.combined = re.compile("|".join(f"(?:{p.pattern})" for p in patterns), re.UNICODE)
        self.cased = list(cased)

    def search(self, text: str) -> re.Match | None:
        found = self.combined.search(text.lower())
        if found is None:
            found = next((m for p in self.cased if (m := p.search(text))), None)
        return found


STRONG = Matcher(STRONG_INTRO, STRONG_INTRO_CASED)
PROMISES = Matcher(PROMISE)


class Cues:
    """The first strong, heads-up and weak phrase of a text, found in a single pass."""

    _ALL = re.compile("|".join(
        f"(?P<{name}>{'|'.join(f'(?:{p.pattern})' for p in patterns)})"
        for name, patterns in (("strong", STRONG_INTRO), ("hint", HEADS_UP_HINT), ("weak", WEAK_INTRO))
    ), re.UNICODE)

    def __init__(self, text: str):
        found: dict[str, str] = {}
        for m in self._ALL.finditer(text.lower()):
            assert m.lastgroup is not None, "each alternative of _ALL is a named group"
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
