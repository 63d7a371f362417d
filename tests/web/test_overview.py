"""The overview as a member and as the group's coordinator: figures, chart, flags, what needs them."""
from datetime import timedelta

from sqlalchemy import select, update

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


def test_the_overview_lists_the_first_flags_and_says_how_many_more(web_app, clock):
    """The group's history can flag hundreds of partners: the page lists the first FLAGS_SHOWN,
    says how many more there are and links to them all; the API lists every one."""
    from worker.web.overview import FLAGS_SHOWN

    for n in range(FLAGS_SHOWN + 2):  # each gone quiet: nothing either way for 200 days
        log_intro(web_app, n, (f"Pat {n}", f"pat{n}@p{n}.example"), (f"Client {n}", f"c{n}@clients.example"), DANA,
                  clock.current - timedelta(days=200))
    dana = sign_in(client_for(web_app), web_app, DANA[1])
    page = dana.get("/").text
    assert 'data-figure="flags-total">(10)<' in page
    assert page.count("gone quiet") == FLAGS_SHOWN
    assert '<a href="/partners?flagged=1">and 2 more: all flagged partners</a>' in page
    assert dana.get("/partners?flagged=1").text.count("gone quiet") == FLAGS_SHOWN + 2
    api = dana.get("/api/overview").json()
    assert len(api["flags"]) == api["flags_total"] == FLAGS_SHOWN + 2


def test_follow_ups_nobody_answered_are_counted_and_listed(web_app, clock):
    """A follow-up we sent that no answer came after: counted on the overview, which links to
    exactly those referrals (/referrals?status=unanswered); an answer takes it off."""
    from models import FollowUp, OutboxMessage, ReferralEvent

    now = clock.current
    asked, quiet = (log_intro(web_app, n, CAROL, (f"Client {n}", f"c{n}@clients.example"), DANA,
                              now - timedelta(days=10)) for n in (1, 2))
    with web_app.sessions.begin() as s:
        for rid in (asked, quiet):
            mail = OutboxMessage(dedupe_key=f"follow-up:{rid}:1", kind="follow_up", status="sent",
                                 from_addr="intros@example.com", to_addr=DANA[1], subject=f"How did it go? {rid}",
                                 text_body="How?", sent_at=now - timedelta(days=3))
            s.add(mail)
            s.flush()
            step = s.scalar(select(FollowUp).where(FollowUp.referral_id == rid, FollowUp.step == 1))
            step.status, step.outbox_id = "done", mail.id  # as the schedule leaves a step it sent
        s.add(ReferralEvent(referral_id=asked, old_status="introduced", new_status="connected", actor_email=DANA[1],
                            message_id="", reason="MET", accepted=True, at=now - timedelta(days=1), event="answer"))
    dana = sign_in(client_for(web_app), web_app, DANA[1])
    assert dana.get("/api/overview").json()["needs"] == {"review": 0, "unanswered_follow_ups": 1,
                                                        "unanswered_follow_ups_exact": True, "failed_mail": 0}
    page = dana.get("/").text
    assert '<a href="/referrals?status=unanswered"><span class="count hot" data-figure="needs-unanswered">1<' in page
    assert [r["id"] for r in dana.get("/api/referrals?status=unanswered").json()] == [quiet]


def test_unanswered_follow_ups_are_counted_in_every_open_state_of_intros_made_and_received(web_app, clock):
    """The overview starts from the member's open referrals (those they made, those they are in):
    a follow-up nobody answered counts in each open state and either way, never on a closed one,
    and the count is the list's."""
    from models import FollowUp, OutboxMessage

    now = clock.current
    made = {status: log_intro(web_app, n, DANA, (f"Ben {n}", f"ben{n}@z.example"), (f"Raj {n}", f"raj{n}@r.example"),
                              now - timedelta(days=10))
            for n, status in enumerate(("introduced", "connected", "qualified", "won"), start=1)}
    received = {status: log_intro(web_app, n, CAROL, (f"Client {n}", f"c{n}@clients.example"), DANA,
                                  now - timedelta(days=10))
                for n, status in enumerate(("connected", "lost"), start=5)}
    with web_app.sessions.begin() as s:
        for status, rid in [*made.items(), *received.items()]:
            s.execute(update(Referral).where(Referral.id == rid).values(status=status))
            mail = OutboxMessage(dedupe_key=f"follow-up:{rid}:1", kind="follow_up", status="sent",
                                 from_addr="intros@example.com", to_addr=DANA[1], subject=f"How did it go? {rid}",
                                 text_body="How?", sent_at=now - timedelta(days=3))
            s.add(mail)
            s.flush()
            step = s.scalar(select(FollowUp).where(FollowUp.referral_id == rid, FollowUp.step == 1))
            step.status, step.outbox_id = "done", mail.id
    dana = sign_in(client_for(web_app), web_app, DANA[1])
    open_ones = {made["introduced"], made["connected"], made["qualified"], received["connected"]}
    assert dana.get("/api/overview").json()["needs"]["unanswered_follow_ups"] == len(open_ones)
    assert {r["id"] for r in dana.get("/api/referrals?status=unanswered").json()} == open_ones
