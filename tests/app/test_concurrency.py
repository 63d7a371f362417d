"""Several processes on one database: startup and sweeps never trip over each other.

Each race is forced deterministically rather than hoped for: one connection holds its
transaction open at the worst moment, the other runs the real code on its own connection and
thread, and the test waits (bounded) until PostgreSQL reports it blocked before letting go.
"""
import threading
import time

import pytest
from sqlalchemy import func, select, text

from models import FollowUp, Member, OutboxMessage, ReferralEvent
from models.db import make_engine, session_factory, upgrade
from tests import mailgen
from tests.conftest import build_app, make_config
from worker.app import bootstrap
from worker.inbound.pipeline import Origin
from worker.outbound import outbox
from worker.outbound.templating import Rendered


def _migrated(url: str):
    engine = make_engine(url)
    upgrade(engine)
    return engine


def _in_thread(fn, *args) -> tuple[threading.Thread, dict]:
    """Run fn on its own thread; the result dict gets "value" or "error"."""
    result: dict = {}

    def target():
        try:
            result["value"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - the test asserts on it
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, result


def _wait_until_blocked(engine, result: dict, timeout: float = 20.0) -> None:
    """Until another connection of this test waits on a lock (or the thread finished)."""
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline and not result:
            activity = conn.execute(text(
                "SELECT state, wait_event_type, wait_event, left(query, 80) FROM pg_stat_activity "
                "WHERE application_name = current_setting('application_name') AND pid <> pg_backend_pid()")).all()
            if any(row[1] == "Lock" for row in activity):
                return
            conn.rollback()  # pg_stat_activity is a snapshot taken once per transaction
            time.sleep(0.02)
    if not result:
        raise AssertionError(f"the other connection never blocked: {activity}")


# ---- startup: member sync ---------------------------------------------------------------------

def test_two_processes_starting_together_both_sync_members(tmp_path, postgres_url):
    """Was: the second one to insert a member exited on uq_members_name."""
    engine = _migrated(postgres_url)
    config = make_config(tmp_path, postgres_url)
    first = engine.connect()
    try:
        # Process A is mid-sync: its member row is inserted, its transaction not yet committed.
        first.execute(Member.__table__.insert().values(name="Dana Whitfield", emails=[], domains=[]))
        other = session_factory(make_engine(postgres_url))
        thread, result = _in_thread(bootstrap.sync_members, other, config)
        _wait_until_blocked(engine, result)
        first.commit()
    finally:
        first.close()
    thread.join(30)
    assert "error" not in result, result
    directory = result["value"]
    assert sorted(m.name for m in directory.members) == ["Dana Whitfield", "Marco Rossi"]
    # The later sync's addresses win, as a restart with an edited config.yaml would want.
    dana = next(m for m in directory.members if m.name == "Dana Whitfield")
    assert "dana@danabooks.example" in dana.emails
    other.kw["bind"].dispose()
    engine.dispose()


def test_member_sync_updates_addresses_and_adds_new_members(tmp_path, database_url):
    engine = _migrated(database_url)
    sessions = session_factory(engine)
    bootstrap.sync_members(sessions, make_config(tmp_path, database_url))
    edited = [{"name": "Dana Whitfield", "emails": ["dana@new.example"], "domains": []},
              {"name": "Ines Alvarez", "emails": ["ines@alvarez.example"], "domains": []}]
    directory = bootstrap.sync_members(sessions, make_config(tmp_path, database_url, members=edited))
    by_name = {m.name: m for m in directory.members}
    assert by_name["Dana Whitfield"].emails == frozenset({"dana@new.example"})
    assert "Ines Alvarez" in by_name and "Marco Rossi" in by_name  # a member left out is kept (history)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Member)) == 3
    engine.dispose()


def test_four_runs_starting_together_on_a_fresh_database_all_do_their_work(tmp_path, database_url):
    """Real processes, no staging: four `run --once` start at the same moment on a database only
    just migrated, each with the same intro in its own Maildir. Every one must exit 0 and the
    intro be logged once."""
    import mailbox
    import os
    import subprocess
    import sys
    from pathlib import Path

    from models import Referral

    engine = _migrated(database_url)
    intro = (Path(__file__).parents[1] / "data" / "corpus" / "gmail_double_intro_en.eml").read_bytes()
    env = {**os.environ, "INTROLEDGER_DATABASE_URL": database_url, "INTROLEDGER_TOKEN_SECRET": "s"}
    env.pop("INTROLEDGER_CONFIG", None)
    procs = []
    for n in range(4):
        home = tmp_path / f"run{n}"
        home.mkdir()
        (home / "config.yaml").write_text(
            "tracking: {address: intros@example.com}\n"
            "members:\n  - {name: Dana Whitfield, emails: [dana@danabooks.example], domains: [danabooks.example]}\n"
            "  - {name: Marco Rossi, emails: [marco@rossi-marketing.example], domains: [rossi-marketing.example]}\n")
        mailbox.Maildir(str(home / "mail")).add(intro)
        procs.append(subprocess.Popen([sys.executable, "-m", "worker.cli.main", "run", "--once"], cwd=home, env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results = [(p.wait(120), *p.communicate()) for p in procs]
    assert [code for code, _, _ in results] == [0, 0, 0, 0], results
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Member)) == 2
        assert s.scalar(select(func.count()).select_from(Referral)) == 1
    engine.dispose()


# ---- sweeps: two `run`s tick at the same moment -----------------------------------------------

SECRET = "s3cret"


@pytest.fixture
def two_runs(tmp_path, postgres_url, clock):
    """Two `run` processes' apps on one PostgreSQL database, each with its own engine; one intro
    with follow-ups after 7 and 21 days."""
    def one(name):
        (tmp_path / name).mkdir()
        return build_app(tmp_path / name, postgres_url, {"INTROLEDGER_TOKEN_SECRET": SECRET}, now=clock,
                         follow_ups={"steps": ["7d", "21d"]}, outbound={"quiet_hours": None})
    apps = one("a"), one("b")
    apps[0].pipeline.process(mailgen.intro(1, introducer=("Carol Jensen", "carol@x.example"),
                                           a=("Alice Brook", "alice@y.example"),
                                           b=("Dana Whitfield", "dana@danabooks.example"), when=clock.current),
                             Origin("file", "t"))
    yield apps
    for app in apps:
        app.engine.dispose()


def _tick(app) -> int:
    with app.sessions.begin() as session:
        return app.followups.materialize(session)


def _race_ticks(first, second) -> dict:
    """`first` ticks and, before it commits, `second` ticks on its own connection."""
    with first.sessions.begin() as session:
        first.followups.materialize(session)
        thread, result = _in_thread(_tick, second)
        _wait_until_blocked(first.engine, result)
    thread.join(30)
    return result


def test_two_runs_sweeping_at_once_queue_a_due_follow_up_once(two_runs, clock):
    """Was: the second tick failed on the outbox's duplicate key."""
    first, second = two_runs
    clock.advance(days=7, seconds=1)
    assert _race_ticks(first, second) == {"value": 0}
    with first.sessions() as s:
        [mail] = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "follow_up")).all()
        step = s.scalar(select(FollowUp).where(FollowUp.step == 1))
        assert (step.status, step.outbox_id) == ("done", mail.id)
    assert _tick(second) == 0  # and the next tick finds nothing left to do


def test_two_runs_sweeping_at_once_mark_a_referral_stale_once(two_runs, clock):
    """Was: both marked it stale, so its history showed two "stale" events."""
    first, second = two_runs
    clock.advance(days=61)
    assert _race_ticks(first, second) == {"value": 0}
    with first.sessions() as s:
        events = s.scalars(select(ReferralEvent.new_status)).all()
        assert events == ["stale"]
        assert s.scalars(select(FollowUp.status)).all() == ["cancelled", "cancelled"]


def test_two_processes_queueing_the_same_mail_queue_it_once(two_runs, clock):
    """Digests and reminders look for their key, then queue: both sweeps saw nothing and the
    second failed on the duplicate key. Now the later one is told it was queued already."""
    first, second = two_runs
    with first.sessions.begin() as session:
        assert _queue_digest(session, clock)
        thread, result = _in_thread(_queue_digest_in, second, clock)
        _wait_until_blocked(first.engine, result)
    thread.join(30)
    assert result == {"value": False}
    with first.sessions() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "digest")) == 1


def _queue_digest(session, clock) -> bool:
    row = outbox.queue(session, key="digest:1:2026-W45", kind="digest", to="dana@danabooks.example",
                       sender="introledger <intros@example.com>", rendered=Rendered("Week 45", "...", ""),
                       now=clock.current, referral_ids=[], member_id=1)
    return row is not None


def _queue_digest_in(app, clock) -> bool:
    with app.sessions.begin() as session:
        return _queue_digest(session, clock)


def test_two_runs_adding_to_todays_thank_you_at_once_keep_both_intros(tmp_path, postgres_url, clock, two_runs):
    """One thank-you a day names every intro by that introducer. Was: two runs logging intros
    from the same introducer at once each added theirs to the list they had read, the later write
    won, and the thank-you lost an intro."""
    from worker.followups.thanks import ThankYouPlanner

    (tmp_path / "quiet").mkdir()
    quiet = build_app(tmp_path / "quiet", postgres_url, now=clock, thank_you={"enabled": False})
    for n, who in ((2, ("Bob Stone", "bob@z.example")), (3, ("Tom Reyes", "tom@r.example"))):
        quiet.pipeline.process(mailgen.intro(n, introducer=("Carol Jensen", "carol@x.example"), a=who,
                                             b=("Dana Whitfield", "dana@danabooks.example"), when=clock.current),
                               Origin("file", str(n)))
    quiet.engine.dispose()
    first, second = two_runs

    def planner(app) -> ThankYouPlanner:
        return next(h.__self__ for h in app.pipeline.hooks["double_intro"]
                    if isinstance(getattr(h, "__self__", None), ThankYouPlanner))

    def add(app, referral_id):
        with app.sessions.begin() as session:
            planner(app).on_referral(session, None, None, referral_id)

    with first.sessions.begin() as session:
        planner(first).on_referral(session, None, None, 2)
        session.flush()
        thread, result = _in_thread(add, second, 3)
        _wait_until_blocked(first.engine, result)
    thread.join(30)
    assert "error" not in result, result
    with first.sessions() as s:
        [row] = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "thank_you")).all()
        assert row.referral_ids == [1, 2, 3]
        assert "Bob Stone" in row.subject and "Tom Reyes" in row.subject


def test_two_runs_adopting_the_same_person_at_once_make_one_partner_record(two_runs):
    """Was: both created a partner record for a newly seen person and the later one won the
    person: `partners` listed a second record with no address."""
    from models import Partner, Person
    from worker.ledger import partners

    first, second = two_runs
    with first.sessions.begin() as s:
        s.add(Person(email="erin@new.example", name="Erin Park"))

    def adopt(app):
        with app.sessions.begin() as session:
            partners.adopt(session, [session.scalar(select(Person).where(Person.email == "erin@new.example"))])

    with first.sessions.begin() as session:
        partners.adopt(session, [session.scalar(select(Person).where(Person.email == "erin@new.example"))])
        session.flush()
        thread, result = _in_thread(adopt, second)
        _wait_until_blocked(first.engine, result)
    thread.join(30)
    assert "error" not in result, result
    with first.sessions() as s:
        erin = s.scalar(select(Person).where(Person.email == "erin@new.example"))
        assert s.scalars(select(Partner.id).where(Partner.name == "Erin Park")).all() == [erin.partner_id]
