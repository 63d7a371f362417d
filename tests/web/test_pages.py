"""The dashboard's pages and /api through the ASGI app: what a member and a coordinator see and may
change, with the CLI's rules and JSON keys; another member's things are not found."""
import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from models import Member, OutboxMessage, Partner, Person, Quarantined, Referral
from tests.conftest import build_app
from tests.web.conftest import CAROL, DANA, ENV, MARCO, MEMBERS, ZOE, client_for, log_intro, post, sign_in
from worker.inbound.pipeline import Origin

REFERRAL_KEYS = {"id", "status", "kind", "introduced_at", "introducer", "parties", "direction",
                 "confidence", "reason", "source", "value", "qualified_at", "won_at"}
OUTBOX_KEYS = {"id", "kind", "to", "subject", "status", "attempts", "last_error", "reason", "message_id",
               "referral_ids", "queued_at", "not_before", "handed_over_at", "sent_at"}


@pytest.fixture
def world(web_app, clock):
    """Carol gives Dana one intro and Marco one; Dana gives Raj one."""
    t = clock.current - timedelta(hours=3)
    ids = {
        "dana": log_intro(web_app, 1, CAROL, ("Alice Brook", "alice@y.example"), DANA, t),
        "marco": log_intro(web_app, 2, CAROL, ("Cleo Tan", "cleo@w.example"), MARCO, t),
        "given": log_intro(web_app, 3, DANA, ("Ben Ode", "ben@z.example"), ("Raj Mehta", "raj@mehta.example"), t),
    }
    return web_app, ids


def test_a_member_lists_and_filters_only_their_referrals(world):
    app, ids = world
    dana = sign_in(client_for(app), app, DANA[1])
    listed = dana.get("/api/referrals").json()
    assert {r["id"] for r in listed} == {ids["dana"], ids["given"]}
    assert set(listed[0]) == REFERRAL_KEYS
    assert [r["id"] for r in dana.get("/api/referrals?direction=given").json()] == [ids["given"]]
    assert [r["id"] for r in dana.get("/api/referrals?q=alice").json()] == [ids["dana"]]
    assert dana.get("/api/referrals?status=won").json() == []
    page = dana.get("/referrals?q=Raj")
    assert "Raj Mehta" in page.text and "Alice Brook" not in page.text
    zoe = sign_in(client_for(app), app, ZOE[1])
    assert {r["id"] for r in zoe.get("/api/referrals").json()} == set(ids.values())


def test_another_members_referral_is_not_found(world):
    app, ids = world
    dana = sign_in(client_for(app), app, DANA[1])
    assert dana.get(f"/referrals/{ids['marco']}").status_code == 404
    assert dana.get(f"/api/referrals/{ids['marco']}").status_code == 404
    assert dana.get("/referrals/99999").status_code == 404
    refused = post(dana, f"/referrals/{ids['marco']}/mark", {"status": "WON"})
    assert refused.status_code == 404
    with app.sessions() as s:
        assert s.get(Referral, ids["marco"]).status == "introduced"


def test_a_referral_page_shows_its_timeline_and_sets_the_status_as_mark_does(world):
    app, ids = world
    dana = sign_in(client_for(app), app, DANA[1])
    rid = ids["dana"]
    page = dana.get(f"/referrals/{rid}")
    assert page.status_code == 200 and "Introduced (double intro)" in page.text
    assert "thank you to carol@x.example" in page.text  # the thank-you we queued, on its timeline
    done = post(dana, f"/referrals/{rid}/mark", {"status": "WON", "amount": "$4,500", "note": "signed"},
                page=f"/referrals/{rid}")
    assert done.url.path == f"/referrals/{rid}" and f"Referral #{rid} is now won." in done.text
    data = dana.get(f"/api/referrals/{rid}").json()
    assert data["status"] == "won" and data["value"] == {"amount_cents": 450000, "currency": "USD"}
    assert any(m["what"] == "introduced → won" and m["who"] == DANA[1] for m in data["timeline"])
    with app.sessions() as s:  # the same mails as a reply: the introducer hears it closed
        kinds = set(s.scalars(select(OutboxMessage.kind)))
    assert "closed_business" in kinds
    again = post(dana, f"/referrals/{rid}/mark", {"status": "LOST"}, page=f"/referrals/{rid}")
    assert "not changed" in again.text and "final answer" in again.text
    token = dana.get("/api/session").json()["csrf"]
    api = dana.post(f"/api/referrals/{rid}/mark", json={"status": "MET"}, headers={"X-CSRF-Token": token})
    assert api.status_code == 409 and set(api.json()) == {"referral", "status", "applied", "reason"}


def selector(page: str) -> list[str]:
    return re.findall(r'<option value="([A-Z_]+)"', page.split('id="status"')[1].split("</select>")[0])


def test_the_status_selector_offers_only_the_moves_the_lifecycle_allows(world):
    """QA trial: a won referral's selector offered "Met"."""
    app, ids = world
    dana = sign_in(client_for(app), app, DANA[1])
    rid = ids["dana"]
    assert selector(dana.get(f"/referrals/{rid}").text) == ["MET", "QUALIFIED", "WON", "LOST", "NO_FIT", "SNOOZE",
                                                             "STOP"]
    post(dana, f"/referrals/{rid}/mark", {"status": "MET"}, page=f"/referrals/{rid}")
    assert selector(dana.get(f"/referrals/{rid}").text) == ["QUALIFIED", "WON", "LOST", "NO_FIT", "SNOOZE", "STOP"]
    post(dana, f"/referrals/{rid}/mark", {"status": "WON"}, page=f"/referrals/{rid}")
    page = dana.get(f"/referrals/{rid}").text
    # won is final: the form only corrects it, the other final answers first (and never to won again)
    assert selector(page) == ["LOST", "NO_FIT", "QUALIFIED", "MET"] and "Correct to" in page
    # nothing is preselected: Save alone changes nothing (second trial: "Correct to" defaulted to Met)
    assert re.search(r'<select id="status" name="status"[^>]* required>\s*<option value="" selected disabled>', page)
    kept = post(dana, f"/referrals/{rid}/mark", {"status": "", "correct": "1"}, page=f"/referrals/{rid}")
    assert kept.status_code == 400 and "Choose an answer first: nothing was changed." in kept.text
    with app.sessions() as s:
        assert s.get(Referral, rid).status == "won"
    done = post(dana, f"/referrals/{rid}/mark", {"status": "LOST", "correct": "1"}, page=f"/referrals/{rid}")
    assert f"Referral #{rid} is now lost." in done.text


def test_the_amount_example_is_in_the_members_currency(tmp_path, sqlite_url, clock):
    """QA trial: "$4,500" as the amount's placeholder for Klaus, who counts in EUR."""
    members = [{**MEMBERS[0], "currency": "EUR"}, *MEMBERS[1:]]
    app = build_app(tmp_path, sqlite_url, ENV, now=clock, members=members, outbound={"quiet_hours": None})
    try:
        dana_eur = log_intro(app, 1, CAROL, ("Alice Brook", "alice@y.example"), DANA, clock.current)
        marco_usd = log_intro(app, 2, CAROL, ("Cleo Tan", "cleo@w.example"), MARCO, clock.current)
        zoe = sign_in(client_for(app), app, ZOE[1])
        assert 'name="amount" placeholder="€4,500"' in zoe.get(f"/referrals/{dana_eur}").text
        assert 'name="amount" placeholder="$4,500"' in zoe.get(f"/referrals/{marco_usd}").text
    finally:
        app.engine.dispose()


def test_review_accepts_and_rejects_one_by_one_or_all_and_only_the_members_own(world):
    app, ids = world
    with app.sessions.begin() as s:
        s.execute(update(Referral).values(status="needs_review"))
    dana = sign_in(client_for(app), app, DANA[1])
    waiting = dana.get("/api/review").json()
    assert {c["id"] for c in waiting} == {ids["dana"], ids["given"]}
    assert {"origin", "found_in", "confidence"} <= set(waiting[0])
    assert post(dana, "/review/accept", {"id": str(ids["marco"])}, page="/review").status_code == 404
    done = post(dana, "/review/reject", {"id": str(ids["given"])}, page="/review")
    assert f"#{ids['given']} rejected" in done.text
    done = post(dana, "/review/accept", {"all": "1"}, page="/review")
    assert f"#{ids['dana']} accepted: logged as a referral." in html.unescape(done.text)  # one: not "referrals"
    with app.sessions() as s:
        assert [s.get(Referral, i).status for i in (ids["dana"], ids["given"], ids["marco"])] == \
            ["introduced", "rejected", "needs_review"]
    assert "Nothing is waiting for review" in dana.get("/review").text


def test_partners_show_the_ledger_both_ways_and_are_edited_and_merged(world):
    app, _ids = world
    dana = sign_in(client_for(app), app, DANA[1])
    listed = dana.get("/api/partners").json()
    names = {p["name"] for p in listed}
    assert {"Carol Jensen", "Raj Mehta"} <= names and "Cleo Tan" not in names
    with app.sessions() as s:
        carol = s.scalar(select(Person).where(Person.email == CAROL[1])).partner_id
        raj = s.scalar(select(Person).where(Person.email == "raj@mehta.example")).partner_id
    shown = dana.get(f"/api/partners/{carol}").json()
    assert shown["ledger"][0]["received"]["referrals"] == 1 and shown["ledger"][0]["member"] == DANA[0]
    page = dana.get("/partners")
    assert "Carol Jensen" in page.text and "Raj Mehta" in page.text
    post(dana, f"/partners/{raj}/edit", {"type": "same_market", "notes": "coffee monthly", "fee": "10%",
                                           "customer_shown": "1", "customer": "1"}, page=f"/partners/{raj}")
    with app.sessions() as s:
        p = s.get(Partner, raj)
        assert (p.partner_type, p.notes, p.referral_fee, p.is_customer) == ("same_market", "coffee monthly",
                                                                             "10%", True)
    zoe = sign_in(client_for(app), app, ZOE[1])  # Carol works with Marco too: the coordinator merges
    merged = post(zoe, f"/partners/{carol}/merge", {"other": str(raj)}, page=f"/partners/{carol}")
    assert f"Partner #{raj} merged into #{carol}" in merged.text
    assert set(dana.get(f"/api/partners/{carol}").json()["emails"]) == {CAROL[1], "raj@mehta.example"}
    marco = sign_in(client_for(app), app, MARCO[1])
    assert marco.get(f"/partners/{carol}").status_code == 200  # Carol gave Marco one too
    with app.sessions() as s:
        cleo = s.scalar(select(Person).where(Person.email == "cleo@w.example"))
    assert cleo.partner_id is None or dana.get(f"/partners/{cleo.partner_id}").status_code == 404


def test_a_partner_shared_with_another_member_is_changed_only_by_a_coordinator(world):
    app, _ids = world
    with app.sessions() as s:
        carol = s.scalar(select(Person).where(Person.email == CAROL[1])).partner_id
        raj = s.scalar(select(Person).where(Person.email == "raj@mehta.example")).partner_id
    dana = sign_in(client_for(app), app, DANA[1])
    why = "this partner also works with 1 other member; ask your coordinator"
    assert why in dana.get(f"/partners/{carol}").text  # the page says so instead of a form
    refused = post(dana, f"/partners/{carol}/edit", {"notes": "Dana's note", "fee": "none"}, page="/partners")
    assert refused.status_code == 403 and why in refused.text
    token = dana.get("/api/session").json()["csrf"]
    api = dana.post(f"/api/partners/{carol}/edit", json={"customer": True}, headers={"X-CSRF-Token": token})
    assert api.status_code == 403 and why in api.json()["error"]
    for keep, other in ((raj, carol), (carol, raj)):  # merging either way rewrites Marco's record too
        merged = dana.post(f"/api/partners/{keep}/merge", json={"other": str(other)},
                           headers={"X-CSRF-Token": token})
        assert merged.status_code == 403 and why in merged.json()["error"]
    with app.sessions() as s:
        p = s.get(Partner, carol)
        assert (p.notes, p.referral_fee, p.is_customer) == ("", "", False) and s.get(Partner, raj) is not None
    marco = sign_in(client_for(app), app, MARCO[1])
    assert post(marco, f"/partners/{carol}/edit", {"notes": "x"}, page="/partners").status_code == 403
    zoe = sign_in(client_for(app), app, ZOE[1])
    done = post(zoe, f"/partners/{carol}/edit", {"notes": "coffee monthly"}, page=f"/partners/{carol}")
    assert done.status_code == 200 and "coffee monthly" in marco.get(f"/partners/{carol}").text


def test_the_outbox_lists_previews_and_retries_or_cancels_the_members_mail(world):
    app, _ids = world
    dana = sign_in(client_for(app), app, DANA[1])
    mails = dana.get("/api/outbox").json()
    assert mails and set(mails[0]) == OUTBOX_KEYS
    with app.sessions() as s:
        dana_id = s.scalar(select(Member.id).where(Member.name == DANA[0]))
        mine = s.scalar(select(OutboxMessage).where(OutboxMessage.to_addr == CAROL[1],
                                                    OutboxMessage.member_id == dana_id))
        others = s.scalar(select(OutboxMessage).where(OutboxMessage.member_id != mine.member_id))
    page = dana.get(f"/outbox/{mine.id}")
    assert page.status_code == 200 and 'sandbox src="/outbox/' not in page.text and "sandbox" in page.text
    preview = dana.get(f"/outbox/{mine.id}/preview")
    assert preview.headers["content-security-policy"].startswith("sandbox;")
    assert preview.headers["x-frame-options"] == "SAMEORIGIN"
    assert dana.get(f"/outbox/{others.id}").status_code == 404
    cancelled = post(dana, f"/outbox/{mine.id}/cancel", page=f"/outbox/{mine.id}")
    assert f"Outbox #{mine.id} is now cancelled." in cancelled.text
    token = dana.get("/api/session").json()["csrf"]
    again = dana.post(f"/api/outbox/{mine.id}/retry", headers={"X-CSRF-Token": token}).json()
    assert again["changed"] is True and again["mail"]["status"] == "queued"
    assert set(again) == {"action", "changed", "mail", "paused", "why_not"} and again["why_not"] is None
    with app.sessions.begin() as s:  # a mail whose template failed: no text to send
        s.execute(update(OutboxMessage).where(OutboxMessage.id == mine.id).values(
            status="failed", subject="(not rendered)", text_body="", html_body="", last_error="template x: broken"))
    refused = post(dana, f"/outbox/{mine.id}/retry", page=f"/outbox/{mine.id}")
    assert f"Outbox #{mine.id} (thank_you) was never rendered (template x: broken): it cannot be sent" in \
        html.unescape(refused.text)


def test_quarantine_and_health_are_for_coordinators(world, tmp_path):
    app, _ids = world
    app.pipeline.process(b"\x00\x01 not mail at all", Origin("file", "junk.eml"))
    with app.sessions() as s:
        q = s.scalar(select(Quarantined))
    if q is None:  # the pipeline may read any bytes as a message; set one aside by hand then
        with app.sessions.begin() as s:
            s.add(Quarantined(source="file", source_ref="junk.eml", reason="test: unreadable", raw=b"Subject: x\n\nx",
                              raw_size=14))
        with app.sessions() as s:
            q = s.scalar(select(Quarantined))
    dana = sign_in(client_for(app), app, DANA[1])
    assert dana.get("/quarantine").status_code == 404 and dana.get("/health").status_code == 404
    assert dana.get(f"/quarantine/{q.id}/raw").status_code == 404
    zoe = sign_in(client_for(app), app, ZOE[1])
    assert q.reason in zoe.get("/quarantine").text
    raw = zoe.get(f"/quarantine/{q.id}/raw")
    assert raw.content == q.raw and raw.headers["content-type"] == "application/octet-stream"
    assert "attachment" in raw.headers["content-disposition"]
    assert set(zoe.get("/api/quarantine").json()[0]) == {"id", "created_at", "source", "source_ref", "message_id",
                                                           "reason", "raw_size"}
    retried = post(zoe, f"/quarantine/{q.id}/retry", page="/quarantine")
    assert f"Quarantine #{q.id}:" in retried.text
    (tmp_path / "config.yaml").write_text(f"tracking: {{address: intros@example.com}}\n"
                                          f"database_url: {app.config.database_url}\n")
    health = zoe.get("/api/health").json()
    assert set(health) == {"doctor", "mailbox", "queue"}
    assert set(health["doctor"]) >= {"ok", "problems", "warnings", "repaired", "about"}
    assert health["mailbox"]["last_message_at"] and health["queue"]["by_status"]["queued"] >= 1
    assert "Doctor" in zoe.get("/health").text


def test_names_from_mail_show_literally(web_app, clock):
    hostile = ("<script>alert(1)</script> {{7*7}}", "evil@x.example")
    log_intro(web_app, 9, hostile, ("Alice <b>Brook</b>", "alice@y.example"), DANA, clock.current)
    dana = sign_in(client_for(web_app), web_app, DANA[1])
    for url in ("/referrals", "/partners", "/referrals/1", "/"):
        text = dana.get(url).text
        assert "<script>alert(1)" not in text and "<b>Brook</b>" not in text
    text = dana.get("/referrals").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{7*7}}" in text  # not run, not evaluated (no 49)


def test_a_page_reading_the_sqlite_database_does_not_hold_up_the_workers_writes(web_app):
    """A page's read transaction (seconds on a big ledger) must not take SQLite's write lock: the
    worker logs intros meanwhile (its writes wait at most 30 s, then fail)."""
    from sqlalchemy import text

    from worker.web.server import _reads

    reads = _reads(web_app)
    with reads() as page:
        page.execute(select(Referral.id)).all()  # a read transaction is open
        with web_app.sessions.begin() as worker:
            worker.execute(text("UPDATE members SET footer = footer"))
    reads.kw["bind"].dispose()


def test_a_referral_page_and_the_overview_on_both_databases(tmp_path, database_url, clock):
    from tests.web.conftest import make_web_app

    app = make_web_app(tmp_path, database_url, clock)
    try:
        rid = log_intro(app, 1, CAROL, ("Alice Brook", "alice@y.example"), DANA, clock.current)
        dana = sign_in(client_for(app), app, DANA[1])
        page = dana.get(f"/referrals/{rid}")  # its mail is found in the outbox's JSON lists (dialect SQL)
        assert page.status_code == 200 and "thank you to carol@x.example" in page.text
        assert dana.get("/api/overview").json()["month"] == {"given": 0, "received": 1}
        assert [r["id"] for r in dana.get("/api/referrals?q=alice").json()] == [rid]
    finally:
        app.engine.dispose()


def test_a_member_who_is_only_a_party_in_another_members_intro_may_look_but_not_act(world):
    app, ids = world
    both = log_intro(app, 9, CAROL, DANA, MARCO, app.now() - timedelta(hours=1))
    with app.sessions() as s:
        referral = s.get(Referral, both)
        owner_id = referral.member_id
        owner = s.get(Member, owner_id)
        party = next(m for m in (DANA, MARCO) if m[1] not in owner.emails)
        mail = s.scalars(select(OutboxMessage).where(OutboxMessage.member_id == owner_id)).first()
    other = sign_in(client_for(app), app, party[1])
    assert other.get(f"/referrals/{both}").status_code == 200  # they are in it: they may see it
    refused = post(other, f"/api/referrals/{both}/mark", {"status": "WON", "amount": "$50,000"})
    assert refused.status_code == 403 and "another member's" in refused.text
    with app.sessions() as s:
        assert s.get(Referral, both).status == "introduced"
    assert mail is not None  # the thank-you queued for the owner's intro
    with app.sessions.begin() as s:  # mail sent for the owner, to the party: they see it, not act on it
        s.execute(update(OutboxMessage).where(OutboxMessage.id == mail.id).values(to_addr=party[1]))
    assert other.get(f"/outbox/{mail.id}").status_code == 200
    assert post(other, f"/api/outbox/{mail.id}/cancel", {}).status_code == 403
    with app.sessions() as s:
        assert s.get(OutboxMessage, mail.id).status != "cancelled"
    owner_client = sign_in(client_for(app), app, owner.emails[0])
    assert post(owner_client, f"/api/referrals/{both}/mark", {"status": "MET"}).status_code == 200


def test_the_timeline_shows_the_whole_intro_with_its_line_breaks(web_app, clock):
    """QA trial: the "Introduced" box cut the intro mid-sentence with no ellipsis, on one line."""
    body = ("Hi Alice, hi Dana,\n\nAlice runs the bakery on Main Street & needs a <bookkeeper> for the new shop.\n"
            "Dana has done my books for years.\n\n" + "She is great with payroll, and with the tax office. " * 8
            + "\nThe last line.\n\nCarol\n")
    raw = (f"From: Carol Jensen <{CAROL[1]}>\nTo: Alice Brook <alice@y.example>, Dana Whitfield <{DANA[1]}>\n"
           f"Cc: intros@example.com\nSubject: Intro: Alice <> Dana\nMessage-ID: <long@x.example>\n"
           f"Date: Mon, 02 Nov 2026 09:00:00 -0600\n\n{body}").encode()
    rid = web_app.pipeline.process(raw, Origin("file", "long")).referral_id
    dana = sign_in(client_for(web_app), web_app, DANA[1])
    page = dana.get(f"/referrals/{rid}").text
    box = page.split('<pre class="mailtext">', 1)[1].split("</pre>", 1)[0]
    assert "Hi Alice, hi Dana,\n\nAlice runs the bakery on Main Street &amp; needs a &lt;bookkeeper&gt;" in box
    assert "the tax office.\nThe last line." in box and box.rstrip().endswith("Carol")


def test_an_intro_longer_than_any_is_cut_at_a_word_with_an_ellipsis():
    from worker.mail.excerpt import LIMIT, excerpt

    cut = excerpt("Alice needs books done. " * (LIMIT // 10))
    assert cut.endswith("…") and len(cut) <= LIMIT + 1
    assert cut[:-1].endswith(("Alice", "needs", "books", "done."))  # a whole word, never half of one


def test_a_coordinators_pages_show_only_their_own_mailboxs_referrals(tmp_path, database_url, clock):
    """Two tracking mailboxes in one database (README "Many mailboxes"): the dashboard of
    config.yaml's group never lists the north mailbox's referrals, on SQLite's reader engine too."""
    import yaml

    from tests.app.test_mailboxes import NORTH
    from tests.web.conftest import make_web_app
    from worker.app import mailboxes
    from worker.app.bootstrap import build_group

    app = make_web_app(tmp_path, database_url, clock)
    try:
        with app.sessions.begin() as s:
            row, _ = mailboxes.add(s, app.config, "north", yaml.safe_load(NORTH), "north.yaml")
            group = next(g for g in mailboxes.groups(s, app.config) if g.mailbox_id == row.id)
            everyone = mailboxes.addresses(s, app.config)
        north = build_group(app, mailboxes.group_config(app.config, group, everyone), row.id)
        from tests import mailgen

        raw = mailgen.intro(9, tracking="intros@north.example", introducer=("Olaf Berg", "olaf@fjord.example"),
                            a=("Sven Lund", "sven@lund.example"), b=("Nora North", "nora@northco.example"),
                            when=clock.current)
        theirs = north.pipeline.process(raw, Origin("file", "north-9")).referral_id
        # North's member sends our Dana a client: that is north's referral, not our group's.
        raw = mailgen.intro(10, tracking="intros@north.example", introducer=("Nora North", "nora@northco.example"),
                            a=("Pia Client", "pia@client.example"), b=DANA, when=clock.current)
        assert north.pipeline.process(raw, Origin("file", "north-10")).referral_id
        ours = log_intro(app, 1, CAROL, ("Alice Brook", "alice@y.example"), DANA, clock.current)
        assert theirs and ours
        zoe = sign_in(client_for(app), app, ZOE[1])
        assert {r["id"] for r in zoe.get("/api/referrals").json()} == {ours}
        assert "Sven Lund" not in zoe.get("/referrals").text
        assert zoe.get(f"/referrals/{theirs}").status_code == 404
        # The group's ledger (overview and partners) counts only its own referrals: Carol's one.
        for page in ("/partners", "/"):
            text = zoe.get(page).text
            assert "Nora North" not in text and "Olaf Berg" not in text, page
        assert "Carol" in zoe.get("/partners").text
    finally:
        app.engine.dispose()


def test_a_reply_without_a_date_shows_on_the_timeline_at_the_apps_time_not_the_wall_clocks(web_app, clock):
    """The app runs on a fixed clock (tests, `run --now`, INTROLEDGER_CLOCK_FILE): a reply read then
    is on the timeline at that time; before, the column's default stamped the real date."""
    rid = log_intro(web_app, 1, CAROL, ("Alice Brook", "alice@y.example"), DANA, clock.current - timedelta(hours=3))
    with web_app.sessions() as s:
        source = s.get(Referral, rid).source_message_id
    raw = (f"From: Alice Brook <alice@y.example>\nTo: Dana Whitfield <dana@danabooks.example>\n"
           f"Cc: intros@example.com\nSubject: Re: intro\nMessage-ID: <alice-1@y.example>\n"
           f"In-Reply-To: <{source}>\nReferences: <{source}>\n\nThanks Carol! Dana, happy to talk next week.\n")
    web_app.pipeline.process(raw.encode(), Origin("file", "alice-1"))
    dana = sign_in(client_for(web_app), web_app, DANA[1])
    moments = dana.get(f"/api/referrals/{rid}").json()["timeline"]
    [read] = [m for m in moments if m["what"].endswith(" read")]
    assert read["at"] == clock.current.isoformat()


def test_the_partners_page_is_paged_busiest_first(web_app, clock, monkeypatch):
    """The group's partners a page at a time, the busiest first, saying how many in all; a search
    or "flagged only" counts what it matched."""
    from worker.web import partners

    monkeypatch.setattr(partners, "PER_PAGE", 2)
    t = clock.current - timedelta(days=120)
    for n, (who, times) in enumerate([(CAROL, 3), (("Raj Mehta", "raj@mehta.example"), 1),
                                      (("Uma Vance", "uma@vance.example"), 2)]):
        for i in range(times):
            log_intro(web_app, 10 * n + i, who, (f"Client {n}{i}", f"c{n}{i}@clients.example"), DANA, t)
    dana = sign_in(client_for(web_app), web_app, DANA[1])
    first, second = dana.get("/partners").text, dana.get("/partners?page=2").text
    assert first.index("Carol Jensen") < first.index("Uma Vance") and "Raj Mehta" not in first
    assert "Raj Mehta" in second and "Carol Jensen" not in second
    assert "Page 1 of 2 · 3 in all" in first and "Quieter →" in first and "← Busier" in second
    found = dana.get("/partners?q=vance").text
    assert "1 partner," in found and "Uma Vance" in found and "Carol Jensen" not in found
    assert "3 flagged partners" in dana.get("/partners?flagged=1").text  # all gone quiet


def test_a_members_configured_name_wins_on_the_referral_list_and_page(world):
    """Second user trial: the dashboard showed Dana as the address her mail came from (a From: without her
    name), where `referrals` on the command line shows her configured name."""
    app, ids = world
    with app.sessions.begin() as s:
        s.execute(update(Person).where(Person.email == DANA[1]).values(name=DANA[1]))
    dana = sign_in(client_for(app), app, DANA[1])
    listing = dana.get("/referrals").text
    assert f'data-label="from">{DANA[0]}</td>' in listing  # the intro she gave
    assert re.search(rf'data-label="to">.*<span>{DANA[0]} <span class="muted small">\(provider\)', listing)
    page = dana.get(f"/referrals/{ids['dana']}").text
    assert f"<dd>{DANA[0]} <span class=\"muted\">&lt;{DANA[1]}&gt;" in page
    api = dana.get(f"/api/referrals/{ids['dana']}").json()
    assert {"name": DANA[0], "email": DANA[1], "role": "provider"} in api["parties"]
    assert {"name": DANA[0], "email": DANA[1]} == dana.get(f"/api/referrals/{ids['given']}").json()["introducer"]


def test_a_refused_answer_on_the_timeline_says_what_was_refused_and_why_once(world):
    """User trial: a MET from the member's personal Gmail showed on the timeline as "refused: refused"
    over "refused: tom@… is not a party …"."""
    from models import ReferralEvent

    app, ids = world
    with app.sessions() as s:
        s.add(ReferralEvent(referral_id=ids["dana"], old_status="introduced", new_status="introduced",
                            actor_email="dana.w@gmail.example", accepted=False, event="refused", step=1,
                            reason="refused: dana.w@gmail.example is not a party to the referral or its member"))
        s.commit()
    dana = sign_in(client_for(app), app, DANA[1])
    moment = [m for m in dana.get(f"/api/referrals/{ids['dana']}").json()["timeline"] if m["type"] == "refused"]
    assert [(m["what"], m["detail"]) for m in moment] == [
        ("answer refused", "dana.w@gmail.example is not a party to the referral or its member")]
    assert "refused: refused" not in dana.get(f"/referrals/{ids['dana']}").text


def test_times_show_in_the_members_own_zone(tmp_path, sqlite_url, clock):
    """User trial: a member in Paris read her referral's times in UTC."""
    from datetime import UTC, datetime

    from tests.web.conftest import MEMBERS as WEB_MEMBERS

    clock.current = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)
    members = [{**m, "timezone": "Europe/Paris"} if m["name"] == DANA[0] else m for m in WEB_MEMBERS]
    app = build_app(tmp_path, sqlite_url, ENV, now=clock, members=members, thank_you={"delay_seconds": 0},
                    outbound={"quiet_hours": None})
    try:
        rid = log_intro(app, 1, CAROL, ("Alice Brook", "alice@y.example"), DANA, clock.current)
        dana = sign_in(client_for(app), app, DANA[1])
        page = dana.get(f"/referrals/{rid}").text
        assert "4 Dec 2026 00:30 CET" in page and "23:30 UTC" not in page
        assert "4 Dec 2026" in dana.get("/referrals").text  # the list says the same day
        zoe = sign_in(client_for(app), app, ZOE[1]).get(f"/referrals/{rid}").text  # no zone of her own: UTC
        assert "3 Dec 2026 23:30 UTC" in zoe
    finally:
        app.engine.dispose()
