"""The dashboard in a real browser (Debian's Chromium driven by Playwright) against the real server
(`introledger web` in its own process, uvicorn) and the real SMTP sink: sign in with a link read from
the mail, accept a review candidate, mark a referral WON, and watch the overview and its chart change;
another member's referral is not found; a POST without the CSRF token is refused; a hostile name is
inert. Every page is photographed on a laptop and a phone (tests/artifacts/web/, for a person to look at).

One server, one browser, one database for the module: the steps build on each other, in order."""
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Member, Person, Quarantined, Referral
from models.db import make_engine, upgrade
from tests import mailgen
from tests.servers import SmtpSink, free_port
from tests.web.conftest import CAROL, DANA, MARCO, WEB_SECRET, ZOE
from worker.app import bootstrap
from worker.app.service import Service
from worker.core.config import load
from worker.inbound.pipeline import Origin

# One worker runs the module in order: the tests share one server, browser and history, and the
# last one checks the screenshots the others took.
pytestmark = [pytest.mark.servers, pytest.mark.xdist_group("browser")]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "web"
HOSTILE = "<script>alert(1)</script> {{7*7}}"
SIZES = {"laptop": (1366, 768), "phone": (390, 844)}


@pytest.fixture(scope="module")
def sink():
    server = SmtpSink().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def site(tmp_path_factory, sink):
    """A deployment with history, its worker's app (which sends mail), and `introledger web` serving it."""
    work = tmp_path_factory.mktemp("web")
    port = free_port()
    (work / "config.yaml").write_text(f"""\
tracking: {{address: intros@example.com}}
database_url: sqlite:///{work / 'introledger.db'}
outbound:
  transport: smtp
  smtp: {{host: {sink.host}, port: {sink.port}, security: none}}
  quiet_hours: null
  per_recipient_per_day: 50
thank_you: {{delay_seconds: 0, max_age_days: 3650}}
follow_ups: {{steps: ["0s"], stale_after: 3650d}}
web: {{base_url: "http://127.0.0.1:{port}"}}
members:
  - {{name: {DANA[0]}, emails: [{DANA[1]}], domains: [danabooks.example]}}
  - {{name: {MARCO[0]}, emails: [{MARCO[1]}]}}
  - {{name: {ZOE[0]}, emails: [{ZOE[1]}], coordinator: true}}
""")
    env = {**os.environ, "INTROLEDGER_WEB_SECRET": WEB_SECRET, "INTROLEDGER_TOKEN_SECRET": "browser-test",
           "INTROLEDGER_CONFIG": str(work / "config.yaml"), "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    env.pop("INTROLEDGER_DATABASE_URL", None)
    config = load(str(work / "config.yaml"), env=env)
    upgrade(make_engine(config.database_url))
    app = bootstrap.build(config)
    ids = _history(app)
    Service(app).once()  # thank-yous and follow-ups go out, as the running worker would send them
    server = subprocess.Popen([sys.executable, "-m", "worker.cli.main", "web", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    _wait_for(base, server)
    yield app, base, ids
    server.terminate()
    server.wait(10)
    app.engine.dispose()


def _history(app) -> dict:
    """A few months of intros both ways, one review candidate from this month, one hostile name."""
    now = datetime.now(UTC)
    n = 0

    def intro(introducer, a, b, days_ago, pipeline=None):
        nonlocal n
        n += 1
        raw = mailgen.intro(n, introducer=introducer, a=a, b=b, when=now - timedelta(days=days_ago, hours=1))
        return (pipeline or app.pipeline).process(raw, Origin("file", f"h{n}.eml")).referral_id

    ids = {}
    for i, days in enumerate((200, 150, 120, 90, 75, 40, 20, 12)):
        intro(CAROL, mailgen.person(__import__("random").Random(i), 500 + i), DANA, days)
    for i, days in enumerate((170, 100, 60, 33, 8)):
        intro(DANA, mailgen.person(__import__("random").Random(50 + i), 600 + i), ("Raj Mehta", "raj@mehta.example"),
              days)
    ids["to_win"] = intro(("Priya Shah", "priya@shah-law.example"), ("Sam Ortiz", "sam@ortiz.example"), DANA, 3)
    ids["hostile"] = intro((HOSTILE, "evil@hostile.example"), ("Tom Reyes", "tom@reyes.example"), DANA, 2)
    ids["marco"] = intro(CAROL, ("Cleo Tan", "cleo@w.example"), MARCO, 5)
    ids["review"] = intro(("Nina Berg", "nina@berg.example"), ("Omar Aziz", "omar@aziz.example"), DANA, 0,
                          app.pipeline.for_review())
    app.pipeline.process(b"\xff\xfe\x00 not a message", Origin("file", "junk.eml"))
    with app.sessions() as s:
        if s.scalar(select(Quarantined.id)) is None:
            pass  # the pipeline read the junk as something: the quarantine page shows empty
    return ids


def _wait_for(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"introledger web exited: {server.stdout.read() if server.stdout else ''}")
        try:
            urllib.request.urlopen(base + "/sign-in", timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("introledger web did not answer within 30 s")


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (bash scripts/setup-tests.sh)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def shots():
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


def _sign_in(browser, site, sink, email: str):
    """The whole sign-in as a person does it: ask, get the mail, open the link, press the button."""
    app, base, _ids = site
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(base + "/")
    assert page.url.startswith(base + "/sign-in")
    page.fill("input[name=email]", email)
    page.click("button[type=submit]")
    assert "a sign-in link is on its way" in page.inner_text("main")
    before = len(sink.messages)
    Service(app).once()  # the worker sends the queued sign-in mail
    mails = [message_from_bytes(m.raw, policy=policy.default) for m in sink.messages[before:]
             if m.rcpt_tos == [email]]
    mails = [m for m in mails if m["Subject"] == "Your introledger sign-in link"]  # (follow-ups fall due too)
    assert len(mails) == 1
    link = re.search(r"http://\S+/sign-in/\S+", mails[0].get_body(("plain",)).get_content()).group(0)
    page.goto(link)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(base + "/")
    return context, page


def _figures(page) -> dict:
    return {el.get_attribute("data-figure"): el.inner_text() for el in page.query_selector_all("[data-figure]")}


def _last_bars(page) -> tuple[float, float]:
    given = page.query_selector_all("rect.bar.given")[-1].get_attribute("height")
    received = page.query_selector_all("rect.bar.received")[-1].get_attribute("height")
    return float(given), float(received)


def _shoot(page, shots: Path, name: str) -> None:
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(shots / f"{name}-{size}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})


def test_sign_in_review_win_and_the_overview_follows(site, sink, browser, shots):
    app, base, ids = site
    context, page = _sign_in(browser, site, sink, DANA[1])
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    before, bars_before = _figures(page), _last_bars(page)
    _shoot(page, shots, "overview")

    page.goto(base + "/review")
    _shoot(page, shots, "review")
    row = page.locator("tr", has_text="Nina Berg")
    row.locator("button:has-text('Accept')").click()
    assert f"#{ids['review']} accepted" in page.inner_text(".flash")

    page.goto(f"{base}/referrals/{ids['to_win']}")
    page.select_option("select[name=status]", "WON")
    page.fill("input[name=amount]", "$4,500")
    page.fill("input[name=note]", "signed the retainer")
    page.click("button:has-text('Save')")  # confirms with a dialog (app.js): accepted above
    assert f"Referral #{ids['to_win']} is now won." in page.inner_text(".flash")
    assert "introduced → won" in page.inner_text(".timeline")
    _shoot(page, shots, "referral")

    page.goto(base + "/")
    after = _figures(page)
    assert int(after["month-received"]) == int(before["month-received"]) + 1  # the accepted candidate
    assert int(after["won"]) == int(before["won"]) + 1 and "$4,500" in after["won-value"]
    assert _last_bars(page)[1] > bars_before[1]  # this month's received bar grew
    _shoot(page, shots, "overview-after")
    assert dialogs and not any("1" == d for d in dialogs)  # only our confirmations, never the hostile alert
    assert "Set the status to won? The introducer is thanked for the business by mail." in dialogs
    with app.sessions() as s:
        won = s.get(Referral, ids["to_win"])
        assert (won.status, won.value_cents) == ("won", 450000)
    context.close()


def test_another_members_referral_is_not_found_and_a_post_without_csrf_is_refused(site, sink, browser):
    app, base, ids = site
    context, page = _sign_in(browser, site, sink, DANA[1])
    with app.sessions() as s:
        status = s.get(Referral, ids["to_win"]).status
    answer = page.goto(f"{base}/referrals/{ids['marco']}")
    assert answer.status == 404 and "Not found" in page.inner_text("h1")
    refused = page.request.post(f"{base}/referrals/{ids['to_win']}/mark", form={"status": "LOST"})
    assert refused.status == 403 and "CSRF" in refused.text()
    forged = page.request.post(f"{base}/referrals/{ids['to_win']}/mark", form={"status": "LOST", "csrf": "0" * 40})
    assert forged.status == 403
    with app.sessions() as s:
        assert s.get(Referral, ids["to_win"]).status == status  # neither POST changed it
    context.close()


def test_a_hostile_name_shows_literally_and_runs_nothing(site, sink, browser):
    app, base, ids = site
    context, page = _sign_in(browser, site, sink, DANA[1])
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for url in (f"/referrals/{ids['hostile']}", "/referrals", "/partners"):
        page.goto(base + url)
        assert HOSTILE in page.inner_text("main"), url
    assert dialogs == [] and "49" not in page.inner_text("main").replace("2049", "")
    context.close()


def test_on_a_phone_a_mail_page_fits_the_screen_and_the_chart_opens_on_the_newest_months(site, sink, browser):
    """QA trial: /outbox/ID was 480 px wide at 390 (the monospace Reply-To did not wrap), and the
    overview's chart opened on the oldest, empty months with the recent ones scrolled out of sight."""
    from models import OutboxMessage

    app, base, _ids = site
    context, page = _sign_in(browser, site, sink, ZOE[1])  # the coordinator: Dana's links are used up
    with app.sessions.begin() as s:  # the trial's: a partner mail's Reply-To with its "reply BRIEF" token
        mail = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "thank_you")).first()
        mail.reply_to = "Dana Whitfield <dana@danabooks.example>, intros+b3d20797q4xuumtkh5iro4uocf@example.com"
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/outbox/{mail.id}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(base + "/")
    wrap = page.locator(".chart-wrap")
    assert wrap.evaluate("w => w.scrollWidth > w.clientWidth")  # it scrolls on a phone ...
    shown = wrap.bounding_box()
    label = page.locator(".chart .month").last  # ... and the newest month is in sight, the oldest is not
    newest, oldest = label.bounding_box(), page.locator(".chart .month").first.bounding_box()
    assert shown["x"] <= newest["x"] and newest["x"] + newest["width"] <= shown["x"] + shown["width"] + 1
    assert oldest["x"] < shown["x"]
    assert label.evaluate("t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a") >= 11
    context.close()


def test_every_page_on_a_laptop_and_a_phone(site, sink, browser, shots):
    app, base, ids = site
    context, page = _sign_in(browser, site, sink, ZOE[1])
    with app.sessions() as s:
        carol = s.scalar(select(Person.partner_id).where(Person.email == CAROL[1]))
        first_mail = s.scalar(select(Member.id))
    assert first_mail is not None
    for name, url in (("overview-coordinator", "/"), ("referrals", "/referrals"), ("partners", "/partners"),
                      ("partner", f"/partners/{carol}"), ("outbox", "/outbox"), ("mail", "/outbox/1"),
                      ("quarantine", "/quarantine"), ("health", "/health")):
        answer = page.goto(base + url)
        assert answer.status == 200, url
        assert page.locator("h1").count() == 1
        _shoot(page, shots, name)
    context.close()
    anonymous = browser.new_context()
    sign_in_page = anonymous.new_page()
    sign_in_page.goto(base + "/sign-in")
    _shoot(sign_in_page, shots, "sign-in")
    anonymous.close()
    assert len(list(shots.glob("*.png"))) == 2 * 13
