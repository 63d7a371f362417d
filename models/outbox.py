"""Outgoing mail as rows: the outbox is the truth, the queue only a nudge."""
import secrets
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UtcDateTime, utcnow

# queued → sending → sent | failed (SMTP reply kept) | suppressed (reason kept) | cancelled
#                   | unconfirmed: handed to the SMTP server, but its answer never came. It may or
#                     may not have arrived, so nothing resends it by itself: a person retries or
#                     cancels it (docs/sending.md, "At most once").
# sent | unconfirmed → bounced: a delivery report came back for it; or sending → bounced: the
#                     server refused the recipient for good (5xx at RCPT or DATA). last_error keeps
#                     the server's words (worker/outbound/pauses.py).
# The states by name: worker/core/statuses.py Mail.


class OutboxMessage(Base):
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    # e.g. "thank-you:carol@x.example:2026-11-02:1": repeating the event never queues twice.
    dedupe_key: Mapped[str] = mapped_column(String(400), unique=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True, default="queued")
    referral_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    from_addr: Mapped[str] = mapped_column(String(400))
    to_addr: Mapped[str] = mapped_column(String(320), index=True)
    reply_to: Mapped[str] = mapped_column(String(400), default="")
    subject: Mapped[str] = mapped_column(String(500))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text, default="")
    # The language the templates were rendered in: sent as Content-Language, so a reader's client
    # (spell check, translate offers, screen readers) knows what it is reading. "" before 0021.
    language: Mapped[str] = mapped_column(String(8), default="")
    in_reply_to: Mapped[str] = mapped_column(String(400), default="")
    references: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[str] = mapped_column(String(400), default="")
    # The random part of our Message-ID (worker/outbound/mailer.py), drawn once at queueing so every
    # attempt reuses it: a Message-ID nobody can work out from the row's key and time.
    mid_nonce: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(8))
    reason: Mapped[str] = mapped_column(Text, default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UtcDateTime, index=True, default=utcnow)
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    nudged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Committed just before DATA: from here on, a send that gets no answer is `unconfirmed`,
    # never sent again by the sweep or the queue.
    handed_over_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The queue message carrying the last nudge: the sweep asks the broker whether it still
    # holds it, so a job lost with Redis is nudged again at the next sweep.
    job_id: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class OptOut(Base):
    """An address that asked for no more mail from us."""

    __tablename__ = "opt_outs"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PausedAddress(Base):
    """An address our mail bounced from for good: nothing more is sent to it until a person
    resumes it (`introledger outbox unpause ADDRESS`)."""

    __tablename__ = "paused_addresses"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    reason: Mapped[str] = mapped_column(Text, default="")  # the server's words: "550 5.1.1 … User unknown"
    outbox_id: Mapped[int | None] = mapped_column(Integer)  # the mail that bounced
    how: Mapped[str] = mapped_column(String(20), default="report")  # report (came back) | smtp (refused at sending)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
