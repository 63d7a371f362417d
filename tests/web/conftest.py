"""The dashboard under test: an app with a cookie secret, its ASGI app in Starlette's TestClient
(in process, no socket: the unit tests), and a member signed in through a real sign-in link."""
import re
import warnings

import pytest

from tests import mailgen
from tests.conftest import build_app
from worker.inbound.pipeline import Origin

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette asks for httpx2 one day; httpx is what installs today
    from starlette.testclient import TestClient

WEB_SECRET = "test-web-secret-0123456789abcdef"
ENV = {"INTROLEDGER_WEB_SECRET": WEB_SECRET, "INTROLEDGER_TOKEN_SECRET": "test-token-secret"}
DANA = ("Dana Whitfield", "dana@danabooks.example")
MARCO = ("Marco Rossi", "marco@rossi-marketing.example")
CAROL = ("Carol Jensen", "carol@x.example")
ZOE = ("Zoe Park", "zoe@park.example")  # the group's coordinator
MEMBERS = [
    {"name": DANA[0], "emails": [DANA[1]], "domains": ["danabooks.example"]},
    {"name": MARCO[0], "emails": [MARCO[1]], "domains": ["rossi-marketing.example"]},
    {"name": ZOE[0], "emails": [ZOE[1]], "coordinator": True},
]


def make_web_app(tmp_path, database_url, clock=None, **overrides):
    return build_app(tmp_path, database_url, ENV, now=clock, members=MEMBERS,
                     thank_you={"delay_seconds": 0}, outbound={"quiet_hours": None}, **overrides)


@pytest.fixture
def web_app(tmp_path, sqlite_url, clock):
    app = make_web_app(tmp_path, sqlite_url, clock)
    yield app
    app.engine.dispose()


def client_for(app) -> TestClient:
    from worker.web.server import create

    return TestClient(create(app), base_url="http://127.0.0.1:8080", follow_redirects=True)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def sign_in(client: TestClient, app, who: str) -> TestClient:
    """Sign `who` in as a person would: open a one-time link, press the button."""
    from worker.web.signin import login_link

    link = login_link(app, who).url
    page = client.get(link)
    assert page.status_code == 200, page.text
    done = client.post(link, data={"csrf": csrf_of(page.text)})
    assert done.status_code == 200 and done.url.path == "/", done.text
    return client


def post(client: TestClient, url: str, data: dict | None = None, page: str = "/"):
    """A form POST with the CSRF token a page of ours carries."""
    token = csrf_of(client.get(page).text)
    return client.post(url, data={**(data or {}), "csrf": token})


def log_intro(app, n: int, introducer, a, b, when):
    raw = mailgen.intro(n, introducer=introducer, a=a, b=b, when=when)
    return app.pipeline.process(raw, Origin("file", f"intro-{n}")).referral_id
