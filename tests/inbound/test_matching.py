"""Finding the same intro by another route costs the same, however wide the sender's history."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, insert, select

from models import Base, Person, Referral, ReferralParty
from tests import mailgen
from worker.inbound.pipeline import Origin

CAROL = ("Carol Jensen", "carol@x.example")
ALICE = ("Alice Brook", "alice@y.example")
BOB = ("Bob Stone", "bob@z.example")
DANA = ("Dana Whitfield", "dana@danabooks.example")
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _intro(app, n: int, a, b, when: datetime):
    return app.pipeline.process(mailgen.intro(n, introducer=CAROL, a=a, b=b, when=when), Origin("file", str(n)))


def _wide_history(app, when: datetime, mails: int, recipients: int) -> None:
    """`mails` earlier referrals by Carol around `when`, each with `recipients` parties (those of
    Alice, Bob and Dana already known among them): what logged group mails leave behind."""
    with app.sessions.begin() as s:
        known = {e: i for e, i in s.execute(select(Person.email, Person.id))}
        ids = [known[e] for _, e in (ALICE, BOB, DANA) if e in known]
        emails = [f"guest{when:%m%d}.{k}@wide.example" for k in range(recipients - len(ids))]
        s.execute(insert(Person), [{"email": e, "name": ""} for e in emails])
        ids += s.scalars(select(Person.id).where(Person.email.in_(emails)))
        for m in range(mails):
            referral_id = s.scalar(insert(Referral).returning(Referral.id), {
                "dedupe_key": f"wide:{when:%m%d}:{m}", "kind": "double_intro", "status": "needs_review",
                "direction": "unknown", "confidence": 0.4, "introduced_at": when + timedelta(hours=m),
                "introducer_id": known[CAROL[1]]})
            s.execute(insert(ReferralParty), [{"referral_id": referral_id, "person_id": i, "role": "unknown"}
                                              for i in ids])


class Cost:
    """Statements sent, rows PostgreSQL returned (SQLite does not say) and ORM objects built."""

    def __init__(self, engine):
        self.engine, self.statements, self.rows, self.objects = engine, 0, 0, 0

    def __enter__(self):
        event.listen(self.engine, "after_cursor_execute", self._executed)
        event.listen(Base, "load", self._loaded, propagate=True)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "after_cursor_execute", self._executed)
        event.remove(Base, "load", self._loaded)

    def _executed(self, conn, cursor, statement, parameters, context, executemany):
        self.statements += 1
        if statement.lstrip().upper().startswith("SELECT") and cursor.rowcount > 0:
            self.rows += cursor.rowcount

    def _loaded(self, target, context):
        self.objects += 1

    def __repr__(self):
        return f"Cost(statements={self.statements}, rows={self.rows}, objects={self.objects})"


def test_an_intro_costs_the_same_whatever_the_senders_history(app):
    """Was: every party of every earlier referral by the sender within two days was loaded
    (3–9 s per intro after a few mails to 10,000 people)."""
    _intro(app, 1, ALICE, DANA, START)
    _intro(app, 2, BOB, DANA, START)
    _intro(app, 3, ALICE, BOB, START)  # all known and adopted as partners: the matching runs in full

    costs = []
    for day, width in ((3, 20), (6, 3000)):
        when = START + timedelta(days=day)
        _wide_history(app, when, mails=3, recipients=width)
        with Cost(app.engine) as cost:
            outcome = _intro(app, 10 + day, ALICE, BOB, when + timedelta(minutes=5))
        assert outcome.kind == "double_intro" and outcome.referral_id is not None
        costs.append(cost)
    narrow, wide = costs
    assert (wide.statements, wide.rows, wide.objects) == (narrow.statements, narrow.rows, narrow.objects)


def test_the_same_intro_by_another_route_is_found_beside_wide_history(app):
    first = _intro(app, 1, ALICE, BOB, START)
    _wide_history(app, START, mails=2, recipients=500)
    again = app.pipeline.process(
        mailgen.intro(1, introducer=CAROL, a=ALICE, b=BOB, when=START).replace(b"Message-ID: <", b"Message-ID: <copy."),
        Origin("file", "copy"))
    assert again.referral_id == first.referral_id
    with app.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Referral).where(Referral.dedupe_key.like("intro:%"))) == 1


@pytest.mark.parametrize("recipients", [5, 2000])
def test_a_group_mail_with_intro_words_is_not_an_intro_and_adds_no_people(app, recipients):
    """Was: logged for review with every recipient as a party (10,000 people rows, and every
    later intro from that sender paid for them). config.yaml says it: more than max_parties (4)
    is a group mail."""
    to = [(f"Guest {k}", f"guest.{k}@wide.example") for k in range(recipients)]
    body = "Everyone, meet each other! I think you should all talk. I'll let you take it from here.\n"
    raw = mailgen.message(7, CAROL, to, [("", "intros@example.com")], "Intro: the spring crowd", body, "gmail", START)
    outcome = app.pipeline.process(raw, Origin("file", "group"))
    assert outcome.kind == "not_intro"
    assert f"a group mail to {recipients} people" in outcome.reason and "max_parties = 4" in outcome.reason
    with app.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 0
        assert s.scalar(select(func.count()).select_from(Referral)) == 0


def test_an_intro_to_as_many_people_as_max_parties_is_still_an_intro(app):
    to = [(f"Guest {k}", f"guest.{k}@wide.example") for k in range(4)]
    body = "Everyone, meet each other! I think you should all talk. I'll let you take it from here.\n"
    raw = mailgen.message(8, CAROL, to, [("", "intros@example.com")], "Intro: the spring crowd", body, "gmail", START)
    assert app.pipeline.process(raw, Origin("file", "four")).kind == "double_intro"
