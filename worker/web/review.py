"""Review: intros waiting for a person's yes or no, accepted or rejected one by one or all at once
(`introledger review accept|reject`'s functions, all or nothing)."""
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.responses import Response
from starlette.routing import Route

from models import Referral
from worker.app import review as reviewing
from worker.app import shapes
from worker.core.statuses import Status
from worker.ledger import queries
from worker.web.pages import Ctx, NotFound, Refused, handler
from worker.web.viewer import Viewer


def candidates(session: Session, viewer: Viewer, limit: int | None = None) -> list[Referral]:
    return list(session.scalars(select(Referral).where(Referral.status == Status.NEEDS_REVIEW, viewer.referrals())
                                .order_by(Referral.introduced_at, Referral.id).limit(limit)))


def _decide(ctx: Ctx, verb: str) -> list[tuple[int, str]]:
    viewer = ctx.me()
    every = ctx.field("all") in ("1", "true", "on")
    ids = ctx.ints("id")
    if not every and not ids:
        raise Refused("choose the intros to " + verb + " (or all)")
    if every:
        with ctx.reads() as session:
            ids = [r.id for r in candidates(session, viewer)]

    def allowed(session: Session, chosen: list[Referral]) -> None:
        seen = set(session.scalars(select(Referral.id).where(Referral.id.in_([r.id for r in chosen]),
                                                             viewer.referrals())))
        if len(seen) != len(chosen):
            raise NotFound()  # another member's candidate is not there to decide
        if not all(viewer.may_change(r.member_id) for r in chosen):
            raise Refused("a candidate in another member's intro is theirs to accept or reject", 403)

    decision = reviewing.accept if verb == "accept" else reviewing.reject
    try:
        return reviewing.decide(ctx.app, ids, decision, allowed) if ids else []
    except reviewing.NotPending as exc:
        raise Refused(str(exc), 409) from None


SHOWN = 100  # candidates on the page at once, oldest first ("accept all" takes every one)


@handler()
def review_page(ctx: Ctx) -> Response:
    with ctx.reads() as session:
        waiting = session.scalar(select(func.count()).select_from(Referral).where(
            Referral.status == Status.NEEDS_REVIEW, ctx.me().referrals())) or 0
        rows = candidates(session, ctx.me(), SHOWN)
        found = queries.found_in(session, [r.id for r in rows])
        items = [(r, shapes.origin(found.get(r.id)).replace("_", " "), shapes.found_in(found.get(r.id)))
                 for r in rows]
    return ctx.render("review.html", items=items, waiting=waiting)


@handler()
def review_api(ctx: Ctx) -> Response:
    with ctx.reads() as session:
        rows = candidates(session, ctx.me())
        found = queries.found_in(session, [r.id for r in rows])
        return ctx.json([shapes.review_json(r, found.get(r.id)) for r in rows])


def _form(verb: str, ctx: Ctx) -> Response:
    done = _decide(ctx, verb)
    said = ", ".join(f"#{i}" for i, _ in done)
    word = ("accepted: logged as " + ("a referral" if len(done) == 1 else "referrals") if verb == "accept"
            else "rejected: kept out of the ledger")
    return ctx.redirect("/review", f"{said} {word}." if done else "Nothing was waiting for review.")


def _api(verb: str, ctx: Ctx) -> Response:
    return ctx.json([{"id": i, "status": status} for i, status in _decide(ctx, verb)])


ROUTES = [
    Route("/review", review_page), Route("/api/review", review_api),
    *(Route(f"/review/{verb}", handler()(partial(_form, verb)), methods=["POST"]) for verb in ("accept", "reject")),
    *(Route(f"/api/review/{verb}", handler()(partial(_api, verb)), methods=["POST"]) for verb in ("accept", "reject")),
]
