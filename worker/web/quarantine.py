"""Quarantine (coordinators): mail set aside with its reason and size; the raw message to download
(never shown as HTML: its headers as text), and handled again after a fix (`quarantine retry`)."""
from email.parser import BytesHeaderParser
from email.policy import compat32

from sqlalchemy import select
from starlette.responses import Response
from starlette.routing import Route

from models import Quarantined
from worker.app import shapes
from worker.web.pages import Ctx, NotFound, handler


def _one(ctx: Ctx) -> Quarantined:
    with ctx.reads() as session:
        q = session.get(Quarantined, int(ctx.request.path_params["id"]))
    if q is None:
        raise NotFound()
    return q


def headers_of(raw: bytes) -> list[tuple[str, str]]:
    """The message's headers as text, as far as they parse (a broken one is why it is here)."""
    try:
        parsed = BytesHeaderParser(policy=compat32).parsebytes(raw[:65536])
        return [(k, str(v)[:500]) for k, v in parsed.items()][:40]
    except Exception:  # noqa: BLE001 - whatever the bytes, the page still shows
        return []


@handler(coordinator=True)
def list_page(ctx: Ctx) -> Response:
    with ctx.reads() as session:
        rows = list(session.scalars(select(Quarantined).order_by(Quarantined.id.desc()).limit(500)))
    return ctx.render("quarantine.html", rows=rows)


@handler(coordinator=True)
def list_api(ctx: Ctx) -> Response:
    with ctx.reads() as session:
        return ctx.json([shapes.quarantine_json(q) for q in session.scalars(select(Quarantined)
                                                                           .order_by(Quarantined.id))])


@handler(coordinator=True)
def one_page(ctx: Ctx) -> Response:
    q = _one(ctx)
    return ctx.render("quarantined.html", q=q, headers=headers_of(q.raw))


@handler(coordinator=True)
def raw(ctx: Ctx) -> Response:
    q = _one(ctx)
    return Response(q.raw, media_type="application/octet-stream",
                    headers={"content-disposition": f'attachment; filename="quarantine-{q.id}.eml"'})


def _retry(ctx: Ctx) -> dict:
    quarantine_id = int(ctx.request.path_params["id"])
    try:
        outcome = ctx.app.pipeline.retry_quarantined(quarantine_id)
    except LookupError:
        raise NotFound() from None
    return {"id": quarantine_id, "kind": outcome.kind, "referral_id": outcome.referral_id, "reason": outcome.reason}


@handler(coordinator=True)
def retry_form(ctx: Ctx) -> Response:
    done = _retry(ctx)
    if done["kind"] == "quarantined":
        return ctx.redirect("/quarantine", f"Quarantine #{done['id']}: quarantined again: {done['reason']}")
    ref = f" (referral #{done['referral_id']})" if done["referral_id"] else ""
    return ctx.redirect("/quarantine", f"Quarantine #{done['id']}: {done['kind']}{ref}: {done['reason']}")


@handler(coordinator=True)
def retry_api(ctx: Ctx) -> Response:
    done = _retry(ctx)
    return ctx.json([done], 409 if done["kind"] == "quarantined" else 200)


ROUTES = [
    Route("/quarantine", list_page), Route("/api/quarantine", list_api),
    Route("/quarantine/{id:int}", one_page), Route("/quarantine/{id:int}/raw", raw),
    Route("/quarantine/{id:int}/retry", retry_form, methods=["POST"]),
    Route("/api/quarantine/{id:int}/retry", retry_api, methods=["POST"]),
]
