"""The monthly coffee check-in prompts the member to ask each partner about their ideal client, and
carries the member's own brief to share over coffee."""
from sqlalchemy import select

from models import Member
from tests.ledger.test_reminders import CAROL, DANA, History, at, make, outbox, sweep
from worker.outbound import briefs


def test_the_check_in_asks_about_the_partners_ideal_client_and_shows_the_members_brief(tmp_path, sqlite_url,
                                                                                      clock):
    clock.current = at("2026-11-20 12:00")
    app = make(tmp_path, sqlite_url, clock)
    History(app).intro(CAROL, DANA, at("2026-10-20 15:00"))
    with app.sessions.begin() as s:
        dana = s.scalar(select(Member).where(Member.name == DANA[0]))
        briefs.save(s, dana.id, clock.current, great="small firms moving off spreadsheets", words="my books are a mess")
    clock.current = at("2026-12-01 14:00")
    assert sweep(app) == 1
    [row] = outbox(app, "coffee_check_in")
    assert "Ask Carol: what does your ideal client look like?" in row.text_body
    assert "Your brief, to share over coffee:" in row.text_body
    assert "Great referral: small firms moving off spreadsheets" in row.text_body
    assert 'Clients say: “my books are a mess”' in row.text_body and "Not a fit" not in row.text_body
    assert "Reply BRIEF" not in row.text_body  # the member's own mail: nothing to ask for
    assert "Ask Carol: what does your ideal client look like?" in row.html_body
    assert "Your brief, to share over coffee:" in row.html_body


def test_without_a_brief_the_check_in_still_asks_about_theirs(tmp_path, sqlite_url, clock):
    clock.current = at("2026-11-20 12:00")
    app = make(tmp_path, sqlite_url, clock)
    History(app).intro(CAROL, DANA, at("2026-10-20 15:00"))
    clock.current = at("2026-12-01 14:00")
    assert sweep(app) == 1
    [row] = outbox(app, "coffee_check_in")
    assert "Ask Carol: what does your ideal client look like?" in row.text_body
    assert "Your brief" not in row.text_body
