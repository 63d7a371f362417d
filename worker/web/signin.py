"""Sign-in by email: a member asks for a link, the outbox mails it (sent by `run` or `send` like
every mail), the link works once and briefly, and opens a session kept in a signed cookie.

Asking for a link answers the same whether or not the address is a member's, and is limited
per address and per client, so the page tells nobody who the members are and mails nobody often.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from starlette.responses import Response
from starlette.routing import Route

from models import Member, SignInLink, WebSession
from models.db import rowcount
from worker.app.bootstrap import App
from worker.app.viewers import member_named
from worker.core.addresses import is_address
from worker.outbound import outbox
from worker.outbound.language import for_address as language_for
from worker.outbound.memberview import member_view
from worker.web import security
from worker.web.pages import Ctx, Refused, handler, set_browser


@dataclass(frozen=True)
class Link:
    url: str
    member: str
    expires_at: datetime


class TooMany(Exception):
    """The per-address or per-client limit: the message says when to try again."""


def make_link(app: App, session: Session, member: Member, email: str, client: str) -> Link:
    """A one-time link for this member, stored hashed; the caller mails or prints it."""
    web = app.config.settings.web
    token, now = security.new_token(), app.now()
    expires = now + web.link_expires_after
    session.add(SignInLink(email=email, client=client[:100], member_id=member.id, token_hash=security.digest(token),
                           created_at=now, expires_at=expires))
    return Link(f"{web.base_url.rstrip('/')}/sign-in/{token}", member.name, expires)


def login_link(app: App, who: str) -> Link:
    """`introledger web login MEMBER`: a link printed for a server that cannot mail yet."""
    found = member_named(app.config, who)
    if found is None:
        raise LookupError(f"{who}: no member by that name or address in {app.config.path}")
    with app.sessions.begin() as session:
        member = session.scalar(select(Member).where(Member.name == found.name))
        if member is None:
            raise LookupError(f"{found.name}: not in the database yet (run `introledger db upgrade`, then `run`)")
        return make_link(app, session, member, found.emails[0], "cli")


def ask(app: App, email: str, client: str) -> bool:
    """Record the request and, for a member's address, queue the mail; True if a link was made."""
    web = app.config.settings.web
    now = app.now()
    with app.sessions.begin() as session:
        since = now - web.limit_window
        _limit(session, SignInLink.email == email, since, web.per_address, "this address")
        _limit(session, SignInLink.client == client[:100], since, web.per_client, "this network address")
        found = member_named(app.config, email)
        member = session.scalar(select(Member).where(Member.name == found.name)) if found else None
        if member is None:
            session.add(SignInLink(email=email, client=client[:100], created_at=now, expires_at=now))
            return False
        link = make_link(app, session, member, email, client)
        session.flush()
        minutes = int(web.link_expires_after.total_seconds() // 60)
        voice = language_for(session, email, app.templates.language)
        rendered = app.templates.render("sign_in", voice.language, voice.register, member=member_view(member),
                                        link=link.url, minutes=minutes, client=client)
        outbox.queue(session, key=f"sign-in:{security.digest(link.url)[:32]}", kind="sign_in", to=email,
                     sender=app.config.settings.tracking.address, rendered=rendered, now=now, referral_ids=[],
                     member_id=member.id)
        return True


def _limit(session: Session, who, since: datetime, most: int, what: str) -> None:
    asked = session.scalar(select(func.count()).select_from(SignInLink).where(who, SignInLink.created_at >= since))
    if (asked or 0) >= most:
        raise TooMany(f"too many sign-in links asked for from {what} lately: try again in a few minutes")


def consume(app: App, token: str) -> int | None:
    """The member a valid, unused, unexpired link signs in (and the link is spent), or None."""
    now = app.now()
    with app.sessions.begin() as session:
        spent = session.execute(update(SignInLink).where(
            SignInLink.token_hash == security.digest(token), SignInLink.used_at.is_(None),
            SignInLink.expires_at > now).values(used_at=now).execution_options(synchronize_session=False))
        if rowcount(spent) != 1:
            return None
        return session.scalar(select(SignInLink.member_id).where(SignInLink.token_hash == security.digest(token)))


def peek(ctx: Ctx, token: str) -> str | None:
    """Whose a link is while it still works (the confirmation page names them); None if it does not."""
    app = ctx.app
    with ctx.reads() as session:
        row = session.scalar(select(SignInLink).where(SignInLink.token_hash == security.digest(token)))
        if row is None or row.used_at is not None or row.expires_at <= app.now() or row.member_id is None:
            return None
        member = session.get(Member, row.member_id)
        return member.name if member else None


def open_session(app: App, member_id: int) -> str:
    token, now = security.new_token(), app.now()
    with app.sessions.begin() as session:
        session.add(WebSession(token_hash=security.digest(token), member_id=member_id, created_at=now,
                               expires_at=now + app.config.settings.web.session_expires_after))
    return token


def end_session(app: App, token: str | None) -> None:
    if token is None:
        return
    with app.sessions.begin() as session:
        session.execute(update(WebSession).where(WebSession.token_hash == security.digest(token),
                                                 WebSession.ended_at.is_(None)).values(ended_at=app.now()))


# ---- pages ------------------------------------------------------------------------------------


def _client(ctx: Ctx) -> str:
    return ctx.request.client.host if ctx.request.client else ""


def _form(ctx: Ctx, status: int = 200, **data) -> Response:
    minutes = int(ctx.web.settings.link_expires_after.total_seconds() // 60)
    return ctx.render("sign_in.html", status, minutes=minutes, **data)


@handler(public=True)
def sign_in_form(ctx: Ctx) -> Response:
    if ctx.viewer is not None:
        return ctx.redirect("/")
    return _form(ctx, sent="", error="")


@handler(public=True)
def sign_in_request(ctx: Ctx) -> Response:
    email = ctx.field("email").lower()
    if not is_address(email):
        if ctx.wants_json:
            raise Refused(f"{email!r} is not an email address")
        return _form(ctx, 400, sent="", error="That is not an email address.")
    try:
        ask(ctx.app, email, _client(ctx))
    except TooMany as exc:
        if ctx.wants_json:
            raise Refused(str(exc), 429) from None
        return _form(ctx, 429, sent="", error=str(exc).capitalize() + ".")
    if ctx.wants_json:
        return ctx.json({"email": email, "sent": "if it is a member's address"})
    return _form(ctx, sent=email, error="")


@handler(public=True)
def link_page(ctx: Ctx) -> Response:
    """GET never spends the link (mail scanners open links): the person presses the button."""
    name = peek(ctx, ctx.request.path_params["token"])
    return ctx.render("sign_in_link.html", 200 if name else 410, name=name)


@handler(public=True)
def link_use(ctx: Ctx) -> Response:
    member_id = consume(ctx.app, ctx.request.path_params["token"])
    if member_id is None:
        return ctx.render("sign_in_link.html", 410, name=None)
    token = open_session(ctx.app, member_id)
    response = ctx.redirect("/")
    web = ctx.web
    response.set_cookie(security.SESSION_COOKIE, security.sign(web.secret, "session", token),
                        max_age=int(web.settings.session_expires_after.total_seconds()), httponly=True,
                        samesite="lax", secure=web.secure_cookies)
    set_browser(response, web, security.new_token())  # a new CSRF token for the signed-in browser
    return response


@handler(public=True)
def sign_out(ctx: Ctx) -> Response:
    token = security.unsign(ctx.web.secret, "session", ctx.request.cookies.get(security.SESSION_COOKIE))
    end_session(ctx.app, token)
    response = ctx.redirect("/sign-in", "Signed out.")
    response.delete_cookie(security.SESSION_COOKIE)
    return response


ROUTES = [
    Route("/sign-in", sign_in_form, methods=["GET"]),
    Route("/sign-in", sign_in_request, methods=["POST"]),
    Route("/api/sign-in", sign_in_request, methods=["POST"]),
    Route("/sign-in/{token}", link_page, methods=["GET"]),
    Route("/sign-in/{token}", link_use, methods=["POST"]),
    Route("/sign-out", sign_out, methods=["POST"]),
]

