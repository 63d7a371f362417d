"""`introledger report --fees`: referral fees due per member and partner for the period (worker/ledger/fees.py)."""
import csv
import sys
from datetime import datetime

from models.db import reading
from worker.cli.context import Invocation, print_json

COLUMNS = ("member", "partner_id", "partner", "terms", "basis", "won", "value", "due")


def show_fees(inv: Invocation, since: datetime | None, until: datetime | None, member: str | None,
              partner: str | None, as_json: bool, as_csv: bool) -> int:
    from rich.table import Table

    from worker.ledger import fees
    from worker.ledger.promotions import PromotionError, find_partner

    with reading(inv.app.sessions) as session:
        try:
            partner_id = find_partner(session, partner).id if partner else None
        except PromotionError as exc:
            inv.fail(str(exc))
            return 1
        lines = fees.due(session, since, until, member, partner_id)
    rows = [line.as_json() for line in lines]
    if as_json:
        print_json(rows)
    elif as_csv:
        out = csv.writer(sys.stdout)
        out.writerow(COLUMNS)
        for r in rows:
            out.writerow([r["member"], r["partner_id"], r["partner"], r["terms"], r["basis"], r["won"], r["value"],
                          r["due_text"]])
    else:
        period = f"{since:%Y-%m-%d} to {until:%Y-%m-%d}" if since and until else (
            f"since {since:%Y-%m-%d}" if since else f"until {until:%Y-%m-%d}" if until else "all time")
        table = Table(title=f"Referral fees due ({period}, business closed)", title_justify="left")
        for col in ("member", "partner", "terms", "won", "value", "due"):
            table.add_column(col, overflow="fold")
        for r in rows:
            table.add_row(r["member"], r["partner"], r["terms"], str(r["won"]), r["value"], r["due_text"])
        inv.out.print(table)
    return 0
