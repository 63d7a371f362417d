"""`introledger report` (the give-and-take ledger) and `introledger export slips` (CSV)."""
import csv
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console
from rich.table import Table

from worker.app import bootstrap
from worker.ledger import balance as ledger, queries, slips
from worker.core.config import load

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
    report.add_argument("--partner", help="only this partner (address or name)")
    report.add_argument("--as", dest="viewer", metavar="MEMBER",
                        help="what this member may see: their own ledger, or the group's for a coordinator")
    view = report.add_mutually_exclusive_group()
    view.add_argument("--group", action="store_true", help="one line per member: the coordinator's view")
    view.add_argument("--by-month", action="store_true", help="given, received and running balance per month")
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

    imp = sub.add_parser("import", help="import data")
    imp_sub = imp.add_subparsers(dest="import_command", required=True, metavar="WHAT")
    islips = imp_sub.add_parser(
        "slips", help="backfill history from a slips CSV (giver, receiver, date[, type, value, giver_email, receiver_email])",
        description="Rows are checked one by one: bad rows are listed with their line and reason and the rest "
                    "are imported. Importing the same file again adds nothing. No mail is sent for history.")
    islips.add_argument("file", type=Path, metavar="FILE.csv")
    islips.add_argument("--dry-run", action="store_true", help="check the file, import nothing")
    islips.add_argument("--json", action="store_true", help="print the summary as JSON")
    islips.set_defaults(func=cmd_import_slips)


def flow_json(f: ledger.Flow) -> dict:
    return {"referrals": f.referrals, "connected": f.connected, "qualified": f.qualified, "won": f.won,
            "values": dict(sorted(f.values.items())), "value": f.value, "went_nowhere": f.went_nowhere,
            "role_unknown": f.role_unknown, "last": f.last.isoformat() if f.last else None}


def line_json(line: ledger.PartnerLine, now: datetime, since: datetime | None = None) -> dict:
    return {"member": line.member, "partner": line.partner, "partner_id": line.partner_id, "name": line.name,
            "given": flow_json(line.given), "received": flow_json(line.received), "balance": line.balance,
            "trend": line.trend(now, since), "monthly": line.monthly(), "flags": line.flags}


CSV_COLUMNS = ("member", "partner", "name", "given", "received", "balance", "given_won", "received_won",
               "given_value", "received_value", "trend", "flags")
GROUP_COLUMNS = ("member", "given", "received", "balance", "given_won", "received_won", "given_value",
                 "received_value", "partners", "flagged")
MONTH_COLUMNS = ("member", "month", "given", "received", "balance")


class NotAllowed(Exception):
    pass


def scope(config, viewer: str | None, member: str | None, group: bool) -> str | None:
    """Which member's ledger the viewer may see: their own, or anyone's for a coordinator."""
    if viewer is None:
        return member  # the operator at the command line sees everything
    found = next((m for m in config.settings.members if ledger.names(viewer, m)), None)
    if found is None:
        raise NotAllowed(f"--as {viewer}: no member by that name or address in {config.path}")
    if found.coordinator:
        return member
    if group or (member and not ledger.names(member, found)):
        raise NotAllowed(f"{found.name} is not a coordinator: a member sees only their own ledger "
                         f"(set coordinator: true for them in {config.path} to show the group's)")
    return found.name


def cmd_report(args) -> int:
    config = load(args.config)
    try:
        member = scope(config, args.viewer, args.member, args.group)
    except NotAllowed as exc:
        print(f"introledger: {exc}", file=sys.stderr)
        return 1
    app = bootstrap.build(config)
    now = args.until or app.now()
    with app.sessions() as session:
        lines = ledger.build(session, args.since, args.until, app.now(), app.thresholds, member=member)
    if args.partner:
        wanted = args.partner.lower()
        lines = [line for line in lines if wanted in (line.partner, line.name.lower())]
    if args.group:
        names = [m.name for m in config.settings.members if member is None or ledger.names(member, m)]
        _group(ledger.group(lines, names), args)
    elif args.by_month:
        _by_month(lines, args)
    elif args.json:
        print(json.dumps([line_json(line, now, args.since) for line in lines], indent=2, ensure_ascii=False))
    elif args.csv:
        out = csv.writer(sys.stdout)
        out.writerow(CSV_COLUMNS)
        for l in lines:
            out.writerow([l.member, l.partner, l.name, l.given.referrals, l.received.referrals, l.balance,
                          l.given.won, l.received.won, l.given.value, l.received.value,
                          _trend_text(l.trend(now, args.since)), "; ".join(l.flags)])
    else:
        table(lines, console, now, since=args.since)
    return 0


def _trend_text(t: dict) -> str:
    if t["before"] is None:
        return f"n/a (period under {t['days']} days)"
    return f"{t['before']:+d} → {t['now']:+d} {t['direction']}"


def _group(totals: list[ledger.MemberTotals], args) -> None:
    rows = [(t.member, t.given.referrals, t.received.referrals, t.balance, t.given.won, t.received.won,
             t.given.value, t.received.value, t.partners, t.flagged) for t in totals]
    if args.json:
        print(json.dumps([{"member": t.member, "given": flow_json(t.given), "received": flow_json(t.received),
                           "balance": t.balance, "partners": t.partners, "flagged": t.flagged} for t in totals],
                         indent=2, ensure_ascii=False))
    elif args.csv:
        out = csv.writer(sys.stdout)
        out.writerow(GROUP_COLUMNS)
        out.writerows(rows)
    else:
        out = Table(title="The group: give and take per member", title_justify="left")
        for col in ("member", "given", "received", "balance", "won (given / received)", "partners", "flagged"):
            out.add_column(col)
        for r in rows:
            out.add_row(r[0], str(r[1]), str(r[2]), f"{r[3]:+d}", f"{r[4]} / {r[5]}", str(r[8]), str(r[9]))
        console.print(out)


def _by_month(lines: list[ledger.PartnerLine], args) -> None:
    per_member: dict[str, ledger.PartnerLine] = {}
    for line in lines:  # one running balance per member, over the partners shown, each intro once
        merged = per_member.setdefault(line.member, ledger.PartnerLine(line.member, "", ""))
        for mine, theirs in ((merged.given, line.given), (merged.received, line.received)):
            for r in theirs.counted.values():
                if r.id not in mine.counted:
                    mine.add(r)
                    merged.moves.append((r.introduced_at, 1 if mine is merged.given else -1))
    rows = [{"member": name, **month} for name, merged in per_member.items() for month in merged.monthly()]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    elif args.csv:
        out = csv.DictWriter(sys.stdout, MONTH_COLUMNS)
        out.writeheader()
        out.writerows(rows)
    else:
        out = Table(title="Give and take per month", title_justify="left")
        for col in MONTH_COLUMNS:
            out.add_column(col)
        for r in rows:
            out.add_row(r["member"], r["month"], str(r["given"]), str(r["received"]), f"{r['balance']:+d}")
        console.print(out)


def table(lines: list[ledger.PartnerLine], console: Console, now: datetime, trend: bool = True,
          since: datetime | None = None) -> None:
    out = Table(title="Give and take", title_justify="left")
    trend_col = [f"balance {ledger.TREND_WINDOW.days} days ago → now"] if trend else []
    for col in ("member", "partner", "given", "received", "balance", "won (given / received)", *trend_col, "flags"):
        out.add_column(col, overflow="fold")
    for l in lines:
        won = f"{l.given.won} / {l.received.won}"
        cells = [_trend_text(l.trend(now, since))] if trend else []
        out.add_row(l.member, l.name, str(l.given.referrals), str(l.received.referrals), f"{l.balance:+d}",
                    won, *cells, "\n".join(l.flags))
    console.print(out)


def cmd_export_slips(args) -> int:
    app = bootstrap.build(load(args.config))
    with app.sessions() as session:
        chosen = [r for r in queries.referrals(session) if _in_period(r, args.since, args.until)]
        out = csv.DictWriter(sys.stdout, slips.COLUMNS)
        out.writeheader()
        out.writerows(slips.rows(chosen))
    return 0


def cmd_import_slips(args) -> int:
    config = load(args.config)
    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"introledger: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    found, problems = slips.read(text, config.settings.follow_ups.default_currency)
    imported = skipped = 0
    if not args.dry_run and found:
        app = bootstrap.build(config)
        with app.sessions.begin() as session:
            imported, skipped = slips.import_slips(session, found)
    summary = {"file": str(args.file), "rows": len(found) + len(problems), "imported": imported,
               "already_there": skipped, "dry_run": args.dry_run,
               "rejected": [{"line": p.line, "reason": p.reason} for p in problems]}
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        for p in problems:
            print(f"{args.file}:{p.line}: {p.reason}", file=sys.stderr)
        verb = "would import" if args.dry_run else "imported"
        count = len(found) if args.dry_run else imported
        console.print(f"{args.file}: {verb} {count} slip(s), {skipped} already there, "
                      f"{len(problems)} rejected", highlight=False)
    return 1 if problems else 0


def _in_period(r, since, until) -> bool:
    if r.status in ledger.NOT_COUNTED:
        return False
    return (since is None or r.introduced_at >= since) and (until is None or r.introduced_at < until)
