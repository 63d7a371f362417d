"""Partners: the ledger per partner with figures both ways; a partner's page edits its record (type,
notes, referral fee, customer) and merges two records (`introledger partners edit|merge`'s functions)."""
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response
from starlette.routing import Route

from models import Partner
from models.partners import PARTNER_TYPES
from worker.app import partners as partner_edits
from worker.app import shapes
from worker.ledger import balance as ledger
from worker.ledger import partners as ledger_partners
from worker.web.pages import Ctx, NotFound, Paged, Refused, handler, page_number
from worker.web.viewer import Viewer

PER_PAGE = 50


def lines_for(session: Session, ctx: Ctx, partner_id: int | None = None) -> list[ledger.PartnerLine]:
    """The viewer's ledger lines (with one partner: that partner's, with their months for the JSON)."""
    app = ctx.app
    return ledger.build(session, None, None, app.now(), app.thresholds, member=ctx.me().ledger_scope,
                        partner_id=partner_id, months=partner_id is not None)


def visible(session: Session, ctx: Ctx, partner_id: int) -> Partner:
    """The partner if it is in this viewer's ledger (a coordinator sees every one)."""
    p = session.get(Partner, partner_id)
    if p is None or not (ctx.me().coordinator or lines_for(session, ctx, partner_id)):
        raise NotFound()
    return p


def changeable(session: Session, ctx: Ctx, partner_id: int) -> Partner:
    """The partner if this viewer may change the record the whole group shares (403 naming why)."""
    p = visible(session, ctx, partner_id)
    me = ctx.me()
    right = partner_edits.may_change(me.coordinator, me.name,
                                     partner_edits.members_of(session, partner_id, ctx.now()))
    if not right.allowed:
        raise Refused(f"partner #{partner_id} {p.name}: {right.reason}", 403)
    return p


def _mine(session: Session, ctx: Ctx) -> set[int]:
    return {l.partner_id for l in lines_for(session, ctx) if l.partner_id is not None}


@handler()
def list_page(ctx: Ctx) -> Response:
    """Per partner across the viewer's lines, busiest first, a page at a time (the database adds
    the group's 4,000 lines up and sorts them; only the page's are read)."""
    q, flagged, page = ctx.field("q").lower()[:200], ctx.field("flagged") == "1", page_number(ctx)
    app = ctx.app
    with ctx.reads() as session:
        book = ledger.Ledger(session, None, None, ctx.me().ledger_scope)
        found, total = book.partners(app.now(), app.thresholds, q, flagged, (page - 1) * PER_PAGE, PER_PAGE)
    shown = Paged(found, total, True, total > page * PER_PAGE, page, PER_PAGE)
    return ctx.render("partners.html", found=shown, rows=shown.rows, total=total, q=q, flagged=flagged)


@handler()
def list_api(ctx: Ctx) -> Response:
    """`partners list --json`: the partner records this viewer sees."""
    viewer: Viewer = ctx.me()
    with ctx.reads() as session:
        query = select(Partner).order_by(Partner.name)
        if not viewer.coordinator:
            query = query.where(Partner.id.in_(_mine(session, ctx)))
        return ctx.json([shapes.partner_json(session, p) for p in session.scalars(query)])


def _show(ctx: Ctx) -> tuple[dict, list[ledger.PartnerLine]]:
    pid = int(ctx.request.path_params["id"])
    with ctx.reads() as session:
        lines = [l for l in lines_for(session, ctx, pid) if l.partner_id == pid]
        p = session.get(Partner, pid)
        if p is None or not (ctx.me().coordinator or lines):
            raise NotFound()
        return shapes.partner_json(session, p), lines


@handler()
def partner_page(ctx: Ctx) -> Response:
    data, lines = _show(ctx)
    me = ctx.me()
    with ctx.reads() as session:  # (a coordinator may change any record: whose ledgers show it is not asked)
        right = partner_edits.may_change(me.coordinator, me.name, set() if me.coordinator else
                                         partner_edits.members_of(session, data["id"], ctx.now()))
    return ctx.render("partner.html", p=data, lines=lines, types=PARTNER_TYPES, now=ctx.now(),
                      locked=right.reason)


@handler()
def partner_api(ctx: Ctx) -> Response:
    """`partners show --json`: the partner and its ledger lines (the viewer's)."""
    data, lines = _show(ctx)
    return ctx.json({**data, "ledger": [shapes.line_json(l, ctx.now()) for l in lines]})


def _edit(ctx: Ctx) -> dict:
    values = {"name": ctx.field("name") or None, "company": _given(ctx, "company"),
              "partner_type": ctx.field("type") or None, "notes": _given(ctx, "notes"),
              "referral_fee": _given(ctx, "fee"),
              "is_customer": None if "customer" not in ctx.form and ctx.field("customer_shown") != "1"
              else ctx.field("customer") in ("1", "on", "true")}
    with ctx.app.sessions.begin() as session:
        p = changeable(session, ctx, int(ctx.request.path_params["id"]))
        try:
            partner_edits.apply(p, values)
        except partner_edits.BadType as exc:
            raise Refused(str(exc)) from None
        session.flush()
        return shapes.partner_json(session, p)


def _given(ctx: Ctx, name: str) -> str | None:
    """A text field present in the form (even emptied) is set; one absent is left as it is."""
    return ctx.field(name) if name in ctx.form else None


def _merge(ctx: Ctx) -> dict:
    keep = int(ctx.request.path_params["id"])
    other = ctx.field("other")
    if not other.isdigit():
        raise Refused("name the other partner record by its number")
    with ctx.app.sessions.begin() as session:
        changeable(session, ctx, keep)
        changeable(session, ctx, int(other))
        try:
            kept = ledger_partners.merge(session, keep, int(other))
        except LookupError as exc:
            raise Refused(str(exc)) from None
        session.flush()
        return shapes.partner_json(session, kept)


@handler()
def edit_form(ctx: Ctx) -> Response:
    data = _edit(ctx)
    return ctx.redirect(f"/partners/{data['id']}", f"Partner #{data['id']} {data['name']} updated.")


@handler()
def merge_form(ctx: Ctx) -> Response:
    data = _merge(ctx)
    return ctx.redirect(f"/partners/{data['id']}", f"Partner #{ctx.field('other')} merged into #{data['id']} "
                                                  f"{data['name']}.")


ROUTES = [
    Route("/partners", list_page), Route("/api/partners", list_api),
    Route("/partners/{id:int}", partner_page), Route("/api/partners/{id:int}", partner_api),
    Route("/partners/{id:int}/edit", edit_form, methods=["POST"]),
    Route("/api/partners/{id:int}/edit", handler()(lambda ctx: ctx.json(_edit(ctx))), methods=["POST"]),
    Route("/partners/{id:int}/merge", merge_form, methods=["POST"]),
    Route("/api/partners/{id:int}/merge", handler()(lambda ctx: ctx.json(_merge(ctx))), methods=["POST"]),
]
