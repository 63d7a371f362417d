"""Find the known intro thread a message belongs to (database reads only)."""
import re
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from models import InboundMessage, Referral
from worker.classify import ThreadMatch
from worker.parse import Inbound

_PREFIX = re.compile(r"^\s*(?:(?:re|aw|antw|sv|vs|r|ref|rif|res|fw|fwd|wg|tr|rv)\s*(?:\[\d+\])?\s*:\s*)+", re.I)


def subject_key(subject: str) -> str:
    """A subject without reply/forward prefixes, for matching replies to their intro."""
    return " ".join(_PREFIX.sub("", subject).lower().split())[:500]


@dataclass(frozen=True)
class Seen:
    duplicate: tuple[str, int | None] | None  # (kind, referral id) of the earlier processing
    thread: ThreadMatch | None


def look_up(session: Session, msg: Inbound) -> Seen:
    """Whether we processed this message before, and which intro thread it belongs to.

    One query answers both (this runs for every message, so round trips count).
    """
    ids = list(dict.fromkeys(msg.in_reply_to + msg.references))
    condition = InboundMessage.dedupe_key == msg.dedupe_key
    if ids:
        condition = or_(condition, and_(InboundMessage.message_id.in_(ids),
                                        InboundMessage.referral_id.is_not(None)))
    rows = session.execute(select(
        InboundMessage.dedupe_key, InboundMessage.kind, InboundMessage.referral_id,
        InboundMessage.message_id,
    ).where(condition)).all()
    for row in rows:
        if row.dedupe_key == msg.dedupe_key:
            return Seen((row.kind, row.referral_id), None)
    if rows:
        row = rows[0]
        how = f"replies to {row.message_id}, part of referral #{row.referral_id}"
        return Seen(None, ThreadMatch(row.referral_id, how))
    return Seen(None, _by_subject_and_people(session, msg))


def _by_subject_and_people(session: Session, msg: Inbound) -> ThreadMatch | None:
    """For clients that drop In-Reply-To/References: same "Re:" subject and the same people."""
    if msg.in_reply_to or msg.references or msg.sender is None:
        return None  # threading headers present and matched nothing known: not our thread
    key = subject_key(msg.subject)
    if not key or key == " ".join(msg.subject.lower().split()):
        return None  # only a "Re:" of an intro's subject can be its reply
    ids = session.scalars(
        select(Referral.id).where(Referral.subject_key == key).order_by(Referral.id.desc()).limit(5)
    ).all()
    if not ids:
        return None  # the common case, kept to one light query
    people = {msg.sender.email, *(a.email for a in msg.recipients)}
    for referral in session.scalars(select(Referral).where(Referral.id.in_(ids)).order_by(Referral.id.desc())):
        known = {referral.introducer.email, *(p.person.email for p in referral.parties)}
        if len(people & known) >= 2:
            return ThreadMatch(referral.id, f"same subject and people as referral #{referral.id}")
    return None
