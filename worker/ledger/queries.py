"""Read-side queries the CLI and reports use."""
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from models import InboundMessage, Member, Person, Quarantined, Referral, ReferralParty
from models.db import reading
from worker.core.statuses import HIDDEN, NOT_COUNTED, Kind, Status

REVIEW_IMPORT = "review"  # the Origin.source of messages read by `ingest --review`


def referrals(session: Session, status: str | None = None) -> list[Referral]:
    query = select(Referral).order_by(Referral.introduced_at, Referral.id)
    if status:
        query = query.where(Referral.status == status)
    else:
        query = query.where(Referral.status.not_in(HIDDEN))
    return list(session.scalars(query))


@dataclass(frozen=True)
class Who:
    name: str
    email: str | None


@dataclass(frozen=True)
class Party:
    id: int
    person: Who
    role: str


@dataclass(frozen=True)
class Listed:
    """A referral as listings and exports show it: plain values, read a page at a time."""

    id: int
    status: str
    kind: str
    introduced_at: datetime
    introducer: Who
    parties: tuple[Party, ...]
    direction: str
    confidence: float
    value_cents: int | None
    currency: str
    qualified_at: datetime | None
    won_at: datetime | None
    reason: str
    source_message_id: str
    subject: str


@dataclass(frozen=True)
class Page:
    """Which referrals a listing shows, oldest first: by status (else all but the hidden ones, or
    with `counted` only those the ledger counts), introduced in [since, until), after the referral
    `after` (a cursor: the last id of the previous page), at most `limit`."""

    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after: int | None = None
    limit: int | None = None
    counted: bool = False


BATCH = 1000


def listing(sessions: sessionmaker[Session], page: Page, batch: int = BATCH) -> Iterator[Listed]:
    """The page's referrals in (introduced_at, id) order, read `batch` at a time, each batch in a
    transaction of its own: memory stays flat however long the history, and a long export never
    holds the database from the worker for longer than one batch. LookupError: no such `after`."""
    cursor: tuple[datetime, int] | None = None
    if page.after is not None:
        with reading(sessions) as session:
            at = session.scalar(select(Referral.introduced_at).where(Referral.id == page.after))
        if at is None:
            raise LookupError(f"--after {page.after}: no referral #{page.after}")
        cursor = (at, page.after)
    left = page.limit
    while left is None or left > 0:
        with reading(sessions) as session:
            rows = _batch(session, page, cursor, batch if left is None else min(batch, left))
        if not rows:
            return
        yield from rows
        cursor = (rows[-1].introduced_at, rows[-1].id)
        if left is not None:
            left -= len(rows)


_LISTED = (Referral.id, Referral.status, Referral.kind, Referral.introduced_at, Referral.direction,
           Referral.confidence, Referral.value_cents, Referral.currency, Referral.qualified_at, Referral.won_at,
           Referral.reason, Referral.source_message_id, Referral.subject, Person.name, Person.email)


def _batch(session: Session, page: Page, cursor, size: int) -> list[Listed]:
    query = (select(*_LISTED).join(Person, Person.id == Referral.introducer_id)
             .order_by(Referral.introduced_at, Referral.id).limit(size))
    if page.status:
        query = query.where(Referral.status == page.status)
    else:
        query = query.where(Referral.status.not_in(NOT_COUNTED if page.counted else HIDDEN))
    if page.since is not None:
        query = query.where(Referral.introduced_at >= page.since)
    if page.until is not None:
        query = query.where(Referral.introduced_at < page.until)
    if cursor is not None:
        at, last = cursor
        query = query.where(Referral.introduced_at >= at, or_(Referral.introduced_at > at, Referral.id > last))
    found = session.execute(query).all()
    named = members_by_email(session)
    parties: dict[int, list[Party]] = {}
    if found:
        for referral_id, party_id, role, name, email in session.execute(
                select(ReferralParty.referral_id, ReferralParty.id, ReferralParty.role, Person.name, Person.email)
                .join(Person, Person.id == ReferralParty.person_id)
                .where(ReferralParty.referral_id.in_([r.id for r in found])).order_by(ReferralParty.id)):
            who = Who(named.get(email or "") or name, email)
            parties.setdefault(referral_id, []).append(Party(party_id, who, role))
    return [Listed(r.id, r.status, r.kind, r.introduced_at, Who(named.get(r.email) or r.name, r.email),
                   tuple(parties.get(r.id, ())),
                   r.direction, r.confidence, r.value_cents, r.currency, r.qualified_at, r.won_at, r.reason,
                   r.source_message_id, r.subject) for r in found]


def members_by_email(session: Session) -> dict[str, str]:
    """Each member's addresses → the member's configured name. It wins over whatever a mail's
    From: said (or did not: Dana was "dana@danabooks.example" until a mail carried her name)."""
    return {email: name for name, emails in session.execute(select(Member.name, Member.emails))
            for email in emails or ()}


def candidates(session: Session) -> list[Referral]:
    """Every intro waiting for a person's yes or no, oldest first."""
    return referrals(session, Status.NEEDS_REVIEW)


def still_pending(session: Session, ids: set[int]) -> set[int]:
    """Which of these referrals are review candidates (an import may also meet logged ones)."""
    if not ids:
        return set()
    return set(session.scalars(select(Referral.id).where(Referral.id.in_(ids), Referral.status == Status.NEEDS_REVIEW)))


def found_in(session: Session, referral_ids: list[int]) -> dict[int, InboundMessage]:
    """The message each candidate was first found in: where it came from, for the review list."""
    rows = session.scalars(select(InboundMessage).where(
        InboundMessage.referral_id.in_(referral_ids), InboundMessage.kind == Kind.NEEDS_REVIEW,
    ).order_by(InboundMessage.id))
    found: dict[int, InboundMessage] = {}
    for row in rows:
        if row.referral_id is not None:  # always: the query asks for these referrals
            found.setdefault(row.referral_id, row)
    return found


def quarantined(session: Session) -> list[Quarantined]:
    return list(session.scalars(select(Quarantined).order_by(Quarantined.id)))
