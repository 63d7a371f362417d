"""A PostgreSQL database created SQL_ASCII (an old cluster's default) is refused with what to do,
not a traceback from deep in the driver."""
import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import make_url

from tests.cli.test_cli import cli
from tests.fixtures_servers import POSTGRES_URL

# One database, made once and kept (it stays empty: every command refuses it before writing): DROP
# DATABASE makes PostgreSQL checkpoint, which took 20 s per test on a busy server and slowed every
# other PostgreSQL test meanwhile.
ASCII_DB = "t_sql_ascii_encoding"


@pytest.fixture(scope="module")
def sql_ascii_url(_postgres_admin):
    with _postgres_admin.connect() as conn:
        made = conn.exec_driver_sql("SELECT encoding = 0 FROM pg_database WHERE datname = %s", (ASCII_DB,)).scalar()
        if made is False:  # left behind as something else: make it again
            conn.exec_driver_sql(f"DROP DATABASE {ASCII_DB} WITH (FORCE)")
        if not made:
            try:
                conn.exec_driver_sql(f"CREATE DATABASE {ASCII_DB} ENCODING 'SQL_ASCII' TEMPLATE template0")
            except sa_exc.ProgrammingError as e:  # another run on this machine made it just now
                if "already exists" not in str(e):
                    raise
    return make_url(POSTGRES_URL).set(database=ASCII_DB).render_as_string(hide_password=False), ASCII_DB


@pytest.mark.servers
@pytest.mark.parametrize("command", [("db", "upgrade"), ("run", "--once"), ("doctor",)])
def test_a_sql_ascii_database_is_refused_by_name_with_the_fix(tmp_path, sql_ascii_url, command):
    url, name = sql_ascii_url
    (tmp_path / "config.yaml").write_text("tracking: {address: intros@example.com}\n")
    result = cli(*command, cwd=tmp_path, env={"INTROLEDGER_DATABASE_URL": url}, ok=False)
    told = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0 and "Traceback" not in told, told
    assert f"'{name}' is encoded SQL_ASCII" in told and f"CREATE DATABASE {name} ENCODING 'UTF8'" in told
