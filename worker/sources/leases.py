"""Leases: which `run` process watches which tracking mailbox, on any number of machines.

A lease row per mailbox names its holder and when it expires; the holder renews it with each
heartbeat, and any process may take a lease that expired (its holder died or lost the
database) with a compare-and-set UPDATE, which the database lets only one of them win. So a
mailbox is never unwatched much longer than a lease, and two processes watching one mailbox
for a moment (one paused past its lease) cost nothing: dedupe makes the second reading a no-op.

Processes also say they are alive (`watchers`), so each takes only its fair share and hands
the surplus to a newcomer. Times are the real clock's (machines keep it in sync with NTP), never
the simulated one (models/base.py utcnow).
"""
import hashlib
import math
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from models import Lease, Watcher
from models.db import insert_new, rowcount, upsert


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Holder:
    """This process, as its leases name it: host:pid:instance. The instance id is random per
    holder and alone tells holders apart; the host and pid are there for people (`mailboxes list`,
    metrics), as two containers may both be host `worker`, pid 1. It begins with where the pid
    means something (this boot and pid namespace: `place`), so a process can tell that a holder
    beside it in that namespace died."""

    host: str
    pid: int
    instance: str

    @classmethod
    def me(cls) -> "Holder":
        place = _pid_place()
        instance = f"{place}-{secrets.token_hex(8)}" if place else secrets.token_hex(8)
        _MADE_HERE.add(instance)
        return cls(socket.gethostname(), os.getpid(), instance)

    @classmethod
    def parse(cls, text: str) -> "Holder | None":
        parts = text.rsplit(":", 2)
        if len(parts) != 3 or not parts[1].isdigit():
            return None
        return cls(parts[0], int(parts[1]), parts[2])

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}:{self.instance}"

    @property
    def place(self) -> str:
        """Where this holder's pid means something; '' when unknown (then it is never judged dead
        by its pid, only by its lease running out)."""
        place, dash, _ = self.instance.partition("-")
        return place if dash else ""

    def gone(self, other: str) -> bool:
        """A holder beside this process — the same host and pid namespace — whose process is dead
        (a kill -9, then a restart): its leases need not wait to expire. One with this process's
        pid not made here had that pid before us. A holder in another pid namespace (another
        machine or container, even one with our host name and pid 1) lives until its lease runs out."""
        them = Holder.parse(other)
        if them is None or them.instance == self.instance or them.host != self.host:
            return False
        if not self.place or them.place != self.place:
            return False
        if them.pid == os.getpid():
            return them.instance not in _MADE_HERE
        return not _alive(them.pid)


_MADE_HERE: set[str] = set()  # the instance ids of this process's holders


def _pid_place() -> str:
    """This boot and pid namespace, as a short digest: two processes with the same one see the
    same pids. '' where /proc does not tell (not Linux)."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return ""
    return hashlib.sha256(f"{boot}/{namespace}".encode()).hexdigest()[:8]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def heartbeat(session: Session, me: Holder, started: datetime, now: datetime, lease: timedelta) -> dict[str, int]:
    """Say this process is alive; forget processes silent for long. The live processes (this one
    among them), each with how many mailboxes it watches."""
    session.execute(upsert(session, Watcher.__table__, key=("holder",), update=("seen_at",)),
                    [{"holder": str(me), "host": me.host, "pid": me.pid, "started_at": started, "seen_at": now}])
    session.execute(delete(Watcher).where(Watcher.seen_at < now - 10 * lease))
    alive = [h for h in session.scalars(select(Watcher.holder).where(Watcher.seen_at >= now - lease)) if not me.gone(h)]
    loads = dict.fromkeys([str(me), *alive], 0)
    for holder in holders(session, now).values():
        if holder in loads:
            loads[holder] += 1
    return loads


def renew(session: Session, me: Holder, names: set[str], now: datetime, lease: timedelta) -> set[str]:
    """Extend the leases still ours; the others were taken over (we were silent too long)."""
    if not names:
        return set()
    session.execute(update(Lease).where(Lease.name.in_(names), Lease.holder == str(me))
                    .values(expires_at=now + lease))
    return set(session.scalars(select(Lease.name).where(Lease.name.in_(names), Lease.holder == str(me))))


def take(session: Session, me: Holder, name: str, now: datetime, lease: timedelta) -> bool:
    """Compare-and-set: ours if nobody holds it, its lease expired, or its holder is gone."""
    session.execute(insert_new(session, Lease.__table__, key=("name",)).values(name=name))
    current = session.scalar(select(Lease.holder).where(Lease.name == name))
    gone = [current] if current and me.gone(current) else []
    taken = session.execute(update(Lease).where(
        Lease.name == name,
        or_(Lease.holder.is_(None), Lease.expires_at < now, Lease.holder.in_(gone), Lease.holder == str(me)),
    ).values(holder=str(me), expires_at=now + lease, taken_at=now))
    return rowcount(taken) == 1


def release(session: Session, me: Holder, names: set[str], now: datetime) -> None:
    """Hand these over now (a stop, a surplus): the next look of another process takes them."""
    if names:
        session.execute(update(Lease).where(Lease.name.in_(names), Lease.holder == str(me))
                        .values(holder=None, expires_at=now))


def free(session: Session, me: Holder, names: list[str], now: datetime) -> list[str]:
    """Of these leases, the ones another process could take now, in the order given."""
    rows = dict(session.execute(select(Lease.name, Lease.holder).where(
        Lease.name.in_(names), Lease.holder.is_not(None), Lease.expires_at >= now)).all())
    return [n for n in names if n not in rows or (rows[n] != str(me) and me.gone(rows[n] or ""))]


def holders(session: Session, now: datetime) -> dict[str, str]:
    """Lease name → its live holder (for metrics, `mailboxes list` and doctor)."""
    rows = session.execute(select(Lease.name, Lease.holder).where(
        Lease.holder.is_not(None), Lease.expires_at >= now)).all()
    return {name: holder or "" for name, holder in rows}


def forget(session: Session, me: Holder) -> None:
    """This process stops: it no longer counts among those sharing the mailboxes."""
    session.execute(delete(Watcher).where(Watcher.holder == str(me)))


def fair_share(mailboxes: int, processes: int) -> int:
    """How many mailboxes one process keeps at most: an even split, rounded up."""
    return math.ceil(mailboxes / max(1, processes))


def room(mine: int, mailboxes: int, loads: dict[str, int], me: str) -> int:
    """How many more mailboxes a process may take: up to its fair share, or only up to the even
    split rounded down while another process holds fewer than that (the newcomer's turn first)."""
    floor = mailboxes // max(1, len(loads))
    waiting = any(n < floor for holder, n in loads.items() if holder != me)
    return max(0, (floor if waiting else fair_share(mailboxes, len(loads))) - mine)


def to_hand_over(mine: int, mailboxes: int, loads: dict[str, int]) -> int:
    """How many of its mailboxes a process hands over now: those above its fair share, or one
    when it holds more than the even split rounded down while another holds fewer (a newcomer)."""
    share, floor = fair_share(mailboxes, len(loads)), mailboxes // max(1, len(loads))
    if mine > share:
        return mine - share
    return 1 if mine > floor and any(n < floor for n in loads.values()) else 0
