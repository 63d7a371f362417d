"""Referrals, the people in them, and the history of their status."""
from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UtcDateTime, utcnow
from models.people import Person


class Referral(Base):
    __tablename__ = "referrals"
    # Finding the same intro by another route starts from its introducer and date (matching.py). The
    # ledger reads the intros members wrote from an index holding what it needs (worker/ledger/flows.py);
    # the stale timer and heads-up nudges find open referrals by status and date.
    __table_args__ = (
        Index("ix_referrals_introducer_id_introduced_at", "introducer_id", "introduced_at"),
        Index("ix_referrals_introducer_id_status_flows", "introducer_id", "status", "introduced_at", "member_id",
              "value_cents", "currency"),
        Index("ix_referrals_status_introduced_at", "status", "introduced_at"),
        # A member's own referrals by state: the overview's "what needs me now" (open ones followed up).
        Index("ix_referrals_member_id_status", "member_id", "status"),
        # Another mailbox's referrals (migration 0026: partial, WHERE mailbox_id IS NOT NULL, on
        # PostgreSQL too — not said here, where it would import that dialect for every command):
        # config.yaml's group (NULL) is most of the table, an index of it only leads the planner
        # to read the group's every referral.
        Index("ix_referrals_mailbox_id", "mailbox_id", sqlite_where=text("mailbox_id IS NOT NULL")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # The intro's own Message-ID where known, else a fingerprint: the same intro never logs twice.
    dedupe_key: Mapped[str] = mapped_column(String(400), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(40), index=True)
    direction: Mapped[str] = mapped_column(String(20))
    confidence: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    introduced_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    introducer_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    # The tracking mailbox that logged it, whose group's ledger it is in; None: config.yaml's.
    mailbox_id: Mapped[int | None] = mapped_column(ForeignKey("mailboxes.id"))
    source_message_id: Mapped[str] = mapped_column(String(400), default="")
    subject: Mapped[str] = mapped_column(String(500), default="")
    subject_key: Mapped[str] = mapped_column(String(500), default="", index=True)
    excerpt: Mapped[str] = mapped_column(Text, default="")
    # The UTC offset (minutes) of the Date of the intro as its introducer wrote it: the only clue to
    # when a partner sleeps (worker/outbound/quiet.py). None: not their own mail (a forward), or no zone.
    introducer_utc_offset: Mapped[int | None] = mapped_column(Integer)
    # Closed business: what a WON was worth, in minor units of `currency`.
    value_cents: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="")
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    qualified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # A SNOOZE asked us to wait until then: silence (the stale timer) counts from then, not the intro.
    snoozed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # A `merged` referral: the one it was folded into (worker/ledger/merge.py), where answers to its
    # old follow-ups go. No foreign key: adding one to a live SQLite table rebuilds the table.
    merged_into_id: Mapped[int | None] = mapped_column(Integer)
    won_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    introducer: Mapped[Person] = relationship(lazy="joined")
    parties: Mapped[list["ReferralParty"]] = relationship(
        back_populates="referral", lazy="selectin", order_by="ReferralParty.id"
    )


class ReferralParty(Base):
    __tablename__ = "referral_parties"
    # The ledger finds members' parties by person, and a referral's roles, from indexes alone.
    __table_args__ = (UniqueConstraint("referral_id", "person_id"),
                      Index("ix_referral_parties_person_id_referral_id_role", "person_id", "referral_id", "role"),
                      Index("ix_referral_parties_referral_id_role_person_id", "referral_id", "role", "person_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    referral: Mapped[Referral] = relationship(back_populates="parties")
    person: Mapped[Person] = relationship(lazy="joined")


class ReferralEvent(Base):
    """One status change (or a refused attempt): who, when, from which message, old → new."""

    __tablename__ = "referral_events"
    # An answer is applied once per follow-up token and step, whatever Message-ID carries it.
    __table_args__ = (UniqueConstraint("answer_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    old_status: Mapped[str] = mapped_column(String(40))
    new_status: Mapped[str] = mapped_column(String(40))
    actor_email: Mapped[str] = mapped_column(String(320), default="")
    message_id: Mapped[str] = mapped_column(String(400), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    amount_cents: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="")
    # False: an attempt we refused (wrong sender, bad token, failed DMARC); nothing changed.
    accepted: Mapped[bool] = mapped_column(Boolean, default=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)  # the digest's week of changes
    # What happened (worker/core/lifecycle.py): answer, correction, thread_reply, snooze, stop, stale, …
    event: Mapped[str] = mapped_column(String(40), default="")
    step: Mapped[int | None] = mapped_column(Integer)  # the follow-up step the answer replied to
    answer_key: Mapped[str | None] = mapped_column(String(200))  # set on applied answers only


class FollowUp(Base):
    """A scheduled "how did it go?" step: rows, not queue delays, so they can be listed,
    moved (SNOOZE, out-of-office) and cancelled (a status change)."""

    __tablename__ = "follow_ups"
    __table_args__ = (UniqueConstraint("referral_id", "step"),
                      Index("ix_follow_ups_status_due_at", "status", "due_at"))  # the steps due now
    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    step: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    # worker/core/statuses.py Step: scheduled | done | cancelled | skipped
    status: Mapped[str] = mapped_column(String(20), default="scheduled", index=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
