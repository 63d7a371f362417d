"""Quiet hours: push a send time out of the recipient's night, in the recipient's zone as best known."""
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from worker.core.config import QuietHours


def _hm(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def outside_quiet_hours(when: datetime, zone: str | tzinfo, start: str, end: str) -> datetime:
    """`when`, or the end of the quiet period it falls in (times are the recipient's local)."""
    local = when.astimezone(ZoneInfo(zone) if isinstance(zone, str) else zone)
    begin, finish = _hm(start), _hm(end)
    now = local.time()
    quiet = (begin <= now or now < finish) if begin > finish else (begin <= now < finish)
    if not quiet:
        return when
    day = local.date() if now < finish else local.date() + timedelta(days=1)
    wake = datetime.combine(day, finish, tzinfo=local.tzinfo)
    return wake.astimezone(when.tzinfo)


@dataclass(frozen=True)
class Zone:
    """A recipient's time zone and how we know it."""

    tz: tzinfo
    why: str


def member_zone(configured: str | None, default: str) -> Zone:
    """A member's: members[].timezone, else outbound.default_timezone."""
    if configured:
        return Zone(ZoneInfo(configured), f"{configured}, the member's")
    return Zone(ZoneInfo(default), f"{default}, outbound.default_timezone")


def introducer_zone(written_offset: int | None, member: str | None, default: str) -> Zone:
    """A partner's, whose zone nobody configured: the UTC offset of the Date header of the intro
    they wrote (minutes), else the member's (partners are mostly local), else the default.

    An offset of +0000 is not believed: Exchange and Outlook stamp every Date in UTC, so it says
    more about the server than about where the writer sleeps."""
    if written_offset:
        sign, minutes = ("+" if written_offset > 0 else "-"), abs(written_offset)
        return Zone(timezone(timedelta(minutes=written_offset)),
                    f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}, from the Date of the intro they wrote")
    return member_zone(member, default)


def send_time(when: datetime, zone: Zone, quiet: QuietHours | None) -> datetime:
    """`when`, moved to the end of the recipient's quiet hours if it falls in them."""
    return when if quiet is None else outside_quiet_hours(when, zone.tz, quiet.start, quiet.end)


def quiet_reason(due: datetime, moved: datetime, zone: Zone) -> str:
    """What the outbox says about a mail quiet hours hold back ("" when they did not)."""
    if moved == due:
        return ""
    return f"quiet hours: goes at {moved.astimezone(zone.tz):%H:%M} the recipient's time ({zone.why})"


def utc_offset_minutes(when: datetime | None) -> int | None:
    """The offset a mail's Date was written with, in minutes (None: no date, or no zone in it)."""
    offset = when.utcoffset() if when is not None else None
    return None if offset is None else int(offset.total_seconds() // 60)
