"""Referral fees due per member, partner and period: a percentage of closed business, a flat amount per
closed deal, or terms nobody can compute (listed with their words); never across currencies."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import Partner, Person, Referral
from tests import mailgen
from tests.cli.test_cli import cli
from tests.conftest import build_app
from worker.app.marking import mark
from worker.inbound.pipeline import Origin
from worker.ledger import fees

DANA = ("Dana Whitfield", "dana@danabooks.example")
RAJ, ZOE, CAROL, BEN = (("Raj Mehta", "raj@mehta.example"), ("Zoe Park", "zoe@park.example"),
                        ("Carol Jensen", "carol@x.example"), ("Ben Ode", "ben@ode.example"))


@pytest.fixture
def app(tmp_path, database_url, clock):
    built = build_app(tmp_path, database_url, {"INTROLEDGER_TOKEN_SECRET": "fees"}, now=clock,
                      thank_you={"enabled": False}, outbound={"quiet_hours": None})
    yield built
    built.engine.dispose()


class Book:
    def __init__(self, app, clock):
        self.app, self.clock, self.n = app, clock, 0

    def won(self, introducer, provider, amount):
        """`introducer` sends a client to `provider`; it closes for `amount` (None: no amount said)."""
        self.n += 1
        raw = mailgen.intro(self.n, introducer=introducer, a=(f"Client {self.n}", f"c{self.n}@clients.example"),
                            b=provider, when=self.clock.current)
        ref = self.app.pipeline.process(raw, Origin("file", f"{self.n}")).referral_id
        with self.app.sessions.begin() as s:
            assert mark(self.app, s, s.get(Referral, ref), "WON", amount).applied  # as Dana
        return ref


def fee(app, email, words):
    with app.sessions.begin() as s:
        s.get(Partner, s.scalar(select(Person.partner_id).where(Person.email == email))).referral_fee = words


def test_fees_due_per_partner_and_period(app, clock):
    book = Book(app, clock)
    start = clock.current
    book.won(DANA, RAJ, "$4,000")
    book.won(DANA, RAJ, "EUR 1,000")
    book.won(DANA, ZOE, "$900")
    book.won(DANA, CAROL, "$500")
    book.won(DANA, BEN, "$7,000")              # no arrangement with Ben: not listed
    book.won(RAJ, DANA, "$3,000")              # Raj sent Dana work: what Dana owes nobody here
    fee(app, RAJ[1], "10% of the first job")
    fee(app, ZOE[1], "$250 per closed deal")
    fee(app, CAROL[1], "a bottle of good wine")
    clock.advance(days=40)
    late = book.won(DANA, RAJ, "$1,000")       # closed in the next period
    with app.sessions() as s:
        lines = {l.partner: l.as_json() for l in fees.due(s, start, start + timedelta(days=30))}
        later = [l.as_json() for l in fees.due(s, start + timedelta(days=30), None, member="Dana Whitfield")]
    assert set(lines) == {"Raj Mehta", "Zoe Park", "Carol Jensen"}
    raj = lines["Raj Mehta"]
    assert (raj["basis"], raj["won"], raj["values"], raj["due"]) == ("percent", 2, {"EUR": 100000, "USD": 400000},
                                                                     {"EUR": 10000, "USD": 40000})
    assert raj["due_text"] == "€100 + $400" and raj["terms"] == "10% of the first job"
    assert (lines["Zoe Park"]["basis"], lines["Zoe Park"]["due"]) == ("flat", {"USD": 25000})
    assert (lines["Carol Jensen"]["basis"], lines["Carol Jensen"]["due"], lines["Carol Jensen"]["due_text"]) == (
        "unread", None, "see terms")
    assert [(l["partner"], l["referral_ids"], l["due"]) for l in later] == [("Raj Mehta", [late], {"USD": 10000})]


def test_report_fees_from_the_command_line(tmp_path):
    (tmp_path / "config.yaml").write_text(
        "tracking: {address: intros@example.com}\nthank_you: {enabled: false}\n"
        "members:\n  - {name: Dana Whitfield, emails: [dana@danabooks.example]}\n")
    cli("db", "upgrade", cwd=tmp_path)
    (tmp_path / "i.eml").write_bytes(mailgen.intro(1, introducer=DANA, a=("Alice Brook", "alice@y.example"), b=RAJ))
    cli("ingest", "i.eml", cwd=tmp_path)
    cli("mark", "1", "WON", "--amount", "$2,000", cwd=tmp_path)
    cli("partners", "edit", "1", "--fee", "15%", cwd=tmp_path)
    import json

    rows = json.loads(cli("report", "--fees", "--json", cwd=tmp_path).stdout)
    assert [(r["partner"], r["due"], r["won"]) for r in rows] == [("Raj Mehta", {"USD": 30000}, 1)]
    out = cli("report", "--fees", "--since", "2000-01-01", cwd=tmp_path).stdout
    assert "Referral fees due (since 2000-01-01, business closed)" in out and "$300" in out
    csv_out = cli("report", "--fees", "--csv", "--partner", "raj@mehta.example", cwd=tmp_path).stdout
    assert csv_out.splitlines()[1] == "Dana Whitfield,1,Raj Mehta,15%,percent,1,\"$2,000\",$300"
    both = cli("report", "--fees", "--group", cwd=tmp_path, ok=False)
    assert both.returncode == 2 and "choose one" in both.stderr
