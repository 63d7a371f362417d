"""Rows → the stable JSON shapes (keys in README "JSON output"): one definition for the command
line's `--json` and the dashboard's /api, so the two never drift apart."""
from datetime import datetime

from sqlalchemy.orm import Session

from models import InboundMessage, OutboxMessage, Partner, Quarantined, Referral
from worker.ledger import balance as ledger
from worker.ledger import partners as ledger_partners
from worker.ledger.queries import REVIEW_IMPORT, Listed


def iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def _people(r: "Referral | Listed", named: dict[str, str] | None = None) -> dict:
    """Introducer and parties; `named` (queries.members_by_email) puts a member's configured name first."""
    def name(who) -> str:
        return (named or {}).get(who.email or "") or who.name

    return {"introducer": {"name": name(r.introducer), "email": r.introducer.email},
            "parties": [{"name": name(p.person), "email": p.person.email, "role": p.role} for p in r.parties]}


def referral_json(r: "Referral | Listed", named: dict[str, str] | None = None) -> dict:
    return {
        "id": r.id,
        "status": r.status,
        "kind": r.kind,
        "introduced_at": iso(r.introduced_at),
        **_people(r, named),
        "direction": r.direction,
        "confidence": round(r.confidence, 2),
        "value": {"amount_cents": r.value_cents, "currency": r.currency} if r.value_cents is not None else None,
        "qualified_at": iso(r.qualified_at),
        "won_at": iso(r.won_at),
        "reason": r.reason,
        "source": {"message_id": r.source_message_id, "subject": r.subject},
    }


def review_json(r: Referral, found: InboundMessage | None) -> dict:
    return {
        "id": r.id,
        "introduced_at": iso(r.introduced_at),
        **_people(r),
        "direction": r.direction,
        "subject": r.subject,
        "message_id": r.source_message_id,
        "kind": r.kind,
        "reason": r.reason,
        "confidence": round(r.confidence, 2),
        "origin": origin(found),
        "found_in": found_in(found),
    }


def origin(found: InboundMessage | None) -> str:
    """review_import: found by `ingest --review`; low_confidence: the classifier was unsure."""
    return "review_import" if found is not None and found.source == REVIEW_IMPORT else "low_confidence"


def found_in(found: InboundMessage | None) -> str | None:
    if found is None:
        return None
    if found.source in (REVIEW_IMPORT, "file"):
        return found.source_ref  # a file name or "mbox:PATH#N" is where a person finds it
    return f"{found.source} {found.source_ref}".strip()


def quarantine_json(q: Quarantined) -> dict:
    return {
        "id": q.id, "created_at": iso(q.created_at), "source": q.source, "source_ref": q.source_ref,
        "message_id": q.message_id, "reason": q.reason, "raw_size": q.raw_size,
    }


def outbox_json(row: OutboxMessage) -> dict:
    return {
        "id": row.id, "kind": row.kind, "to": row.to_addr, "subject": row.subject,
        "status": row.status, "attempts": row.attempts, "last_error": row.last_error or None,
        "reason": row.reason or None, "message_id": row.message_id or None,
        "referral_ids": row.referral_ids, "queued_at": iso(row.queued_at),
        "not_before": iso(row.not_before), "handed_over_at": iso(row.handed_over_at), "sent_at": iso(row.sent_at),
    }


def partner_json(session: Session, p: Partner) -> dict:
    return {"id": p.id, "name": p.name, "company": p.company, "type": p.partner_type, "notes": p.notes,
            "referral_fee": p.referral_fee, "is_customer": p.is_customer, "customer_since": iso(p.customer_since),
            "language": p.language,
            "emails": ledger_partners.addresses(session, p.id)}


def flow_json(f: ledger.Flow) -> dict:
    return {"referrals": f.referrals, "connected": f.connected, "qualified": f.qualified, "won": f.won,
            "values": dict(sorted(f.values.items())), "value": f.value, "went_nowhere": f.went_nowhere,
            "role_unknown": f.role_unknown, "last": f.last.isoformat() if f.last else None}


def line_json(line: ledger.PartnerLine, now: datetime, since: datetime | None = None) -> dict:
    return {"member": line.member, "partner": line.partner, "partner_id": line.partner_id, "name": line.name,
            "given": flow_json(line.given), "received": flow_json(line.received), "balance": line.balance,
            "trend": line.trend(now, since), "monthly": line.monthly(), "flags": line.flags}


def group_json(t: ledger.MemberTotals) -> dict:
    return {"member": t.member, "given": flow_json(t.given), "received": flow_json(t.received),
            "balance": t.balance, "partners": t.partners, "flagged": t.flagged}


def by_month(lines: list[ledger.PartnerLine]) -> list[dict]:
    """`report --by-month --json`: per member and month, given, received and the running balance,
    over the partners in `lines`, each intro once per member (asked of the ledger that built them)."""
    book = next((line.book for line in lines if line.book is not None), None)
    return book.by_month(lines) if book is not None else []


def finding(line: str) -> dict:
    """A doctor line ("smtp: 535 … — …; check …") → which part (config, database, outbox, maildir, imap,
    smtp, broker, follow-ups) and the whole line, which names the problem and its fix."""
    check, _, _ = line.partition(": ")
    return {"check": check, "message": line}


def doctor_json(problems: list[str], warned: list[str], repaired: list[str], about: list[str]) -> dict:
    return {"ok": not problems, "problems": [finding(p) for p in problems], "warnings": [finding(w) for w in warned],
            "repaired": repaired, "about": about}
