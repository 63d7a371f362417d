"""A partner's own page from the link under partner mail: their details, what went each way with this
member, opting out — no account; the link is the key. Through the ASGI app (Starlette's TestClient);
tests/web/test_public_browser.py opens it in a real browser."""
import re

from sqlalchemy import select, update

from models import OptOut, OutboxMessage, Partner, Person, Referral
from tests.web.conftest import CAROL, DANA, MARCO, client_for, csrf_of, log_intro
from worker.app.marking import mark

ALICE = ("Alice Brook", "alice@y.example")


def thank_you(app, to=CAROL[1]) -> OutboxMessage:
    with app.sessions() as s:
        return s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "thank_you", OutboxMessage.to_addr == to)
                         .order_by(OutboxMessage.id.desc())).first()


def link_in(row: OutboxMessage) -> str:
    found = re.search(r"http://127\.0\.0\.1:8080(/partner/[\w-]+)", row.text_body)
    assert found, row.text_body
    assert f'href="http://127.0.0.1:8080{found.group(1)}"' in row.html_body
    return found.group(1)


def carol(app) -> Partner:
    with app.sessions() as s:
        return s.get(Partner, s.scalar(select(Person.partner_id).where(Person.email == CAROL[1])))


def test_the_thank_you_links_the_page_with_both_ways(web_app, clock):
    rid = log_intro(web_app, 1, CAROL, ALICE, DANA, clock.current)                   # Carol sent Dana Alice
    log_intro(web_app, 2, DANA, ("Ben Ode", "ben@ode.example"), CAROL, clock.current)  # Dana sent Carol Ben
    with web_app.sessions.begin() as s:
        assert mark(web_app, s, s.get(Referral, rid), "WON").applied
    row = thank_you(web_app)
    assert "Update your details or stop these mails: http://127.0.0.1:8080/partner/" in row.text_body
    page = client_for(web_app).get(link_in(row))
    assert page.status_code == 200
    assert "<h1>Hello Carol Jensen</h1>" in page.text and "Mail goes to carol@x.example." in page.text
    assert 'data-figure="sent">1<' in page.text and 'data-figure="received">1<' in page.text
    assert "Alice Brook" in page.text and "turned into business" in page.text and "Ben Ode" in page.text
    assert "noindex" in page.text


def test_the_partner_updates_their_details(web_app, clock):
    log_intro(web_app, 1, CAROL, ALICE, DANA, clock.current)
    url, client = link_in(thank_you(web_app)), client_for(web_app)
    token = csrf_of(client.get(url).text)
    done = client.post(url, data={"csrf": token, "name": "Carol  Jensen-Ruiz", "company": "Jensen Kitchens",
                                  "language": "de"})
    assert done.status_code == 200 and "Saved. Thank you!" in done.text
    p = carol(web_app)
    assert (p.name, p.company, p.language) == ("Carol Jensen-Ruiz", "Jensen Kitchens", "de")
    bad = client.post(url, data={"csrf": token, "name": "Carol", "company": "", "language": "xx"})
    assert bad.status_code == 400 and "language &#39;xx&#39;" in bad.text
    assert client.post(url, data={"csrf": token, "name": "", "company": ""}).status_code == 400
    assert carol(web_app).language == "de"
    client.post(url, data={"csrf": token, "name": "Carol Jensen-Ruiz", "company": "Jensen Kitchens", "language": ""})
    assert carol(web_app).language is None  # "the language you write to us in"


def test_opting_out_and_back_in(web_app, clock):
    log_intro(web_app, 1, CAROL, ALICE, DANA, clock.current)
    url, client = link_in(thank_you(web_app)), client_for(web_app)
    token = csrf_of(client.get(url).text)
    page = client.post(url + "/opt-out", data={"csrf": token})
    assert "you will get no more mail from introledger" in page.text and "Send me mail again" in page.text
    with web_app.sessions() as s:
        assert "opted out on their page" in s.scalar(select(OptOut.reason).where(OptOut.email == CAROL[1]))
    clock.advance(days=1)
    log_intro(web_app, 2, CAROL, ("Cleo Tan", "cleo@w.example"), MARCO, clock.current)
    later = thank_you(web_app)
    assert later.status == "suppressed" and "opted out" in later.reason
    client.post(url + "/opt-in", data={"csrf": token})
    with web_app.sessions() as s:
        assert s.scalar(select(OptOut.id).where(OptOut.email == CAROL[1])) is None


def test_the_page_lifts_only_an_opt_out_the_page_made(web_app, clock):
    """A forwarded link must not undo an opt-out added by hand or asked for by mail."""
    log_intro(web_app, 1, CAROL, ALICE, DANA, clock.current)
    url, client = link_in(thank_you(web_app)), client_for(web_app)
    with web_app.sessions.begin() as s:
        s.add(OptOut(email=CAROL[1], reason="added by hand"))
    token = csrf_of(client.get(url).text)
    page = client.post(url + "/opt-in", data={"csrf": token})
    assert "taken off our mail another way" in page.text and "ask Dana Whitfield" in page.text
    with web_app.sessions() as s:
        assert s.scalar(select(OptOut.reason).where(OptOut.email == CAROL[1])) == "added by hand"


def test_the_link_is_the_key(web_app, clock):
    log_intro(web_app, 1, CAROL, ALICE, DANA, clock.current)
    url, client = link_in(thank_you(web_app)), client_for(web_app)
    person, member, day, sig = url.rsplit("/", 1)[1].split("-")
    assert client.get(f"/partner/{person}-{int(member) + 1}-{day}-{sig}").status_code == 404  # another member
    assert client.get(f"/partner/{int(person) + 1}-{member}-{day}-{sig}").status_code == 404  # another address
    assert client.get("/partner/nothing").status_code == 404
    assert client.post(url + "/opt-out", data={}).status_code == 403  # no CSRF token: refused
    clock.advance(days=366)
    assert client.get(url).status_code == 404  # expired


def test_only_partner_mail_carries_the_link(web_app, clock):
    log_intro(web_app, 1, CAROL, ALICE, DANA, clock.current)
    with web_app.sessions.begin() as s:
        web_app.followups.materialize(s)  # nothing due yet; the member's own mail never has the link
    with web_app.sessions() as s:
        rows = s.scalars(select(OutboxMessage)).all()
    for row in rows:
        assert ("/partner/" in row.text_body) == (row.to_addr == CAROL[1]), (row.kind, row.to_addr)


def test_a_member_among_the_intros_shows_by_her_configured_name(web_app, clock):
    """The partner's page listed Dana, introduced to Marco by Carol, as the address her mail came from
    (a From: without her name), where the dashboard and `referrals` show her config.yaml name."""
    log_intro(web_app, 1, CAROL, DANA, MARCO, clock.current)  # Carol sent Marco Dana, a member too
    with web_app.sessions.begin() as s:
        s.execute(update(Person).where(Person.email == DANA[1]).values(name=DANA[1]))
    page = client_for(web_app).get(link_in(thank_you(web_app))).text
    assert re.search(r'<span class="date">[^<]*</span> Dana Whitfield</li>', page), page
    assert DANA[1] not in page
