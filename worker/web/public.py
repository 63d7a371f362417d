"""The public pages: /p/<slug>, the partners a member recommends (and /p/<slug>.json), no sign-in.

Only what the member chose to publish (worker/ledger/promotions.py): names, companies, the member's
notes, addresses the member chose to show, and a referral fee's disclosure — never the figures.
"""
from starlette.responses import Response
from starlette.routing import Route

from worker.ledger import promotions
from worker.mail.names import first_name
from worker.web.pages import Ctx, NotFound, handler


def recommendations(ctx: Ctx, slug: str) -> dict:
    """The member and the entries the page shows; NotFound for no page, an unpublished or empty one."""
    app = ctx.app
    with app.sessions() as session:
        found = promotions.member_by_slug(session, slug)
        if found is None:
            raise NotFound()
        member, _settings = found
        entries = promotions.entries(session, member, app.now(), app.thresholds)
        if not entries:
            raise NotFound()
        disclosures = promotions.disclosures(session, member, [e.partner for e in entries])
        return {"member": member, "entries": entries, "disclosures": disclosures,
                "json": promotions.public_json(member, entries, disclosures)}


@handler(public=True)
def page(ctx: Ctx) -> Response:
    data = recommendations(ctx, ctx.request.path_params["slug"])
    member = data["member"]
    return ctx.render("public.html", member=member, first_name=first_name(member.name), entries=data["entries"],
                      disclosures=data["disclosures"])


@handler(public=True)
def page_json(ctx: Ctx) -> Response:
    response = ctx.json(recommendations(ctx, ctx.request.path_params["slug"])["json"])
    response.headers["access-control-allow-origin"] = "*"  # the member's own site may read it
    return response


# The JSON route first: "{slug}" alone would also match "dana.json".
ROUTES = [Route("/p/{slug}.json", page_json), Route("/p/{slug}", page)]
