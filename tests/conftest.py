"""Shared fixtures: real servers (tests/fixtures_servers.py) and a migrated app per database."""
import gc
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from models.db import current_revision, make_engine, upgrade
from tests import migrated
from worker.app import bootstrap
from worker.core.config import from_dict

pytest_plugins = ["tests.fixtures_servers", "tests.fixtures_ledger", "tests.fixtures_outcomes"]

# Some machines set PYTHONDONTWRITEBYTECODE=1 (ours do). Then every pytest-xdist worker rewrites the
# asserts of all 130 test modules from source (~5 s of CPU each) and every `introledger` process a
# test starts compiles the package again; the suite has five minutes in CI. __pycache__ is ignored
# by git, so the tests write their bytecode, for themselves and the processes they start.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

DATA = Path(__file__).parent / "data"
TRACKING = "intros@example.com"
MEMBERS = [
    {"name": "Dana Whitfield", "emails": ["dana@danabooks.example", "d.whitfield@danabooks.example"],
     "domains": ["danabooks.example"]},
    {"name": "Marco Rossi", "emails": ["marco@rossi-marketing.example"],
     "domains": ["rossi-marketing.example"]},
]


def make_config(tmp_path: Path, database_url: str, env: dict | None = None, **overrides):
    data = {"tracking": {"address": TRACKING}, "members": MEMBERS, **overrides}
    env = {"INTROLEDGER_DATABASE_URL": database_url, **(env or {})}
    return from_dict(data, tmp_path / "config.yaml", env=env)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path):
    """Each test that takes it runs on both databases, unless its module is marked sqlite_only."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'test.db'}"


def build_app(tmp_path: Path, database_url: str, env: dict | None = None, now=None,
              **overrides) -> bootstrap.App:
    config = make_config(tmp_path, database_url, env, **overrides)
    migrate(config.database_url)
    return bootstrap.build(config, now=now) if now else bootstrap.build(config)


def migrate(url: str) -> None:
    """The database at `url` at the head revision, as `upgrade` leaves it. A new database is a
    copy of one this run migrated once (tests/migrated.py); tests of the migrations themselves
    call `upgrade` directly."""
    if migrated.fill(url):
        return
    engine = make_engine(url)
    try:
        if current_revision(engine) != migrated.head():  # Alembic's no-op at head costs ~0.2 s
            upgrade(engine)
    finally:
        engine.dispose()


class Clock:
    """A frozen clock tests move by hand."""

    def __init__(self, start: datetime):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta) -> None:
        self.current += timedelta(**delta)


@pytest.fixture
def clock():
    return Clock(datetime(2026, 11, 2, 15, 0, tzinfo=UTC))


@pytest.fixture
def app(tmp_path, database_url):
    built = build_app(tmp_path, database_url)
    yield built
    built.engine.dispose()


@pytest.fixture
def sqlite_app(tmp_path, sqlite_url):
    built = build_app(tmp_path, sqlite_url)
    yield built
    built.engine.dispose()


# Tests that reach a real server (Dovecot, SMTP, Redis, PostgreSQL) are marked `servers`, so
# `pytest -m "not servers"` runs the fast unit tests alone. The mark follows the fixtures a test
# uses; tests that start a server themselves carry it explicitly.
SERVER_FIXTURES = frozenset({
    "dovecot", "imap_mailbox", "dovecot_no_idle", "imap_mailbox_no_idle", "dovecot_tls",
    "imap_mailbox_tls", "smtp_sink", "smtp_sink_starttls", "smtp_sink_tls", "redis_url",
    "postgres_url", "_postgres_admin", "_dovecots", "smtp_pki",
})


def pytest_configure(config):
    config.addinivalue_line("markers", "servers: needs a real Dovecot, SMTP server, Redis or PostgreSQL")
    config.addinivalue_line("markers", "sqlite_only(reason): database_url on SQLite alone; what the "
                                       "test decides does not depend on the database")
    # `-n N` (pytest-xdist) deals tests out one by one ("load"); "loadgroup" does the same but keeps
    # each xdist_group on one worker: the Redis tests, which flush their databases (see below).
    # A worker parses the command line again, so it is told too (pytest_configure_node).
    if getattr(config.option, "dist", "no") == "load":
        config.option.dist = "loadgroup"
    workerinput = getattr(config, "workerinput", {})
    if workerinput.get("loadgroup"):
        config.option.loadgroup = True
    # A pytest-xdist worker starts with COLUMNS=80 and LINES=24 that its readline put in the
    # environment; rich fixes a Console's width from COLUMNS when the Console is made (at import),
    # so the CLI tests' COLUMNS=200 would not reach it. Workers see the controller's values.
    for name, value in workerinput.get("terminal_env", {}).items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


# A test on PostgreSQL costs ~3x the same test on SQLite (a round trip per statement, a schema made
# and dropped), and most tests check policy (what a reply means, when a mail goes) that reads and
# writes through the same SQLAlchemy statements on both. Modules like that say so with
# `pytestmark = pytest.mark.sqlite_only(reason=...)`; the SQL itself is held to PostgreSQL by the
# modules about storage (core, ledger, concurrency, migrations, the pipeline and poison tests) and
# by the end-to-end runs (tests/system). Adding the parametrize mark here, before pytest reads the
# marks, makes database_url's own params give way (FixtureManager.pytest_generate_tests).
@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc):
    if "database_url" in metafunc.fixturenames and metafunc.definition.get_closest_marker("sqlite_only"):
        metafunc.definition.add_marker(pytest.mark.parametrize("database_url", ["sqlite"], indirect=True))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    """`-n auto`: two workers per core, at least four. The tests spend most of their time waiting on
    Dovecot, PostgreSQL, subprocesses and the SMTP sink (a worker per core left the CPUs half idle:
    the suite took 279 s with 2 workers on 2 cores, 219 s with 4)."""
    return max(4, 2 * (os.cpu_count() or 1))


def pytest_configure_node(node):  # pytest-xdist, in the controller
    node.workerinput["terminal_env"] = {name: os.environ.get(name) for name in ("COLUMNS", "LINES")}
    node.workerinput["loadgroup"] = node.config.option.dist == "loadgroup"


# A full garbage collection walks every tracked object: ~0.5 s here once the test modules are
# imported, and postgres_url runs one after each test (see there). Objects alive after collection
# (modules, test functions, compiled patterns) and after each test module (what the module's
# tests leave cached) will live until the end of the run: freezing them keeps later collections
# to what the tests since made. Only reachable objects are frozen, so nothing a test drops is kept.
def pytest_collection_finish(session):
    gc.collect()
    gc.freeze()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    try:
        return (yield)
    finally:
        if nextitem is None or nextitem.module is not item.module:
            gc.collect()
            gc.freeze()


# The tests that take longest (each 10-60 s, mostly waiting on processes and servers) start first,
# longest first: with pytest-xdist handing tests out in order, one started last would run on alone
# at the end of the run.
LONG_FIRST = (
    "tests/system/test_season.py", "tests/app/test_fleet.py", "tests/web/test_browser.py",
    "tests/system/test_invariants.py::test_invariants_hold", "tests/web/test_public_browser.py",
    "tests/app/test_concurrency.py::test_four_runs", "tests/ledger/test_summary.py::test_stored_sums",
    "tests/inbound/test_fuzz.py", "tests/cli/test_send_command.py", "tests/system/",
)


def _start_rank(item) -> int:
    return next((rank for rank, prefix in enumerate(LONG_FIRST) if item.nodeid.startswith(prefix)), len(LONG_FIRST))


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks
def pytest_collection_modifyitems(config, items):
    items.sort(key=_start_rank)  # stable: the rest keep their order
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        fixtures = set(getattr(item, "fixturenames", ()))
        if SERVER_FIXTURES & fixtures or params.get("database_url") == "postgres":
            item.add_marker(pytest.mark.servers)
        if "redis_url" in fixtures:
            # Redis tests flush their databases before and after: with pytest-xdist they all run
            # on one worker, one at a time (pytest_configure makes `-n N` distribute by group).
            item.add_marker(pytest.mark.xdist_group("redis"))


@pytest.fixture
def redis_db(redis_url):
    """Redis database 12, for tests that watch queue jobs: the shared test database (15) is
    flushed by other tests (another run on the same machine too), which would take those jobs."""
    import redis

    url = redis_url.rsplit("/", 1)[0] + "/12"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


# The catalogs PostgreSQL keeps of the schemas the tests make and drop (a few hundred thousand rows
# a run) are dead rows until vacuumed, and autovacuum is off on our machines: after four runs the
# test database's pg_attribute held 1.7 million dead rows (356 MB) and the suite took 345 s instead
# of 252. Vacuumed once a run, before any test (in pytest-xdist's controller, or the only process).
CATALOGS = ("pg_attribute", "pg_depend", "pg_class", "pg_trigger", "pg_constraint", "pg_index", "pg_type",
            "pg_attrdef", "pg_sequence", "pg_namespace", "pg_description", "pg_shdepend")


def pytest_sessionstart(session):
    if hasattr(session.config, "workerinput"):
        return
    try:
        import psycopg

        from tests.fixtures_servers import POSTGRES_URL

        url = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url, autocommit=True, connect_timeout=3) as conn:
            conn.execute("VACUUM " + ", ".join(f"pg_catalog.{c}" for c in CATALOGS))
    except Exception:  # noqa: BLE001 - no server here (its tests skip or fail on their own), or no right to
        pass
