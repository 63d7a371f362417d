"""The signed-in member's ideal-referral brief on the dashboard (`introledger brief show|set` in a
form; /api/brief the same as JSON), with where their recommendations are published."""
from sqlalchemy import select
from starlette.responses import Response
from starlette.routing import Route

from models import Member, MemberPage
from worker.ledger.promotions import page_url
from worker.outbound import briefs
from worker.web.pages import Ctx, Refused, handler


def _data(ctx: Ctx, session) -> dict:
    me = ctx.me()
    shown = briefs.get(session, me.member_id)
    updated = briefs.updated_at(session, me.member_id)
    slug = session.scalar(select(MemberPage.slug).where(MemberPage.member_id == me.member_id,
                                                       MemberPage.published.is_(True)))
    return {"member": me.name, **shown.as_dict(), "updated_at": updated.isoformat() if updated else None,
            "page": page_url(ctx.web.settings.base_url, slug) if slug else None}


def _save(ctx: Ctx) -> dict:
    with ctx.app.sessions.begin() as session:
        member = session.get(Member, ctx.me().member_id)
        assert member is not None, "a viewer is a member"
        try:
            briefs.save(session, member.id, ctx.now(), great=ctx.field("great"), not_fit=ctx.field("not_fit"),
                        words=ctx.field("words"))
        except ValueError as exc:
            raise Refused(str(exc)) from None
        return _data(ctx, session)


@handler()
def brief_page(ctx: Ctx) -> Response:
    with ctx.app.sessions() as session:
        return ctx.render("brief.html", brief=_data(ctx, session), limit=briefs.LIMIT)


@handler()
def brief_form(ctx: Ctx) -> Response:
    _save(ctx)
    return ctx.redirect("/brief", "Your brief is saved: partners see it under our mail from now on.")


@handler()
def brief_api(ctx: Ctx) -> Response:
    if ctx.request.method == "POST":
        return ctx.json(_save(ctx))
    with ctx.app.sessions() as session:
        return ctx.json(_data(ctx, session))


ROUTES = [Route("/brief", brief_page), Route("/brief", brief_form, methods=["POST"]),
          Route("/api/brief", brief_api, methods=["GET", "POST"])]
