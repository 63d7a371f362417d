"""pytest plugin: fixtures backed by REAL servers (Dovecot, SMTP sink, Redis, PostgreSQL).

Load with ``pytest_plugins = ["tests.fixtures_servers"]`` in conftest.py (or ``-p tests.fixtures_servers``).

A server that is missing makes its tests SKIP, unless INTROLEDGER_REQUIRE_SERVERS=1 (CI), in which
case they FAIL with the reason.

Fixtures:
  dovecot               session  Dovecot (IMAP + LMTP), shared by the whole run
  imap_mailbox          function the same Dovecot with user `test` emptied (INBOX only, no mail)
  dovecot_no_idle       session  a second Dovecot that does not advertise IDLE (polling fallback)
  imap_mailbox_no_idle  function that one, emptied
  dovecot_tls           session  a Dovecot with TLS and XOAUTH2: implicit TLS on .imaps_port, STARTTLS
                                 on .port, certificate for 127.0.0.1 signed by a throwaway CA whose
                                 certificate is .ca_file; XOAUTH2/OAUTHBEARER take HS256 JWTs from
                                 .oauth2_token() (plain logins still work, for append/clear)
  imap_mailbox_tls      function that one, emptied
  smtp_sink             function SmtpSink (aiosmtpd) on 127.0.0.1:<free port>
  smtp_pki              session  (ca_file, cert_file, key_file): a throwaway CA and a certificate
                                 for 127.0.0.1 it signed, made once with openssl for the SMTP sinks
  smtp_sink_starttls    function SmtpSink that requires STARTTLS (certificate from smtp_pki, CA in
                                 .ca_file) and AUTH as SMTP_USER / SMTP_PASSWORD, only after TLS
  smtp_sink_tls         function SmtpSink speaking implicit TLS (SMTPS), same certificate and AUTH
  redis_url             function "redis://127.0.0.1:6379/15", flushed before and after
  postgres_url          function SQLAlchemy URL whose connections use a fresh schema, dropped after
                                 (build_app swaps it for a migrated one made ahead: tests/migrated.py)
"""

from __future__ import annotations

import gc
import os
import shutil
import uuid

import pytest

from tests import migrated
from tests.servers import NO_IDLE_CAPABILITY, Dovecot, SmtpSink, make_test_pki, require_servers

REDIS_URL = os.environ.get("INTROLEDGER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
POSTGRES_URL = os.environ.get(
    "INTROLEDGER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _unavailable(what: str, reason: str, hint: str) -> None:
    msg = f"{what} unavailable: {reason}. {hint}"
    if require_servers():
        pytest.fail(f"{msg} (INTROLEDGER_REQUIRE_SERVERS=1, so this is a failure)", pytrace=False)
    pytest.skip(msg)


# ---- Dovecot ---------------------------------------------------------------------------------

_DOVECOT_HINT = "Install: apt-get install -y dovecot-imapd dovecot-lmtpd"


@pytest.fixture(scope="session")
def _dovecots():
    """Every Dovecot this run started; stopped together at the end (their ~1 s exits overlap)."""
    servers: list[Dovecot] = []
    yield servers
    for server in servers:
        server.terminate()
    for server in servers:
        server.stop()


def _start_dovecot(registry: list, **kwargs) -> Dovecot:
    if not Dovecot.available():
        _unavailable("Dovecot", "the `dovecot` binary is not on PATH", _DOVECOT_HINT)
    server = Dovecot(**kwargs).start()  # one that is installed but won't start is an error
    registry.append(server)
    return server


@pytest.fixture(scope="session")
def dovecot(_dovecots):
    return _start_dovecot(_dovecots)


@pytest.fixture
def imap_mailbox(dovecot):
    dovecot.clear()
    return dovecot


@pytest.fixture(scope="session")
def dovecot_no_idle(_dovecots):
    return _start_dovecot(_dovecots, imap_capability=NO_IDLE_CAPABILITY)


@pytest.fixture
def imap_mailbox_no_idle(dovecot_no_idle):
    dovecot_no_idle.clear()
    return dovecot_no_idle


@pytest.fixture(scope="session")
def dovecot_tls(_dovecots):
    if shutil.which("openssl") is None:
        _unavailable("Dovecot with TLS", "the `openssl` command is not on PATH",
                     "Install: apt-get install -y openssl")
    return _start_dovecot(_dovecots, tls=True, oauth2=True)


@pytest.fixture
def imap_mailbox_tls(dovecot_tls):
    dovecot_tls.clear()
    return dovecot_tls


# ---- SMTP --------------------------------------------------------------------------------------


@pytest.fixture
def smtp_sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


SMTP_USER, SMTP_PASSWORD = "mailer", "s3cret-over-tls"


@pytest.fixture(scope="session")
def smtp_pki(tmp_path_factory):
    if shutil.which("openssl") is None:
        _unavailable("SMTP with TLS", "the `openssl` command is not on PATH",
                     "Install: apt-get install -y openssl")
    return make_test_pki(str(tmp_path_factory.mktemp("smtp-pki")))


@pytest.fixture
def smtp_sink_starttls(smtp_pki):
    sink = SmtpSink(auth=(SMTP_USER, SMTP_PASSWORD), security="starttls", pki=smtp_pki).start()
    yield sink
    sink.stop()


@pytest.fixture
def smtp_sink_tls(smtp_pki):
    sink = SmtpSink(auth=(SMTP_USER, SMTP_PASSWORD), security="tls", pki=smtp_pki).start()
    yield sink
    sink.stop()


# ---- Redis -------------------------------------------------------------------------------------

_REDIS_HINT = (
    'Start: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no'
)


@pytest.fixture
def redis_url():
    try:
        import redis
    except ImportError as e:
        _unavailable("Redis", f"python package redis missing ({e})", "pip install redis")
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=3, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as e:
        client.close()
        _unavailable("Redis", f"{REDIS_URL} does not answer ({e})", _REDIS_HINT)
    client.flushdb()
    try:
        yield REDIS_URL
    finally:
        try:
            client.flushdb()
        finally:
            client.close()


# ---- PostgreSQL ----------------------------------------------------------------------------------

_PG_HINT = "Start: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"


@pytest.fixture(scope="session")
def _postgres_admin():
    try:
        import sqlalchemy as sa
    except ImportError as e:
        _unavailable("PostgreSQL", f"python package missing ({e})", "pip install sqlalchemy psycopg[binary]")
    try:
        engine = sa.create_engine(
            POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
        )
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as e:  # noqa: BLE001 - ImportError of the driver, OperationalError, ...
        _unavailable("PostgreSQL", f"{POSTGRES_URL} does not answer ({type(e).__name__}: {e})", _PG_HINT)
    yield engine
    migrated.close()
    engine.dispose()


@pytest.fixture
def postgres_url(_postgres_admin):
    """URL like postgresql+psycopg://postgres@127.0.0.1:5432/test?application_name=t_<hex>&options=-csynchronous_commit%3Doff%20-csearch_path%3Dt_<hex>

    Every connection opened with it has search_path = a schema made for this test alone, so
    unqualified CREATE TABLE / SELECT land there. After the test, connections still open with
    that application_name are terminated and the schema is dropped with CASCADE. (build_app
    swaps the empty schema for a migrated one of the same name: tests/migrated.py.)
    """
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with _postgres_admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in POSTGRES_URL else "?"
    # synchronous_commit=off: a commit does not wait for the WAL to reach the disk (3 ms each here,
    # ~0.1 ms without); a test never outlives a crash of the server, so nothing it checks changes.
    url = f"{POSTGRES_URL}{sep}application_name={schema}&options=-csynchronous_commit%3Doff%20-csearch_path%3D{schema}"
    migrated.new_schema(url, schema)
    try:
        yield url
    finally:
        # Connections the test dropped without closing are still checked out until the garbage
        # collector finds them; collect now, while their backend lives, so SQLAlchemy returns
        # them quietly. (Left for later, a finalizer that hits the terminated backend below can
        # fire inside pytest's assertion rewriter and crash CPython 3.11.7's ast module:
        # "SystemError: AST constructor recursion depth mismatch" at the end of the run.)
        gc.collect()
        with _postgres_admin.connect() as conn:
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %(s)s AND pid <> pg_backend_pid()",
                {"s": schema},
            )
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        migrated.forget(url)
