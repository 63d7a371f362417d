"""Referrals: the list (filter by status, partner, direction, period; search by name or address),
and one referral's page — its timeline and the form that sets its status (`mark`'s rules)."""
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Select,
    and_,
    any_,
    bindparam,
    exists,
    func,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.orm import Session
from starlette.responses import Response
from starlette.routing import Route

from models import FollowUp, InboundMessage, Member, OutboxMessage, Person, Referral, ReferralEvent, ReferralParty
from worker.app import marking, shapes
from worker.core import lifecycle
from worker.core.money import format_money
from worker.core.statuses import HIDDEN, OPEN, TERMINAL, Mail, Status, Step
from worker.ledger.queries import members_by_email
from worker.outbound.sendrules import PERSON_EVENTS
from worker.web.mailabout import about_referral
from worker.web.pages import Ctx, NotFound, Paged, Refused, handler, page_number, paged
from worker.web.viewer import Viewer

PER_PAGE = 50
SEARCH_CAP = 20_000  # referrals a search names at most (a name shared by more is not a search)
STATUSES = [s.value for s in Status]
DIRECTIONS = ("received", "given", "partner")
# Beside the answers the lifecycle still allows (lifecycle.next_answers): what works on any open one.
ALWAYS = ("SNOOZE", "STOP")


@dataclass(frozen=True)
class Filters:
    status: str = ""
    direction: str = ""
    partner: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    q: str = ""

    @classmethod
    def read(cls, ctx: Ctx) -> "Filters":
        partner = ctx.field("partner")
        status = ctx.field("status")
        if status and status not in ("open", "unanswered") and status not in STATUSES:
            raise Refused(f"status {status!r}: use open, unanswered or one of {', '.join(STATUSES)}")
        direction = ctx.field("direction")
        if direction and direction not in DIRECTIONS:
            raise Refused(f"direction {direction!r}: use {', '.join(DIRECTIONS)}")
        return cls(status, direction, int(partner) if partner.isdigit() else None,
                   _date(ctx.field("since")), _date(ctx.field("until")), ctx.field("q")[:200])


def _date(text: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        raise Refused(f"{text!r} is not a date like 2026-11-01") from None


def matching(session: Session, text: str) -> list[int]:
    """Referrals whose introducer or a party has `text` in their name or address. Asked once and
    passed on as ids: an OR of subqueries in the listing's WHERE is tried on every row."""
    lowered = text.lower()
    like = f"%{lowered}%"
    found_people = select(Person.id).where(or_(func.lower(Person.name).like(like),
                                               func.lower(Person.email).like(like)))
    # PostgreSQL answers that through its trigram indexes on its own, where migration 0029 made them.
    # SQLite's trigram table names the people who may have it (its case folding is Unicode's, wider
    # than SQLite's ASCII lower()), and the test above says which do: the same people, not a scan.
    phrase = trigram_phrase(lowered)
    if phrase is not None and session.get_bind().dialect.name == "sqlite" and _people_search(session):
        found_people = found_people.where(Person.id.in_(
            select(literal_column("rowid")).select_from(table("people_search"))
            .where(literal_column("people_search").op("MATCH")(phrase))))
    people = found_people.cte("found").prefix_with("MATERIALIZED")  # read twice

    def among(column) -> ColumnElement[bool]:
        if session.get_bind().dialect.name != "postgresql":
            return column.in_(select(people.c.id))
        # `= ANY(ARRAY(…))`: PostgreSQL takes IN (the found people) for as many rows as an average
        # person has and read all 100,000 referrals for introducers among the 1,111 "client 12"s
        # (clients never introduce): 99 ms; as an array it looks each one up in the index: 12 ms.
        return column == any_(func.array(select(people.c.id).scalar_subquery()))

    found = select(ReferralParty.referral_id).where(among(ReferralParty.person_id)).union(
        select(Referral.id).where(among(Referral.introducer_id)))
    return list(session.scalars(found.limit(SEARCH_CAP)))


def trigram_phrase(lowered: str) -> str | None:
    """The FTS5 phrase that finds the text as a substring through a trigram index; None where the
    index cannot: under three characters, or with LIKE's wildcards in it (the search keeps them)."""
    if len(lowered) < 3 or "%" in lowered or "_" in lowered:
        return None
    return '"' + lowered.replace('"', '""') + '"'


def _people_search(session: Session) -> bool:
    """Migration 0029 made the trigram table (FTS5 with its trigram tokenizer is in this SQLite)."""
    return session.scalar(select(literal_column("1")).select_from(table("sqlite_master"))
                          .where(literal_column("name") == "people_search")) is not None


def unanswered(sqlite: bool) -> ColumnElement[bool]:
    """An open referral with a follow-up we sent that nobody answered: no accepted answer of a
    person's (a reply, a correction, a snooze, a stop) since that mail went out."""
    answered = exists().where(ReferralEvent.referral_id == FollowUp.referral_id, ReferralEvent.accepted.is_(True),
                              ReferralEvent.event.in_(PERSON_EVENTS), ReferralEvent.at >= OutboxMessage.sent_at)
    sent = (select(FollowUp.id)
            .join(OutboxMessage, and_(OutboxMessage.id == FollowUp.outbox_id, OutboxMessage.status == Mail.SENT))
            .where(FollowUp.referral_id == Referral.id, FollowUp.status == Step.DONE, ~answered))
    # SQLite (no statistics): `status || ''`, not through the index on status, whose three ranges
    # it would read whole and sort; newest first (by id, or introduced_at's index) it stops at the
    # page's end. PostgreSQL's planner, knowing how many rows each way, does better with the index.
    status = Referral.status.concat("") if sqlite else Referral.status
    return and_(status.in_(OPEN), exists(sent))


def query(viewer: Viewer, f: Filters, matched: list[int] | None = None, sqlite: bool = False) -> Select:
    q = select(Referral).where(viewer.referrals())
    if f.status == "open":
        q = q.where(Referral.status.in_(OPEN))
    elif f.status == "unanswered":
        q = q.where(unanswered(sqlite))
    elif f.status:
        q = q.where(Referral.status == f.status)
    else:
        q = q.where(Referral.status.not_in(HIDDEN))  # as `referrals`: rejected and merged only when asked
    if f.direction:
        q = q.where(Referral.direction == f.direction)
    if f.since:
        q = q.where(Referral.introduced_at >= f.since)
    if f.until:
        q = q.where(Referral.introduced_at < f.until)
    if f.partner is not None:
        q = q.where(_with_people(select(Person.id).where(Person.partner_id == f.partner)))
    if matched is not None:
        # PostgreSQL: one array parameter; as IN, a search naming 1,111 referrals sent 1,111 parameters
        # twice per page (the count and the rows), 35 ms each of building and binding for a 3 ms query.
        q = q.where(Referral.id.in_(matched) if sqlite else
                    Referral.id == any_(bindparam("matched", matched, type_=ARRAY(Integer))))
    return q


def _with_people(people: Select):
    parties = select(ReferralParty.referral_id).where(ReferralParty.person_id.in_(people))
    return or_(Referral.introducer_id.in_(people), Referral.id.in_(parties))


def listing(ctx: Ctx, per_page: int = PER_PAGE) -> tuple[Paged, Filters]:
    f = Filters.read(ctx)
    with ctx.reads() as session:
        matched = matching(session, f.q) if f.q else None
        sqlite = session.get_bind().dialect.name == "sqlite"
        found = paged(session, query(ctx.me(), f, matched, sqlite), (Referral.introduced_at.desc(), Referral.id.desc()),
                      page_number(ctx), per_page)
    return found, f


def visible(session: Session, viewer: Viewer, referral_id: int) -> Referral:
    """The referral if this viewer may see it; another member's is not found, as a missing one."""
    found = session.scalar(select(Referral).where(Referral.id == referral_id, viewer.referrals()))
    if found is None:
        raise NotFound()
    return found


@dataclass(frozen=True)
class Moment:
    at: datetime
    css: str        # status | mail | reply | refused | intro
    what: str
    who: str
    detail: str     # shown as text, never as HTML
    link: str = ""

    def as_json(self) -> dict:
        return {"at": self.at.isoformat(), "type": self.css, "what": self.what, "who": self.who,
                "detail": self.detail, "link": self.link or None}


def timeline(session: Session, r: Referral, named: dict[str, str] | None = None) -> list[Moment]:
    """The intro, every status change (refused ones too) with who and why, the mail we sent about it
    and the replies we read in its thread, in time order."""
    who = (named or {}).get(r.introducer.email or "") or r.introducer.name or r.introducer.email or "?"
    moments = [Moment(r.introduced_at, "intro", f"Introduced ({r.kind.replace('_', ' ')})", who,
                      r.excerpt or r.subject)]
    for e in session.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == r.id)):
        change = f"{e.old_status} → {e.new_status}" if e.old_status != e.new_status else e.event.replace("_", " ")
        if e.accepted:
            moments.append(Moment(e.at, "status", change, e.actor_email or "introledger", e.reason))
            continue
        # A refused answer is stored as event "refused" with a reason that starts "refused: ": said once.
        what = "answer refused" if e.event == "refused" else f"refused: {e.event.replace('_', ' ')}"
        moments.append(Moment(e.at, "refused", what, e.actor_email or "introledger",
                              e.reason.removeprefix("refused: ")))
    for m in about_referral(session, r):
        moments.append(Moment(m.sent_at or m.queued_at, "mail", f"{m.kind.replace('_', ' ')} to {m.to_addr}",
                              m.status, m.subject, f"/outbox/{m.id}"))
    for msg in session.scalars(select(InboundMessage).where(InboundMessage.referral_id == r.id,
                                                           InboundMessage.message_id != r.source_message_id)):
        moments.append(Moment(msg.sent_at or msg.processed_at, "reply", f"{msg.kind.replace('_', ' ')} read",
                              msg.sender, f"{msg.subject} — {msg.reason}"))
    return sorted(moments, key=lambda m: m.at)


@handler()
def list_page(ctx: Ctx) -> Response:
    found, f = listing(ctx)
    with ctx.reads() as session:
        partner = _partner_name(session, f.partner)
        named = members_by_email(session)  # a member reads as her configured name, not a From: line's
    return ctx.render("referrals.html", found=found, rows=found.rows, f=f, statuses=STATUSES,
                      directions=DIRECTIONS, partner_name=partner, named=named)


def _partner_name(session: Session, partner_id: int | None) -> str:
    from models import Partner

    p = session.get(Partner, partner_id) if partner_id else None
    return p.name if p else ""


@handler()
def list_api(ctx: Ctx) -> Response:
    found, _f = listing(ctx, per_page=100)
    with ctx.reads() as session:
        named = members_by_email(session)
    response = ctx.json([shapes.referral_json(r, named) for r in found.rows])
    response.headers["x-total-count"] = found.total_text.replace(",", "")
    return response


def _one(ctx: Ctx) -> tuple[dict, list[Moment], Referral, str]:
    with ctx.reads() as session:
        r = visible(session, ctx.me(), int(ctx.request.path_params["id"]))
        member = session.get(Member, r.member_id) if r.member_id else None
        named = members_by_email(session)
        return shapes.referral_json(r, named), timeline(session, r, named), r, member.name if member else ""


def choices(status: str) -> tuple[tuple[str, ...], bool]:
    """What the status selector offers, and whether each is a correction: only the moves the
    lifecycle allows (no MET on a referral that is won); a final answer is only ever corrected."""
    if status in TERMINAL:  # the other final answers first (a won one read as "Met" first), then back down
        allowed = lifecycle.next_answers(status, "correction")
        final = [a for a in allowed if lifecycle.ANSWER_STATE[a] in TERMINAL]
        return tuple(a.upper() for a in final + [a for a in reversed(allowed) if a not in final]), True
    open_ = tuple(a.upper() for a in lifecycle.next_answers(status))
    return (open_ + ALWAYS if open_ else ()), False  # needs review, rejected, merged: nothing


def _example_amount(ctx: Ctx, member: str) -> str:
    """The amount placeholder in the member's currency ("€4,500" for a EUR member, not "$4,500")."""
    s = ctx.app.config.settings
    currency = next((m.currency for m in s.members if m.name == member and m.currency), None)
    return format_money(450000, currency or s.follow_ups.default_currency)


@handler()
def referral_page(ctx: Ctx) -> Response:
    data, moments, r, member = _one(ctx)
    answers, correcting = choices(r.status)
    return ctx.render("referral.html", r=r, data=data, moments=moments, member=member, answers=answers,
                      correcting=correcting, example_amount=_example_amount(ctx, member),
                      tracking=ctx.app.desk is not None)


@handler()
def referral_api(ctx: Ctx) -> Response:
    data, moments, _r, _member = _one(ctx)
    return ctx.json({**data, "timeline": [m.as_json() for m in moments]})


def _mark(ctx: Ctx) -> marking.Marked:
    word = ctx.field("status").upper()
    if not word:  # the form's placeholder: a browser without `required` sends it as it is
        raise Refused("Choose an answer first: nothing was changed.")
    word = f"SNOOZE {ctx.field('snooze') or '2 weeks'}" if word == "SNOOZE" else word
    with ctx.app.sessions.begin() as session:
        r = visible(session, ctx.me(), int(ctx.request.path_params["id"]))
        if not ctx.me().may_change(r.member_id):
            raise Refused(f"referral #{r.id} is another member's: only they (or a coordinator) can set its status", 403)
        try:
            return marking.mark(ctx.app, session, r, word, ctx.field("amount") or None, ctx.field("note"),
                                by=ctx.me().address, correct=ctx.field("correct") in ("1", "on", "true"))
        except (marking.Unusable, marking.FollowUpsOff) as exc:
            raise Refused(str(exc)) from None


@handler()
def mark_form(ctx: Ctx) -> Response:
    done = _mark(ctx)
    rid = done.referral
    if not done.applied:
        return ctx.redirect(f"/referrals/{rid}", f"Referral #{rid} not changed: {done.reason}")
    if done.verb in ("stop", "stop_all", "snooze"):
        return ctx.redirect(f"/referrals/{rid}", f"Referral #{rid} stays {done.status}: {done.reason}")
    return ctx.redirect(f"/referrals/{rid}", f"Referral #{rid} is now {done.status.replace('_', ' ')}.")


@handler()
def mark_api(ctx: Ctx) -> Response:
    done = _mark(ctx)
    return ctx.json(done.as_json(), 200 if done.applied else 409)


ROUTES = [
    Route("/referrals", list_page), Route("/api/referrals", list_api),
    Route("/referrals/{id:int}", referral_page), Route("/api/referrals/{id:int}", referral_api),
    Route("/referrals/{id:int}/mark", mark_form, methods=["POST"]),
    Route("/api/referrals/{id:int}/mark", mark_api, methods=["POST"]),
]

