"""Engines, sessions and schema migrations for SQLite (default) and PostgreSQL."""
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import CursorResult, Engine, Result, Select, Table, create_engine, event, inspect, make_url, text
from sqlalchemy.orm import Session, sessionmaker

# Alembic and the PostgreSQL dialect are imported where they are used: importing them costs more
# than a listing's whole query (`introledger referrals` checks the schema with require_migrated,
# which needs neither).
if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig
    from sqlalchemy.dialects import postgresql, sqlite

    Insert = postgresql.Insert | sqlite.Insert

MIGRATIONS = Path(__file__).with_name("migrations")
M = TypeVar("M")


class NotMigrated(RuntimeError):
    """The database schema is missing or behind the code."""


class WrongEncoding(RuntimeError):
    """A PostgreSQL database that does not store UTF-8: restarting will not fix it, recreating it will."""


def make_engine(url: str, reader: bool = False) -> Engine:
    """An engine for `url`. reader=True: for sessions that only read (the dashboard's pages) — on
    SQLite their transactions begin DEFERRED, a snapshot under WAL that never takes the write lock,
    so a long page does not hold up the worker's writes."""
    if url.startswith("sqlite"):
        # How long a write waits for another's lock; `?timeout=N` in the URL overrides it.
        waits = {} if "timeout" in make_url(url).query else {"timeout": 30}
        engine = create_engine(url, connect_args=waits)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_read if reader else _sqlite_begin)
    else:
        engine = create_engine(url, pool_pre_ping=True)
        # Before SQLAlchemy's own first-connect queries, which crash on a SQL_ASCII database
        # (psycopg hands back bytes: "cannot use a string pattern on a bytes-like object").
        event.listen(engine, "connect", _require_utf8, insert=True)
        if "jit" not in make_url(url).query.get("options", ""):
            event.listen(engine, "connect", _no_jit)
    event.listen(engine, "handle_error", _drop_read_only)
    return engine


def _no_jit(dbapi_connection, _record) -> None:
    """PostgreSQL compiles a plan it estimates above jit_above_cost (100,000) to machine code first:
    100-300 ms for a page's listing or search that then runs in 20 (bench/web.py at 100k referrals),
    as a guess on row counts decides. Our queries are short reads and writes; compiling never pays.
    A URL that sets jit in its options (`?options=-cjit%3Don`) keeps its own choice."""
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    dbapi_connection.commit()


# A database that refuses writes (a file or disk made read-only, a standby, PostgreSQL's
# default_transaction_read_only). A connection opened meanwhile stays read-only after the
# database is writable again — SQLite opened the file read-only, PostgreSQL fixed the setting
# at session start — so it is dropped like a lost connection, and the retry opens a fresh one.
_READ_ONLY = re.compile(r"readonly database|read-only (sql )?transaction|read-only file system", re.I)


def read_only_error(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", None) or exc
    return bool(_READ_ONLY.search(str(orig)))


def _drop_read_only(context) -> None:
    if read_only_error(context.original_exception):
        context.is_disconnect = True


def _require_utf8(dbapi_conn, _record) -> None:
    info = getattr(dbapi_conn, "info", None)  # psycopg 3 reads it from the server's greeting: no query
    if info is None or not hasattr(info, "parameter_status"):
        return  # another driver: not checked
    found = info.parameter_status("server_encoding")
    encoding = found.decode() if isinstance(found, bytes) else found
    if encoding is not None and encoding.upper() != "UTF8":
        name = info.dbname
        raise WrongEncoding(
            f"the PostgreSQL database {name!r} is encoded {encoding}; introledger stores names and mail in "
            f"UTF-8: create it with CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0 (or point "
            "database_url at one that is)")


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; we issue BEGIN ourselves instead.
    dbapi_conn.isolation_level = None
    # WAL lets readers (the CLI) work while the worker writes; NORMAL is safe under WAL.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin(conn) -> None:
    # IMMEDIATE takes the write lock up front, so two workers queue instead of deadlocking; a unit
    # of work that only reads (`reading`) begins DEFERRED: a snapshot under WAL, no lock held.
    conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READS_ONLY) else "BEGIN IMMEDIATE")


def _sqlite_begin_read(conn) -> None:
    conn.exec_driver_sql("BEGIN")


# ---- inserts that several processes may run at once ------------------------------------------
# A SELECT-then-INSERT races on PostgreSQL: both see nothing, both insert, one dies on the unique
# key. `ON CONFLICT` lets the database decide; both dialects we support speak it.


def insert_new(session: Session, table: Table, key: tuple[str, ...]) -> "Insert":
    """INSERT … ON CONFLICT (key) DO NOTHING: a row another process inserted first is left alone."""
    return _insert(session, table).on_conflict_do_nothing(index_elements=list(key))


def upsert(session: Session, table: Table, key: tuple[str, ...], update: tuple[str, ...]) -> "Insert":
    """INSERT … ON CONFLICT (key) DO UPDATE: the row ends with these values, whoever inserted it."""
    stmt = _insert(session, table)
    return stmt.on_conflict_do_update(index_elements=list(key),
                                      set_={name: stmt.excluded[name] for name in update})


def _insert(session: Session, table: Table) -> "Insert":
    # The bound database's dialect only: SQLite's process need not import PostgreSQL's (its
    # asyncpg, psycopg and pg8000 modules): ~5% of a `report`'s start-up.
    name = session.get_bind().dialect.name
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(table)
    raise KeyError(name)


def must_get(session: Session, model: type[M], ident: object) -> M:
    """session.get for a row that exists (a foreign key points at it, or this unit of work holds it)."""
    found = session.get(model, ident)
    if found is None:
        raise LookupError(f"{model.__name__} #{ident} does not exist")
    return found


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE matched: Session.execute is typed to return a Result, and for
    those statements it is a CursorResult, which counts them."""
    return cast(CursorResult[Any], result).rowcount


def skip_locked(query: Select, *entities) -> Select:
    """A sweep's claim: rows another process (its sweep, a status reply) holds are skipped this
    tick instead of waited for and done twice. PostgreSQL: FOR UPDATE OF … SKIP LOCKED, reloading
    what the lock protects; SQLite renders nothing, its writers queue on BEGIN IMMEDIATE anyway."""
    return query.with_for_update(skip_locked=True, of=list(entities)).execution_options(populate_existing=True)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


READS_ONLY = "introledger_reads_only"


@contextmanager
def reading(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session for a unit of work that only reads (a duty working out what to send): on SQLite it
    holds no write lock, so the mailbox's commits go on meanwhile. Write in sessions.begin()."""
    with sessions() as session:
        session.connection(execution_options={READS_ONLY: True})
        yield session


def _alembic_config(engine: Engine | None) -> "AlembicConfig":
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(_alembic_config(engine), revision)


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config(None)).get_current_head()
    if head is None:  # only if the package lost its migrations
        raise NotMigrated(f"no migrations in {MIGRATIONS}")
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


_HEADER = re.compile(r"^(revision|down_revision)\b[^=\n]*=(.*)$", re.M)


def script_head() -> str:
    """The newest migration as Alembic finds it, read from the files' `revision` and
    `down_revision` lines without importing Alembic (tests/core/test_db.py: they agree)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for key, value in _HEADER.findall(path.read_text(encoding="utf-8")):
            (revisions if key == "revision" else parents).update(re.findall(r"['\"]([^'\"]+)['\"]", value))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else head_revision()  # Alembic says what is wrong with several


def stored_revision(engine: Engine) -> str | None:
    """The revision recorded in the database (Alembic's alembic_version table), None if none.
    Read without SQLite's write lock: every command asks it first, a report too."""
    with engine.connect().execution_options(**{READS_ONLY: True}) as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def require_migrated(engine: Engine) -> None:
    current, head = stored_revision(engine), script_head()
    if current != head:
        state = "has no schema" if current is None else f"is at revision {current}"
        raise NotMigrated(
            f"the database {engine.url.render_as_string(hide_password=True)} {state}, "
            f"the code needs {head}: run `introledger db upgrade`"
        )
