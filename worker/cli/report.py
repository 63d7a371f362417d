"""`introledger report` (the give-and-take ledger) and `introledger export slips` (CSV).

Rich is imported for a table only, and slips for `export`/`import slips`: every `report` starts
a process, and what `--json` or `--group` never uses is start-up time they need not pay
(tests/cli/test_cli_conventions.py checks which modules a report imports; bench/startup.py times it)."""
from __future__ import annotations

import csv
import itertools
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from models.db import reading
from worker.app.shapes import flow_json, group_json, line_json  # noqa: F401 - also partners show
from worker.app.viewers import NotAllowed, scope
from worker.cli import paging
from worker.cli.context import Command, Group, Invocation, json_option, pass_invocation, print_json
from worker.cli.paging import DATE
from worker.ledger import balance as ledger

if TYPE_CHECKING:
    from rich.console import Console

CSV_COLUMNS = ("member", "partner", "name", "given", "received", "balance", "given_won", "received_won",
               "given_value", "received_value", "trend", "flags")
GROUP_COLUMNS = ("member", "given", "received", "balance", "given_won", "received_won", "given_value",
                 "received_value", "partners", "flagged")
MONTH_COLUMNS = ("member", "month", "given", "received", "balance")


@click.command(cls=Command)
@click.option("--since", type=DATE, help="from this date")
@click.option("--until", type=DATE, help="before this date")
@click.option("--member", help="only this member (name or address)")
@click.option("--partner", help="only this partner (address or name)")
@click.option("--as", "viewer", metavar="MEMBER",
              help="what this member may see: their own ledger, or the group's for a coordinator")
@click.option("--group", is_flag=True, help="one line per member: the coordinator's view")
@click.option("--by-month", is_flag=True, help="given, received and running balance per month")
@click.option("--fees", is_flag=True, help="referral fees due per partner for business closed in the period")
@json_option("JSON (keys in README)")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header row")
@pass_invocation
def report(inv: Invocation, since: datetime | None, until: datetime | None, member: str | None,
           partner: str | None, viewer: str | None, group: bool, by_month: bool, fees: bool, as_json: bool,
           as_csv: bool) -> int:
    """The give-and-take ledger per member and partner: referrals each way, won, balance, trend, flags.
    --group and --by-month are two other views; --json and --csv two other forms of each."""
    if sum((group, by_month, fees)) > 1:
        raise click.UsageError("--group, --by-month and --fees are three views: choose one")
    if as_json and as_csv:
        raise click.UsageError("--json and --csv are two forms: choose one")
    # The group's members: config.yaml's, or the mailbox's (`--mailbox NAME`: its own members,
    # kept in the database with it), for the group's lines, --as and --member alike.
    config = inv.config if inv.mailbox is None else inv.app.config
    try:
        member = scope(config, viewer, member, group)
    except NotAllowed as exc:
        inv.fail(f"introledger: {exc}")
        return 1
    if fees:
        from worker.cli.fees import show_fees

        return show_fees(inv, since, until, member, partner, as_json, as_csv)
    from models.base import utcnow
    from worker.classify import directory

    if inv.mailbox is not None:
        sessions = inv.app.sessions  # the mailbox's group, its members synced as the app does
    else:
        # The members as config.yaml says them now (as the app would sync them), without the app:
        # a report needs no pipeline, broker nor templates.
        sessions = inv.sessions
        with reading(sessions) as session:
            synced = directory.in_sync(session, config.settings.members)
        if not synced:  # the write lock only when config.yaml changed since the worker last synced
            with sessions.begin() as session:
                directory.sync(session, config.settings.members)
    thresholds, at = ledger.Thresholds.from_config(config.settings.ledger), utcnow()
    now = until or at
    with reading(sessions) as session:
        book = ledger.Ledger(session, since, until, member)
        if group and not partner:
            names = [m.name for m in config.settings.members if member is None or ledger.names(member, m)]
            _group(book.group(names, at, thresholds), inv, as_json, as_csv)
            return 0
        # --by-month needs no lines unless a partner picks them; the monthly series only --json shows.
        lines = [] if by_month and not partner else book.lines(
            at, thresholds, trend_at=now, months=as_json and not (group or by_month))
        if partner:
            wanted = partner.lower()
            lines = [line for line in lines if wanted in (line.partner, line.name.lower())]
        if group:
            names = [m.name for m in config.settings.members if member is None or ledger.names(member, m)]
            _group(book.totals(names, lines, only_these=bool(partner)), inv, as_json, as_csv)
            return 0
        if by_month:
            _by_month(book.by_month(lines if partner else None), inv, as_json, as_csv)
            return 0
    if as_json:
        print_json([line_json(line, now, since) for line in lines])
    elif as_csv:
        out = csv.writer(sys.stdout)
        out.writerow(CSV_COLUMNS)
        for l in lines:
            out.writerow([l.member, l.partner, l.name, l.given.referrals, l.received.referrals, l.balance,
                          l.given.won, l.received.won, l.given.value, l.received.value,
                          _trend_text(l.trend(now, since)), "; ".join(l.flags)])
    else:
        table(lines, inv.out, now, since=since)
    return 0


def _trend_text(t: dict) -> str:
    if t["direction"] == "new":
        return "new"  # nothing before the window to compare with
    if t["before"] is None:
        return f"n/a (period under {t['days']} days)"
    return f"{t['before']:+d} → {t['now']:+d} {t['direction']}"


def _group(totals: list[ledger.MemberTotals], inv: Invocation, as_json: bool, as_csv: bool) -> None:
    if as_json:
        print_json([group_json(t) for t in totals])
    elif as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(GROUP_COLUMNS)
        writer.writerows((t.member, t.given.referrals, t.received.referrals, t.balance, t.given.won, t.received.won,
                          t.given.value, t.received.value, t.partners, t.flagged) for t in totals)
    else:  # amounts only where business closed (Babel, which formats them, is imported only then)
        from rich.table import Table

        table = Table(title="The group: give and take per member", title_justify="left",
                      caption="won: given / received, the value closed under it", caption_justify="left")
        for col in ("member", "given", "received", "balance", "won", "partners", "flagged"):
            table.add_column(col, no_wrap=col == "won")
        for t in totals:
            table.add_row(t.member, str(t.given.referrals), str(t.received.referrals), f"{t.balance:+d}",
                          won_text(t.given, t.received), str(t.partners), str(t.flagged))
        inv.out.print(table)


def _by_month(rows: list[dict], inv: Invocation, as_json: bool, as_csv: bool) -> None:
    if as_json:
        print_json(rows)
    elif as_csv:
        writer = csv.DictWriter(sys.stdout, MONTH_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    else:
        from rich.table import Table

        table = Table(title="Give and take per month", title_justify="left")
        for col in MONTH_COLUMNS:
            table.add_column(col)
        for row in rows:
            table.add_row(row["member"], row["month"], str(row["given"]), str(row["received"]),
                          f"{row['balance']:+d}")
        inv.out.print(table)


def table(lines: list[ledger.PartnerLine], console: Console, now: datetime, trend: bool = True,
          since: datetime | None = None) -> None:
    from rich import box
    from rich.table import Table

    # Narrow enough for 80 columns: short headings, words wrapped whole, a member named once per run.
    out = Table(title="Give and take", title_justify="left", box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False,
                caption="won: given / received, value below"
                        + (f"; trend: balance {ledger.TREND_WINDOW.days} days ago → now" if trend else ""),
                caption_justify="left")
    for col in ("member", "partner", "given", "recv", "bal", "won", *(["trend"] if trend else []), "flags"):
        out.add_column(col, justify="right" if col in NUMBERS else "left", no_wrap=col not in WRAPPED,
                       min_width=WRAPPED.get(col))
    previous = None
    for l in lines:
        cells = [_trend_text(l.trend(now, since))] if trend else []
        out.add_row("" if l.member == previous else l.member, l.name, str(l.given.referrals),
                    str(l.received.referrals), f"{l.balance:+d}", won_text(l.given, l.received), *cells,
                    "\n".join(l.flags))
        previous = l.member
    console.print(out)


NUMBERS = ("given", "recv", "bal")
WRAPPED = {"member": 9, "partner": 12, "flags": 12}  # names and flags wrap (this wide at least); figures do not


def won_text(given: ledger.Flow, received: ledger.Flow) -> str:
    """Won each way, and the closed business's value under it when there is one ("0 / 1" over
    "— / $8,200"): the coordinator's question is what business closed."""
    counts = f"{given.won} / {received.won}"
    if not (given.values or received.values):
        return counts
    return f"{counts}\n{given.value or '—'} / {received.value or '—'}"


@click.group(cls=Group)
def export() -> None:
    """Export data."""


@export.command("slips")
@paging.options
@pass_invocation
def export_slips(inv: Invocation, since: datetime | None, until: datetime | None, after: int | None,
                 limit: int | None) -> int:
    """Slips as CSV on stdout, oldest first. Shaped like referral-group slips: giver, receiver, date,
    type, value, giver_email, receiver_email. Written as read, so any history exports in flat memory;
    --limit N and --after ID export it in parts."""
    from worker.ledger import queries, slips

    listed = queries.listing(inv.sessions, queries.Page(since=since, until=until, after=after, limit=limit,
                                                        counted=True))
    out = csv.DictWriter(sys.stdout, slips.COLUMNS)
    try:
        first = next(listed, None)
    except LookupError as exc:
        inv.fail(f"introledger: {exc}")
        return 1
    out.writeheader()
    for r in itertools.chain([first] if first else [], listed):
        row = slips.row(r)
        if row is not None:
            out.writerow(row)
    return 0


@click.group("import", cls=Group)
def import_() -> None:
    """Import data."""


@import_.command("slips")
@click.argument("file", type=click.Path(path_type=Path), metavar="FILE.csv")
@click.option("--dry-run", is_flag=True, help="check the file, import nothing")
@json_option("print the summary as JSON")
@pass_invocation
def import_slips(inv: Invocation, file: Path, dry_run: bool, as_json: bool) -> int:
    """Backfill history from a slips CSV. Columns: giver, receiver, date[, type, value, giver_email,
    receiver_email]. Rows are checked one by one: bad rows are listed with their line and reason and
    the rest are imported (exit 1 if any was rejected). Importing the same file again adds nothing.
    No mail is sent for history."""
    from worker.ledger import slips

    config = inv.config
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        inv.fail(f"introledger: cannot read {file}: {exc}")
        return 2
    # A value without a currency is in the member's (members[].currency), as a WON by reply is.
    currency = slips.member_currencies((m.name, m.emails, m.currency) for m in config.settings.members)
    found, problems = slips.read(text, config.settings.follow_ups.default_currency, currency)
    imported = skipped = 0
    if not dry_run and found:
        from worker.cli.ingest import progress_bar

        with inv.app.sessions.begin() as session, progress_bar(inv.err) as progress:
            task = progress.add_task("importing slips", total=len(found))
            imported, skipped = slips.import_slips(session, found, lambda: progress.advance(task))
    summary = {"file": str(file), "rows": len(found) + len(problems), "imported": imported,
               "already_there": skipped, "dry_run": dry_run,
               "rejected": [{"line": p.line, "reason": p.reason} for p in problems]}
    if as_json:
        print_json(summary)
    else:
        for p in problems:
            inv.fail(f"{file}:{p.line}: {p.reason}")
        verb = "would import" if dry_run else "imported"
        count = len(found) if dry_run else imported
        inv.out.print(f"{file}: {verb} {count} slip(s), {skipped} already there, "
                      f"{len(problems)} rejected")
    return 1 if problems else 0
