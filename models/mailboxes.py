"""Tracking mailboxes kept in the database, and the leases that spread their watchers over processes."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UtcDateTime, utcnow


class Mailbox(Base):
    """A tracking mailbox beside config.yaml's own: its address, where its mail comes from and
    its members (a referral group of its own), as `introledger mailboxes add` validated them."""

    __tablename__ = "mailboxes"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    address: Mapped[str] = mapped_column(String(320), unique=True)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)  # {tracking, source, members} as in config.yaml
    # Removed mailboxes keep their row: their members and referrals still point at it.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Lease(Base):
    """Who watches one mailbox, until when: renewed by its holder's heartbeat, taken over by
    another `run` once it expired. Times are the real clock's, never the simulated one."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(400), primary_key=True)  # "mailbox:<address>"
    holder: Mapped[str | None] = mapped_column(String(200))
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    taken_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Watcher(Base):
    """A live `introledger run` process (its heartbeat): how many share the mailboxes."""

    __tablename__ = "watchers"
    holder: Mapped[str] = mapped_column(String(200), primary_key=True)  # host:pid:instance
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
