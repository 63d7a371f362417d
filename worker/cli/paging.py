"""Options that choose a slice of the history: dates (--since, --until) and pages (--after ID, --limit N)."""
from datetime import UTC, datetime

import click


class Date(click.ParamType):
    """YYYY-MM-DD, as UTC midnight."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        except ValueError:
            self.fail(f"{value!r} is not a date like 2026-11-01", param, ctx)


DATE = Date()


def options(command):
    """--since, --until, --after ID, --limit N: a listing read a page at a time (worker/ledger/queries.py)."""
    for option in reversed((
            click.option("--since", type=DATE, help="introduced from this date"),
            click.option("--until", type=DATE, help="introduced before this date"),
            click.option("--after", type=int, metavar="ID",
                         help="the page after referral ID (the last one shown): a cursor"),
            click.option("--limit", type=click.IntRange(min=1), metavar="N", help="at most N referrals"))):
        command = option(command)
    return command
