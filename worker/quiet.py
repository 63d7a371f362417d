"""Quiet hours: push a send time out of the recipient's night."""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


def _hm(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def outside_quiet_hours(when: datetime, zone: str, start: str, end: str) -> datetime:
    """`when`, or the end of the quiet period it falls in (times are the recipient's local)."""
    local = when.astimezone(ZoneInfo(zone))
    begin, finish = _hm(start), _hm(end)
    now = local.time()
    quiet = (begin <= now or now < finish) if begin > finish else (begin <= now < finish)
    if not quiet:
        return when
    day = local.date() if now < finish else local.date() + timedelta(days=1)
    wake = datetime.combine(day, finish, tzinfo=local.tzinfo)
    return wake.astimezone(when.tzinfo)
