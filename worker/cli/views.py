"""Rows → the stable JSON shapes and readable tables the CLI prints (keys documented in README)."""
from datetime import datetime

from rich.console import Console
from rich.table import Table

from models import InboundMessage, Quarantined, Referral
from worker.core.money import format_money
from worker.ledger.queries import REVIEW_IMPORT


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def referral_json(r: Referral) -> dict:
    return {
        "id": r.id,
        "status": r.status,
        "kind": r.kind,
        "introduced_at": _iso(r.introduced_at),
        "introducer": {"name": r.introducer.name, "email": r.introducer.email},
        "parties": [
            {"name": p.person.name, "email": p.person.email, "role": p.role} for p in r.parties
        ],
        "direction": r.direction,
        "confidence": round(r.confidence, 2),
        "value": {"amount_cents": r.value_cents, "currency": r.currency} if r.value_cents is not None else None,
        "qualified_at": _iso(r.qualified_at),
        "won_at": _iso(r.won_at),
        "reason": r.reason,
        "source": {"message_id": r.source_message_id, "subject": r.subject},
    }


def review_json(r: Referral, found: InboundMessage | None) -> dict:
    return {
        "id": r.id,
        "introduced_at": _iso(r.introduced_at),
        "introducer": {"name": r.introducer.name, "email": r.introducer.email},
        "parties": [
            {"name": p.person.name, "email": p.person.email, "role": p.role} for p in r.parties
        ],
        "direction": r.direction,
        "subject": r.subject,
        "message_id": r.source_message_id,
        "kind": r.kind,
        "reason": r.reason,
        "confidence": round(r.confidence, 2),
        "origin": _origin(found),
        "found_in": _found_in(found),
    }


def _origin(found: InboundMessage | None) -> str:
    """review_import: found by `ingest --review`; low_confidence: the classifier was unsure."""
    return "review_import" if found is not None and found.source == REVIEW_IMPORT else "low_confidence"


def _found_in(found: InboundMessage | None) -> str | None:
    if found is None:
        return None
    if found.source in (REVIEW_IMPORT, "file"):
        return found.source_ref  # a file name or "mbox:PATH#N" is where a person finds it
    return f"{found.source} {found.source_ref}".strip()


def quarantine_json(q: Quarantined) -> dict:
    return {
        "id": q.id, "created_at": _iso(q.created_at), "source": q.source, "source_ref": q.source_ref,
        "message_id": q.message_id, "reason": q.reason, "raw_size": q.raw_size,
    }


def _who(name: str, email: str | None) -> str:
    return name or email or "?"  # the table shows names; --json has the addresses


def referrals_table(rows: list[Referral], console: Console) -> None:
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
