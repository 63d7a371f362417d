"""A referral fee is disclosed to the client, in the member's words, on mail we send the client about
that intro — and nowhere else: not to the partner, not to the member, not for a partner without a fee."""
import pytest
from sqlalchemy import select

from models import Member, OutboxMessage, Partner, Person, Referral
from tests import mailgen
from tests.conftest import build_app
from worker.app.marking import mark
from worker.inbound.pipeline import Origin
from worker.ledger import promotions

SECRET = "disclose"
DANA = ("Dana Whitfield", "dana@danabooks.example")
ALICE = ("Alice Brook", "alice@y.example")      # Dana's client
RAJ = ("Raj Mehta", "raj@mehta.example")        # the accountant Dana recommends; he pays a fee
BEN = ("Ben Ode", "ben@ode.example")            # another client
ZOE = ("Zoe Park", "zoe@park.example")          # a partner who pays nothing
FEE_LINE = "Dana Whitfield receives a referral fee from Raj Mehta for introductions."


@pytest.fixture
def app(tmp_path, database_url, clock):
    built = build_app(tmp_path, database_url, {"INTROLEDGER_TOKEN_SECRET": SECRET}, now=clock,
                      thank_you={"delay_seconds": 0}, follow_ups={"steps": ["0s"]}, outbound={"quiet_hours": None})
    yield built
    built.engine.dispose()


def given(app, n, client, provider, clock) -> int:
    """Dana introduces her client to a partner (the partner is the provider)."""
    raw = mailgen.intro(n, introducer=DANA, a=client, b=provider, when=clock.current)
    return app.pipeline.process(raw, Origin("file", f"{n}.eml")).referral_id


def set_fee(app, email, fee="10% of the first year"):
    with app.sessions.begin() as s:
        s.get(Partner, s.scalar(select(Person.partner_id).where(Person.email == email))).referral_fee = fee


def answer(app, referral_id, by, status="MET"):
    with app.sessions.begin() as s:
        assert mark(app, s, s.get(Referral, referral_id), status, by=by).applied


def mail_to(app, email) -> list[OutboxMessage]:
    with app.sessions() as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.to_addr == email).order_by(OutboxMessage.id)))


def test_the_client_hears_of_the_fee_in_the_members_words(app, clock):
    ref = given(app, 1, ALICE, RAJ, clock)
    set_fee(app, RAJ[1])
    answer(app, ref, ALICE[1])  # Alice says they met: her confirmation is mail to the client about the intro
    [confirmation] = mail_to(app, ALICE[1])
    assert confirmation.kind == "status_confirmation"
    assert confirmation.text_body.rstrip().endswith(FEE_LINE) and FEE_LINE in confirmation.html_body
    with app.sessions.begin() as s:
        promotions.page(s, s.scalar(select(Member).where(Member.name == DANA[0]))).disclosure = (
            "Full disclosure: {partner} pays me a small fee when I send a client.")
    clock.advance(minutes=5)
    answer(app, ref, ALICE[1], "QUALIFIED")
    last = mail_to(app, ALICE[1])[-1]
    assert "Full disclosure: Raj Mehta pays me a small fee when I send a client." in last.text_body
    assert "Full disclosure: Raj Mehta pays me a small fee when I send a client." in last.html_body
    assert "10%" not in last.text_body  # the line, never the terms


def test_nowhere_else(app, clock):
    fee_ref = given(app, 1, ALICE, RAJ, clock)
    free_ref = given(app, 2, BEN, ZOE, clock)
    set_fee(app, RAJ[1])
    clock.advance(minutes=1)
    with app.sessions.begin() as s:
        assert app.followups.materialize(s) == 2  # "how did it go?" to Dana, about each intro
    for ref, by, status in ((fee_ref, RAJ[1], "MET"),     # the partner himself: no disclosure to him
                            (free_ref, BEN[1], "MET"),    # a client, but Zoe pays nothing
                            (fee_ref, DANA[1], "WON")):   # the member's own confirmation
        clock.advance(minutes=1)
        answer(app, ref, by, status)
    with app.sessions() as s:
        everything = list(s.scalars(select(OutboxMessage)))
    assert sorted(r.kind for r in everything) == ["follow_up", "follow_up", "status_confirmation",
                                                  "status_confirmation", "status_confirmation"]
    assert {r.to_addr for r in everything} == {RAJ[1], BEN[1], DANA[1]}
    for row in everything:
        assert "referral fee" not in row.text_body + row.html_body, (row.kind, row.to_addr)
