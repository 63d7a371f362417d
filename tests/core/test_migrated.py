"""The migrated databases tests get by copy (tests/migrated.py) are the ones Alembic makes, never
used before."""
import sqlite3
import uuid

import pytest
from sqlalchemy import create_engine, text

from models import Member
from models.db import make_engine, upgrade
from tests import migrated
from tests.conftest import migrate


def _sqlite_schema(path) -> tuple:
    with sqlite3.connect(path) as conn:
        return (sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")),
                conn.execute("SELECT version_num FROM alembic_version").fetchall(),
                conn.execute("PRAGMA journal_mode").fetchone())


def test_a_copied_sqlite_database_is_the_one_alembic_makes(tmp_path):
    migrate(f"sqlite:///{tmp_path / 'copied.db'}")
    engine = make_engine(f"sqlite:///{tmp_path / 'migrated.db'}")
    upgrade(engine)
    engine.dispose()
    copied, migrated_ = _sqlite_schema(tmp_path / "copied.db"), _sqlite_schema(tmp_path / "migrated.db")
    assert copied == migrated_
    assert copied[1] == [(migrated.head(),)] and copied[2] == ("wal",)


@pytest.fixture
def schemas(_postgres_admin, postgres_url):
    """Hands out URLs of new empty schemas, like postgres_url does; dropped after."""
    made = []

    def new() -> str:
        schema = f"t_{uuid.uuid4().hex[:16]}"
        with _postgres_admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        made.append(schema)
        url = postgres_url.replace(postgres_url.split("application_name=")[1].split("&")[0], schema)  # both places
        migrated.new_schema(url, schema)
        return url

    yield new
    with _postgres_admin.connect() as conn:
        for schema in made:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _catalog(admin, url) -> dict:
    schema = url.split("search_path%3D")[1]
    with admin.connect() as conn, conn.begin():
        return migrated._fingerprint(conn, schema)


def test_postgres_schemas_made_ahead_are_the_one_alembic_makes_and_new(_postgres_admin, schemas):
    by_alembic = schemas()
    engine = make_engine(by_alembic)
    upgrade(engine)
    engine.dispose()
    for _ in range(3):  # the first made before the thread starts, the others by it
        url = schemas()
        migrate(url)
        assert _catalog(_postgres_admin, url) == _catalog(_postgres_admin, by_alembic)
        engine = create_engine(url)
        with engine.begin() as conn:  # never used: empty, ids from 1
            assert conn.execute(text("SELECT count(*) FROM members")).scalar() == 0
            assert conn.execute(Member.__table__.insert().values(name="A").returning(Member.id)).scalar() == 1
        engine.dispose()


def test_a_postgres_schema_not_empty_is_not_swapped(schemas):
    url = schemas()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE mine (id int)")
    assert not migrated.fill(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT to_regclass('members')").scalar() is None
        assert conn.exec_driver_sql("SELECT to_regclass('mine')").scalar() is not None
    engine.dispose()
