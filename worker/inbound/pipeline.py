"""One message, one transaction: parse → classify → act, with the checkpoint moving in it.

This is the error boundary. A message we cannot handle goes to quarantine with its reason and
processing goes on; a database that is down is not the message's fault, so it is raised as
InfrastructureError for the runner to back off and retry, with the checkpoint left where it was.
"""
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from models import Checkpoint, InboundMessage, Quarantined
from models.base import utcnow
from worker.classify.rules import Context, Reply, classify
from worker.classify.verdict import Verdict
from worker.core.outages import InfrastructureError, describe, is_outage
from worker.core.statuses import INTRO_KINDS, Kind, Unread
from worker.inbound.actions import Acted
from worker.inbound.routes import Hook, act, wire
from worker.inbound.threads import Seen, look_up
from worker.mail.parse import Inbound, ParseError, parse, raw_key

log = logging.getLogger("introledger.pipeline")
CONFLICT_RETRIES = 3


class _StageFailed(Exception):
    """A stage raised inside an optimistic batch: redo the batch one message at a time."""


@dataclass(frozen=True)
class Origin:
    source: str             # e.g. "imap:test@127.0.0.1/INBOX", "maildir:/srv/mail", "file"
    ref: str = ""           # UID, Maildir key or file name: where a person finds the original
    uidvalidity: int | None = None
    uid: int | None = None
    # Set when only the headers were read because the message (this many bytes) was above the
    # size cap: it is handled from its headers and also set aside in quarantine.
    oversize: int | None = None


@dataclass(frozen=True)
class Outcome:
    kind: str               # the verdict's kind, or "duplicate" / "quarantined"
    reason: str
    referral_id: int | None = None
    message_id: str = ""


class Pipeline:
    def __init__(self, sessions: sessionmaker[Session], context: Context, quarantine_cap: int,
                 services: Mapping[str, object | None] | None = None,
                 find_reply: Callable[[Session, Inbound], Reply | None] | None = None, review: bool = False,
                 now: Callable[[], datetime] = utcnow):
        self.sessions = sessions
        self.context = context
        self.quarantine_cap = quarantine_cap
        # verdict kind → what else happens in the same transaction (e.g. queue a thank-you):
        # the rows of routes.ROUTES bound to these services
        self.hooks: dict[str, list[Hook]] = wire(services) if services is not None else {}
        self.find_reply = find_reply
        self.review = review  # intros become review candidates (see for_review)
        self.now = now  # the app's clock: what the actions write is stamped by it

    def for_review(self) -> "Pipeline":
        """This pipeline for `ingest --review` of past mail: every intro becomes a review candidate,
        and no hook runs — no thank-you, follow-up, confirmation or other mail, whatever the message."""
        return Pipeline(self.sessions, self.context, self.quarantine_cap, review=True, now=self.now)

    def logged_by_hand(self, session: Session, referral_id: int, kind: str) -> None:
        """What logging a referral of this kind sets off (thank-you policy, follow-ups, partner
        records), for a candidate a person accepted; the hooks read the referral itself."""
        with session.no_autoflush:  # as in _commit: a hook's half-built row must not flush early
            for hook in self.hooks.get(kind, ()):
                hook(session, None, None, referral_id)

    def process(self, raw: bytes, origin: Origin) -> Outcome:
        return self.process_batch([(raw, origin)])[0]

    def process_batch(self, items: list[tuple[bytes, Origin]]) -> list[Outcome]:
        """Several messages in one commit; a message that fails sends the batch one by one.

        All or none of a commit lands, checkpoint included, so a crash re-reads the batch and
        dedupe turns the re-read into no-ops. The optimistic whole-batch commit is the common
        case; when one message raises, the batch is redone a message per transaction so only
        that one is quarantined.
        """
        parsed = [_parse(raw, origin) for raw, origin in items]
        work = list(zip(parsed, items, strict=True))
        try:
            return self._commit(work, strict=True)
        except _StageFailed:
            return [out for one in work for out in self._commit([one], strict=False)]

    def _commit(self, work: list, strict: bool) -> list[Outcome]:
        for attempt in range(CONFLICT_RETRIES):
            last = attempt == CONFLICT_RETRIES - 1
            try:
                with self.sessions.begin() as session:
                    # Plain records are flushed together at commit (one executemany); anything a
                    # later message must find is flushed on the spot (see _handle).
                    session.autoflush = False
                    pending: dict[str, tuple[str, int | None]] = {}
                    return [self._one(session, p, raw, origin, strict, last, pending)
                            for p, (raw, origin) in work]
            except IntegrityError as exc:
                if strict and last:
                    raise _StageFailed() from exc  # not a race after all: find the message at fault
                continue  # another worker recorded the same message or person first; look again
            except DBAPIError as exc:
                if strict and not is_outage(exc):
                    raise _StageFailed() from exc  # a value some message carried: find which one
                raise InfrastructureError(_database_problem(exc)) from exc
            except StatementError as exc:  # a value the driver could not even send (a date out of range)
                if strict:
                    raise _StageFailed() from exc
                raise
        raise InfrastructureError(f"{len(work)} message(s) from {work[0][1][1].source} kept conflicting")

    def _one(self, session: Session, parsed: "Inbound | str", raw: bytes, origin: Origin,
             strict: bool, last: bool, pending: dict) -> Outcome:
        if isinstance(parsed, str):
            return self._quarantine(session, raw, origin, parsed, "")
        try:
            if strict:
                outcome = self._handle(session, parsed, origin, pending)
            else:
                with session.begin_nested():  # alone in its transaction: undo just its own writes
                    outcome = self._handle(session, parsed, origin, pending)
            return self._set_aside(session, raw, origin, outcome) if origin.oversize else outcome
        except IntegrityError as exc:
            if not last or strict:
                raise
            # The same constraint failed on every try: a bug with this message, not a race.
            return self._quarantine(session, raw, origin, f"database constraint: {exc.orig}", parsed.message_id)
        except DataError as exc:
            if strict:
                raise
            # The database refused a value this message carried (length, encoding, range).
            return self._quarantine(session, raw, origin, f"database refused a value: {exc.orig}", parsed.message_id)
        except DBAPIError:
            raise
        except Exception as exc:  # the boundary: any bug in a stage quarantines
            if strict:
                raise _StageFailed() from exc
            log.warning("quarantined %s: a stage failed", where(origin), exc_info=True)  # our bug: keep the trace
            reason = f"{type(exc).__name__}: {exc} (while handling {where(origin)})"
            return self._quarantine(session, raw, origin, reason, parsed.message_id)

    def _handle(self, session: Session, msg: Inbound, origin: Origin, pending: dict) -> Outcome:
        seen = look_up(session, msg)
        duplicate = pending.get(msg.dedupe_key) or seen.duplicate
        if duplicate is not None:
            advance(session, origin)
            return Outcome(Unread.DUPLICATE, f"already processed as {duplicate[0]}", duplicate[1], msg.message_id)
        verdict = classify(msg, self.context_for(session, msg, seen))
        if self.review:
            verdict = as_candidate(verdict)
        # A promise found in past mail is history: recording it would send nudges about it.
        acted = Acted(None) if self.review and verdict.kind == Kind.PROMISE else act(session, verdict, msg, self.now())
        referral_id = acted.referral_id
        notes = [acted.note] if acted.note else []
        for hook in self.hooks.get(verdict.kind, ()):
            said = hook(session, verdict, msg, referral_id)
            if said:  # what a hook did not do, and why ("not opted out: … likely forged")
                notes.append(said)
        reason = "; ".join([verdict.reason, *notes])
        session.add(_record(msg, origin, verdict.kind, verdict.rule, reason, referral_id))
        pending[msg.dedupe_key] = (verdict.kind, referral_id)
        if referral_id is not None:
            session.flush()  # a reply later in this batch must find this message's thread
        advance(session, origin)
        return Outcome(verdict.kind, reason, referral_id, msg.message_id)

    def context_for(self, session: Session, msg: Inbound, seen: "Seen | None" = None) -> Context:
        """What the classifier knows beside the message: the thread it belongs to and the follow-up it
        answers, as the database says now (only read: `introledger explain` asks this too)."""
        seen = seen if seen is not None else look_up(session, msg)
        reply = self.find_reply(session, msg) if self.find_reply else None
        return replace(self.context, thread=seen.thread, reply=reply)

    def retry_quarantined(self, quarantine_id: int) -> Outcome:
        """Handle a quarantined message again, its cause fixed (a template, a bug, the database).

        Three steps, each safe to repeat after a crash: forget that it was quarantined (so it is
        no duplicate), handle it as if it had just arrived (it may be quarantined again, with
        today's reason), then drop the old quarantine entry.
        """
        with self.sessions.begin() as session:
            q = session.get(Quarantined, quarantine_id)
            if q is None:
                raise LookupError(f"quarantine #{quarantine_id}: no such message")
            if not q.raw or q.raw_size > len(q.raw):
                raise LookupError(f"quarantine #{quarantine_id}: only {len(q.raw)} of its {q.raw_size} bytes were "
                                  "kept; ingest the original message again (`introledger ingest FILE`)")
            raw, origin = q.raw, Origin(q.source, q.source_ref)
            keys = [raw_key(raw), *([f"mid:{q.message_id}"] if q.message_id else [])]
            session.execute(delete(InboundMessage).where(InboundMessage.kind == Unread.QUARANTINED,
                                                         InboundMessage.dedupe_key.in_(keys)))
        outcome = self.process(raw, origin)
        with self.sessions.begin() as session:
            session.execute(delete(Quarantined).where(Quarantined.id == quarantine_id))
        return outcome

    def set_aside(self, origin: Origin, key: str, reason: str) -> Outcome:
        """Quarantine a message we could not even read (no bytes), under a key of its own."""
        try:
            with self.sessions.begin() as session:
                return self._quarantine(session, b"", origin, reason, "", key=key)
        except DBAPIError as exc:
            raise InfrastructureError(_database_problem(exc)) from exc

    def _set_aside(self, session: Session, headers: bytes, origin: Origin, outcome: Outcome) -> Outcome:
        """A message above the size cap: handled from its headers, and kept in quarantine for a
        person to look at (once, however often the mailbox is re-read)."""
        reason = (f"{origin.oversize} bytes, above source.max_message_bytes: only its headers were read"
                  f" ({where(origin)})")
        if outcome.kind != Unread.DUPLICATE:
            session.add(Quarantined(
                source=origin.source, source_ref=origin.ref, message_id=_storable(outcome.message_id)[:400],
                reason=reason, raw=headers[: self.quarantine_cap], raw_size=origin.oversize,
            ))
        return replace(outcome, reason=f"{outcome.reason}; {reason}")

    def _quarantine(self, session: Session, raw: bytes, origin: Origin, reason: str, message_id: str,
                    key: str | None = None) -> Outcome:
        reason, message_id = _storable(reason)[:2000], _storable(message_id)
        # The key must fit its column whatever the message carried, or quarantine itself fails.
        key = key or parse_free_key(raw, message_id if len(message_id) <= 250 else "")
        message_id = message_id[:400]
        session.flush()
        if session.scalar(select(InboundMessage.id).where(InboundMessage.dedupe_key == key)):
            advance(session, origin)
            return Outcome(Unread.DUPLICATE, "already quarantined", None, message_id)
        session.add(Quarantined(
            source=origin.source, source_ref=origin.ref, message_id=message_id,
            reason=reason, raw=raw[: self.quarantine_cap], raw_size=origin.oversize or len(raw),
        ))
        session.add(InboundMessage(
            dedupe_key=key, message_id=message_id, source=origin.source,
            source_ref=origin.ref, kind=Unread.QUARANTINED, rule="quarantine", reason=reason,
        ))
        advance(session, origin)
        return Outcome(Unread.QUARANTINED, reason, None, message_id)


def as_candidate(verdict: Verdict) -> Verdict:
    """An intro from a review import is only offered: logged as needs_review, its rule kept."""
    return replace(verdict, kind=Kind.NEEDS_REVIEW) if verdict.kind in INTRO_KINDS else verdict


def _parse(raw: bytes, origin: Origin) -> "Inbound | str":
    """The parsed message, or why it could not be parsed.

    Parsing is the message's own business, so any exception here (a RecursionError from a
    hostile header as much as a ParseError) quarantines this message alone.
    """
    try:
        return parse(raw)
    except ParseError as exc:
        return f"cannot parse {where(origin)}: {exc}"
    except Exception as exc:  # the boundary: a sender's bytes must never stop the mailbox
        log.warning("cannot parse %s", where(origin), exc_info=True)
        return f"cannot parse {where(origin)}: {type(exc).__name__}: {exc}"


def where(origin: Origin) -> str:
    """The message as a person would look for it."""
    if origin.uid is not None:
        return f"UID {origin.uid} in {origin.source}"
    return origin.ref or origin.source


def parse_free_key(raw: bytes, message_id: str) -> str:
    """The dedupe key of a message we may not have been able to parse."""
    return f"mid:{message_id}" if message_id else raw_key(raw)


def _storable(text: str) -> str:
    """Error text may quote the bad input; keep it storable in any database."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def advance(session: Session, origin: Origin) -> None:
    """Move the mailbox checkpoint inside the caller's transaction (IMAP sources only)."""
    if origin.uid is None:
        return
    point = session.scalar(select(Checkpoint).where(Checkpoint.source == origin.source))
    if point is None:
        point = Checkpoint(source=origin.source, uidvalidity=origin.uidvalidity or 0, last_uid=0)
        session.add(point)
        session.flush()  # autoflush is off in a batch: the next message must find this row
    point.uidvalidity = origin.uidvalidity or 0
    point.last_uid = max(point.last_uid or 0, origin.uid)


def _record(msg: Inbound, origin: Origin, kind: str, rule: str, reason: str, referral_id) -> InboundMessage:
    return InboundMessage(
        dedupe_key=msg.dedupe_key, message_id=msg.message_id, source=origin.source,
        source_ref=origin.ref, kind=kind, rule=rule, reason=reason[:2000],
        sender=msg.sender.email if msg.sender else "", subject=msg.subject[:500],
        sent_at=msg.date, referral_id=referral_id,
    )


def _database_problem(exc: DBAPIError) -> str:
    """The one line `run` prints while it waits: a read-only database is named as such."""
    from models.db import read_only_error

    return describe(exc) if read_only_error(exc) else f"database error: {exc.orig or exc}"
