"""The dashboard's sign-ins: one-time links asked for by mail, and the sessions they open.

Only hashes of the link and session tokens are stored: a copy of the database opens nothing.
"""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UtcDateTime, utcnow


class SignInLink(Base):
    """A request for a sign-in link; rows for addresses that are no member's are kept too (without
    a token), so the per-address and per-client limits count every request alike."""

    __tablename__ = "web_sign_ins"
    __table_args__ = (Index("ix_web_sign_ins_email_created_at", "email", "created_at"),
                      Index("ix_web_sign_ins_client_created_at", "client", "created_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    client: Mapped[str] = mapped_column(String(100), default="")  # the requesting address (IP), or "cli"
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # sha256 hex; None: no link made
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class WebSession(Base):
    """A signed-in browser: the cookie carries the token, signed; ended_at is a sign-out."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
