"""`introledger doctor` tries what `run` will need, against the real servers: the SMTP login, a
write to the database, the IMAP processed folder, and this deployment's Redis queue (the last two
in tests/sources/test_runner.py and tests/outbound/test_queues.py). Each problem is one line naming what to fix,
and the exit code is 1."""
import os
import subprocess
from contextlib import contextmanager

import pytest

from tests.cli.test_cli import cli
from tests.fixtures_servers import SMTP_PASSWORD, SMTP_USER

PASSWORD_ENV = "DOCTOR_SMTP_SECRET"


def _workdir(tmp_path, database_url: str, smtp: str = "") -> dict:
    (tmp_path / "config.yaml").write_text(
        "tracking: {address: intros@example.com}\n"
        f"database_url: {database_url}\n"
        "members:\n  - {name: Dana Whitfield, emails: [dana@danabooks.example]}\n" + smtp)
    env = {"INTROLEDGER_DATABASE_URL": database_url}
    cli("db", "upgrade", cwd=tmp_path, env=env)
    return env


def _smtp(sink, security: str, port: int | None = None) -> str:
    ca = f", ca_file: {sink.ca_file}" if security != "none" else ""
    return (f"outbound: {{transport: smtp, smtp: {{host: {sink.host}, port: {port or sink.port}, "
            f"security: {security}{ca}, username: {SMTP_USER}, password_env: {PASSWORD_ENV}, timeout_seconds: 5}}}}\n")


def _problems(result) -> list[str]:
    """The ✗ lines, each with the lines the terminal wrapped it onto."""
    problems: list[str] = []
    for line in result.stdout.splitlines():
        if line.startswith("✗"):
            problems.append(line[2:])
        elif problems and not line.startswith(("✓", "!", "+", "  ")):
            problems[-1] = problems[-1].rstrip() + " " + line.strip()
    return problems


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_doctor_logs_in_to_the_smtp_server_and_names_a_refused_login(tmp_path, sqlite_url, smtp_pki, security):
    from tests.servers import SmtpSink

    sink = SmtpSink(auth=(SMTP_USER, SMTP_PASSWORD), security=security, pki=smtp_pki).start()
    try:
        env = _workdir(tmp_path, sqlite_url, _smtp(sink, security))
        ok = cli("doctor", cwd=tmp_path, env={**env, PASSWORD_ENV: SMTP_PASSWORD})
        assert _problems(ok) == [] and "all answer" in ok.stdout
        # QA trial: the success line named config, database, mailbox and broker but not SMTP, which it checks
        assert "config, database, mailbox, SMTP server and broker all answer" in ok.stdout
        assert sink.auth_attempts == [(SMTP_USER, True)]  # it really logged in (after TLS)

        wrong = cli("doctor", cwd=tmp_path, env={**env, PASSWORD_ENV: "not-the-password"}, ok=False)
        # Was: doctor never tried SMTP, passed, and every mail failed later.
        assert wrong.returncode == 1
        [problem] = _problems(wrong)
        assert problem.startswith("smtp: ") and f"{sink.host}:{sink.port}" in problem
        assert f"refused the login of '{SMTP_USER}'" in problem and f"${PASSWORD_ENV}" in problem
        assert sink.auth_attempts[-1] == (SMTP_USER, False)
        assert sink.messages == []  # a check, not a mail

        unset = cli("doctor", cwd=tmp_path, env=env, ok=False)
        assert f"${PASSWORD_ENV}, which is not set" in _problems(unset)[0]
    finally:
        sink.stop()


def test_doctor_names_an_smtp_server_that_does_not_answer(tmp_path, sqlite_url, smtp_sink):
    from tests.servers import free_port

    port = free_port()
    env = _workdir(tmp_path, sqlite_url, _smtp(smtp_sink, "none", port=port))
    result = cli("doctor", cwd=tmp_path, env={**env, PASSWORD_ENV: SMTP_PASSWORD}, ok=False)
    [problem] = _problems(result)
    assert problem.startswith(f"smtp: cannot reach SMTP server 127.0.0.1:{port} as '{SMTP_USER}'")
    assert "check outbound.smtp" in problem


@contextmanager
def _read_only(path):
    """The database file as a service user who may not write it sees it (root ignores the mode bits,
    so as root the file is made immutable)."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
    else:
        path.chmod(0o444)
    try:
        yield
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(0o644)


def test_doctor_says_a_read_only_sqlite_file_cannot_be_written(tmp_path, sqlite_url):
    env = _workdir(tmp_path, sqlite_url)
    assert _problems(cli("doctor", cwd=tmp_path, env=env)) == []
    with _read_only(tmp_path / "test.db"):
        result = cli("doctor", cwd=tmp_path, env=env, ok=False, real=True)
    # Was: doctor only read (the migration version), passed, and every message then failed.
    assert result.returncode == 1
    [problem] = _problems(result)
    assert problem.startswith(f"database: cannot write to {sqlite_url} (database is read-only:")
    assert "writable by the user introledger runs as" in problem


def test_doctor_says_a_read_only_postgresql_database_cannot_be_written(tmp_path, postgres_url):
    env = _workdir(tmp_path, postgres_url)
    assert _problems(cli("doctor", cwd=tmp_path, env=env)) == []
    # A hot standby, or a database set read-only: every transaction is read-only.
    read_only = postgres_url.replace("&options=", "&options=-cdefault_transaction_read_only%3Don%20")
    result = cli("doctor", cwd=tmp_path, env={"INTROLEDGER_DATABASE_URL": read_only}, ok=False)
    [problem] = _problems(result)
    assert problem.startswith("database: cannot write to postgresql+psycopg://")
    assert "read-only transaction" in problem
