"""Promised referrals: a partner told a member "I might have someone for you"."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UtcDateTime, utcnow
from models.people import Person


class Promise(Base):
    """One mention of a possible referral, from the message that made it; the reminders sweep
    nudges the member when no referral from that partner follows (worker/ledger/reminders.py)."""

    __tablename__ = "promises"
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    partner_person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    made_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    message_id: Mapped[str] = mapped_column(String(400), default="")
    subject: Mapped[str] = mapped_column(String(500), default="")
    said: Mapped[str] = mapped_column(Text, default="")  # the sentence with the promise
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    partner: Mapped[Person] = relationship(lazy="joined")
