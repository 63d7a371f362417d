"""What a verdict writes to the database (routes.py says which verdict does what); no other I/O.
Times come from `now`, the app's clock, so simulated time (`run --now`, tests) stays consistent."""
import hashlib
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from models import Member, Person, Promise, Referral, ReferralEvent, ReferralParty
from models.db import must_get
from worker.classify.verdict import Intro, Verdict
from worker.core import lifecycle
from worker.core.statuses import Kind, Status
from worker.inbound.matching import same_parties
from worker.inbound.threads import subject_key
from worker.ledger import review
from worker.mail import languages, names, register
from worker.mail.parse import Address, Inbound
from worker.mail.quotes import new_text
from worker.outbound.quiet import utc_offset_minutes

_PEOPLE_BY_EMAIL = select(Person).where(Person.email.in_(bindparam("emails", expanding=True)))
_REFERRAL_BY_KEY = select(Referral.id).where(Referral.dedupe_key == bindparam("key"))
# Not session.get: that would load every party of it (a past group mail may have thousands).
_STATUS_OF = select(Referral.status).where(Referral.id == bindparam("id"))


@dataclass(frozen=True)
class Acted:
    """The referral a message belongs to, and what a person reading the log must know beyond the
    verdict's reason (the intro was one we knew: "the same intro as referral #3")."""

    referral_id: int | None
    note: str = ""


def log_referral(session: Session, verdict: Verdict, msg: Inbound, now: datetime) -> Acted:
    intro = verdict.intro
    if intro is None:
        return Acted(None)
    if verdict.extra.get("in_thread_of"):
        # "Thanks Anna! Looping in Judith…" from a party: a new intro, and that party's reply in the
        # first one's thread all the same (else its stale timer and heads-up reminder ran on as if
        # nobody had answered).
        note_thread_reply(session, replace(verdict, referral_id=verdict.extra["in_thread_of"]), msg, now)
    people = people_for(session, [intro.introducer, *(p.address for p in intro.parties)])
    introducer, parties = people[0], list(zip(people[1:], (p.role for p in intro.parties), strict=True))
    # A clear intro in the thread of one waiting for review (classify says which) settles that one.
    existing = verdict.referral_id or _same_intro(session, intro, introducer, [p for p, _ in parties])
    if existing is not None:
        status = session.scalar(_STATUS_OF, {"id": existing})
        if status == Status.REJECTED:  # a person said no: another copy of it must not revive it (no thanks)
            return Acted(None, f"the same intro as referral #{existing}, rejected in review: not logged again")
        if status == Status.NEEDS_REVIEW and verdict.kind != Kind.NEEDS_REVIEW:
            _log_candidate(session, must_get(session, Referral, existing), verdict, intro, msg, parties, now)
            return Acted(existing, f"logged review item #{existing} (it was waiting for review; this intro is clear)")
        return Acted(existing, f"the same intro as referral #{existing} ({status})")
    referral = Referral(
        dedupe_key=_dedupe_key(intro), kind=verdict.rule if verdict.kind == Kind.NEEDS_REVIEW else verdict.kind,
        status=Status.NEEDS_REVIEW if verdict.kind == Kind.NEEDS_REVIEW else Status.INTRODUCED,
        direction=intro.direction, confidence=verdict.confidence, reason=verdict.reason,
        introduced_at=intro.introduced_at or now, introducer=introducer,
        member_id=intro.member_id, source_message_id=intro.original_message_id or msg.message_id,
        subject=intro.subject[:500], subject_key=subject_key(intro.subject), excerpt=intro.excerpt,
        introducer_utc_offset=_written_offset(intro, msg),
        created_at=now,  # when it was logged, by the app's clock: what "logged later" rules read
    )
    referral.parties = [ReferralParty(person=person, role=role) for person, role in parties]
    session.add(referral)
    session.flush()
    return Acted(referral.id)


def _log_candidate(session: Session, referral: Referral, verdict: Verdict, intro: Intro, msg: Inbound,
                   parties: list[tuple[Person, str]], now: datetime) -> None:
    """An intro waiting for review becomes the clear intro that followed it: its people, roles and
    source, status introduced (an event says which message did it); a party's reply seen while it
    waited is recorded as evidence, as `review accept` does."""
    session.flush()  # new people get their ids
    decision = lifecycle.decide(referral.status, None, lifecycle.INTRODUCER, "clear_intro")
    if not decision.allowed:
        return
    referral.kind, referral.confidence, referral.reason = verdict.kind, verdict.confidence, verdict.reason
    referral.direction, referral.member_id = intro.direction, intro.member_id
    referral.introduced_at = intro.introduced_at or referral.introduced_at
    referral.source_message_id = intro.original_message_id or msg.message_id
    referral.subject, referral.subject_key = intro.subject[:500], subject_key(intro.subject)
    referral.excerpt = intro.excerpt
    roles = {person.id: role for person, role in parties}
    for old in list(referral.parties):
        if old.person_id in roles:
            old.role = roles.pop(old.person_id)
        else:
            referral.parties.remove(old)
            session.delete(old)
    referral.parties.extend(ReferralParty(person=person, role=role) for person, role in parties if person.id in roles)
    lifecycle.record(session, referral, "clear_intro", decision, now, actor_email=intro.introducer.email,
                     message_id=msg.message_id, reason=f"a clear intro followed in {msg.message_id}: {verdict.reason}")
    review.note_reply_seen(session, referral, now)


def _written_offset(intro: Intro, msg: Inbound) -> int | None:
    """The UTC offset of the intro's Date when the introducer sent this mail themselves (a forward's
    outer Date is the forwarder's, and its quoted date is often read without a zone)."""
    own = msg.sender is not None and msg.sender.email == intro.introducer.email
    return utc_offset_minutes(msg.date) if own else None


def note_thread_reply(session: Session, verdict: Verdict, msg: Inbound, now: datetime) -> int | None:
    """A party's reply in the intro thread is recorded as evidence (once per party), never as an
    answer: the lifecycle's thread_reply rule leaves the status as it is, and says why."""
    referral = session.get(Referral, verdict.referral_id)
    if referral is None or msg.sender is None:
        return verdict.referral_id
    party_emails = {p.person.email for p in referral.parties}
    if verdict.looks_automated:
        return referral.id  # an out-of-office or acknowledgement robot is not the party talking
    decision = lifecycle.decide(referral.status, None, lifecycle.PARTY, "thread_reply")
    sender = msg.sender.email
    if decision.allowed and sender in party_emails and not _heard_from(session, referral.id, sender):
        lifecycle.record(session, referral, "thread_reply", decision, now, actor_email=msg.sender.email,
                         message_id=msg.message_id,
                         reason=f"{msg.sender.email} replied in the intro thread: {decision.reason}")
    return referral.id


def _heard_from(session: Session, referral_id: int, sender: str) -> bool:
    return session.scalar(select(ReferralEvent.id).where(
        ReferralEvent.referral_id == referral_id, ReferralEvent.event == "thread_reply",
        ReferralEvent.accepted.is_(True), ReferralEvent.actor_email == sender).limit(1)) is not None


def record_promise(session: Session, verdict: Verdict, msg: Inbound, now: datetime) -> None:
    """A partner's "I might have someone for you": one row per member told, nudged about later."""
    promised = verdict.promise
    if promised is None:
        return None
    [partner] = people_for(session, [promised.partner])
    for member_id in promised.member_ids:
        session.add(Promise(member_id=member_id, partner=partner, made_at=promised.made_at or now,
                            message_id=msg.message_id[:400], subject=msg.subject[:500], said=promised.said))
    session.flush()  # autoflush is off in a batch: a later message must find this person
    return None


# Mail a person writes that tells the language to write back in; robots' and lists' never do.
_WRITTEN = frozenset({Kind.DOUBLE_INTRO, Kind.FORWARDED_INTRO, Kind.HEADS_UP, Kind.NEEDS_REVIEW,
                      Kind.THREAD_REPLY, Kind.STATUS_REPLY, Kind.PROMISE})


def note_language(session: Session, verdict: Verdict, msg: Inbound) -> None:
    """Remember the language its writer wrote in, and whether formally, for our mail to them
    (worker/core/locales.py, worker/mail/register.py).

    An intro is its introducer's words (a forward's, the original's); a reply is its sender's new
    text. A member's intro is written in the partner's language, not necessarily theirs: only
    their answers to our mail count for a member (members[].language stands until then)."""
    if verdict.kind not in _WRITTEN or verdict.looks_automated:
        return
    intro = verdict.intro
    writer = intro.introducer if intro is not None else msg.sender
    if writer is None or not writer.email:
        return
    if verdict.kind != Kind.STATUS_REPLY and any(writer.email in m.emails for m in session.scalars(select(Member))):
        return
    text = intro.excerpt if intro is not None else new_text(msg.text)
    language = languages.detect(text)
    if language is None:
        return  # "WON", a name and a signature: nothing said about the language
    [person] = people_for(session, [writer])
    person.language = language
    shown = register.detect(text, language, addressed=1 if verdict.kind in _TO_ONE else 2)
    if shown.register is not None:  # a mail that shows none leaves what an earlier one showed
        person.register = shown.register


# Mail that speaks to one reader: there a plural-capable "vous" or "ustedes" is the courtesy form.
_TO_ONE = frozenset({Kind.HEADS_UP, Kind.STATUS_REPLY, Kind.PROMISE})


def people_for(session: Session, addresses: list[Address]) -> list[Person]:
    """The person for each address, created on first sight (one query; the caller flushes)."""
    emails = {a.email for a in addresses if a.email}
    known = {p.email: p for p in session.scalars(_PEOPLE_BY_EMAIL, {"emails": list(emails)})}
    people = []
    for address in addresses:
        person = known.get(address.email) if address.email else None
        if person is None:
            person = Person(email=address.email or None, name=names.person(address.name or ""))
            session.add(person)
            if address.email:
                known[address.email] = person
        elif address.name and not person.name:
            person.name = names.person(address.name)  # a nameless address gains its name when one is seen
        people.append(person)
    return people  # new ones are flushed with the referral, in one go


def _same_intro(session: Session, intro: Intro, introducer: Person, parties: list[Person]) -> int | None:
    """The same intro already logged by another route (CC'd copy vs. a later forward)."""
    found = session.scalar(_REFERRAL_BY_KEY, {"key": _dedupe_key(intro)})
    if found is not None or intro.introduced_at is None:
        return found
    return same_parties(session, introducer, parties, intro.introduced_at)


def _dedupe_key(intro: Intro) -> str:
    if intro.original_message_id:
        return f"intro:{intro.original_message_id}"[:400]
    parties = sorted(p.address.email or p.address.name.lower() for p in intro.parties)
    day = intro.introduced_at.date().isoformat() if intro.introduced_at else ""
    basis = "|".join([intro.introducer.email, day, *parties])
    return "fp:" + hashlib.sha256(basis.encode()).hexdigest()
