"""The dashboard's ASGI application, made from the wired App, and `introledger web` serving it."""
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from models.db import make_engine
from models.groups import group_sessions
from worker.app.bootstrap import App
from worker.web import (
    briefpage,
    health,
    outbox,
    overview,
    partnerpage,
    partners,
    public,
    quarantine,
    referrals,
    review,
    security,
    signin,
)
from worker.web.pages import STATIC, Ctx, Web, environment, handler


class MissingSecret(RuntimeError):
    """No cookie secret in the environment: the message names the variable."""


def secret_for(app: App) -> str:
    env = app.config.settings.web.secret_env
    secret = app.config.secret(env)
    if not secret or len(secret) < 16:
        raise MissingSecret(f"the dashboard signs its cookies with ${env}: set it to a long random string, e.g. "
                            f"export {env}=$(python3 -c 'import secrets; print(secrets.token_hex(32))')")
    return secret


@handler(public=True)
def session_api(ctx: Ctx) -> Response:
    """Who is signed in, and the CSRF token for POSTs to /api (header X-CSRF-Token)."""
    from worker.web.security import csrf_token

    viewer = ctx.viewer
    return ctx.json({"member": viewer.name if viewer else None, "coordinator": bool(viewer and viewer.coordinator),
                     "csrf": csrf_token(ctx.web.secret, ctx.browser)})


def create(app: App, secret: str | None = None) -> Starlette:
    web = Web(app, secret or secret_for(app), environment(), _reads(app))
    routes = [
        *signin.ROUTES, *overview.ROUTES,
        *_pages(),
        Route("/api/session", session_api),
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
    ]
    asgi = Starlette(routes=routes, middleware=[Middleware(security.SecurityHeaders)])
    asgi.state.web = web
    return asgi


def _reads(app: App) -> sessionmaker[Session]:
    """Sessions for the pages: scoped to the app's group (its tracking mailbox) as the writer's
    are (models/groups.py), so a coordinator never sees another mailbox's members or referrals."""
    if app.engine.dialect.name != "sqlite":
        return app.sessions
    return group_sessions(make_engine(app.config.database_url, reader=True), app.mailbox_id)


def _pages() -> list:
    """The page groups after the overview (each module's ROUTES)."""
    return [*referrals.ROUTES, *review.ROUTES, *partners.ROUTES, *outbox.ROUTES, *quarantine.ROUTES, *health.ROUTES,
            *public.ROUTES, *partnerpage.ROUTES, *briefpage.ROUTES]


def serve(app: App, host: str, port: int, secret: str) -> None:
    import uvicorn

    # Behind a reverse proxy on this machine, uvicorn believes its X-Forwarded-For/-Proto (the
    # clients' addresses for the sign-in limits, https for Secure cookies): FORWARDED_ALLOW_IPS.
    uvicorn.run(create(app, secret), host=host, port=port, proxy_headers=True, server_header=False,
                log_level="info")
