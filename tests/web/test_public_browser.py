"""Partner-facing pages in a real browser (Debian's Chromium driven by Playwright) against the real
server (`introledger web` in its own process): the public recommendations page /p/<slug> and its
JSON, on a laptop and a phone. Screenshots go to tests/artifacts/partners/ for a person to look at."""
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Member, Partner, Person
from models.db import make_engine, upgrade
from tests import mailgen
from tests.servers import free_port
from tests.web.conftest import CAROL, DANA, MARCO, WEB_SECRET
from tests.web.test_browser import CHROMIUM, SIZES, _wait_for
from worker.app import bootstrap
from worker.core.config import load
from worker.inbound.pipeline import Origin
from worker.ledger import promotions

pytestmark = [pytest.mark.servers, pytest.mark.xdist_group("public-browser")]  # one Chromium, not one per worker
SHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "partners"
RAJ = ("Raj Mehta", "raj@mehta.example")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    work = tmp_path_factory.mktemp("partners-web")
    port = free_port()
    (work / "config.yaml").write_text(f"""\
tracking: {{address: intros@example.com}}
database_url: sqlite:///{work / 'introledger.db'}
outbound: {{quiet_hours: null}}
thank_you: {{delay_seconds: 0, max_age_days: 3650}}
web: {{base_url: "http://127.0.0.1:{port}"}}
members:
  - {{name: {DANA[0]}, emails: [{DANA[1]}], domains: [danabooks.example]}}
  - {{name: {MARCO[0]}, emails: [{MARCO[1]}]}}
""")
    env = {**os.environ, "INTROLEDGER_WEB_SECRET": WEB_SECRET, "INTROLEDGER_TOKEN_SECRET": "partners-browser",
           "INTROLEDGER_CONFIG": str(work / "config.yaml"), "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    env.pop("INTROLEDGER_DATABASE_URL", None)
    config = load(str(work / "config.yaml"), env=env)
    upgrade(make_engine(config.database_url))
    app = bootstrap.build(config)
    _history(app)
    server = subprocess.Popen([sys.executable, "-m", "worker.cli.main", "web", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    _wait_for(base, server)
    yield app, base
    server.terminate()
    server.wait(10)
    app.engine.dispose()


def _history(app) -> None:
    """Carol and Raj sent Dana work; Dana recommends them (Raj pays a referral fee), with notes."""
    now = datetime.now(UTC)
    for n, (introducer, days) in enumerate(((CAROL, 40), (CAROL, 12), (RAJ, 5)), 1):
        raw = mailgen.intro(n, introducer=introducer, a=(f"Client {n}", f"client{n}@clients.example"), b=DANA,
                            when=now - timedelta(days=days))
        app.pipeline.process(raw, Origin("file", f"{n}.eml"))
    with app.sessions.begin() as s:
        dana = s.scalar(select(Member).where(Member.name == DANA[0]))
        carol, raj = (s.get(Partner, s.scalar(select(Person.partner_id).where(Person.email == e)))
                      for e in (CAROL[1], RAJ[1]))
        carol.company, raj.company, raj.referral_fee = "Jensen Kitchens", "Mehta & Co. Accountants", "10% of year one"
        promotions.add(s, dana, carol, note="Rebuilt our own kitchen in two weeks; honest quotes.", show_email=True)
        promotions.add(s, dana, raj, note="The bookkeeper I send every new business owner to.")
        promotions.page(s, dana).disclosure = "Full disclosure: I receive a referral fee from {partner}."


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (bash scripts/setup-tests.sh)")
    playwright = pytest.importorskip("playwright.sync_api")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


def shoot(page, name: str) -> None:
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)


def test_the_public_page_in_a_browser(site, browser):
    _app, base = site
    context = browser.new_context()  # nobody signed in
    page = context.new_page()
    answer = page.goto(base + "/p/dana-whitfield")
    assert answer.status == 200
    assert page.inner_text("h1") == "Dana Whitfield recommends"
    cards = page.locator("li.partner")
    assert cards.count() == 2
    assert cards.nth(0).inner_text().startswith("Carol Jensen Jensen Kitchens")
    assert page.locator("li.partner >> text=carol@x.example").get_attribute("href") == "mailto:carol@x.example"
    assert page.locator(".disclosure").all_inner_texts() == [
        "Full disclosure: I receive a referral fee from Raj Mehta."]
    assert "raj@mehta.example" not in page.content() and "Client 1" not in page.content()
    # Styled by its own stylesheet (the CSP allows no inline style): the cards have a white background.
    assert cards.nth(0).evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 255, 255)"
    shoot(page, "public-page")
    data = json.loads(page.goto(base + "/p/dana-whitfield.json").text())
    assert [p["name"] for p in data["partners"]] == ["Carol Jensen", "Raj Mehta"]
    assert page.goto(base + "/p/marco-rossi").status == 404
    context.close()


def test_the_signature_snippet_in_a_browser(site, browser):
    """`promote snippet --html` pasted into a mail or a page: it must read right with no stylesheet."""
    app, base = site
    out = subprocess.run([sys.executable, "-m", "worker.cli.main", "promote", "snippet", DANA[0], "--html"],
                         env={**os.environ, "INTROLEDGER_CONFIG": str(app.config.path),
                              "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    context = browser.new_context(viewport={"width": 640, "height": 300})
    page = context.new_page()
    page.set_content(f"<p>Best regards,<br>Dana</p>{out.stdout}")
    assert page.locator("a", has_text="Carol Jensen").get_attribute("href") == "mailto:carol@x.example"
    assert page.locator("a", has_text="More recommendations").get_attribute("href") == base + "/p/dana-whitfield"
    assert "Raj Mehta, Mehta & Co. Accountants — The bookkeeper" in page.inner_text("body")
    page.screenshot(path=str(SHOTS / "snippet.png"), full_page=True)
    context.close()


def test_a_partner_manages_themselves_from_the_link_in_their_mail(site, browser):
    """Carol opens the link under Dana's thank-you: no account; she fixes her company, picks German,
    sees what went each way, and stops our mail."""
    import re

    from models import OptOut, OutboxMessage

    app, base = site
    with app.sessions() as s:
        thanks = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "thank_you",
                                                       OutboxMessage.to_addr == CAROL[1])).first()
    link = re.search(r"http://\S+/partner/[\w-]+", thanks.text_body).group(0)
    assert link.startswith(base)
    context = browser.new_context()
    page = context.new_page()
    assert page.goto(link).status == 200
    assert page.inner_text("h1") == "Hello Carol Jensen"
    assert page.inner_text("[data-figure=sent]") == "2" and page.inner_text("[data-figure=received]") == "0"
    assert page.locator("ul.intros li").count() == 2
    shoot(page, "partner-page")
    page.fill("input[name=company]", "Jensen Kitchens & Baths")
    page.select_option("select[name=language]", "de")
    page.click("button:has-text('Save')")
    assert page.inner_text(".flash") == "Saved. Thank you!"
    assert page.input_value("input[name=company]") == "Jensen Kitchens & Baths"
    assert page.locator("select[name=language]").input_value() == "de"
    shoot(page, "partner-page-saved")
    page.click("button:has-text('Stop all mail from introledger')")
    assert "no more mail from introledger" in page.inner_text(".flash")
    assert page.locator("button:has-text('Send me mail again')").count() == 1
    shoot(page, "partner-page-opted-out")
    with app.sessions() as s:
        carol = s.get(Partner, s.scalar(select(Person.partner_id).where(Person.email == CAROL[1])))
        assert (carol.company, carol.language) == ("Jensen Kitchens & Baths", "de")
        assert s.scalar(select(OptOut.id).where(OptOut.email == CAROL[1])) is not None
    assert page.goto(link[:-3] + "aaa").status == 404  # an altered link opens nothing
    context.close()
