"""A PostgreSQL database created SQL_ASCII (an old cluster's default) is refused with what to do,
not a traceback from deep in the driver."""
import uuid

import pytest
from sqlalchemy import make_url

from tests.cli.test_cli import cli
from tests.fixtures_servers import POSTGRES_URL


@pytest.fixture
def sql_ascii_url(_postgres_admin):
    name = f"t_ascii_{uuid.uuid4().hex[:12]}"
    with _postgres_admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name} ENCODING 'SQL_ASCII' TEMPLATE template0")
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False), name
    finally:
        with _postgres_admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.servers
@pytest.mark.parametrize("command", [("db", "upgrade"), ("run", "--once"), ("doctor",)])
def test_a_sql_ascii_database_is_refused_by_name_with_the_fix(tmp_path, sql_ascii_url, command):
    url, name = sql_ascii_url
    (tmp_path / "config.yaml").write_text("tracking: {address: intros@example.com}\n")
    result = cli(*command, cwd=tmp_path, env={"INTROLEDGER_DATABASE_URL": url}, ok=False)
    told = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0 and "Traceback" not in told, told
    assert f"'{name}' is encoded SQL_ASCII" in told and f"CREATE DATABASE {name} ENCODING 'UTF8'" in told
