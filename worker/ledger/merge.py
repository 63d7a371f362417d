"""Two referrals that are one intro (logged twice: a forward days later, an import, a CC the
matching missed), folded into one by hand: `introledger referrals merge KEEP OTHER`.

The other becomes `merged` (out of every ledger and listing, like `rejected`), what it still had
scheduled or queued is withdrawn (the lifecycle table's `merge` row), and replies in its thread
count for the one kept. Nothing a person said is lost: a referral is never folded into one that
knows less about the intro.
"""
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from models import InboundMessage, Referral
from worker.core import lifecycle
from worker.core.statuses import Status

# How far along a referral is: the one kept must know at least as much as the one folded into it.
_PROGRESS: dict[str, int] = {Status.NEEDS_REVIEW: 0, Status.INTRODUCED: 1, Status.STALE: 1, Status.CONNECTED: 2,
             Status.QUALIFIED: 3, Status.WON: 4, Status.LOST: 4, Status.NO_FIT: 4}


class NotMerged(ValueError):
    """The merge was refused; the message says why and what to do instead."""


def refusal(keep_id: int, keep_status: str, other_id: int, other_status: str) -> str:
    """Why #other may not be folded into #keep ("" if it may): a pure decision on the two states."""
    if keep_id == other_id:
        return f"#{keep_id} is the same referral twice"
    if keep_status in (Status.REJECTED, Status.MERGED):
        return f"#{keep_id} is {keep_status}: keep a referral that counts"
    if other_status in lifecycle.TERMINAL and keep_status in lifecycle.TERMINAL:
        return (f"#{keep_id} ({keep_status.replace('_', ' ')}) and #{other_id} ({other_status.replace('_', ' ')}) "
                f"both have final answers: a merge would fold one away")
    if other_status in lifecycle.TERMINAL:
        return (f"#{other_id} has a final answer ({other_status.replace('_', ' ')}) a merge would fold away: "
                f"merge #{keep_id} into #{other_id} instead")
    other = lifecycle.decide(other_status, None, lifecycle.HAND, "merge")
    if not other.allowed:
        return f"#{other_id} is {other_status}: nothing to merge"
    if _PROGRESS.get(other_status, 0) > _PROGRESS.get(keep_status, 0):
        return (f"#{other_id} is {other_status.replace('_', ' ')}, further along than #{keep_id} "
                f"({keep_status.replace('_', ' ')}): merge #{keep_id} into #{other_id} instead")
    return ""


def merge(session: Session, keep_id: int, other_id: int, now: datetime) -> str:
    """Fold referral `other_id` into `keep_id`; what was done, in words (NotMerged if refused)."""
    keep, other = session.get(Referral, keep_id), session.get(Referral, other_id)
    if keep is None or other is None:
        missing = [f"#{i}" for i, r in ((keep_id, keep), (other_id, other)) if r is None]
        raise NotMerged(f"no such referral: {', '.join(missing)}")
    why = refusal(keep_id, keep.status, other_id, other.status)
    if why:
        raise NotMerged(why)
    event = lifecycle.record(session, other, "merge", lifecycle.decide(other.status, None, lifecycle.HAND, "merge"),
                             now, reason=f"the same intro as referral #{keep_id}: merged into it by hand",
                             because=f"referral #{other_id} was merged into #{keep_id} (the same intro)")
    other.merged_into_id = keep_id  # answers to its old follow-ups now go to the one kept
    lifecycle.record(session, keep, "absorb", lifecycle.decide(keep.status, None, lifecycle.HAND, "absorb"), now,
                     reason=f"referral #{other_id} merged into it by hand: the same intro")
    # Replies in the other's thread are about this intro: they now count for the one kept.
    session.execute(update(InboundMessage).where(InboundMessage.referral_id == other_id)
                    .values(referral_id=keep_id).execution_options(synchronize_session=False))
    return event.reason
