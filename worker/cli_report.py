"""`introledger report` (the give-and-take ledger) and `introledger export slips` (CSV)."""
import csv
import json
import sys
from dataclasses import asdict
from datetime import datetime, timezone

from rich.console import Console
from rich.table import Table

from worker import bootstrap, ledger, queries
from worker.config import load
from worker.status import format_value

console = Console()


def _date(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
    except ValueError:
        raise SystemExit(f"introledger: {text!r} is not a date like 2026-11-01") from None


def add_parsers(sub) -> None:
    report = sub.add_parser("report", help="the give-and-take ledger per member and partner")
    report.add_argument("--since", type=_date, help="from this date (YYYY-MM-DD)")
    report.add_argument("--until", type=_date, help="before this date (YYYY-MM-DD)")
    report.add_argument("--member", help="only this member (name or address)")
    report.add_argument("--partner", help="only this partner (address)")
    form = report.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true")
    form.add_argument("--csv", action="store_true")
    report.set_defaults(func=cmd_report)

    export = sub.add_parser("export", help="export data")
    export_sub = export.add_subparsers(dest="export_command", required=True, metavar="WHAT")
    slips = export_sub.add_parser("slips", help="CSV shaped like referral-group slips: giver, receiver, date, type, value")
    slips.add_argument("--since", type=_date)
    slips.add_argument("--until", type=_date)
    slips.set_defaults(func=cmd_export_slips)


def line_json(line: ledger.PartnerLine) -> dict:
    flow = lambda f: {**asdict(f), "last": f.last.isoformat() if f.last else None}  # noqa: E731
    return {"member": line.member, "partner": line.partner, "partner_id": line.partner_id, "name": line.name,
            "given": flow(line.given),
            "received": flow(line.received), "balance": line.balance, "flags": line.flags}


CSV_COLUMNS = ("member", "partner", "name", "given", "received", "balance", "given_won", "received_won",
               "given_value_cents", "received_value_cents", "flags")


def cmd_report(args) -> int:
    app = bootstrap.build(load(args.config))
    with app.sessions() as session:
        lines = ledger.build(session, args.since, args.until, app.now(), app.thresholds, member=args.member)
    if args.partner:
        lines = [line for line in lines if line.partner == args.partner.lower()]
    if args.json:
        print(json.dumps([line_json(line) for line in lines], indent=2, ensure_ascii=False))
    elif args.csv:
        out = csv.writer(sys.stdout)
        out.writerow(CSV_COLUMNS)
        for l in lines:
            out.writerow([l.member, l.partner, l.name, l.given.referrals, l.received.referrals, l.balance,
                          l.given.won, l.received.won, l.given.value_cents, l.received.value_cents,
                          "; ".join(l.flags)])
    else:
        table(lines, console)
    return 0


def table(lines: list[ledger.PartnerLine], console: Console) -> None:
    out = Table(title="Give and take", title_justify="left")
    for col in ("member", "partner", "given", "received", "balance", "won (given / received)", "flags"):
        out.add_column(col, overflow="fold")
    for l in lines:
        won = f"{l.given.won} / {l.received.won}"
        out.add_row(l.member, l.name, str(l.given.referrals), str(l.received.referrals), f"{l.balance:+d}",
                    won, "\n".join(l.flags))
    console.print(out)


def cmd_export_slips(args) -> int:
    app = bootstrap.build(load(args.config))
    out = csv.writer(sys.stdout)
    out.writerow(("giver", "receiver", "date", "type", "value"))
    with app.sessions() as session:
        for r in queries.referrals(session):
            if not _in_period(r, args.since, args.until):
                continue
            receivers = [p for p in r.parties if p.role != "prospect"] or list(r.parties)
            kind = "closed business" if r.status == "won" else ("qualified" if r.status == "qualified" else "referral")
            for p in receivers:
                out.writerow((r.introducer.name or r.introducer.email, p.person.name or p.person.email,
                              r.introduced_at.date().isoformat(), kind, format_value(r)))
    return 0


def _in_period(r, since, until) -> bool:
    if r.status == "needs_review":
        return False
    return (since is None or r.introduced_at >= since) and (until is None or r.introduced_at < until)
