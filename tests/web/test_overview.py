"""The overview as a member and as the group's coordinator: figures, chart, flags, what needs them."""
from datetime import timedelta

from sqlalchemy import update

from models import Referral
from tests.web.conftest import CAROL, DANA, MARCO, ZOE, client_for, log_intro, sign_in


def test_the_overview_counts_this_month_quarter_and_twelve_months_for_the_member_only(web_app, clock):
    now = clock.current  # 2 Nov 2026
    log_intro(web_app, 1, CAROL, ("Alice Brook", "alice@y.example"), DANA, now - timedelta(hours=4))
    log_intro(web_app, 2, DANA, ("Ben Ode", "ben@z.example"), ("Raj Mehta", "raj@mehta.example"),
              now - timedelta(days=20))
    log_intro(web_app, 3, CAROL, ("Cleo Tan", "cleo@w.example"), MARCO, now - timedelta(hours=5))
    dana = sign_in(client_for(web_app), web_app, DANA[1]).get("/api/overview").json()
    assert dana["month"] == {"given": 0, "received": 1}
    assert dana["quarter"] == {"given": 1, "received": 1}  # October and November
    assert dana["balance"] == 0
    assert [m["month"] for m in dana["monthly"]][-2:] == ["2026-10", "2026-11"]
    assert [(m["given"], m["received"]) for m in dana["monthly"][-2:]] == [(1, 0), (0, 1)]
    assert dana["group"] == []

    zoe = sign_in(client_for(web_app), web_app, ZOE[1]).get("/api/overview").json()
    assert zoe["month"] == {"given": 0, "received": 2}  # Dana's and Marco's
    assert {t["member"] for t in zoe["group"]} == {DANA[0], MARCO[0], ZOE[0]}


def test_the_overview_page_draws_the_chart_and_what_needs_the_member(web_app, clock):
    rid = log_intro(web_app, 1, CAROL, ("Alice Brook", "alice@y.example"), DANA, clock.current)
    with web_app.sessions.begin() as s:
        s.execute(update(Referral).where(Referral.id == rid).values(status="needs_review"))
    page = sign_in(client_for(web_app), web_app, DANA[1]).get("/")
    assert page.status_code == 200
    assert '<svg class="chart"' in page.text and 'class="bar received"' in page.text
    assert 'data-figure="needs-review">1<' in page.text


def test_the_overview_shows_what_the_worker_wrote_on_the_next_load(web_app, clock):
    """The group's figures come from stored sums (worker/ledger/summary.py); a write by another
    process — the worker logging an intro, applying a WON — shows on the very next page load."""
    now = clock.current
    log_intro(web_app, 1, CAROL, ("Alice Brook", "alice@y.example"), DANA, now - timedelta(days=3))
    zoe, dana = sign_in(client_for(web_app), web_app, ZOE[1]), sign_in(client_for(web_app), web_app, DANA[1])

    def group() -> dict:
        return {t["member"]: t for t in zoe.get("/api/overview").json()["group"]}

    assert group()[DANA[0]]["received"]["referrals"] == 1
    assert dana.get("/api/overview").json()["won"]["received"] == 0
    rid = log_intro(web_app, 2, CAROL, ("Ben Ode", "ben@z.example"), DANA, now - timedelta(days=1))
    assert group()[DANA[0]]["received"]["referrals"] == 2
    with web_app.sessions.begin() as s:  # the worker applies Dana's "WON 4500"
        s.execute(update(Referral).where(Referral.id == rid).values(status="won", value_cents=450000,
                                                                     currency="USD"))
    assert group()[DANA[0]]["received"]["values"] == {"USD": 450000}
    assert dana.get("/api/overview").json()["won"] == {"received": 1, "given": 0, "values": {"USD": 450000},
                                                       "value": "$4,500"}
    partners = zoe.get("/partners").text
    assert "Carol Jensen" in partners
