"""Migrations create the schema on SQLite and PostgreSQL; an unmigrated database is refused."""
import pytest
from sqlalchemy import inspect

from models.db import (
    NotMigrated,
    current_revision,
    head_revision,
    make_engine,
    require_migrated,
    script_head,
    stored_revision,
    upgrade,
)
from tests.conftest import make_config
from worker.app import bootstrap


def test_upgrade_creates_every_table(database_url):
    engine = make_engine(database_url)
    with pytest.raises(NotMigrated, match="run `introledger db upgrade`"):
        require_migrated(engine)
    assert stored_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    # require_migrated reads the same two revisions without importing Alembic (a listing starts fast)
    assert stored_revision(engine) == current_revision(engine) and script_head() == head_revision()
    require_migrated(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"referrals", "referral_parties", "people", "members", "inbound_messages",
            "quarantine", "checkpoints", "referral_events"} <= tables
    upgrade(engine)  # idempotent
    engine.dispose()


def test_worker_refuses_an_unmigrated_database(tmp_path, database_url):
    with pytest.raises(NotMigrated, match="has no schema"):
        bootstrap.build(make_config(tmp_path, database_url))


def test_sqlite_runs_in_wal_mode(sqlite_app):
    with sqlite_app.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_packages_import_from_this_checkout():
    from pathlib import Path

    import models
    import worker

    root = Path(__file__).resolve().parents[2]
    assert Path(worker.__file__).resolve().parent == root / "worker"
    assert Path(models.__file__).resolve().parent == root / "models"


def test_migrations_match_the_models(database_url):
    """A model change without its migration would fail here (autogenerate finds a difference)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from models import Base

    def modelled(name, kind, parent) -> bool:
        """The search's trigram index (migration 0029) is no model's: FTS5's table and its shadow
        tables on SQLite, expression indexes made only where pg_trgm can be had."""
        return not (name or "").startswith("people_search") and not (name or "").endswith("_trigram")

    engine = make_engine(database_url)
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": modelled}), Base.metadata)
    engine.dispose()
    assert diff == []


def test_upgrade_keeps_existing_rows(tmp_path):
    from sqlalchemy import text

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0002")
    with engine.begin() as conn:
        conn.execute(text("insert into people (email, name, created_at) values ('a@x', 'A', '2026-01-01')"))
        conn.execute(text(
            "insert into referrals (dedupe_key, kind, status, direction, confidence, reason, introduced_at,"
            " introducer_id, source_message_id, subject, subject_key, excerpt, created_at, updated_at)"
            " values ('k', 'double_intro', 'introduced', 'partner', 0.9, '', '2026-01-01', 1, '', '', '', '',"
            " '2026-01-01', '2026-01-01')"))
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("select currency, value_cents from referrals")).one() == ("", None)
    engine.dispose()


def test_postgresql_connections_do_not_compile_plans_unless_the_url_asks(postgres_url):
    """JIT compiling took a search page 100-300 ms for a query that runs in 20 (bench/web.py)."""
    from sqlalchemy import text

    for url, want in [(postgres_url, "off"), (postgres_url.replace("options=", "options=-cjit%3Don%20"), "on")]:
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                assert conn.execute(text("SHOW jit")).scalar() == want, url
                conn.rollback()
                assert conn.execute(text("SELECT 1")).scalar() == 1  # the session works after it
        finally:
            engine.dispose()
