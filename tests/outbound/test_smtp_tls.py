"""Outgoing mail over TLS against a real TLS-speaking SMTP server (aiosmtpd, in process).

`outbound.smtp.security: starttls` and `tls` (implicit, SMTPS) with `ca_file` = a private CA,
AUTH with the password from the environment variable `password_env` names, and the refusals a
user relies on: an untrusted certificate, a wrong password, a server that offers no STARTTLS.

The sinks are `smtp_sink_starttls` / `smtp_sink_tls` (tests/fixtures_servers.py): their
certificate is for IP 127.0.0.1 only, signed by a throwaway CA made once per run (`smtp_pki`).
Every mail goes through the Deliverer: an outbox row queued by a real intro, then one attempt.
"""
from email import message_from_bytes, policy

import pytest

from tests.conftest import build_app
from tests.fixtures_servers import SMTP_PASSWORD, SMTP_USER
from tests.outbound.test_delivery import queue_thank_you, row
from tests.servers import SmtpSink, make_test_pki
from worker.app import bootstrap

pytestmark = pytest.mark.servers  # a real SMTP server on 127.0.0.1 in every test

PASSWORD_ENV = "TEST_OUTBOUND_SMTP_SECRET"  # not the default name: the config's choice is used
SUBJECT = "Thank you for the introduction to Alice 1"


@pytest.fixture
def send_via(tmp_path, sqlite_url, clock):
    """send_via(sink, security, ca_file=..., password=..., **smtp settings) -> (app, outbound)
    on a fresh SQLite database; `password` is put in the app's environment under PASSWORD_ENV
    (None: the variable is not set)."""
    built = []

    def build(sink, security, ca_file=None, password=SMTP_PASSWORD, **extra):
        smtp = {"host": sink.host, "port": sink.port, "security": security, "timeout_seconds": 5,
                "username": SMTP_USER, "password_env": PASSWORD_ENV, **extra}
        if ca_file is not None:
            smtp["ca_file"] = ca_file
        env = {PASSWORD_ENV: password} if password is not None else {}
        app = build_app(tmp_path, sqlite_url, env, now=clock, thank_you={"delay_seconds": 0},
                        outbound={"transport": "smtp", "quiet_hours": None, "smtp": smtp})
        outbound = bootstrap.build_outbound(app)
        built.append((app, outbound))
        return app, outbound

    yield build
    for app, outbound in built:
        outbound.close()
        app.engine.dispose()


def arrived_over_tls(sink) -> None:
    """The thank-you reached the sink, over TLS, from the authenticated user."""
    [got] = sink.wait_for(1)
    msg = message_from_bytes(got.raw, policy=policy.default)
    assert got.rcpt_tos == ["carol@x.example"]
    assert msg["To"] == "carol@x.example" and msg["Subject"] == SUBJECT
    assert got.tls and got.tls.startswith("TLSv1.")
    assert got.auth_user == SMTP_USER


def refused(app, outbound, clock, sink) -> str:
    """One attempt fails the row for good (not retried, nothing sent); returns its last_error."""
    oid = queue_thank_you(app, clock)
    assert outbound.deliverer.deliver(oid) == "failed"
    failed = row(app, oid)
    assert (failed.status, failed.attempts, failed.sent_at) == ("failed", 1, None)
    assert outbound.deliverer.deliver(oid) == "skipped"  # a failed row is not picked up again
    assert sink.messages == [] and sink.attempts == 0  # not even a MAIL FROM reached it
    return failed.last_error


# ---- it works -------------------------------------------------------------------------------


def test_starttls_with_the_private_ca_and_auth_from_the_environment(send_via, smtp_sink_starttls, clock):
    sink = smtp_sink_starttls
    app, outbound = send_via(sink, "starttls", ca_file=sink.ca_file)
    oid = queue_thank_you(app, clock)
    assert outbound.deliverer.deliver(oid) == "sent"
    arrived_over_tls(sink)  # the sink takes AUTH only after STARTTLS, and MAIL only after both
    assert sink.auth_attempts == [(SMTP_USER, True)]
    sent = row(app, oid)
    assert sent.status == "sent" and sent.sent_at and sent.last_error in (None, "")


def test_implicit_tls_with_the_private_ca(send_via, smtp_sink_tls, clock):
    sink = smtp_sink_tls
    app, outbound = send_via(sink, "tls", ca_file=sink.ca_file)
    oid = queue_thank_you(app, clock)
    assert outbound.deliverer.deliver(oid) == "sent"
    arrived_over_tls(sink)
    assert row(app, oid).status == "sent"


def test_one_tls_connection_carries_several_mails(send_via, smtp_sink_starttls, clock):
    """The connection is reused after the handshake and login (one AUTH for two mails)."""
    sink = smtp_sink_starttls
    app, outbound = send_via(sink, "starttls", ca_file=sink.ca_file)
    first = queue_thank_you(app, clock, 1)
    clock.advance(days=1)  # one thank-you per introducer a day: the next day's is a new mail
    second = queue_thank_you(app, clock, 2)
    assert [outbound.deliverer.deliver(i) for i in (first, second)] == ["sent", "sent"]
    assert len(sink.wait_for(2)) == 2
    assert sink.auth_attempts == [(SMTP_USER, True)]


# ---- an untrusted certificate ---------------------------------------------------------------


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_certificate_the_system_cas_never_signed_is_refused(send_via, smtp_pki, clock, security):
    """No ca_file means the system's CAs. The row fails at once with the host and the reason:
    retrying cannot make the certificate trusted (the queue's retries are over in minutes), a
    person must fix the configuration and `outbox retry` the row."""
    with SmtpSink(auth=(SMTP_USER, SMTP_PASSWORD), security=security, pki=smtp_pki) as sink:
        app, outbound = send_via(sink, security)
        error = refused(app, outbound, clock, sink)
        assert sink.auth_attempts == []  # the password never left the client
    assert f"{sink.host}:{sink.port}" in error
    assert "certificate" in error and "unable to get local issuer certificate" in error
    assert "ca_file" in error


def test_a_ca_file_of_another_ca_is_refused(send_via, smtp_sink_starttls, clock, tmp_path):
    """ca_file replaces trust, it does not switch checking off."""
    other_ca, _cert, _key = make_test_pki(str(tmp_path / "other-pki"))
    app, outbound = send_via(smtp_sink_starttls, "starttls", ca_file=other_ca)
    error = refused(app, outbound, clock, smtp_sink_starttls)
    assert "certificate" in error and "unable to get local issuer certificate" in error
    assert smtp_sink_starttls.auth_attempts == []


def test_the_right_ca_for_the_wrong_host_name_is_refused(send_via, smtp_sink_tls, clock):
    """The certificate names IP 127.0.0.1; `localhost` reaches the same server but is not it."""
    sink = smtp_sink_tls
    app, outbound = send_via(sink, "tls", ca_file=sink.ca_file, host="localhost")
    error = refused(app, outbound, clock, sink)
    assert f"localhost:{sink.port}" in error
    assert "certificate" in error and "not valid for 'localhost'" in error
    assert sink.auth_attempts == []


# ---- wrong or missing password ----------------------------------------------------------------


@pytest.mark.parametrize("password", ["not-the-password", None], ids=["wrong", "unset"])
def test_a_refused_login_fails_the_row_with_the_reason(send_via, smtp_sink_starttls, clock, password):
    """535 is the server's final word on these credentials: no retry, the reply kept first in
    last_error, then who we logged in as, where, and which variable held the password."""
    sink = smtp_sink_starttls
    app, outbound = send_via(sink, "starttls", ca_file=sink.ca_file, password=password)
    error = refused(app, outbound, clock, sink)
    assert error.startswith("535 5.7.8 Authentication credentials invalid")
    assert SMTP_USER in error and f"{sink.host}:{sink.port}" in error and PASSWORD_ENV in error
    if password is None:
        assert "not set" in error
    assert sink.auth_attempts and not any(ok for _user, ok in sink.auth_attempts)


# ---- never in clear text ----------------------------------------------------------------------


def test_starttls_refuses_a_server_that_does_not_offer_it(send_via, clock):
    """`security: starttls` must not fall back to clear text. This server accepts AUTH and mail
    in clear text, so falling back would have worked: nothing may reach it."""
    with SmtpSink(auth=(SMTP_USER, SMTP_PASSWORD), security="none") as sink:
        app, outbound = send_via(sink, "starttls")
        error = refused(app, outbound, clock, sink)
        assert sink.auth_attempts == []  # the password was not sent in clear text either
    assert f"{sink.host}:{sink.port}" in error and "STARTTLS" in error and "clear text" in error


def test_no_login_in_clear_text_to_a_server_that_wants_tls_first(send_via, smtp_sink_starttls, clock):
    """`security: none` with a username, against a server that offers AUTH only after STARTTLS:
    a configuration mistake retrying cannot fix; the error points at outbound.smtp.security."""
    sink = smtp_sink_starttls
    app, outbound = send_via(sink, "none")
    error = refused(app, outbound, clock, sink)
    assert sink.auth_attempts == []
    assert f"{sink.host}:{sink.port}" in error and "AUTH" in error and "security" in error
