"""One request's frame: who asks (signed in or not), its form and CSRF check, the page or JSON it
gets back. Handlers are plain functions of a Ctx, run on a worker thread (the database calls
block); they return a Response or raise NotFound / Refused."""
import base64
import binascii
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from models import Member, WebSession
from worker.app.bootstrap import App
from worker.app.viewers import member_named
from worker.core.money import format_money
from worker.outbound.quiet import member_zone
from worker.web import security
from worker.web.viewer import Viewer

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
MAX_FORM_BYTES = 64 * 1024


class NotFound(Exception):
    """Nothing there for this viewer: absent, or another member's (the same answer for both)."""


class Refused(Exception):
    """A change the rules refuse, or a form that does not make sense: the message says why."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class Web:
    """What every request shares: the wired application, the cookie secret, the page templates."""

    app: App
    secret: str
    env: Environment
    reads: sessionmaker[Session]  # for pages that only read: on SQLite they never take the write lock
    health_cache: dict = field(default_factory=dict)

    @property
    def settings(self):
        return self.app.config.settings.web

    @property
    def secure_cookies(self) -> bool:
        return self.settings.base_url.startswith("https://")


@pass_context
def _moment(context, when: datetime | None) -> str:
    """A time as the viewer's clock shows it, with its zone ("3 Dec 2026 17:40 CET"): members in
    Paris read their mail's times in Paris time; UTC where nobody is signed in."""
    if not when:
        return ""
    local = when.astimezone(context.get("zone") or UTC)
    return f"{local:%-d %b %Y %H:%M} {local.tzname()}"


@pass_context
def _day(context, when: datetime | None) -> str:
    """The date in the viewer's zone, as _moment's: a list and a referral's page say the same day."""
    if not when:
        return ""
    local = when.astimezone(context.get('zone') or UTC) if isinstance(when, datetime) and when.tzinfo else when
    return f"{local:%-d %b %Y}"


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["money"] = lambda cents, currency: format_money(cents, currency) if cents is not None else ""
    env.filters["day"] = _day
    env.filters["moment"] = _moment
    env.filters["words"] = lambda value: str(value).replace("_", " ")
    env.filters["signed"] = lambda n: f"{n:+d}" if n else "0"
    env.globals["page_query"] = page_query
    return env


def page_query(query, page: int) -> str:
    """This page's query string with another page number."""
    return urlencode([*((k, v) for k, v in query.multi_items() if k != "page"), ("page", str(page))])


@dataclass
class Ctx:
    request: Request
    web: Web
    viewer: Viewer | None
    form: dict[str, list[str]]
    browser: str
    flash: str = ""

    @property
    def app(self) -> App:
        return self.web.app

    def now(self) -> datetime:
        return self.app.now()

    def reads(self) -> Session:
        """A session for reading only (changes use self.app.sessions.begin())."""
        return self.web.reads()

    @property
    def wants_json(self) -> bool:
        return self.request.url.path.startswith("/api/")

    def field(self, name: str, default: str = "") -> str:
        values = self.form.get(name) or self.request.query_params.getlist(name)
        return values[0].strip() if values else default

    def fields(self, name: str) -> list[str]:
        return self.form.get(name, [])

    def ints(self, name: str) -> list[int]:
        try:
            return [int(v) for v in self.fields(name)]
        except ValueError:
            raise Refused(f"{name}: numbers only") from None

    def me(self) -> Viewer:
        assert self.viewer is not None, "a page that needs a viewer asks for one (handler(public=False))"
        return self.viewer

    def render(self, template: str, status: int = 200, **data: Any) -> HTMLResponse:
        page = self.web.env.get_template(template).render(
            viewer=self.viewer, csrf=security.csrf_token(self.web.secret, self.browser), flash=self.flash,
            path=self.request.url.path, query=self.request.query_params, zone=self.zone(), **data)
        return HTMLResponse(page, status)

    def zone(self) -> tzinfo:
        """The signed-in member's time zone (members[].timezone, else outbound.default_timezone)."""
        settings = self.app.config.settings
        configured = next((m.timezone for m in settings.members if self.viewer and m.name == self.viewer.name), None)
        return member_zone(configured, settings.outbound.default_timezone).tz

    def json(self, data: Any, status: int = 200) -> JSONResponse:
        return JSONResponse(data, status)

    def redirect(self, url: str, flash: str = "") -> RedirectResponse:
        response = RedirectResponse(url, 303)
        if flash:
            encoded = base64.urlsafe_b64encode(flash[:500].encode()).decode()
            response.set_cookie(security.FLASH_COOKIE, security.sign(self.web.secret, "flash", encoded),
                                httponly=True, samesite="lax", secure=self.web.secure_cookies)
        return response


Handler = Callable[[Ctx], Response]


def handler(public: bool = False, coordinator: bool = False) -> Callable[[Handler], Callable]:
    """A Starlette endpoint around `fn`: POSTs need the CSRF token (form field `csrf` or header
    X-CSRF-Token); pages need a signed-in viewer unless public, coordinator pages a coordinator."""

    def wrap(fn: Handler):
        @functools.wraps(fn)
        async def endpoint(request: Request) -> Response:
            web: Web = request.app.state.web
            browser = security.unsign(web.secret, "browser", request.cookies.get(security.BROWSER_COOKIE))
            fresh = browser is None
            browser = browser or security.new_token()
            form: dict[str, list[str]] = {}
            if request.method == "POST":
                form = await _read_form(request)
                given = request.headers.get("x-csrf-token") or (form.get("csrf") or [""])[0]
                if fresh or not security.csrf_ok(web.secret, browser, given):
                    return _refuse_csrf(request)
            response = await run_in_threadpool(_run, fn, request, web, form, browser, public, coordinator)
            if fresh:
                set_browser(response, web, browser)
            if request.method == "GET" and security.FLASH_COOKIE in request.cookies:
                response.delete_cookie(security.FLASH_COOKIE)
            return response

        return endpoint

    return wrap


def set_browser(response: Response, web: Web, browser: str) -> None:
    response.set_cookie(security.BROWSER_COOKIE, security.sign(web.secret, "browser", browser),
                        max_age=int(web.settings.session_expires_after.total_seconds()), httponly=True,
                        samesite="lax", secure=web.secure_cookies)


def _refuse_csrf(request: Request) -> Response:
    text = "refused: this form's CSRF token is missing or stale; reload the page and try again"
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": text}, 403)
    return HTMLResponse(f"<!doctype html><title>Refused</title><p>{text}</p>", 403)


async def _read_form(request: Request) -> dict[str, list[str]]:
    """A urlencoded form or a JSON object (the /api); nothing bigger than a form needs."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in data.items()}
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


def _run(fn: Handler, request: Request, web: Web, form: dict, browser: str, public: bool,
         coordinator: bool) -> Response:
    viewer = current_viewer(web, request)
    ctx = Ctx(request, web, viewer, form, browser, _flash(web, request))
    try:
        if viewer is None and not public:
            if ctx.wants_json:
                return JSONResponse({"error": "sign in first: POST /sign-in with your address"}, 401)
            return RedirectResponse(f"/sign-in?next={quote(request.url.path)}", 303)
        if coordinator and not (viewer and viewer.coordinator):
            raise NotFound()
        return fn(ctx)
    except NotFound:
        if ctx.wants_json:
            return JSONResponse({"error": "not found"}, 404)
        return ctx.render("not_found.html", 404)
    except Refused as exc:
        if ctx.wants_json:
            return JSONResponse({"error": str(exc)}, exc.status)
        return ctx.render("refused.html", exc.status, message=str(exc))


def _flash(web: Web, request: Request) -> str:
    encoded = security.unsign(web.secret, "flash", request.cookies.get(security.FLASH_COOKIE))
    if not encoded:
        return ""
    try:
        return base64.urlsafe_b64decode(encoded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ""


def current_viewer(web: Web, request: Request) -> Viewer | None:
    token = security.unsign(web.secret, "session", request.cookies.get(security.SESSION_COOKIE))
    if token is None:
        return None
    now = web.app.now()
    with web.reads() as session:
        row = session.scalar(select(WebSession).where(WebSession.token_hash == security.digest(token)))
        if row is None or row.ended_at is not None or row.expires_at <= now:
            return None
        member = session.get(Member, row.member_id)
    found = member_named(web.app.config, member.name) if member else None
    if member is None or found is None:
        return None  # no longer a member in config.yaml: their sessions end with it
    return Viewer(member.id, member.name, tuple(found.emails), found.coordinator)


COUNT_CAP = 1000  # lists count this far exactly; past it they say "1000+" (a count of 100,000 rows costs a scan)


@dataclass
class Paged:
    rows: list
    total: int      # exact up to COUNT_CAP
    exact: bool
    more: bool      # a next page exists
    page: int
    per_page: int

    @property
    def total_text(self) -> str:
        return f"{self.total:,}" if self.exact else f"{COUNT_CAP:,}+"


def paged(session: Session, query, order, page: int, per_page: int) -> Paged:
    counted = session.scalar(select(func.count()).select_from(query.order_by(None).limit(COUNT_CAP + 1)
                                                              .subquery())) or 0
    rows = list(session.scalars(query.order_by(*order).offset((page - 1) * per_page).limit(per_page + 1)))
    return Paged(rows[:per_page], min(counted, COUNT_CAP), counted <= COUNT_CAP, len(rows) > per_page, page, per_page)


def page_number(ctx: Ctx) -> int:
    try:
        return max(1, int(ctx.field("page", "1")))
    except ValueError:
        return 1
