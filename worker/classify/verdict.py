"""What the classifier decides about one message, as plain frozen data."""
from dataclasses import dataclass, field
from datetime import datetime

from worker.core.statuses import Kind
from worker.mail.parse import Address


@dataclass(frozen=True)
class Party:
    address: Address  # email may be "" for a prospect named in a heads-up note
    role: str         # provider | prospect | party


@dataclass(frozen=True)
class Intro:
    introducer: Address
    parties: tuple[Party, ...]
    direction: str    # received | given | partner
    member_id: int | None
    introduced_at: datetime | None
    subject: str
    excerpt: str
    original_message_id: str = ""


@dataclass(frozen=True)
class Promised:
    """A partner told one or more members they may have a referral for them (no intro yet)."""

    partner: Address
    member_ids: tuple[int, ...]
    made_at: datetime | None
    said: str         # the words that promised it


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    rule: str
    reason: str
    confidence: float = 1.0
    intro: Intro | None = None
    referral_id: int | None = None
    promise: Promised | None = None
    extra: dict = field(default_factory=dict)
    # Why the message reads as a robot's though no header says so ("" for a person's). A reply
    # that looks automated is never answered and never counts as someone acting (worker/classify/ooo.py).
    looks_automated: str = ""
