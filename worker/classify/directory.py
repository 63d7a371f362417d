"""Who the members are: lookups from an address to the member it belongs to."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Member
from models.db import upsert


@dataclass(frozen=True)
class MemberRef:
    id: int
    name: str
    emails: frozenset[str]
    domains: frozenset[str]


@dataclass(frozen=True)
class Directory:
    members: tuple[MemberRef, ...] = ()

    def member_of(self, email: str) -> MemberRef | None:
        email = email.lower()
        for member in self.members:
            if email in member.emails:
                return member
        domain = email.rpartition("@")[2]
        for member in self.members:
            if domain in member.domains:
                return member
        return None


# What config.yaml says about a member row.
SYNCED = ("emails", "domains", "share_value", "footer", "timezone", "language")


def sync(session: Session, members, mailbox_id: int | None = None, now: datetime | None = None) -> None:
    """Members from config.yaml (or a tracking mailbox's) become rows, added or updated by name.

    One upsert, in name order: N processes starting together on PostgreSQL all succeed (the
    database settles who inserted a row) and cannot deadlock on each other's rows. A new member
    joins the group of `mailbox_id` (models/groups.py); a member stays in the group it joined.
    """
    rows = {m.name: {"name": m.name, "emails": list(m.emails), "domains": list(m.domains),
                     "share_value": m.share_value, "footer": m.footer, "timezone": m.timezone,
                     "language": m.language, "mailbox_id": mailbox_id} for m in members}
    if now is not None:  # when a new member joined, by the app's clock: no digest for weeks before it
        for row in rows.values():
            row["created_at"] = now
    if rows:
        session.execute(upsert(session, Member.__table__, key=("name",), update=SYNCED),
                        [rows[name] for name in sorted(rows)])


def in_sync(session: Session, members) -> bool:
    """Do the rows already say what config.yaml says of these members? (Then a reader need not write.)"""
    rows = {r.name: r for r in session.scalars(select(Member).where(Member.name.in_([m.name for m in members])))}
    return all(m.name in rows and all(_same(getattr(rows[m.name], f), getattr(m, f)) for f in SYNCED)
               for m in members)


def _same(stored, configured) -> bool:
    return list(stored) == list(configured) if isinstance(configured, (list, tuple)) else stored == configured


def load(session: Session) -> Directory:
    rows = session.scalars(select(Member).order_by(Member.id)).all()
    return Directory(tuple(MemberRef(r.id, r.name, frozenset(r.emails), frozenset(r.domains)) for r in rows))
