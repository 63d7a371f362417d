"""Migrated test databases in milliseconds: Alembic runs once per test run, not once per test.

Running every migration costs ~0.4 s on SQLite and ~0.7 s on PostgreSQL (several times that on a
busy machine), for each of hundreds of tests that build an app. Instead:

- SQLite: a new database file is a copy of one migrated once (the file *is* the database; WAL mode
  is kept in its header).
- PostgreSQL: the statements Alembic sends to migrate an empty schema are recorded once, and one
  replay of them is compared with Alembic's schema (a difference is an error). A thread replays
  them ahead into fresh schemas; a test's empty schema is swapped for one by renaming, so the
  test's URL (which names its schema) is unchanged, and the postgres_url fixture drops it after
  the test as before. Every test gets new, never used tables, as Alembic makes them.

Only databases that do not exist yet (SQLite) or schemas the postgres_url fixture made and that are
still empty (PostgreSQL) are filled; `fill` returns False for anything else and the caller runs
Alembic as before. Tests of the migrations themselves call `models.db.upgrade` and never come here.
tests/core/test_migrated.py shows the copies are what Alembic makes.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import uuid

import sqlalchemy as sa
from sqlalchemy import event, make_url

from models.db import head_revision, make_engine, upgrade

_sqlite_head: str | None = None  # path of the migrated SQLite file
_head: str | None = None


def fill(url: str) -> bool:
    """Make the new, empty database at `url` a migrated one; False if it is not new and empty."""
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        return _fill_sqlite(url)
    if backend == "postgresql":
        return _fill_postgres(url)
    return False


def head() -> str:
    global _head
    if _head is None:
        _head = head_revision()
    return _head


# ---- SQLite --------------------------------------------------------------------------------------


def _fill_sqlite(url: str) -> bool:
    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:") or not os.path.isdir(os.path.dirname(path) or "."):
        return False
    if any(os.path.exists(path + suffix) for suffix in ("", "-wal", "-journal")):
        return False
    shutil.copyfile(_sqlite_template(), path)
    return True


def _sqlite_template() -> str:
    global _sqlite_head
    if _sqlite_head is None:
        directory = tempfile.mkdtemp(prefix="introledger-migrated-")
        atexit.register(shutil.rmtree, directory, True)
        path = os.path.join(directory, "head.db")
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        # The last connection closed checkpointed the WAL into the file: the file alone is the database.
        if os.path.exists(path + "-wal"):
            raise RuntimeError(f"{path}-wal is left after the migrated template was closed")
        _sqlite_head = path
    return _sqlite_head


# ---- PostgreSQL ----------------------------------------------------------------------------------

# What the server holds in a schema, as its catalog says, with the schema's own name taken out
# (definitions name it). The catalogs of a PostgreSQL that runs many tests without autovacuum
# (as CI's here) grow to tens of MB of dead rows, and a scan by schema reads them all (~250 ms):
# so objects are found through indexes only — what depends on the schema (pg_depend), then what
# hangs off those tables by OID. %(r)s are the schema's tables and sequences, %(i)s their indexes.
_CATALOG = {
    "relations": """
        SELECT relname, relkind, relowner::regrole::text, relacl::text,
               reloptions::text, relpersistence, relrowsecurity, relispartition, relnatts
        FROM pg_class WHERE oid = ANY(%(r)s) OR oid = ANY(%(i)s)""",
    "columns": """
        SELECT a.attrelid::regclass::text, a.attname, a.attnum, format_type(a.atttypid, a.atttypmod),
               a.attnotnull, a.attidentity, a.attgenerated, a.attcollation::regcollation::text, a.attacl::text,
               pg_get_expr(d.adbin, d.adrelid)
        FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = ANY(%(r)s) AND a.attnum > 0 AND NOT a.attisdropped""",
    "constraints": """
        SELECT conrelid::regclass::text, conname, contype, condeferrable, condeferred, pg_get_constraintdef(oid)
        FROM pg_constraint WHERE conrelid = ANY(%(r)s)""",
    "indexes": """
        SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index WHERE indexrelid = ANY(%(i)s)""",
    "sequences": """
        SELECT seqrelid::regclass::text, seqtypid::regtype::text, seqstart, seqincrement, seqmax, seqmin,
               seqcache, seqcycle
        FROM pg_sequence WHERE seqrelid = ANY(%(r)s)""",
    "types": """
        SELECT t.typname, t.typtype, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text
        FROM pg_type t LEFT JOIN pg_enum e ON e.enumtypid = t.oid
        WHERE t.oid = ANY(%(t)s) GROUP BY t.typname, t.typtype""",
    "functions": """
        SELECT proname, pg_get_function_identity_arguments(oid), md5(prosrc) FROM pg_proc WHERE oid = ANY(%(f)s)""",
    "triggers": """
        SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid), tgenabled
        FROM pg_trigger WHERE tgrelid = ANY(%(r)s) AND NOT tgisinternal""",
    "policies": "SELECT polrelid::regclass::text, polname, polcmd FROM pg_policy WHERE polrelid = ANY(%(r)s)",
    "rules": "SELECT ev_class::regclass::text, rulename FROM pg_rewrite WHERE ev_class = ANY(%(r)s)",
}


def _fingerprint(conn, schema: str) -> dict:
    """Everything the catalog says about `schema`, from a connection whose search_path does not
    include it (so every definition names it, and the name is taken out), plus alembic_version.
    Runs inside the caller's transaction."""
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # the catalogs' statistics are stale too
    owner, acl, nsp = conn.exec_driver_sql(
        "SELECT nspowner::regrole::text, nspacl::text, oid FROM pg_namespace WHERE nspname = %(s)s",
        {"s": schema}).one()
    members: dict[str, list[int]] = {}
    for catalog, oid in conn.exec_driver_sql(
            "SELECT classid::regclass::text, objid FROM pg_depend "
            "WHERE refclassid = 'pg_namespace'::regclass AND refobjid = %(n)s", {"n": nsp}):
        members.setdefault(catalog, []).append(oid)
    # A table's row type and array type depend on the table, not on the schema.
    rels = members.pop("pg_class", [])
    params = {"r": rels, "t": members.pop("pg_type", []), "f": members.pop("pg_proc", []),
              "i": conn.exec_driver_sql("SELECT indexrelid FROM pg_index WHERE indrelid = ANY(%(r)s)",
                                        {"r": rels}).scalars().all()}
    found: dict = {"schema": [(owner, acl)], "other objects": sorted((k, len(v)) for k, v in members.items())}
    for name, query in _CATALOG.items():
        found[name] = sorted(
            tuple(None if v is None else str(v).replace(f"{schema}.", "<schema>.") for v in row)
            for row in conn.exec_driver_sql(query, params).all()
        )
    relations = {row[0] for row in found["relations"]}
    found["alembic_version"] = (
        conn.exec_driver_sql(f'SELECT version_num FROM "{schema}".alembic_version').scalars().all()
        if "alembic_version" in relations else None
    )
    # Planning with seqscan off weighs every index of every table: ~15 ms a DELETE instead of ~0.2.
    conn.exec_driver_sql("SET LOCAL enable_seqscan = on")
    return found


class _Pool:
    """Fresh migrated schemas, made ahead by a thread of its own: a test does not wait for the
    replay (~0.1 s of the server's work, several times that when the machine is busy)."""

    READY = 2  # fresh schemas kept waiting

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.base = parsed.set(query={k: v for k, v in parsed.query.items()
                                      if k not in ("options", "application_name")})
        # Not AUTOCOMMIT: each step below is one transaction (SET LOCAL needs one, too).
        self.admin = sa.create_engine(self.base.update_query_dict({"application_name": "introledger-test-pool"}))
        self.script = ""
        self.reference: dict = {}
        self._drop_orphans()
        self._record()
        self._cond = threading.Condition()
        self._ready: list[str] = []
        self._closing = False
        self._failed: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="migrated-schemas", daemon=True)
        self._thread.start()

    def _drop_orphans(self) -> None:
        """Schemas made ahead by runs that were killed (their process is gone)."""
        with self.admin.begin() as conn:
            names = conn.exec_driver_sql("SELECT nspname FROM pg_namespace WHERE nspname LIKE %(p)s",
                                         {"p": "t\\_pool\\_%"}).scalars().all()
        for name in names:
            pid = name.split("_")[2]
            if pid.isdigit() and not _alive(int(pid)):
                self._drop(name)

    def _record(self) -> None:
        """The statements Alembic sends to migrate an empty schema, recorded from a real run in a
        schema of our own; then one replay is compared with it (a difference is an error)."""
        schema = _pool_name()
        with self.admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = self.base.update_query_dict({"application_name": schema, "options": f"-csearch_path={schema}"})
        engine = make_engine(url.render_as_string(hide_password=False))
        statements = []

        def record(conn, cursor, statement, parameters, context, executemany):
            if statement.lstrip().split(None, 1)[0].upper() not in ("SELECT", "SHOW"):
                statements.append((statement, parameters, executemany))

        try:
            with engine.connect() as conn:  # the dialect's first-connect queries, not recorded
                conn.exec_driver_sql("SELECT 1")
            event.listen(engine, "before_cursor_execute", record)
            upgrade(engine)
            engine.dispose()
            with self.admin.begin() as conn:
                self.reference = _fingerprint(conn, schema)
        finally:
            engine.dispose()
            self._drop(schema)
        if self.reference["alembic_version"] != [head()]:
            raise RuntimeError(f"the migrated schema is at {self.reference['alembic_version']}, not {head()}")
        # Sent as one script, in one round trip: each trip waits for the server, long on a busy machine.
        if any(parameters or many or "%" in statement for statement, parameters, many in statements):
            raise RuntimeError("a migration sends parameters or '%': replaying it as one script is not safe")
        self.script = ";\n".join(statement for statement, _, _ in statements)
        copy = self._replayed()
        try:
            with self.admin.begin() as conn:
                replayed = _fingerprint(conn, copy)
        finally:
            self._drop(copy)
        if replayed != self.reference:
            diff = {k: (self.reference[k], replayed[k]) for k in replayed if replayed[k] != self.reference[k]}
            raise RuntimeError(f"replayed migrations differ from Alembic's schema (Alembic's, replayed): {diff}")

    def _replayed(self) -> str:
        """A new schema made by replaying the recorded statements, in one transaction."""
        schema = _pool_name()
        with self.admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            conn.exec_driver_sql(f'SET LOCAL search_path TO "{schema}"')
            if conn.exec_driver_sql("SELECT current_schema()").scalar() != schema:
                raise RuntimeError(f"search_path is not {schema}: the migrations would land elsewhere")
            cursor = conn.connection.dbapi_connection.cursor()
            cursor.execute(self.script)  # no parameters: psycopg sends it as one simple query
            cursor.close()
        return schema

    def _work(self) -> None:
        while True:
            with self._cond:
                while not (self._closing or len(self._ready) < self.READY):
                    self._cond.wait()
                if self._closing:
                    return
            try:
                made = self._replayed()
            except BaseException as e:  # noqa: BLE001 - handed to the test waiting for a schema
                with self._cond:
                    self._failed = e
                    self._cond.notify_all()
                return
            with self._cond:
                self._ready.append(made)
                self._cond.notify_all()

    def lend(self, schema: str) -> bool:
        """Swap the test's schema, if it is still empty, for a fresh migrated one under its name."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._ready or self._failed, timeout=120):
                raise RuntimeError("no migrated schema was made within 120 s")
            if self._failed is not None:
                raise RuntimeError("making migrated schemas failed") from self._failed
            fresh = self._ready.pop(0)
            self._cond.notify_all()
        try:
            with self.admin.begin() as conn:
                conn.exec_driver_sql("SET LOCAL lock_timeout = '5s'")
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}"')  # RESTRICT: fails unless it is empty
                conn.exec_driver_sql(f'ALTER SCHEMA "{fresh}" RENAME TO "{schema}"')
        except BaseException as e:
            with self._cond:
                self._ready.insert(0, fresh)
            if isinstance(e, sa.exc.DBAPIError) and getattr(e.orig, "sqlstate", None) in ("2BP01", "55P03"):
                return False  # not empty; busy
            raise
        return True

    def close(self) -> None:
        """Drop the schemas made ahead."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join(timeout=120)
        with self._cond:
            left, self._ready = self._ready, []
        for schema in left:
            self._drop(schema)
        self.admin.dispose()

    def _drop(self, schema: str) -> None:
        with self.admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _pool_name() -> str:
    return f"t_pool_{os.getpid()}_{uuid.uuid4().hex[:8]}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_pools: dict[str, _Pool] = {}  # by the URL of the database, without its query
_fresh: dict[str, str] = {}  # URL -> its schema, for the empty schemas the postgres_url fixture made


def _pool(url: str, make: bool) -> _Pool | None:
    key = str(make_url(url).set(query={}))
    if key not in _pools and make:
        _pools[key] = _Pool(url)
    return _pools.get(key)


def new_schema(url: str, schema: str) -> None:
    """The postgres_url fixture made `schema`, empty, and hands out `url` for it."""
    _fresh[url] = schema


def _fill_postgres(url: str) -> bool:
    schema = _fresh.get(url)
    return schema is not None and _pool(url, make=True).lend(schema)


def forget(url: str) -> None:
    """The test using `url` is over (its schema is dropped by the fixture)."""
    _fresh.pop(url, None)


def close() -> None:
    """End of the run: drop the schemas made ahead."""
    while _pools:
        _pools.popitem()[1].close()
