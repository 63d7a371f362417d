"""Find the known intro thread a message belongs to (database reads only)."""
import re
from dataclasses import dataclass, replace

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from models import InboundMessage, Person, Referral, ReferralParty
from worker.classify.rules import ThreadMatch
from worker.core.statuses import Status
from worker.mail.parse import Inbound

_PREFIX = re.compile(r"^\s*(?:(?:re|aw|antw|sv|vs|r|ref|rif|res|fw|fwd|wg|tr|rv)\s*(?:\[\d+\])?\s*:\s*)+", re.I)


# Built once: constructing a statement costs more than running it on SQLite.
_BY_KEY = select(InboundMessage.kind, InboundMessage.referral_id).where(
    InboundMessage.dedupe_key == bindparam("key"))
_THREADED = select(InboundMessage.referral_id, InboundMessage.message_id).where(
    InboundMessage.referral_id.is_not(None)).limit(1)
_THREAD_BY_ID = _THREADED.where(InboundMessage.message_id == bindparam("id"))
_THREAD_BY_IDS = _THREADED.where(InboundMessage.message_id.in_(bindparam("ids", expanding=True)))
_INTRODUCER = select(Person.email, Referral.status).join(Referral, Referral.introducer_id == Person.id).where(
    Referral.id == bindparam("id"))
# The people of a referral (its parties and introducer): a newcomer brought into its thread is none of them.
_PEOPLE = select(Person.email).join(ReferralParty, ReferralParty.person_id == Person.id).where(
    ReferralParty.referral_id == bindparam("id")).union(
    select(Person.email).join(Referral, Referral.introducer_id == Person.id).where(Referral.id == bindparam("id")))
_REFERRALS_BY_SUBJECT = select(Referral.id).where(
    Referral.subject_key == bindparam("key")).order_by(Referral.id.desc()).limit(5)


def subject_key(subject: str) -> str:
    """A subject without reply/forward prefixes, for matching replies to their intro."""
    return " ".join(_PREFIX.sub("", subject).lower().split())[:500]


@dataclass(frozen=True)
class Seen:
    duplicate: tuple[str, int | None] | None  # (kind, referral id) of the earlier processing
    thread: ThreadMatch | None


def look_up(session: Session, msg: Inbound) -> Seen:
    """Whether we processed this message before, and which intro thread it belongs to.

    This runs for every message, so it sticks to simple equality queries; the costlier IN
    over all References runs only when In-Reply-To alone did not find the thread.
    """
    row = session.execute(_BY_KEY, {"key": msg.dedupe_key}).first()
    if row is not None:
        return Seen((row.kind, row.referral_id), None)
    thread = _by_message_ids(session, msg) or _by_subject_and_people(session, msg)
    if thread is not None:
        made = session.execute(_INTRODUCER, {"id": thread.referral_id}).first()
        introducer = made.email or "" if made else ""
        review = introducer if made and made.status == Status.NEEDS_REVIEW else ""
        people = frozenset(e for e in session.scalars(_PEOPLE, {"id": thread.referral_id}) if e)
        thread = replace(thread, review_introducer=review, introducer=introducer, parties=people)
    return Seen(None, thread)


def _by_message_ids(session: Session, msg: Inbound) -> ThreadMatch | None:
    row = None
    if msg.in_reply_to:
        row = session.execute(_THREAD_BY_ID, {"id": msg.in_reply_to[0]}).first()
    others = [i for i in dict.fromkeys(msg.references) if i not in msg.in_reply_to[:1]]
    if row is None and others:
        row = session.execute(_THREAD_BY_IDS, {"ids": others}).first()
    if row is None:
        return None
    return ThreadMatch(row.referral_id, f"replies to {row.message_id}, part of referral #{row.referral_id}")


def _by_subject_and_people(session: Session, msg: Inbound) -> ThreadMatch | None:
    """For clients that drop In-Reply-To/References: same "Re:" subject and the same people."""
    if msg.in_reply_to or msg.references or msg.sender is None:
        return None  # threading headers present and matched nothing known: not our thread
    key = subject_key(msg.subject)
    if not key or key == " ".join(msg.subject.lower().split()):
        return None  # only a "Re:" of an intro's subject can be its reply
    ids = session.scalars(_REFERRALS_BY_SUBJECT, {"key": key}).all()
    if not ids:
        return None  # the common case, kept to one light query
    people = {msg.sender.email, *(a.email for a in msg.recipients)}
    for referral in session.scalars(select(Referral).where(Referral.id.in_(ids)).order_by(Referral.id.desc())):
        known = {referral.introducer.email, *(p.person.email for p in referral.parties)}
        if len(people & known) >= 2:
            return ThreadMatch(referral.id, f"same subject and people as referral #{referral.id}")
    return None
