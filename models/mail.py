"""What the worker has seen: processed messages, quarantine, and source checkpoints."""
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UtcDateTime, utcnow


class InboundMessage(Base):
    """Every message processed once, whatever its verdict; the unique key makes replays no-ops."""

    __tablename__ = "inbound_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(400), unique=True)
    message_id: Mapped[str] = mapped_column(String(400), default="", index=True)
    source: Mapped[str] = mapped_column(String(400))
    source_ref: Mapped[str] = mapped_column(String(400), default="")
    kind: Mapped[str] = mapped_column(String(40), index=True)
    rule: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text)
    sender: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(String(500), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"), index=True)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Quarantined(Base):
    """A message we could not handle, kept with its reason and (capped) raw bytes for a human."""

    __tablename__ = "quarantine"
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(400))
    source_ref: Mapped[str] = mapped_column(String(400), default="")
    message_id: Mapped[str] = mapped_column(String(400), default="")
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    raw_size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Checkpoint(Base):
    """How far a mailbox has been read; moves in the same transaction as a message's effects."""

    __tablename__ = "checkpoints"
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(400), unique=True)
    uidvalidity: Mapped[int] = mapped_column(BigInteger, default=0)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
