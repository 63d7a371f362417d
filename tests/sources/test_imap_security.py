"""Transport security and XOAUTH2 against a real Dovecot: `security: tls` (implicit TLS),
`security: starttls`, `ca_file` for a private CA, certificate verification on by default, and
`auth: xoauth2` with a bearer token Dovecot validates itself (HS256 JWT, oauth2 passdb).

The server is the session-scoped `dovecot_tls` (tests/fixtures_servers.py): its certificate is for
IP 127.0.0.1 only, signed by a throwaway CA made for this run (`dovecot_tls.ca_file`).
"""
import ssl
import time

import pytest
from imapclient.exceptions import LoginError
from sqlalchemy import func, select

from models import InboundMessage, Referral
from tests import mailgen
from tests.conftest import build_app
from worker.app.live import imap_account
from worker.sources.imap import ImapAccount, connect
from worker.sources.runner import Runner

PASSWORD_ENV = "TEST_IMAP_PASSWORD"
TOKEN_ENV = "TEST_IMAP_TOKEN"


def source(server, security: str, ca_file: str | None, **extra) -> dict:
    port = server.imaps_port if security == "tls" else server.port
    imap = {"host": server.host, "port": port, "security": security, "username": server.user,
            "password_env": PASSWORD_ENV, "oauth_token_env": TOKEN_ENV, "timeout_seconds": 10,
            **extra}
    if ca_file is not None:
        imap["ca_file"] = ca_file
    return {"kind": "imap", "imap": imap}


@pytest.fixture
def make_app(tmp_path, sqlite_url):
    """build(server, security, ca_file, env=..., **imap settings) -> App on a fresh SQLite db."""
    built = []

    def build(server, security, ca_file, env=None, **extra):
        env = {PASSWORD_ENV: server.password} if env is None else env
        app = build_app(tmp_path, sqlite_url, env, source=source(server, security, ca_file, **extra))
        built.append(app)
        return app

    yield build
    for app in built:
        app.engine.dispose()


def count(app, model) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def logs_one_referral(app, server) -> None:
    """An intro APPENDed to the mailbox becomes a referral through this app's IMAP settings."""
    server.append(mailgen.intro(1))
    outcomes = Runner(app.pipeline, app.sessions).imap_once(imap_account(app))
    assert [o.kind for o in outcomes] == ["double_intro"]
    assert count(app, Referral) == 1


def log_lines(server) -> list[str]:
    with open(f"{server.dir}/dovecot.log", errors="replace") as f:
        return f.read().splitlines()


def logged_after(server, start: int, text: str, timeout: float = 3.0) -> bool:
    """Dovecot writes its log through a separate process: allow it a moment."""
    deadline = time.monotonic() + timeout
    while True:
        if any(text in line for line in log_lines(server)[start:]):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


# ---- implicit TLS (imaps) ---------------------------------------------------------------------


def test_implicit_tls_with_the_private_ca_logs_a_referral(make_app, imap_mailbox_tls):
    app = make_app(imap_mailbox_tls, "tls", imap_mailbox_tls.ca_file)
    client = connect(imap_account(app))
    try:
        sock = client.socket()
        assert isinstance(sock, ssl.SSLSocket)  # the whole session is TLS, not just upgraded
        assert sock.getpeercert()["subjectAltName"] == (("IP Address", "127.0.0.1"),)
    finally:
        client.logout()
    logs_one_referral(app, imap_mailbox_tls)


def test_implicit_tls_without_ca_file_is_refused(make_app, imap_mailbox_tls):
    """No ca_file means the system's CAs, which never signed this certificate: verification is
    on by default, so connect fails before any credential is sent."""
    app = make_app(imap_mailbox_tls, "tls", None)
    with pytest.raises(ssl.SSLCertVerificationError, match="unable to get local issuer"):
        connect(imap_account(app))
    imap_mailbox_tls.append(mailgen.intro(1))
    with pytest.raises(ssl.SSLCertVerificationError):
        Runner(app.pipeline, app.sessions).imap_once(imap_account(app))
    assert count(app, InboundMessage) == 0


def test_implicit_tls_checks_the_host_name(make_app, imap_mailbox_tls):
    """The right CA is not enough: the certificate names 127.0.0.1, not `localhost`."""
    app = make_app(imap_mailbox_tls, "tls", imap_mailbox_tls.ca_file, host="localhost")
    with pytest.raises(ssl.SSLCertVerificationError, match="mismatch|doesn't match"):
        connect(imap_account(app))


def test_a_ca_file_of_another_ca_is_refused(make_app, imap_mailbox_tls, tmp_path):
    """ca_file replaces trust, it does not add a bypass: a different CA's certificate fails."""
    from tests.servers import make_test_pki

    other_ca, _cert, _key = make_test_pki(str(tmp_path / "other-pki"))
    app = make_app(imap_mailbox_tls, "tls", other_ca)
    with pytest.raises(ssl.SSLCertVerificationError):
        connect(imap_account(app))


# ---- STARTTLS on the plain port ----------------------------------------------------------------


def test_starttls_with_the_private_ca_logs_a_referral(make_app, imap_mailbox_tls):
    app = make_app(imap_mailbox_tls, "starttls", imap_mailbox_tls.ca_file)
    client = connect(imap_account(app))
    try:
        sock = client.socket()
        assert isinstance(sock, ssl.SSLSocket)  # upgraded before LOGIN
        assert sock.getpeername()[1] == imap_mailbox_tls.port  # the plain IMAP port
    finally:
        client.logout()
    logs_one_referral(app, imap_mailbox_tls)


def test_starttls_without_ca_file_is_refused(make_app, imap_mailbox_tls):
    app = make_app(imap_mailbox_tls, "starttls", None)
    with pytest.raises(ssl.SSLCertVerificationError, match="unable to get local issuer"):
        connect(imap_account(app))


# ---- XOAUTH2 -----------------------------------------------------------------------------------


def test_xoauth2_with_a_valid_token_logs_a_referral(make_app, imap_mailbox_tls):
    server = imap_mailbox_tls
    # Only the token is in the environment: no password the app could fall back on.
    app = make_app(server, "tls", server.ca_file, env={TOKEN_ENV: server.oauth2_token()},
                   auth="xoauth2")
    start = len(log_lines(server))
    logs_one_referral(app, server)
    # server.append() logs in with PLAIN on its own connections; the app's login was XOAUTH2.
    assert logged_after(server, start, "Login: user=<test>, method=XOAUTH2")


# case -> (make the token, why Dovecot's oauth2 passdb refuses it, as it logs it)
BAD_TOKENS = {
    "signed with another key": (lambda s: s.oauth2_token(key=b"k" * 32),
                                "Incorrect JWT signature"),
    "expired": (lambda s: s.oauth2_token(lifetime=-60), "Token has expired"),
    "issued to another user": (lambda s: s.oauth2_token(user="mallory"),
                               "Username 'test' did not match 'mallory'"),
    "the password, not a token": (lambda s: s.password, "Not a JWT token"),
    "tampered claims": (lambda s: _tampered(s.oauth2_token(), s.oauth2_token(user="mallory")),
                        "Incorrect JWT signature"),
}


def _tampered(good: str, other: str) -> str:
    """`good`'s header and signature around `other`'s claims."""
    h, _claims, sig = good.split(".")
    return ".".join([h, other.split(".")[1], sig])


@pytest.mark.parametrize("case", list(BAD_TOKENS))
def test_xoauth2_refuses_a_bad_token(make_app, imap_mailbox_tls, case):
    server = imap_mailbox_tls
    make_token, reason = BAD_TOKENS[case]
    app = make_app(server, "tls", server.ca_file, env={TOKEN_ENV: make_token(server)},
                   auth="xoauth2")
    start = len(log_lines(server))
    with pytest.raises(LoginError, match="AUTHENTICATIONFAILED"):
        connect(imap_account(app))
    # refused by the token check itself, not by some accident of the set-up
    assert logged_after(server, start, f"oauth2 failed: Local validation failed: {reason}")


def test_xoauth2_over_starttls(dovecot_tls):
    """The shape a mail provider on port 143 would need: STARTTLS first, then XOAUTH2."""
    from worker.core.config import ImapConfig

    settings = ImapConfig(host=dovecot_tls.host, port=dovecot_tls.port, security="starttls",
                          ca_file=dovecot_tls.ca_file, username=dovecot_tls.user, auth="xoauth2",
                          timeout_seconds=10)
    client = connect(ImapAccount(settings, dovecot_tls.oauth2_token()))
    try:
        assert isinstance(client.socket(), ssl.SSLSocket)
        assert client.select_folder("INBOX", readonly=True)[b"UIDVALIDITY"]
    finally:
        client.logout()
