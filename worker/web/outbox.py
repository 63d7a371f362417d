"""The outbox: mail by state, what the recipient sees (the text, and the HTML in a sandboxed frame),
and retry / send now / cancel (`introledger outbox`'s functions)."""
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response
from starlette.routing import Route

from models import OutboxMessage
from worker.app import shapes
from worker.core.statuses import Mail
from worker.outbound import outbox as box
from worker.outbound import pauses
from worker.web.pages import Ctx, NotFound, Paged, Refused, handler, page_number, paged

PER_PAGE = 50
STATES = [m.value for m in Mail]
ACTIONS = {"retry": box.retry, "send-now": box.send_now, "cancel": lambda session, i, _now: box.cancel(session, i)}
# The mail's own HTML, framed by our page: no script, no form, no network, only its inline styles.
PREVIEW_CSP = ("sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
               "frame-ancestors 'self'")


def _status(ctx: Ctx) -> str:
    status = ctx.field("status")
    if status and status not in STATES:
        raise Refused(f"status {status!r}: use one of {', '.join(STATES)}")
    return status


def listing(ctx: Ctx, per_page: int = PER_PAGE) -> tuple[Paged, str]:
    status = _status(ctx)
    q = select(OutboxMessage).where(ctx.me().mail())
    if status == Mail.FAILED:  # "failed" on the overview means every mail that did not arrive
        q = q.where(OutboxMessage.status.in_((Mail.FAILED, Mail.BOUNCED, Mail.UNCONFIRMED)))
    elif status:
        q = q.where(OutboxMessage.status == status)
    with ctx.reads() as session:
        return paged(session, q, (OutboxMessage.id.desc(),), page_number(ctx), per_page), status


def visible(session: Session, ctx: Ctx, outbox_id: int) -> OutboxMessage:
    row = session.scalar(select(OutboxMessage).where(OutboxMessage.id == outbox_id, ctx.me().mail()))
    if row is None:
        raise NotFound()
    return row


@handler()
def list_page(ctx: Ctx) -> Response:
    found, status = listing(ctx)
    return ctx.render("outbox.html", found=found, rows=found.rows, state=status, states=STATES)


@handler()
def list_api(ctx: Ctx) -> Response:
    found, _status = listing(ctx, per_page=100)
    response = ctx.json([shapes.outbox_json(r) for r in found.rows])
    response.headers["x-total-count"] = found.total_text.replace(",", "")
    return response


@handler()
def mail_page(ctx: Ctx) -> Response:
    with ctx.reads() as session:
        row = visible(session, ctx, int(ctx.request.path_params["id"]))
    return ctx.render("mail.html", m=row)


@handler()
def preview(ctx: Ctx) -> Response:
    with ctx.reads() as session:
        row = visible(session, ctx, int(ctx.request.path_params["id"]))
    headers = {"content-security-policy": PREVIEW_CSP, "x-frame-options": "SAMEORIGIN"}
    return Response(row.html_body or "<p>(no HTML part)</p>", media_type="text/html", headers=headers)


def act(ctx: Ctx) -> dict:
    """`outbox retry|send-now|cancel ID --json`: {action, changed, mail, paused}."""
    action, outbox_id = ctx.request.path_params["action"], int(ctx.request.path_params["id"])
    if action not in ACTIONS:
        raise NotFound()
    with ctx.app.sessions.begin() as session:
        row = visible(session, ctx, outbox_id)
        if not ctx.me().may_change(row.member_id):
            raise Refused(f"mail #{row.id} was sent for another member: only they (or a coordinator) can "
                          f"{action.replace('-', ' ')} it", 403)
        done = ACTIONS[action](session, outbox_id, ctx.now())
        session.refresh(row)
        pause = pauses.paused(session, row.to_addr) if done and action == "retry" else None
        why = box.unsendable(row) if action == "retry" and not done else ""
        return {"action": action, "changed": bool(done), "mail": shapes.outbox_json(row), "why_not": why or None,
                "paused": None if pause is None else {"email": pause.email, "since": pause.created_at.isoformat(),
                                                      "reason": pause.reason}}


@handler()
def act_form(ctx: Ctx) -> Response:
    did = act(ctx)
    mail = did["mail"]
    if not did["changed"]:
        said = (did["why_not"][:1].upper() + did["why_not"][1:] + ".") if did["why_not"] else \
            f"Outbox #{mail['id']} is {mail['status']}: nothing to {did['action']}."
    elif did["action"] == "send-now":
        said = f"Outbox #{mail['id']} goes out with the next sweep of the worker, outside the daily cap."
    else:
        said = f"Outbox #{mail['id']} is now {mail['status']}."
    if did["paused"]:
        said += f" But mail to {did['paused']['email']} is paused ({did['paused']['reason']}): it will be held."
    return ctx.redirect(f"/outbox/{mail['id']}", said)


@handler()
def act_api(ctx: Ctx) -> Response:
    did = act(ctx)
    return ctx.json(did, 200 if did["changed"] else 409)


ROUTES = [
    Route("/outbox", list_page), Route("/api/outbox", list_api),
    Route("/outbox/{id:int}", mail_page), Route("/outbox/{id:int}/preview", preview),
    Route("/outbox/{id:int}/{action}", act_form, methods=["POST"]),
    Route("/api/outbox/{id:int}/{action}", act_api, methods=["POST"]),
]
