"""Rows → the readable tables the CLI prints; the JSON shapes are worker/app/shapes.py's (keys in README)."""

from rich.console import Console
from rich.table import Table

from models import InboundMessage, Quarantined, Referral
from worker.app.shapes import origin as _origin
from worker.app.shapes import quarantine_json, referral_json, review_json  # noqa: F401 - the CLI's --json shapes
from worker.core.money import format_money
from worker.ledger.queries import Listed


def _who(name: str, email: str | None) -> str:
    return name or email or "?"  # the table shows names; --json has the addresses


def referrals_table(rows: list[Referral] | list[Listed], console: Console) -> None:
    table = Table(title=f"Referrals ({len(rows)})", title_justify="left")
    for col in ("#", "date", "status", "value", "direction", "introducer", "parties (role)"):
        table.add_column(col, overflow="fold")
    for r in rows:
        parties = "\n".join(f"{_who(p.person.name, p.person.email)} ({p.role})" for p in r.parties)
        table.add_row(
            str(r.id), r.introduced_at.strftime("%Y-%m-%d"), r.status, format_money(r.value_cents, r.currency),
            r.direction,
            _who(r.introducer.name, r.introducer.email), parties,
        )
    console.print(table)


def review_table(rows: list[Referral], found: dict[int, InboundMessage], console: Console) -> None:
    table = Table(title=f"Waiting for review ({len(rows)}) — introledger review accept|reject ID…",
                  title_justify="left")
    for col in ("#", "date", "from", "introducer", "parties (role)", "subject", "why (confidence)"):
        table.add_column(col, overflow="fold")
    for r in rows:
        parties = "\n".join(f"{_who(p.person.name, p.person.email)} ({p.role})" for p in r.parties)
        table.add_row(
            str(r.id), r.introduced_at.strftime("%Y-%m-%d"), _origin(found.get(r.id)).replace("_", " "),
            _who(r.introducer.name, r.introducer.email), parties, r.subject,
            f"{r.reason} ({r.confidence:.2f})",
        )
    console.print(table)


def quarantine_place(q: Quarantined) -> str:
    """Where to find the message: a UID alone ("11") named no mailbox."""
    if q.source.startswith("imap:") and q.source_ref:
        return f"UID {q.source_ref} in {q.source}"
    if q.source.startswith("maildir:") and q.source_ref:
        return f"{q.source_ref} in {q.source}"
    return q.source_ref or q.source


def quarantine_table(rows: list[Quarantined], console: Console) -> None:
    table = Table(title=f"Quarantine ({len(rows)})", title_justify="left")
    for col in ("#", "when", "source", "message", "reason"):
        table.add_column(col, overflow="fold")
    for q in rows:
        table.add_row(str(q.id), q.created_at.strftime("%Y-%m-%d %H:%M"), quarantine_place(q),
                      q.message_id or f"({q.raw_size} bytes)", q.reason)
    console.print(table)
