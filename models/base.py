"""Declarative base and the column conventions every table shares."""
import os
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from sqlalchemy import DateTime, MetaData, Table, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    # Every model maps one Table (DeclarativeBase says FromClause, which update()/insert() refuse).
    __table__: ClassVar[Table]


# For simulations only (bench/season.py): a file holding seconds to add to the real clock. Every
# process started with it set reads the same file, so rewriting it moves all their clocks at once.
CLOCK_FILE_ENV = "INTROLEDGER_CLOCK_FILE"
_clock_seen: tuple[tuple[int, int], float] | None = None  # ((inode, mtime_ns), offset) last read


def utcnow() -> datetime:
    """Now, in UTC: the real clock, or with $INTROLEDGER_CLOCK_FILE set, the simulated one."""
    now = datetime.now(UTC)
    path = os.environ.get(CLOCK_FILE_ENV)
    return now + timedelta(seconds=_clock_offset(path)) if path else now


def _clock_offset(path: str) -> float:
    """The file's offset, re-read only when the file changed (a stat per call, not a read). The
    simulation replaces the file atomically (os.replace), so a reader never sees half of it; a
    missing or unreadable file is an error, never a silent fall-back to the real clock."""
    global _clock_seen
    st = os.stat(path)
    stamp = (st.st_ino, st.st_mtime_ns)
    if _clock_seen is None or _clock_seen[0] != stamp:
        with open(path) as f:
            _clock_seen = (stamp, float(f.read().strip()))
    return _clock_seen[1]


class UtcDateTime(TypeDecorator):
    """Always stored and returned in UTC: SQLite keeps no zone, so mixed zones would not compare."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
