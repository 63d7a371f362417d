"""people found by a piece of their name or address through a trigram index: SQLite's FTS5 trigram
table over people (kept by triggers), PostgreSQL's pg_trgm GIN indexes on lower(name) and
lower(email) — where the extension is installed or this user may install it; without it the
dashboard's search reads every person, as before (worker/web/referrals.py matching)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-04
"""
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

# An external-content table: the text stays in `people`, the index alone is added. (A batch
# migration that copies `people` drops these triggers, as it drops 0023's: make them again.)
SQLITE = (
    """CREATE VIRTUAL TABLE people_search USING fts5(name, email, content='people', content_rowid='id',
        tokenize='trigram')""",
    "INSERT INTO people_search(people_search) VALUES ('rebuild')",
    """CREATE TRIGGER people_search_insert AFTER INSERT ON people BEGIN
        INSERT INTO people_search(rowid, name, email) VALUES (NEW.id, NEW.name, NEW.email); END""",
    """CREATE TRIGGER people_search_delete AFTER DELETE ON people BEGIN
        INSERT INTO people_search(people_search, rowid, name, email) VALUES ('delete', OLD.id, OLD.name, OLD.email);
        END""",
    """CREATE TRIGGER people_search_update AFTER UPDATE OF name, email ON people BEGIN
        INSERT INTO people_search(people_search, rowid, name, email) VALUES ('delete', OLD.id, OLD.name, OLD.email);
        INSERT INTO people_search(rowid, name, email) VALUES (NEW.id, NEW.name, NEW.email); END""",
)
POSTGRESQL_INDEXES = ('ix_people_name_trigram', 'ix_people_email_trigram')


def _fts5_trigram(bind) -> bool:
    """FTS5 built in, and a SQLite new enough for its trigram tokenizer (3.34)."""
    version = tuple(int(p) for p in bind.exec_driver_sql("SELECT sqlite_version()").scalar().split("."))
    return version >= (3, 34) and bool(bind.exec_driver_sql("SELECT sqlite_compileoption_used('ENABLE_FTS5')").scalar())


def _trigram_schema(bind) -> str | None:
    """The schema pg_trgm is (or is now) installed in; None if it is not and this user may not install it."""
    def installed() -> str | None:
        return bind.exec_driver_sql("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
                                    "ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'").scalar()

    if (found := installed()) is not None:
        return found
    # A superuser may; from PostgreSQL 13 anyone who may create in the database may install a trusted one.
    trusted = "v.trusted AND has_database_privilege(current_database(), 'CREATE')" \
        if bind.dialect.server_version_info >= (13,) else "false"
    may = bind.exec_driver_sql(
        "SELECT EXISTS (SELECT 1 FROM pg_available_extension_versions v WHERE v.name = 'pg_trgm' AND "
        f"({trusted} OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)))").scalar()
    if not may:
        return None
    # In public when it may (it outlives any one schema: tests make and drop theirs), else here.
    public = bind.exec_driver_sql("SELECT has_schema_privilege('public', 'CREATE') "
                                  "FROM pg_namespace WHERE nspname = 'public'").scalar()
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm" + (" SCHEMA public" if public else ""))
    except Exception:  # noqa: BLE001 - not ours to have: the search reads every person, as before
        return None
    return installed()


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        if _fts5_trigram(bind):
            for statement in SQLITE:
                op.execute(statement)
        return
    schema = _trigram_schema(bind)
    if schema is not None:
        for name, column in zip(POSTGRESQL_INDEXES, ('name', 'email'), strict=True):
            op.execute(f'CREATE INDEX {name} ON people USING gin (lower({column}) "{schema}".gin_trgm_ops)')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for trigger in ('people_search_insert', 'people_search_delete', 'people_search_update'):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS people_search")
        return
    for name in POSTGRESQL_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
