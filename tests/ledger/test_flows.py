"""The ledger counted in the database: each intro once per line and per member however many of
its parties are the same partner or the same member, on SQLite and PostgreSQL."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models import Member, Partner, Person, Referral, ReferralParty
from tests.conftest import build_app
from worker.ledger import balance as ledger

START = datetime(2026, 6, 1, 12, tzinfo=UTC)


def _person(s, email, name, partner_id=None) -> int:
    person = Person(email=email, name=name, partner_id=partner_id)
    s.add(person)
    s.flush()
    return person.id


def _referral(s, n, introducer, parties, status="introduced", value=None, currency="", days=0) -> int:
    r = Referral(dedupe_key=f"<flows-{n}@x>", kind="double_intro", status=status, direction="given", confidence=0.9,
                 introduced_at=START + timedelta(days=days), introducer_id=introducer, member_id=None,
                 value_cents=value, currency=currency)
    s.add(r)
    s.flush()
    for person, role in parties:
        s.add(ReferralParty(referral_id=r.id, person_id=person, role=role))
    return r.id


def test_two_addresses_of_one_partner_or_one_member_in_an_intro_count_it_once(tmp_path, database_url):
    app = build_app(tmp_path, database_url)
    with app.sessions.begin() as s:
        carol = Partner(name="Carol Jensen")
        s.add(carol)
        s.flush()
        dana = _person(s, "dana@danabooks.example", "Dana Whitfield")
        dana2 = _person(s, "d.whitfield@danabooks.example", "Dana Whitfield")
        work = _person(s, "carol@x.example", "Carol Jensen", carol.id)
        home = _person(s, "carol.home@y.example", "Carol Jensen", carol.id)
        client = _person(s, "client@c.example", "Client One")
        # Dana introduces a client to both of Carol's addresses (each named a provider), won: one
        # referral given to Carol, its value once.
        _referral(s, 1, dana, [(client, "prospect"), (work, "provider"), (home, "provider")], "won", 450000, "USD")
        # Carol sends a client to both of Dana's addresses: received once.
        _referral(s, 2, work, [(client, "prospect"), (dana, "provider"), (dana2, "provider")], days=1)
        # Carol's intro of Dana (both addresses) without roles: the referral's own member receives it, once.
        rid = _referral(s, 3, home, [(dana, "party"), (dana2, "party")], days=2)
        s.get(Referral, rid).member_id = s.scalar(select(Member.id).where(Member.name == "Dana Whitfield"))
    with app.sessions() as s:
        book = ledger.Ledger(s)
        [line] = book.lines(START + timedelta(days=5))
        [dana_totals, _] = book.totals(["Dana Whitfield", "Marco Rossi"], [line])
        assert book.group(["Dana Whitfield", "Marco Rossi"], START + timedelta(days=5))[0] == dana_totals
    assert (line.member, line.name, line.partner) == ("Dana Whitfield", "Carol Jensen", "carol@x.example")
    assert (line.given.referrals, line.given.won, line.given.values) == (1, 1, {"USD": 450000})
    assert (line.received.referrals, line.received.role_unknown) == (2, 1)
    assert (dana_totals.given.referrals, dana_totals.given.values, dana_totals.received.referrals) == (
        1, {"USD": 450000}, 2)
    assert line.monthly() == [{"month": "2026-06", "given": 1, "received": 2, "balance": -1}]
    app.engine.dispose()
