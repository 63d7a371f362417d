"""Several processes on one database: startup and sweeps never trip over each other.

Each race is forced deterministically rather than hoped for: one connection holds its
transaction open at the worst moment, the other runs the real code on its own connection and
thread, and the test waits (bounded) until PostgreSQL reports it blocked before letting go.
"""
import threading
import time

import pytest
from sqlalchemy import func, select, text

from models import Member
from models.db import make_engine, session_factory, upgrade
from tests.conftest import make_config
from worker import bootstrap


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
