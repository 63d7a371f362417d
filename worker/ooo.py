"""Read the return date out of an out-of-office reply ("back on Monday 30 November")."""
import re
from datetime import datetime, timezone

from worker.forwarded import parse_loose_date

_CUE = re.compile(
    r"\b(?:until|till|back on|back in the office on|return(?:ing)? on|returns? on|bis(?: zum| einschließlich)?"
    r"|ab dem|jusqu'au|de retour le|hasta el|hasta|de vuelta el|tot en met|tot|terug op|fino al|rientro il)\b",
    re.IGNORECASE,
)


def return_date(text: str, now: datetime) -> datetime | None:
    """The first date after a return cue that lies in the future, as an aware datetime."""
    for cue in _CUE.finditer(text[:2000]):
        tail = text[cue.end():cue.end() + 60].strip(" :,")
        when = _first_date(tail, now)
        if when is not None and when > now:
            return when
    return None


def _first_date(tail: str, now: datetime) -> datetime | None:
    words = tail.split()
    for length in range(min(6, len(words)), 0, -1):  # the longest readable prefix wins
        candidate = " ".join(words[:length]).rstrip(".,;")
        when = parse_loose_date(_with_year(candidate, now))
        if when is not None:
            return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return None


def _with_year(text: str, now: datetime) -> str:
    # "Monday 30 November" has no year; clients rarely print one in auto-replies.
    return text if re.search(r"\b20\d\d\b", text) else f"{text} {now.year}"
