"""One intro is one referral on each side of the ledger; values stay in their own currency."""
from datetime import timedelta

from sqlalchemy import update

from models import Referral
from tests import mailgen
from tests.conftest import build_app
from tests.test_ledger import CAROL, DANA, RAJ, START, client
from worker import ledger, slips
from worker.pipeline import Origin


def test_a_members_intro_of_two_partners_is_given_once_with_the_role_unknown(tmp_path, sqlite_url):
    app = build_app(tmp_path, sqlite_url)
    # Nothing says who provides what: both parties are partners, neither a prospect.
    raw = mailgen.message(1, DANA, [CAROL, RAJ], [("", "intros@example.com")], "Intro: Carol <> Raj",
                          "Carol, meet Raj. Raj, meet Carol. You two should talk.\n\nBest,\nDana\n",
                          "gmail", START)
    assert app.pipeline.process(raw, Origin("file", "1")).kind == "double_intro"
    with app.sessions() as s:
        lines = ledger.build(s, None, None, START + timedelta(days=1))
        [dana] = ledger.group(lines, ["Dana Whitfield"])
        exported = slips.rows(s.query(Referral).all())
    assert (dana.given.referrals, dana.given.role_unknown) == (1, 1)
    assert len(exported) == 1 and exported[0]["giver"] == "Dana Whitfield"
    app.engine.dispose()


def test_values_in_two_currencies_are_summed_apart(tmp_path, sqlite_url):
    app = build_app(tmp_path, sqlite_url)
    for n, (value, currency) in enumerate(((450000, "USD"), (120000, "EUR"), (50000, "USD")), start=1):
        rid = app.pipeline.process(mailgen.intro(n, introducer=CAROL, a=client(n), b=DANA,
                                                 when=START + timedelta(days=n)), Origin("file", str(n))).referral_id
        with app.sessions.begin() as s:
            s.execute(update(Referral).where(Referral.id == rid).values(status="won", value_cents=value,
                                                                         currency=currency))
    with app.sessions() as s:
        lines = ledger.build(s, None, None, START + timedelta(days=9))
    [dana] = ledger.group(lines, ["Dana Whitfield"])
    assert dana.received.values == {"USD": 500000, "EUR": 120000}
    assert dana.received.value == "€1,200 + $5,000"
    app.engine.dispose()
