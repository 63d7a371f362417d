"""Why one message got its verdict: every rule tried, in order, with what it saw and said.

Nothing here decides: the verdict and each rule's answer come from rules.attempts, the loop
`classify` itself runs; the rest is what those rules read (the recipients left once the tracking
address, robots and the sender's own addresses are gone, the new text, the cues in it).
"""
from dataclasses import dataclass

from worker.classify import language, noise, rules
from worker.classify.verdict import Verdict
from worker.mail.parse import Inbound


@dataclass(frozen=True)
class Attempt:
    rule: str
    looks_for: str     # the rule's own first docstring line, or its name
    verdict: Verdict | None


@dataclass(frozen=True)
class Explanation:
    sender: str
    subject: str
    recipients: tuple[tuple[str, str], ...]  # (address, what it is to us: tracking | robot | sender | party)
    new_text: str
    cues: dict[str, str | None]
    language: str
    thread: str
    reply: str
    attempts: tuple[Attempt, ...]

    @property
    def verdict(self) -> Verdict:
        found = self.attempts[-1].verdict
        assert found is not None, "the last rule always answers"
        return found


def explain(msg: Inbound, ctx: rules.Context) -> Explanation:
    text = rules.new_text(msg.text)
    found = rules.cues(text)
    tried = tuple(Attempt(rule.__name__, _looks_for(rule), verdict) for rule, verdict in rules.attempts(msg, ctx))
    return Explanation(
        sender=msg.sender.email if msg.sender else "", subject=msg.subject,
        recipients=tuple((a.email, _role(a.email, msg, ctx)) for a in msg.recipients),
        new_text=text,
        cues={"intro": found.strong, "heads-up": found.hint, "weak": found.weak, "not an intro": found.trap,
              **_named_cues(text)},
        language=_language(text), thread=ctx.thread.how if ctx.thread else "",
        reply=ctx.reply.how if ctx.reply else "", attempts=tried,
    )


def _named_cues(text: str) -> dict[str, str | None]:
    """The cues that name a person (language.py's tables): who is presented, brought in, or given a contact."""
    def first(patterns) -> str | None:
        return next((m.group(0).strip() for p in patterns if (m := p.search(text))), None)
    return {"presented by name": first(language.PRESENTED), "brought in": first(language.BRING_IN),
            "told to get in touch": first([language.PAIR_UP]),
            "contact passed on": first(language.GAVE_CONTACT),
            "named as the provider": first(language.PROVIDER_NAMED),
            "the recipient needs": first(language.CLIENT_NEEDS)}


def _role(email: str, msg: Inbound, ctx: rules.Context) -> str:
    if email in ctx.tracking:
        return "tracking address"
    if msg.sender is not None and email == msg.sender.email:
        return "the sender"
    if any(a.email == email for a in rules.parties_of(msg, ctx)):
        return "party"
    if noise.is_robot_address(email, ctx):
        return "robot, mailing list or the sender's other address"
    return "the sender's alias"


# What each rule of rules.RULES looks for, in a person's words (a rule missing here shows its name).
LOOKS_FOR = {
    "other_deployment": "mail from another introledger (its loop header or its tracking address)",
    "own_mail": "mail we sent ourselves",
    "bounce": "a delivery report (a bounce)",
    "auto_reply": "an automatic reply its headers give away (Auto-Submitted, X-Autoreply, the subject)",
    "mailing_list": "a mailing list's copy (List-Id, Precedence: list)",
    "newsletter": "a newsletter or bulk sender",
    "status_reply": "an answer to one of our follow-ups (WON, LOST, MET …)",
    "thread_reply": "a reply in the thread of a referral we logged",
    "invitation": "a calendar invitation or its answer",
    "forwarded_intro": "an intro forwarded to us (attached, or inline under a forward marker)",
    "double_intro": "intro language in the new text (or subject) to 2 or more people",
    "cc_intro": "a newcomer brought into a reply and said who they are ('looping in Judith, who …', 'ich habe Anna "
                "in CC genommen, sie …')",
    "pair_intro": "two people told to get in touch, the one on Cc named in the text ('Vladimir … is considering "
                  "adding …, you two should probably coordinate with each other')",
    "named_intro": "two people on the mail presented by name, no word 'introduce' ('Sarah, this is Dana, my …')",
    "subject_intro": "a subject naming two of the people on the mail and nothing else ('Anna <> Bob')",
    "heads_up": "one person told a named person will get in touch ('Luis, my plumber, will call you', 'expect a "
                "call from Kirk', 'I've asked Kirk to call you'), was given their contact ('I gave your number to "
                "my neighbor Luis') or was introduced; the named person is the provider and the recipient the client "
                "when the words say so ('my plumber Luis', 'you were looking for a plumber') and nobody else needs "
                "something; a call that sounds like an errand ('the leak in your flat') is for a person to check",
    "weak_intro": "intro-like words that are not a clear intro (for a person to check); 'the courier will call you' "
                  "is a service's call, no intro",
    "promise": "a partner telling a member they may have a referral for them",
    "auto_reply_text": "an automatic reply only its words give away",
    "not_intro": "nothing of the above: not an introduction",
}


def _looks_for(rule) -> str:
    return LOOKS_FOR.get(rule.__name__, rule.__name__.replace("_", " "))


_WORDS = {
    "de": ("ich", "und", "nicht", "dir", "euch", "sie", "ist", "mit", "gern"),
    "fr": ("je", "et", "vous", "pour", "avec", "est", "une", "te"),
    "es": ("y", "que", "para", "con", "una", "te", "os", "es"),
    "nl": ("ik", "en", "je", "jullie", "een", "met", "voor", "is"),
    "it": ("e", "che", "per", "con", "una", "ti", "vi", "è"),
    "en": ("i", "and", "you", "the", "to", "with", "is", "for"),
}


def _language(text: str) -> str:
    """The language the new text is most likely in, by its commonest short words (a hint for a
    person reading this, not something any rule decides by)."""
    words = text.lower().split()[:400]
    scores = {lang: sum(words.count(w) for w in common) for lang, common in _WORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] else "unknown"
