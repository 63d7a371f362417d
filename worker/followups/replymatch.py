"""Is this message an answer to one of our follow-ups, and how sure are we? (database reads)"""
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from models import OutboxMessage, Referral
from worker.mail import tokens
from worker.mail.parse import Inbound

ASKING_KINDS = ("follow_up", "status_confirmation", "clarification", "stop_confirmation", "snooze_confirmation")
_SUBJECT_REF = re.compile(r"\[ref R(\d+)\]", re.IGNORECASE)
_ASKED = select(OutboxMessage.referral_ids, OutboxMessage.message_id, OutboxMessage.to_addr,
               OutboxMessage.reply_to).where(
    OutboxMessage.message_id.in_(bindparam("ids", expanding=True)),
    OutboxMessage.kind.in_(ASKING_KINDS)).limit(1)


@dataclass(frozen=True)
class ReplyMatch:
    referral_id: int | None
    proven: bool  # a valid signed token, or a reply to the very mail we sent
    how: str
    step: int | None = None  # the follow-up step the token (or our mail) was for
    bound: bool | None = None  # did that token or mail go to this very sender? None: cannot tell
    scope: str = ""  # an answer is applied once per referral and scope (worker/followups/status.py)
    token: str = ""  # the token used (tokens.TokenCheck.tag), if any
    signed: bool = True  # False: In-Reply-To alone (no signed reply address): replytrust.refusal asks more


@dataclass(frozen=True)
class TokenPolicy:
    tracking: str
    secret: str
    max_age_days: float | None


def find_reply(session: Session, msg: Inbound, policy: TokenPolicy | None, now: datetime) -> ReplyMatch | None:
    if policy is None:
        return None
    match = _by_token(msg, policy, now) or _by_thread(session, msg, policy) or _by_subject(msg)
    # "[ref R99]" in a subject, or a forged token, may name a referral that does not exist: no match.
    if match is not None and match.referral_id is not None and session.get(Referral, match.referral_id) is None:
        return None
    return match


def _by_token(msg: Inbound, policy: TokenPolicy, now: datetime) -> ReplyMatch | None:
    sender = msg.sender.email if msg.sender else None
    for address in [*(a.email for a in msg.recipients), *msg.gateway]:
        found = tokens.check(address, policy.tracking, policy.secret, now, policy.max_age_days, sender)
        if found is not None:
            return ReplyMatch(found.referral_id, found.valid, found.why, found.step, found.bound, found.scope,
                              found.tag)
    return None


def _by_thread(session: Session, msg: Inbound, policy: TokenPolicy) -> ReplyMatch | None:
    # Our Message-IDs end in the tracking domain: only those can point at a mail we sent.
    ours = "@" + policy.tracking.partition("@")[2]
    ids = [i for i in dict.fromkeys(msg.in_reply_to + msg.references) if i.endswith(ours)]
    if not ids:
        return None
    row = session.execute(_ASKED, {"ids": ids}).first()
    if row is None or not row.referral_ids:
        return None
    referral_id = row.referral_ids[0]
    # In-Reply-To is copied to everyone on a reply-all too: it proves the sender only if we wrote to them.
    bound = msg.sender is not None and msg.sender.email == row.to_addr.lower()
    step = tokens.step_of(row.reply_to)
    return ReplyMatch(referral_id, True, f"replies to our mail {row.message_id} about referral #{referral_id}",
                      step, bound, f"s{step}" if step is not None else f"re:{row.message_id}", signed=False)


def _by_subject(msg: Inbound) -> ReplyMatch | None:
    found = _SUBJECT_REF.search(msg.subject)
    if found is None:
        return None
    referral_id = int(found.group(1))
    return ReplyMatch(referral_id, False, f"only the subject names referral #{referral_id}")
