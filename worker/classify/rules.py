"""Ordered rules, first hit wins: one message → a Verdict with the rule's human reason.

Read RULES top to bottom to know what the system does with a message.
"""
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC
from functools import lru_cache
from typing import Protocol

from worker.classify import noise, ooo
from worker.classify.directory import Directory
from worker.classify.given_names import GIVEN_NAMES
from worker.classify.heads_up_words import (
    CALLER_NAMED,
    DETERMINERS,
    ERRAND,
    GAVE_NAME_FIRST,
    GREETING_LINE,
    NAMED_BEFORE_PRONOUN,
    NOT_A_NAME,
    OTHER_PERSON,
    PERSON_SAID,
    PRONOUN_CALLS,
    SERVICE_CALLER,
    not_a_person,
)
from worker.classify.language import (
    BRING_IN,
    CONTACT_WORD,
    GAVE_CONTACT,
    HEADS_UP_BEFORE,
    HEADS_UP_NAMED,
    INTRO_NAMED,
    INTRO_SUBJECT,
    INVITATION_SUBJECT,
    PAIR_UP,
    PRESENTED,
    PROMISES,
    REPLY_SUBJECT,
    STRONG,
    SUBJECT_PAIR,
    Cues,
)
from worker.classify.roles import assign, client_roles, heads_up_client
from worker.classify.trap_words import denied, proposed_meeting, requested, trap_kind
from worker.classify.verdict import Intro, Party, Promised, Verdict
from worker.core.statuses import INTRO_KINDS, Kind
from worker.mail import titles
from worker.mail.commands import asks_for_brief
from worker.mail.excerpt import excerpt
from worker.mail.flowed import rejoin
from worker.mail.forwarded import find_forwarded, parse_loose_date
from worker.mail.names import given_and_family
from worker.mail.parse import MAX_NAME, Address, Inbound, addresses
from worker.mail.quotes import new_text as _new_text

PRONOUNS = frozenset(
    "I He She They We You It This That Someone Er Sie Es Wir Elle Il Ils Elles On Ella Él Ellos "
    "Hij Zij Ze Lei Lui Loro Hi Hello Thanks Dear".split()
)
_WORD = re.compile(r"\w+")
_PARENS = re.compile(r"\([^)]*\)")
FORWARD_OR_REPLY = re.compile(r"^(?:\s*(?:re|aw|fwd?|wg|tr|sv|antw|rv)\s*:\s*)+", re.IGNORECASE)
FORWARD_SUBJECT = ("fwd:", "fw:", "wg:", "tr:", "rv:", "doorst:", "i:", "enc:", "fwd :", "tr :")


@dataclass(frozen=True)
class ThreadMatch:
    referral_id: int
    how: str  # human words: "In-Reply-To matches referral #3's intro"
    parties: frozenset[str] = frozenset()  # its people: parties and introducer
    review_introducer: str = ""  # the referral waits for review: who wrote its (unclear) intro
    introducer: str = ""  # who made that intro: a newcomer brought into its thread is not brought in for them


class Reply(Protocol):
    """An answer to one of our follow-ups, as worker/followups/replymatch.py found it (ReplyMatch)."""

    @property
    def referral_id(self) -> int | None: ...
    @property
    def proven(self) -> bool: ...
    @property
    def how(self) -> str: ...


@dataclass(frozen=True)
class Context:
    tracking: frozenset[str]
    # Other introledger deployments' tracking addresses: configured, plus those learned from their
    # loop header — a live set that grows while running (worker/inbound/deployments.py).
    other_deployments: "frozenset[str] | set[str]" = frozenset()
    directory: Directory = Directory()
    thread: ThreadMatch | None = None
    reply: Reply | None = None
    review_below: float = 0.7
    max_parties: int = 4


Rule = Callable[[Inbound, Context], Verdict | None]


def classify(msg: Inbound, ctx: Context) -> Verdict:
    for _, verdict in attempts(msg, ctx):
        if verdict is not None:
            return verdict
    raise AssertionError("the last rule always answers")


def attempts(msg: Inbound, ctx: Context) -> Iterator[tuple[Rule, Verdict | None]]:
    """Each rule in order with its answer (None: it passed), up to the first that answers — what
    `classify` decides by and `introledger explain` shows."""
    for rule in RULES:
        verdict = rule(msg, ctx)
        yield rule, None if verdict is None else _settle(verdict, ctx)
        if verdict is not None:
            return


@lru_cache(maxsize=16)
def new_text(text: str) -> str:
    """Several rules read the new text of the same message; strip the quotes once."""
    return _new_text(text)


@lru_cache(maxsize=16)
def cues(text: str) -> Cues:
    return Cues(text)


def _settle(verdict: Verdict, ctx: Context) -> Verdict:
    if verdict.kind in INTRO_KINDS and verdict.confidence < ctx.review_below:
        reason = f"{verdict.reason} — confidence {verdict.confidence:.2f}, a person should check"
        return replace(verdict, kind=Kind.NEEDS_REVIEW, reason=reason)
    return verdict


def status_reply(msg: Inbound, ctx: Context) -> Verdict | None:
    if ctx.reply is None:
        return None
    return _robot_or_person(msg, Verdict(Kind.STATUS_REPLY, "status_reply", ctx.reply.how,
                                         referral_id=ctx.reply.referral_id,
                                         extra={"proven": ctx.reply.proven, "match": ctx.reply}))


def brief_request(msg: Inbound, ctx: Context) -> Verdict | None:
    """BRIEF as the first line (or the subject): a partner asks for a member's ideal-referral brief.
    Only in mail to us and members alone, so an intro that opens with "Brief" (a German letter)
    stays an intro; whether it is answered is worker/followups/briefreply.py's call (proof, once)."""
    if msg.sender is None or not any(noise.is_tracking(a.email, ctx.tracking) for a in msg.recipients):
        return None
    if any(not noise.is_tracking(a.email, ctx.tracking) and ctx.directory.member_of(a.email) is None
           for a in msg.recipients):
        return None
    first = next((line for line in new_text(msg.text).splitlines() if line.strip()), "")
    subject = FORWARD_OR_REPLY.sub("", msg.subject or "")
    said = first if asks_for_brief(first) else subject if asks_for_brief(subject) else ""
    if not said:
        return None
    return _robot_or_person(msg, Verdict(Kind.BRIEF_REQUEST, "brief_request",
                                         f"{msg.sender.email} asks for a brief ({said.strip()[:40]!r})"))


def thread_reply(msg: Inbound, ctx: Context) -> Verdict | None:
    thread = ctx.thread
    if thread is None:
        return None
    confirmed = _clear_intro_for_review(msg, ctx, thread)
    if confirmed is not None:
        return confirmed
    brought = _newcomer_in_thread(msg, ctx, thread)
    if brought is not None:
        return brought
    return _robot_or_person(msg, Verdict(Kind.THREAD_REPLY, "thread_reply", thread.how,
                                         referral_id=thread.referral_id))


def _clear_intro_for_review(msg: Inbound, ctx: Context, thread: ThreadMatch) -> Verdict | None:
    """The introducer of an intro waiting for review writes a clear one in its thread: that is the
    intro (logged, the review item settled by it). A party thanking for the introduction is a reply."""
    if not thread.review_introducer or msg.sender is None or msg.sender.email != thread.review_introducer:
        return None
    verdict = _intro_of(msg, ctx)
    if verdict is None or verdict.confidence < ctx.review_below:
        return None
    return replace(verdict, referral_id=thread.referral_id,
                   reason=f"{verdict.reason}, in the thread of review item #{thread.referral_id}")


def _newcomer_in_thread(msg: Inbound, ctx: Context, thread: ThreadMatch) -> Verdict | None:
    """Someone in an intro's thread brings in a newcomer and says who they are ("c/c Oliver and Patrick,
    who maintain this driver"): a new intro of people that referral does not have, not a reply to it."""
    verdict = cc_intro(msg, ctx) or pair_intro(msg, ctx)
    if verdict is None or verdict.confidence < ctx.review_below:
        return None
    if any(a.email in thread.parties for a in verdict.extra["newcomers"]):
        return None
    # in_thread_of: a party writing it has also replied in that referral's thread (actions.log_referral).
    return replace(verdict, extra={**verdict.extra, "in_thread_of": thread.referral_id},
                   reason=f"{verdict.reason}, in the thread of referral #{thread.referral_id} "
                          "(the newcomers are none of its people)")


def _robot_or_person(msg: Inbound, verdict: Verdict) -> Verdict:
    """A reply to us stays a reply (a command in it still counts), marked when it reads as a robot's."""
    robot = _robot_words(msg)
    if not robot:
        return verdict
    return replace(verdict, looks_automated=robot, reason=f"{verdict.reason}; looks automated: {robot}")


def _robot_words(msg: Inbound) -> str:
    """Why the new text reads as a robot's ("" when a person's): never when it answers below a quote."""
    return "" if ooo.answers_below_quote(msg.text) else ooo.automated(new_text(msg.text))


def auto_reply_text(msg: Inbound, ctx: Context) -> Verdict | None:
    """An auto-reply that only its words give away (no header says so): recorded, never acted on.

    Intro language wins: "I am on leave until May, so let me introduce you to Jo" is an intro
    (the intro rules run first; the check here covers intro words with no one else addressed).
    """
    text = new_text(msg.text)
    robot = _robot_words(msg)
    if not robot or cues(text).strong:
        return None
    return Verdict(Kind.AUTO_REPLY, "auto_reply_text", f"reads as an automatic reply: {robot}", looks_automated=robot)


def forwarded_intro(msg: Inbound, ctx: Context) -> Verdict | None:
    for inner in msg.attached:
        verdict = _intro_of(inner, ctx)
        if verdict:
            return _as_forward(verdict, "the attached message", inner.message_id)
    if not msg.subject.lower().startswith(FORWARD_SUBJECT) and not _marker_only_forward(msg):
        return None
    block = find_forwarded(msg.text)
    if block is None:
        return None
    original = _from_block(msg, block)
    verdict = _intro_of(original, ctx)
    if verdict:
        return _as_forward(verdict, "the forwarded message", "")
    return None


def _marker_only_forward(msg: Inbound) -> bool:
    head = msg.text[:2000].lower()
    return "forwarded message" in head or "begin forwarded message" in head


def _from_block(msg: Inbound, block) -> Inbound:
    def addrs(raw: str) -> tuple[Address, ...]:
        return addresses([raw])
    sender = addrs(block.from_)
    return replace(
        msg, sender=sender[0] if sender else None, to=addrs(block.to), cc=addrs(block.cc),
        subject=block.subject, date=_aware(parse_loose_date(block.date), msg.date) or msg.date, text=block.body,
        attached=(), message_id="", in_reply_to=(), references=(),
    )


def _aware(when, forwarded_at=None):
    """Clients print forwarded dates without a zone more often than not (Outlook's "Sent: Thursday,
    November 26, 2026 10:14 AM"): the forwarder's own Date offset is the best guess of the zone it
    was printed in, else UTC."""
    if when is not None and when.tzinfo is None:
        zone = forwarded_at.tzinfo if forwarded_at is not None and forwarded_at.tzinfo is not None else UTC
        return when.replace(tzinfo=zone)
    return when


def _as_forward(verdict: Verdict, where: str, original_id: str) -> Verdict:
    assert verdict.intro is not None, "the intro rules' verdicts carry their intro"
    intro = replace(verdict.intro, original_message_id=original_id)
    return replace(
        verdict, kind=Kind.FORWARDED_INTRO, rule="forwarded_intro", intro=intro,
        reason=f"forwarded intro: {where} — {verdict.reason}",
    )


def _intro_of(msg: Inbound, ctx: Context) -> Verdict | None:
    """The intro rules alone, for a forwarded or attached original."""
    for rule in (double_intro, heads_up):
        verdict = rule(msg, ctx)
        if verdict:
            return verdict
    return None


def double_intro(msg: Inbound, ctx: Context) -> Verdict | None:
    others = parties_of(msg, ctx)
    if msg.sender is None or not 2 <= len(others) <= ctx.max_parties:
        return None  # more is a group mail (not_intro says so): never thousands of parties
    text = new_text(msg.text)
    found = cues(text)
    # The body's own words outrank the subject's: "Quick intro" over "let me introduce myself".
    from_subject = not found.trap and subject_counts(msg, found)
    hit = found.strong or (_group0(STRONG.search(msg.subject)) if from_subject else None)
    if hit is None:
        return None
    confidence = 0.95 if INTRO_SUBJECT.search(msg.subject) else 0.9
    reason = (f"{msg.sender.email} wrote to {len(others)} people with introduction language "
              f"({hit.strip()!r})")
    return Verdict(Kind.DOUBLE_INTRO, "double_intro", reason, confidence, _intro(msg, others, text, ctx))


def subject_counts(msg: Inbound, found: Cues) -> bool:
    """Whether intro words in the subject may stand for the new text's (`found`: its cues). Not over an
    auto-reply's words: its "Re: Intro: Alice / Tom" is the subject of the mail it answers. Not on a reply
    whose new text has no intro words of its own: a reply to an intro is no new intro by its subject alone."""
    if _robot_words(msg):
        return False
    return REPLY_SUBJECT.match(msg.subject) is None or bool(found.strong or found.hint or found.weak)


def heads_up(msg: Inbound, ctx: Context) -> Verdict | None:
    others = parties_of(msg, ctx)
    if msg.sender is None or len(others) != 1:
        return None
    text = new_text(msg.text)
    named, confidence, how = _heads_up_name(text)
    if named is None:
        return None
    prospect = Party(Address(named, ""), "prospect")
    intro = _intro(msg, others, text, ctx, extra=(prospect,))
    reason = f"{msg.sender.email} told {others[0].email} {how.format(name=named)}"
    errand = ERRAND.search(text)
    if errand is not None:  # "Luis, my plumber, will call you about the leak in your flat": the landlord's
        confidence = min(confidence, 0.6)
        reason = f"{reason}, but the call may be an errand ({errand.group(0)!r}), not a new customer"
    client = heads_up_client(text, named)
    if client is not None:
        # "Hi Dana, my plumber Luis will call you about your leak": Luis does the work, Dana is his client.
        parties, direction, member_id = client_roles(others[0], prospect.address, msg.from_address, ctx.directory)
        intro = replace(intro, parties=parties, direction=direction, member_id=member_id)
        reason = f"{reason}; {named} is the provider, {others[0].email} the client ({client!r})"
        return Verdict(Kind.HEADS_UP, "heads_up", reason, confidence, intro)
    # The one person told to expect the call is the provider, member or not.
    parties = tuple(replace(p, role="provider") if p.address == others[0] else p for p in intro.parties)
    intro = replace(intro, parties=parties)
    return Verdict(Kind.HEADS_UP, "heads_up", reason, confidence, intro)


# The rarer shapes (heads_up_words) are looked for in the first 20,000 characters only: they try every
# capitalised word, and on 400 kB of names would cost seconds. A heads-up says who will call early on.
HEADS_UP_READS = 20_000


def _heads_up_name(text: str) -> tuple[str | None, float, str]:
    """Who the one recipient will hear from, how sure, and the words for the reason."""
    head = text[:HEADS_UP_READS]
    no = denied(text)  # "der Thomas meldet sich nicht bei dir": no one is coming
    named = _named((HEADS_UP_NAMED, HEADS_UP_BEFORE), text, no) or _named(CALLER_NAMED, head, no)
    if named:  # "expect a call from my friend Kirk"
        return named, 0.85, "that {name} will get in touch"
    # "I gave your number to my neighbor Luis"
    given = _named(GAVE_CONTACT, text, no) or _named(GAVE_NAME_FIRST, head, no)
    if given:
        return given, 0.85, "that their contact went to {name}"
    hint = cues(text).hint
    said = _named(PERSON_SAID, head) if hint and CONTACT_WORD.search(hint) else None
    if said:  # "I gave her your number - Anna Berg, my neighbour": one clause passes it, another names her
        return said, 0.8, f"that their contact went to someone ({hint!r}) and named {{name}}"
    caller, pronoun = _pronoun_caller(head, no)
    if caller:  # "a client of mine, Julie Bernard, wants to sell her house. … she should call you"
        return caller, 0.8, f"that {{name}} will get in touch ({pronoun!r}, of the one person named just before)"
    introduced = _named(INTRO_NAMED, text)
    if introduced is None:
        return None, 0.0, ""
    if cues(text).hint:  # "… ich gebe ihr deine Kontaktdaten": the newcomer has the contact
        return introduced, 0.85, "about {name} and passed on their contact"
    return introduced, 0.6, "about {name}, without saying they will get in touch"


# A sentence ends at ".", "!" or "?" before a space, or at a blank line; not at a title's dot ("Mme. Bernard").
_SENTENCE_END = re.compile(r"(?<=[.!?])\s++|\n[ \t]*+\n\s*+")


def _sentence_before(text: str, at: int) -> str:
    """The whole sentence before the one that `at` is in ("" when that one is the first)."""
    starts = [0]
    for end in _SENTENCE_END.finditer(text, 0, at):
        words = text[max(0, end.start() - 20):end.start()].split()
        if not (words and titles.is_title(words[-1])):
            starts.append(end.end())
    return GREETING_LINE.sub("", text[starts[-2]:starts[-1]], count=1) if len(starts) > 1 else ""


def _pronoun_caller(text: str, skip: Sequence[tuple[int, int]]) -> tuple[str | None, str]:
    """Who the pronoun that will call is: the one person the sentence before named ("a client of mine, Julie
    Bernard, wants to sell her house. I gave her your details, she should call you"), and the pronoun's words. No
    one when that sentence named no one or more (a person decides: weak_intro), nor where `skip` says no one is
    coming ("elle ne va pas vous appeler")."""
    for call in PRONOUN_CALLS.finditer(text):
        if any(start < call.end() and call.start() < end for start, end in skip):
            continue
        before = _sentence_before(text, call.start())
        named = _named(NAMED_BEFORE_PRONOUN, before)
        if named and not _others_named(before, named):
            return named, call.group(0)
    return None, ""


def _others_named(sentence: str, named: str) -> list[str]:
    """People in the sentence besides `named`: "Marc Petit", "her husband Marc", a known given name."""
    known = {*named.split(), *NOT_A_NAME, *DETERMINERS, *PRONOUNS}
    words = [w for m in OTHER_PERSON.finditer(sentence) for w in _WORD.findall(m.group(0))]
    words += [w for w in _WORD.findall(sentence) if w in GIVEN_NAMES]
    return [w for w in words if w[0].isupper() and w not in known and not titles.is_title(w)]


def promise(msg: Inbound, ctx: Context) -> Verdict | None:
    """A partner tells a member they may have a referral for them: noted, nudged about later."""
    if msg.sender is None or ctx.directory.member_of(msg.sender.email) is not None:
        return None
    members = tuple(dict.fromkeys(m.id for a in parties_of(msg, ctx) if (m := ctx.directory.member_of(a.email))))
    if not members:
        return None
    fresh = not msg.in_reply_to and not msg.subject.lower().startswith(("re:", "aw:", "sv:", "antw:"))
    for text in (rejoin(new_text(msg.text)), msg.subject if fresh else ""):  # "someone\nfor you": one sentence
        hit = PROMISES.search(text)
        if hit is not None:
            reason = (f"{msg.sender.email} told {len(members)} member(s) they may have a referral "
                      f"({hit.group(0).strip()!r}), not an intro yet")
            return Verdict(Kind.PROMISE, "promise", reason, 0.8,
                           promise=Promised(msg.sender, members, msg.date, _sentence(text, hit)))
    return None


def _sentence(text: str, hit) -> str:
    """The whole sentence the promise is in, as written (the match ran on lower-cased text)."""
    if len(text.lower()) != len(text):
        return hit.group(0)
    start = max(text.rfind(stop, 0, hit.start()) for stop in ".!?\n") + 1
    ends = [i for stop in ".!?\n" if (i := text.find(stop, hit.end())) >= 0]
    return " ".join(text[start:min(ends, default=len(text)) + 1].split())[:280]


def weak_intro(msg: Inbound, ctx: Context) -> Verdict | None:
    others = parties_of(msg, ctx)
    if msg.sender is None or not 1 <= len(others) <= ctx.max_parties:
        return None
    text = new_text(msg.text)
    found = cues(text)
    hit = found.strong or found.hint or (found.weak if len(others) >= 2 else None)
    if hit is None:
        return None
    flat = rejoin(text)  # the cues were found in it
    service = None if found.strong or found.weak else SERVICE_CALLER.search(flat)
    if service is not None and hit in flat[service.start():service.end() + 60].lower():
        return Verdict(Kind.NOT_INTRO, "weak_intro", f"not an introduction: a service will get in touch "
                                                     f"({service.group(0).strip()!r}), no one named")
    reason = (f"{msg.sender.email} wrote to {len(others)} other(s) with intro-like words "
              f"({hit.strip()!r}) but not a clear introduction")
    return Verdict(Kind.DOUBLE_INTRO if len(others) > 1 else Kind.HEADS_UP, "weak_intro", reason, 0.5,
                   _intro(msg, others, text, ctx))


def _group0(match) -> str | None:
    return match.group(0) if match else None


def not_intro(msg: Inbound, ctx: Context) -> Verdict:
    others = parties_of(msg, ctx)
    why = "no introduction language in the new text" if others else "no one else addressed"
    text = new_text(msg.text)
    trap = cues(text).trap if others else None
    asked = requested(text) if others else None
    if asked and (trap is None or trap_kind(trap) != trap_kind(asked)):
        # The request is what the mail is, though its words may be no cue ("could you put me in touch with someone
        # you trust?") or another trap took the intro words ("… I'd introduce them myself but I don't know him").
        why = f"it is {trap_kind(asked)} ({asked[:80]!r})"
        if trap:
            why += f"; its intro words are {trap_kind(trap)} ({trap.strip()[:80]!r})"
    elif trap:  # "kannst du mich mit einem guten Notar bekannt machen?": intro words, but no one introduced
        why = f"its intro words are {trap_kind(trap)} ({trap.strip()[:80]!r})"
    elif others and (meeting := proposed_meeting(text)):
        why = f"no introduction language; the writer proposes a meeting ({meeting[:60]!r})"
    if len(others) > ctx.max_parties:
        why = f"a group mail to {len(others)} people (an intro has at most classify.max_parties = {ctx.max_parties})"
    return Verdict(Kind.NOT_INTRO, "not_intro", f"not an introduction: {why}")


def parties_of(msg: Inbound, ctx: Context) -> list[Address]:
    """Recipients other than the tracking address and the sender's own addresses."""
    if msg.sender is None:
        return []
    own = _aliases(msg.sender, ctx)
    seen: dict[str, Address] = {}
    for a in msg.recipients:
        if a.email in own or noise.is_robot_address(a.email, ctx) or a.email in seen:
            continue
        if a.name and msg.sender.name and a.name.lower() == msg.sender.name.lower():
            continue  # the introducer CCing another address of their own
        seen[a.email] = a
    return list(seen.values())


def _aliases(sender: Address, ctx: Context) -> frozenset[str]:
    member = ctx.directory.member_of(sender.email)
    emails = member.emails if member and sender.email in member.emails else frozenset()
    return frozenset({sender.email, *emails})


def _named(patterns, text: str, skip: Sequence[tuple[int, int]] = ()) -> str | None:
    """The first person's name the patterns find ("Governor Tony Knowles" is Tony Knowles, "Herrn Olsen" Herr
    Olsen: titles.person); not "Our Sales Team", "DHL" or "der Kurier" (heads_up_words.not_a_person), nor one
    found where `skip` (spans of text) says no one is coming."""
    for pattern in patterns:
        for found in pattern.finditer(text):
            if any(start < found.end() and found.start() < end for start, end in skip):
                continue
            name = _person(found.group("name"))
            bare = titles.strip(name)  # what follows the title is what must read as a person's name
            start = found.end("name") - len(bare)
            if bare and len(name) <= MAX_NAME and not not_a_person(bare, text[max(0, start - 20):start]):
                return name  # longer is no one's name
    return None


def _person(words: str) -> str:
    """The name in the words a pattern took for one: no pronoun or greeting before it ("Es Anna, una amiga" is
    Anna; "Hi Dana\nKirk will call you" is Kirk, on the line that names him), its title as titles.person keeps
    it."""
    if words.split()[0] in DETERMINERS:
        return ""  # "Ein Kollege", "Our Sales Team": a thing said of, not a name
    lead = 0
    for word in words.split():
        if word not in PRONOUNS and word not in NOT_A_NAME:
            break
        lead += 1
    if lead == 0:
        return titles.person(words)
    rest = words.split(None, lead)[lead:]
    return titles.person(rest[0].split("\n")[-1].strip()) if rest else ""


def cc_intro(msg: Inbound, ctx: Context) -> Verdict | None:
    """A newcomer added to a conversation and said who they are: "looping in Judith, who runs our
    media team", "ich habe Anna mal in CC genommen, sie …" — an intro of the newcomer to the people the
    mail is to (a long Cc of a thread is no party of it)."""
    others = parties_of(msg, ctx)
    if msg.sender is None or len(others) < 2:
        return None
    text = new_text(msg.text)
    for pattern in BRING_IN:
        for found in pattern.finditer(text):
            named = (found.group(g) for g in ("name", "name2") if found.group(g))
            newcomers = list(dict.fromkeys(a for words in named if (a := _recipient_named(words, others))))
            parties = _addressed(msg, others, newcomers, text, ctx.thread) if newcomers else []
            if not 2 <= len(parties) <= ctx.max_parties:
                continue
            who = " and ".join(a.email for a in newcomers)
            reason = (f"{msg.sender.email} brought {who} into a conversation with "
                      f"{len(parties) - len(newcomers)} other(s) and said who they are ({found.group(0).strip()!r})")
            return Verdict(Kind.DOUBLE_INTRO, "cc_intro", reason, 0.8, _intro(msg, parties, text, ctx),
                           extra={"newcomers": tuple(newcomers)})
    return None


def _addressed(msg: Inbound, others: list[Address], newcomers: list[Address], text: str,
               thread: ThreadMatch | None) -> list[Address]:
    """Who newcomers are brought in for: the people the mail is To, else everyone else on it; in an intro's
    thread, of those, the ones they were already there for (_in_thread_for)."""
    to = {a.email for a in msg.to}
    addressed = [a for a in others if a.email in to and a not in newcomers]
    addressed = addressed or [a for a in others if a not in newcomers]
    return [*(_in_thread_for(addressed, text, thread) if thread else addressed), *newcomers]


def _in_thread_for(addressed: list[Address], text: str, thread: ThreadMatch) -> list[Address]:
    """A reply-all that brings in a newcomer is still to everyone of the thread: Raj's "Dana - adding my cousin
    Amit. Amit, meet Dana" answers Mike's "Dana, Raj - putting you two in touch", To Dana, Mike and Amit. Amit
    is brought in for those the new text names (Dana), else for that intro's parties — never for the one who
    made it (Mike), who is no party of this one."""
    words = _CAPITALISED.findall(text)
    named = [a for a in addressed if any(_recipient_named(word, [a]) for word in words)]
    theirs = [a for a in addressed if a.email in thread.parties and a.email != thread.introducer]
    return named or theirs or addressed


def pair_intro(msg: Inbound, ctx: Context) -> Verdict | None:
    """Two people told to get in touch, one of them on Cc and named in the text: "Vladimir mentioned … he
    is considering adding support for PHYLIB …, you two should probably coordinate with each other" to
    Maxime, Vladimir on Cc. Both on To ("Jenny's running the market … You two should talk") is only a hint
    (weak_intro): they may well know each other."""
    others = parties_of(msg, ctx)
    if msg.sender is None or len(others) < 2:
        return None
    text = new_text(msg.text)
    told = PAIR_UP.search(text)
    if told is None or cues(text).trap:
        return None
    to = {a.email for a in msg.to}
    on_cc = [a for a in others if a.email not in to]
    named = list(dict.fromkeys(a for word in _named_words(text) if (a := _recipient_named(word, on_cc))))
    addressed = _replied_to(msg.text, [a for a in others if a.email in to])
    if len(named) != 1 or len(addressed) != 1:
        return None  # "you two" is one newcomer and the one the mail answers
    newcomer, told_to = named[0], addressed[0]
    reason = (f"{msg.sender.email} told {told_to.email} and {newcomer.email} (on Cc, named in the text) to get "
              f"in touch ({told.group(0)!r})")
    return Verdict(Kind.DOUBLE_INTRO, "pair_intro", reason, 0.8, _intro(msg, [told_to, newcomer], text, ctx),
                   extra={"newcomers": (newcomer,)})


_CAPITALISED = re.compile(r"(?<![\w'’@.-])[A-ZÀ-ÖØ-Þ][\w'’-]*\w")


def _named_words(text: str) -> list[str]:
    """What in a text may name someone on the mail: a title with each word after it ("Herr Richter" is RA Thomas
    Richter, t.richter@…, by his surname), then each capitalised word (a first name)."""
    titled = [f"{found.group(0)[:found.start('name') - found.start()].strip()} {word}"
              for found in titles.TITLED.finditer(text) for word in found.group("name").split()]
    return [*titled, *_CAPITALISED.findall(text)]
# The line a reply's quote starts with: "On 5/15/19 7:02 AM, Maxime Chevallier wrote:", "Am … schrieb Anna:".
_ATTRIBUTION = re.compile(r"^(?![ \t]*>)[^\n]{0,200}?\b(?:wrote|writes|schrieb|a écrit|escribió|escreveu|schreef"
                          r"|ha scritto)\b[^\n]{0,80}$", re.MULTILINE | re.IGNORECASE)


def _replied_to(text: str, addressed: list[Address]) -> list[Address]:
    """Of the people a mail is To, the one its quote is from when more than one ("you two" is them and the
    newcomer): the first attribution line names them."""
    if len(addressed) < 2:
        return addressed
    line = _ATTRIBUTION.search(text)
    if line is None:
        return addressed
    return [a for a in addressed if _recipient_named(line.group(0).split(",")[-1], [a]) or a.email in line.group(0)]


def named_intro(msg: Inbound, ctx: Context) -> Verdict | None:
    """Two people on the mail presented to each other by name, with no word "introduce": "Sarah, this
    is Dana, my bookkeeper", "here's Dana, the bookkeeper I mentioned"."""
    return _meeting_doubt(_named_intro(msg, ctx), new_text(msg.text))


def _named_intro(msg: Inbound, ctx: Context) -> Verdict | None:
    others = parties_of(msg, ctx)
    if msg.sender is None or not 2 <= len(others) <= ctx.max_parties:
        return None
    text = new_text(msg.text)
    found = cues(text)
    if found.trap and not found.strong:
        return None  # "thanks for the intro — Dana, this is Sam, my partner" is a thank-you first
    for pattern in PRESENTED:
        for hit in pattern.finditer(text):
            presented = _recipient_named(hit.group("b"), others)
            if presented is not None and _genitive(hit.group("b"), presented):
                continue  # "Dana, das ist Michaels erste Woche": whose week, not who
            told = hit.groupdict().get("a")
            to = _recipient_named(told, others) if told else None
            if presented is None or (told and (to is None or to == presented)):
                continue
            if to is None:
                reason = f"{msg.sender.email} presented {presented.email} by name ({hit.group(0).strip()!r})"
                return Verdict(Kind.DOUBLE_INTRO, "named_intro", reason, 0.8, _intro(msg, others, text, ctx))
            reason = (f"{msg.sender.email} presented {presented.email} to {to.email} by name "
                      f"({hit.group(0).strip()!r})")
            return Verdict(Kind.DOUBLE_INTRO, "named_intro", reason, 0.9, _intro(msg, others, text, ctx))
    return None


def _genitive(word: str, person: Address) -> bool:
    """A German or Dutch genitive of the person's first name ("Michaels", "Annas"): their name plus s, where
    their name is not that word itself — one letter off for _recipient_named, but no one presented."""
    word = word.lower()
    first = _WORD.findall(given_and_family(person.name)[0].lower())[:1]
    return word.endswith("s") and first == [word[:-1]]


def subject_intro(msg: Inbound, ctx: Context) -> Verdict | None:
    """A subject that only names two people on the mail ("Anna <> Bob"), whatever the body says."""
    others = parties_of(msg, ctx)
    pair = SUBJECT_PAIR.match(msg.subject)
    if msg.sender is None or pair is None or not 2 <= len(others) <= ctx.max_parties:
        return None
    a, b = (_recipient_named(pair.group(side), others) for side in ("a", "b"))
    text = new_text(msg.text)
    if a is None or b is None or a == b or cues(text).trap:  # "thanks for the intro" under "Re: Anna <> Bob"
        return None
    if not subject_counts(msg, cues(text)):  # "Re: Anna <> Bob": "see you Tuesday" answers that intro
        return None
    reason = f"{msg.sender.email} wrote to {a.email} and {b.email} under a subject naming them both ({msg.subject!r})"
    return _meeting_doubt(Verdict(Kind.DOUBLE_INTRO, "subject_intro", reason, 0.85, _intro(msg, others, text, ctx)),
                          text)


def _meeting_doubt(verdict: Verdict | None, text: str) -> Verdict | None:
    """An intro read from names alone, no intro words, in a mail where the writer proposes to meet ("Dana / Sam":
    "can we meet Tuesday at 10?"): it may be the writer's own meeting with both, so a person decides."""
    meeting = None if verdict is None or cues(text).strong else proposed_meeting(text)
    if verdict is None or meeting is None:
        return verdict
    return replace(verdict, confidence=min(verdict.confidence, 0.6),
                   reason=f"{verdict.reason}, but the writer proposes a meeting ({meeting[:60]!r})")


def _recipient_named(words: str, others: list[Address]) -> Address | None:
    """The recipient a name stands for: its first word is their first name or their address's; a title and a
    surname alone ("Frau Hoffmann", "Dr. Mehta") stand for the one whose surname it is, in their name or
    their address (s.hoffmann@…, hoffmann@…)."""
    title, name = titles.split(_PARENS.sub("", words).strip())
    first = _WORD.findall(name.lower())
    if not first or len(first[0]) < 2:
        return None
    if title and len(first) == 1:
        return next((a for a in others if first[0] in _surnames(a)), None)
    firsts = [(a, {*(_WORD.findall(given_and_family(a.name)[0].lower())[:1]),
                   *(_WORD.findall(a.email.split("@")[0].lower())[:1])}) for a in others]
    exact = next((a for a, names in firsts if first[0] in names), None)
    # A name one letter off, as people type them ("Oliver" for Olivier), when no one is named exactly.
    return exact or next((a for a, names in firsts if any(_one_letter_off(first[0], n) for n in names)), None)


def _surnames(person: Address) -> set[str]:
    """What a person may be called with a title: the surname of their name, the last word of their address's
    local part (r.hoffmann@, hoffmann@, sabine.hoffmann@)."""
    family = given_and_family(person.name)[1].lower()
    local = _WORD.findall(person.email.split("@")[0].lower())
    return {w for w in (family, *local[-1:]) if len(w) >= 2}


def _one_letter_off(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 5 or a[:2] != b[:2]:
        return False
    i = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return a[i + 1:] == b[i + 1:] or a[i + 1:] == b[i:] or a[i:] == b[i + 1:]


def invitation(msg: Inbound, ctx: Context) -> Verdict | None:
    """A calendar's invitation or answer: its "meet" and even "intro call" are a meeting's."""
    subject = INVITATION_SUBJECT.match(msg.subject)
    if not msg.calendar and subject is None:
        return None
    how = f"its subject starts {subject.group(0).strip()!r}" if subject else "it carries a calendar part"
    return Verdict(Kind.NOT_INTRO, "invitation", f"not an introduction: a calendar invitation or its answer ({how})")


def _intro(msg: Inbound, others: list[Address], text: str, ctx: Context, extra=()) -> Intro:
    parties, direction, member_id = assign(others, msg.from_address, text, ctx.directory)
    return Intro(
        introducer=msg.from_address, parties=parties + tuple(extra), direction=direction,
        member_id=member_id, introduced_at=msg.date, subject=msg.subject,
        excerpt=excerpt(text), original_message_id=msg.message_id,
    )


RULES: tuple[Rule, ...] = (
    noise.other_deployment,
    noise.own_mail,
    noise.bounce,
    noise.auto_reply,
    noise.mailing_list,
    noise.newsletter,
    brief_request,  # before the replies: BRIEF answering a follow-up is no status answer
    status_reply,
    thread_reply,
    invitation,  # before the intro rules: "Invitation: Intro call Anna / Bob" is a meeting
    forwarded_intro,
    double_intro,
    cc_intro,
    pair_intro,
    named_intro,
    subject_intro,
    heads_up,
    promise,  # "I'm away until Monday, but I may have a client for you" is still a promise
    auto_reply_text,  # after what a person says, before the rules a robot's words could trip
    weak_intro,
    not_intro,
)
