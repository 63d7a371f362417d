"""The public recommendations page /p/<slug> (and .json) through the ASGI app: no sign-in, only what
the member chose, the disclosure where a fee exists, nothing for an unknown, empty or hidden page.
tests/web/test_public_browser.py shows it in a real browser."""
from sqlalchemy import select

from models import Member, Person
from tests.web.conftest import CAROL, DANA, MARCO, client_for, log_intro
from worker.ledger import promotions


def promote(app, who, email, **kw):
    with app.sessions.begin() as s:
        member = s.scalar(select(Member).where(Member.name == who))
        partner_id = s.scalar(select(Person.partner_id).where(Person.email == email))
        from models import Partner

        promotions.add(s, member, s.get(Partner, partner_id), **kw)
        return promotions.page(s, member)


def test_the_page_shows_the_chosen_partners_without_sign_in(web_app, clock):
    log_intro(web_app, 1, CAROL, ("Alice Brook", "alice@y.example"), DANA, clock.current)
    promote(web_app, DANA[0], CAROL[1], note="Knows every contractor in town", show_email=True)
    client = client_for(web_app)
    page = client.get("/p/dana-whitfield")
    assert page.status_code == 200
    assert "<h1>Dana Whitfield recommends</h1>" in page.text
    assert "Carol Jensen" in page.text and "Knows every contractor in town" in page.text
    assert 'href="mailto:carol@x.example"' in page.text
    assert "alice@y.example" not in page.text and "Alice" not in page.text  # the client is nobody's business
    assert "referral fee" not in page.text  # no fee, no disclosure
    data = client.get("/p/dana-whitfield.json").json()
    assert data == {"member": "Dana Whitfield", "partners": [
        {"name": "Carol Jensen", "company": None, "note": "Knows every contractor in town",
         "email": "carol@x.example", "disclosure": None}]}


def test_a_fee_is_disclosed_in_the_members_words(web_app, clock):
    from models import Partner

    log_intro(web_app, 1, CAROL, ("Alice Brook", "alice@y.example"), DANA, clock.current)
    settings = promote(web_app, DANA[0], CAROL[1])
    with web_app.sessions.begin() as s:
        s.get(Partner, s.scalar(select(Person.partner_id).where(Person.email == CAROL[1]))).referral_fee = "5%"
        s.merge(settings).disclosure = "I may receive a small referral fee from {partner}."
    page = client_for(web_app).get("/p/dana-whitfield")
    assert '<p class="disclosure">I may receive a small referral fee from Carol Jensen.</p>' in page.text
    assert "5%" not in page.text


def test_unknown_empty_and_hidden_pages_are_not_found(web_app, clock):
    client = client_for(web_app)
    assert client.get("/p/nobody").status_code == 404
    assert client.get("/p/nobody.json").status_code == 404
    log_intro(web_app, 1, CAROL, ("Alice Brook", "alice@y.example"), MARCO, clock.current)
    settings = promote(web_app, MARCO[0], CAROL[1])
    assert client.get("/p/marco-rossi").status_code == 200
    with web_app.sessions.begin() as s:
        s.merge(settings).published = False
    assert client.get("/p/marco-rossi").status_code == 404
    assert client.get("/p/marco-rossi.json").status_code == 404
    with web_app.sessions.begin() as s:
        promotions.page(s, s.scalar(select(Member).where(Member.name == DANA[0])))
    assert client.get("/p/dana-whitfield").status_code == 404  # a page with nobody on it


def test_a_hostile_note_is_text(web_app, clock):
    log_intro(web_app, 1, CAROL, ("Alice Brook", "alice@y.example"), DANA, clock.current)
    promote(web_app, DANA[0], CAROL[1], note="<script>alert(1)</script>{{7*7}}")
    page = client_for(web_app).get("/p/dana-whitfield")
    assert "<script>alert" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;{{7*7}}" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
