"""People seen in mail, and the members whose referrals are tracked."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UtcDateTime, utcnow


class Member(Base):
    """A business whose referrals are tracked; synced from config.yaml at start."""

    __tablename__ = "members"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    emails: Mapped[list[str]] = mapped_column(JSON, default=list)
    domains: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Mail settings (members[].share_value, .footer in config.yaml), synced with the addresses so
    # that every process rendering mail for the member, and a reload on SIGHUP, read the same.
    share_value: Mapped[bool] = mapped_column(Boolean, default=False)
    footer: Mapped[bool] = mapped_column(Boolean, default=True)
    timezone: Mapped[str | None] = mapped_column(String(64))  # None: outbound.default_timezone
    language: Mapped[str | None] = mapped_column(String(8))  # members[].language; None: outbound.language
    # The tracking mailbox whose group the member is in; None: config.yaml's (models/groups.py).
    mailbox_id: Mapped[int | None] = mapped_column(ForeignKey("mailboxes.id"), index=True)


class Person(Base):
    """One human, deduplicated by normalised address; a heads-up prospect may have none yet."""

    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The partner this address belongs to (several addresses, one partner, after a merge).
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    # The language of the last mail they wrote to us that said one (worker/mail/languages.py):
    # our mail to them is written in it (worker/core/locales.py).
    language: Mapped[str | None] = mapped_column(String(8))
    # "formal" or "informal": how the last mail they wrote to us that showed it addressed its
    # reader (worker/mail/register.py); our mail answers in kind. None: not shown yet.
    register: Mapped[str | None] = mapped_column(String(8))
