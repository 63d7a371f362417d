"""The member's brief on the dashboard: the form and /api/brief, the member's own only."""
from tests.web.conftest import CAROL, DANA, MARCO, client_for, log_intro, post, sign_in


def test_a_member_writes_their_brief_and_partners_see_it(web_app, clock):
    client = sign_in(client_for(web_app), web_app, DANA[1])
    page = client.get("/brief")
    assert page.status_code == 200 and "Your ideal-referral brief" in page.text and 'href="/brief"' in page.text
    done = post(client, "/brief", {"great": "small firms moving off spreadsheets", "not_fit": "payroll only",
                                   "words": "my books are a mess"}, page="/brief")
    assert done.status_code == 200 and "Your brief is saved" in done.text
    assert "small firms moving off spreadsheets" in done.text
    data = client.get("/api/brief").json()
    assert {k: data[k] for k in ("member", "great", "not_fit", "words")} == {
        "member": "Dana Whitfield", "great": "small firms moving off spreadsheets", "not_fit": "payroll only",
        "words": "my books are a mess"}
    log_intro(web_app, 1, CAROL, ("Alice Brook", "alice@y.example"), DANA, clock.current)
    from sqlalchemy import select

    from models import OutboxMessage

    with web_app.sessions() as s:
        thanks = s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "thank_you"))
    assert "Great referral: small firms moving off spreadsheets" in thanks.text_body
    marco = sign_in(client_for(web_app), web_app, MARCO[1]).get("/api/brief").json()
    assert (marco["member"], marco["great"]) == ("Marco Rossi", "")  # each member sees their own


def test_too_long_is_refused_and_nothing_changes(web_app):
    client = sign_in(client_for(web_app), web_app, DANA[1])
    refused = post(client, "/brief", {"great": "x" * 501, "not_fit": "", "words": ""}, page="/brief")
    assert refused.status_code == 400 and "at most 500" in refused.text
    assert client.get("/api/brief").json()["great"] == ""
    assert client_for(web_app).get("/api/brief").status_code == 401  # signed in only
