"""Every status and verdict kind by name, in one place: the words the database stores.

They are StrEnums, so a member equals the string in the database and in JSON ("won" == Status.WON);
code names them through these classes and a typo is an AttributeError, not a silent mismatch.
"""
from enum import StrEnum


class Status(StrEnum):
    """A referral's status (the lifecycle, worker/core/lifecycle.py, says how it moves)."""

    INTRODUCED = "introduced"
    CONNECTED = "connected"
    QUALIFIED = "qualified"
    WON = "won"
    LOST = "lost"
    NO_FIT = "no_fit"
    STALE = "stale"
    NEEDS_REVIEW = "needs_review"
    REJECTED = "rejected"
    MERGED = "merged"  # a second copy of an intro, folded into the first by `referrals merge`


TERMINAL = frozenset({Status.WON, Status.LOST, Status.NO_FIT})
OPEN = frozenset({Status.INTRODUCED, Status.CONNECTED, Status.QUALIFIED})
# Went nowhere: the ledger's warning counts these among a member's given referrals.
WENT_NOWHERE = frozenset({Status.STALE, Status.NO_FIT})
# Went somewhere: a real prospect at least (the ledger's "qualified" count).
QUALIFIED = frozenset({Status.QUALIFIED, Status.WON})
# Candidates nobody has confirmed, ones a person threw out, and second copies of an intro folded
# into the first (`referrals merge`) are not referrals.
NOT_COUNTED = (Status.NEEDS_REVIEW, Status.REJECTED, Status.MERGED)
# Listed only when asked for by status: thrown out, or folded into another.
HIDDEN = (Status.REJECTED, Status.MERGED)


class Kind(StrEnum):
    """What the classifier says one message is (Verdict.kind)."""

    DOUBLE_INTRO = "double_intro"
    FORWARDED_INTRO = "forwarded_intro"
    HEADS_UP = "heads_up"
    NEEDS_REVIEW = "needs_review"
    THREAD_REPLY = "thread_reply"
    STATUS_REPLY = "status_reply"
    PROMISE = "promise"
    BRIEF_REQUEST = "brief_request"  # BRIEF: a partner asks for a member's ideal-referral brief
    NOT_INTRO = "not_intro"
    OWN_MAIL = "own_mail"
    OTHER_DEPLOYMENT = "other_deployment"
    BOUNCE = "bounce"
    AUTO_REPLY = "auto_reply"
    MAILING_LIST = "mailing_list"
    NEWSLETTER = "newsletter"


class Unread(StrEnum):
    """What the pipeline records instead of a verdict (an Outcome's kind is a Kind or one of these)."""

    DUPLICATE = "duplicate"      # seen before: nothing done again
    QUARANTINED = "quarantined"  # could not be handled: set aside with its reason


# Kinds that log a referral, and kinds recorded but never acted on.
INTRO_KINDS = frozenset({Kind.DOUBLE_INTRO, Kind.FORWARDED_INTRO, Kind.HEADS_UP})
NOISE_KINDS = frozenset({Kind.OWN_MAIL, Kind.OTHER_DEPLOYMENT, Kind.BOUNCE, Kind.AUTO_REPLY,
                         Kind.MAILING_LIST, Kind.NEWSLETTER})


class Mail(StrEnum):
    """An outbox row's state (worker/outbound/outbox.py moves it; README "JSON output" says what each means)."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED = "suppressed"
    CANCELLED = "cancelled"
    UNCONFIRMED = "unconfirmed"
    BOUNCED = "bounced"


class Step(StrEnum):
    """A scheduled follow-up step's state (worker/followups/schedule.py)."""

    SCHEDULED = "scheduled"
    DONE = "done"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"  # overdue together with a later step: one mail asks, not one per step
