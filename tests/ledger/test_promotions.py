"""Promoting partners back: each member's own list, in their order or by what each gave; the daily
prompt per member; the digest's giving back; merges keep the list; what is published and what not."""
import json

import pytest
from sqlalchemy import select

from models import Member, OutboxMessage, Partner, Person
from tests.ledger.test_reminders import CAROL, DANA, MARCO, RAJ, ZOE, History, at, make, outbox, sweep
from worker.ledger import partners as ledger_partners
from worker.ledger import promotions


def member(s, name) -> Member:
    return s.scalar(select(Member).where(Member.name == name))


def partner_of(s, email) -> Partner:
    return s.get(Partner, s.scalar(select(Person.partner_id).where(Person.email == email)))


@pytest.fixture
def app(tmp_path, database_url, clock):
    clock.current = at("2026-11-30 13:00")  # a Monday: 08:00 in Dana's New York
    built = make(tmp_path, database_url, clock, coffee={"enabled": False},
                 daily={"enabled": True, "weekdays_only": False, "promote": ["zoe@park.example"]})
    h = History(built)
    for when in ("2026-09-01", "2026-09-08", "2026-10-01"):
        h.intro(CAROL, DANA, at(f"{when} 15:00"))   # Carol sent Dana 3
    h.intro(DANA, CAROL, at("2026-10-02 15:00"))    # Dana sent Carol 1
    h.intro(RAJ, DANA, at("2026-10-05 15:00"))      # Raj sent Dana 1
    h.intro(DANA, ZOE, at("2026-10-06 15:00"))      # Dana sent Zoe 1; Zoe never gave
    yield built
    built.engine.dispose()


def promote(app, who, *emails, **kw):
    with app.sessions.begin() as s:
        m = member(s, who)
        for email in emails:
            promotions.add(s, m, partner_of(s, email), **kw)


def listed(app, who=DANA[0]) -> list[str]:
    with app.sessions.begin() as s:
        return [e.partner.name for e in promotions.entries(s, member(s, who), app.now(), app.thresholds)]


def test_the_members_order_or_what_each_gave(app):
    promote(app, DANA[0], ZOE[1], RAJ[1], CAROL[1])
    assert listed(app) == ["Zoe Park", "Raj Mehta", "Carol Jensen"]  # as added
    with app.sessions.begin() as s:
        promotions.reorder(s, member(s, DANA[0]), [partner_of(s, CAROL[1])])
    assert listed(app) == ["Carol Jensen", "Zoe Park", "Raj Mehta"]  # Carol first, the rest as they were
    with app.sessions.begin() as s:
        promotions.reorder(s, member(s, DANA[0]), [], by="given")
    assert listed(app) == ["Carol Jensen", "Raj Mehta", "Zoe Park"]  # 3, 1, 0 sent to Dana
    with app.sessions.begin() as s:
        e = promotions.entries(s, member(s, DANA[0]), app.now(), app.thresholds)
        assert [(x.given, x.received) for x in e] == [(1, 3), (0, 1), (1, 0)]
    assert listed(app, MARCO[0]) == []  # each member has their own list


def test_the_daily_prompt_uses_each_members_own_list(app):
    promote(app, DANA[0], RAJ[1], CAROL[1])
    assert sweep(app) == 2
    dana, marco = outbox(app, "daily_prompt")
    assert dana.subject == "Who could you refer today? Raj Mehta, Carol Jensen"  # Dana's list, her order
    assert "the partners you promote" in dana.text_body and "Zoe" not in dana.text_body
    assert "Carol Jensen: sent you 3 referrals, got 1 from you" in dana.text_body
    assert marco.to_addr == MARCO[1]
    assert marco.subject == "Who could you refer today? Zoe Park"  # no list of his own: the config's


def test_the_digest_shows_how_much_the_member_gave_back(tmp_path, sqlite_url, clock):
    clock.current = at("2026-09-24 12:00")  # the member joined before that Monday
    app = make(tmp_path, sqlite_url, clock, coffee={"enabled": False}, promises={"enabled": False},
               digest={"enabled": True})
    h = History(app)
    h.intro(CAROL, DANA, at("2026-09-20 15:00"))
    h.intro(CAROL, DANA, at("2026-09-21 15:00"))
    h.intro(RAJ, DANA, at("2026-09-22 15:00"))
    h.intro(DANA, CAROL, at("2026-09-23 15:00"))
    promote(app, DANA[0], CAROL[1])
    clock.current = at("2026-09-28 13:00")  # Monday 09:00 in New York: the digest of the week before
    with app.sessions.begin() as s:
        assert app.digests.queue_due(s) >= 1
    with app.sessions() as s:
        row = s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "digest", OutboxMessage.to_addr == DANA[1]))
    said = ("Giving back: you sent 1 referral to the 2 partners who sent you 3. "
            "To the 1 partner you promote: you sent 1, they sent 2.")
    assert said in row.text_body and said in row.html_body


def test_a_merged_partner_stays_on_the_list_once(app):
    promote(app, DANA[0], CAROL[1], RAJ[1])
    with app.sessions.begin() as s:
        keep, other = partner_of(s, CAROL[1]).id, partner_of(s, RAJ[1]).id
        ledger_partners.merge(s, keep, other)
    assert listed(app) == ["Carol Jensen"]
    promote(app, MARCO[0], ZOE[1])
    with app.sessions.begin() as s:
        ledger_partners.merge(s, partner_of(s, CAROL[1]).id, partner_of(s, ZOE[1]).id)
    assert listed(app, MARCO[0]) == ["Carol Jensen"]  # Marco's Zoe is now the same partner as Carol


def test_only_what_the_member_chose_is_published(app):
    promote(app, DANA[0], CAROL[1], note="Rebuilt our kitchen in two weeks", show_email=True)
    promote(app, DANA[0], RAJ[1])
    with app.sessions.begin() as s:
        dana = member(s, DANA[0])
        partner_of(s, RAJ[1]).referral_fee = "10% of the first job"
        found = promotions.entries(s, dana, app.now(), app.thresholds)
        shown = promotions.public_json(dana, found, promotions.disclosures(s, dana, [e.partner for e in found]))
        snippet = promotions.snippet_html(dana, found, "https://intros.example.com/p/dana-whitfield")
    text = json.dumps(shown)
    assert shown["partners"][0] == {"name": "Carol Jensen", "company": None, "note": "Rebuilt our kitchen in two weeks",
                                    "email": CAROL[1], "disclosure": None}
    assert shown["partners"][1]["email"] is None  # not chosen to show
    assert shown["partners"][1]["disclosure"] == ("Dana Whitfield receives a referral fee from Raj Mehta "
                                                  "for introductions.")
    assert "10%" not in text and "given" not in text and "received" not in text  # no terms, no figures
    assert 'href="mailto:carol@jensen.example"' in snippet and "raj@" not in snippet


def test_a_hostile_note_is_only_text_in_the_snippet(app):
    promote(app, DANA[0], CAROL[1], note='<script>alert(1)</script> "quoted"')
    with app.sessions.begin() as s:
        dana = member(s, DANA[0])
        found = promotions.entries(s, dana, app.now(), app.thresholds)
        html = promotions.snippet_html(dana, found, "https://x.example/p/dana")
        text = promotions.snippet_text(dana, found, "https://x.example/p/dana")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert text == ("Dana Whitfield recommends:\n  Carol Jensen — <script>alert(1)</script> \"quoted\"\n"
                    "More: https://x.example/p/dana\n")


def test_slugs(app):
    with app.sessions.begin() as s:
        assert promotions.page(s, member(s, DANA[0])).slug == "dana-whitfield"
        assert promotions.slugify("Zoë  O'Brien & Co.") == "zoe-o-brien-co"
        with pytest.raises(promotions.PromotionError, match="lower-case letters"):
            promotions.set_slug(s, member(s, MARCO[0]), "Dana Whitfield")
        with pytest.raises(promotions.PromotionError, match="another member's page"):
            promotions.set_slug(s, member(s, MARCO[0]), "dana-whitfield")
