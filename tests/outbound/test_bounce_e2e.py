"""Bounces against the real parts, as a user runs them: a thank-you goes out through aiosmtpd, the
mail server's report about it comes back into Dovecot by LMTP (with the null sender, as a real MTA
delivers one), `run --once` reads it, the row is bounced, the next mail to the address is held,
`doctor` says so, `outbox unpause` resumes. And the synchronous path: the SMTP server refusing the
recipient at RCPT or DATA."""
import json
from datetime import UTC, datetime
from email import message_from_bytes

import pytest
from sqlalchemy import select

from models import OutboxMessage, PausedAddress
from tests import dsn, mailgen
from tests.cli.test_cli import cli
from tests.outbound.test_delivery import make_app, queue_thank_you, row
from worker.app import bootstrap

pytestmark = pytest.mark.sqlite_only(reason=(
    "the mail path through Dovecot and SMTP; PostgreSQL under it is tests/system/test_season.py's"
))

CAROL = ("Carol Jensen", "carol@x.example")
USER_UNKNOWN = "550 5.1.1 <carol@x.example>: Recipient address rejected: User unknown in virtual mailbox table"


def _config_file(tmp_path, mailbox, sink) -> None:
    (tmp_path / "config.yaml").write_text(
        "tracking: {address: intros@example.com}\n"
        "members:\n  - {name: Dana Whitfield, emails: [dana@danabooks.example]}\n"
        "  - {name: Marco Rossi, emails: [marco@rossi-marketing.example]}\n"
        "thank_you: {delay_seconds: 0}\n"
        f"source: {{kind: imap, imap: {{host: {mailbox.host}, port: {mailbox.port}, security: none, "
        f"username: {mailbox.user}, password_env: TEST_IMAP_PASSWORD, timeout_seconds: 10}}}}\n"
        "outbound:\n  transport: smtp\n  quiet_hours: null\n"
        f"  smtp: {{host: {sink.host}, port: {sink.port}, security: none, timeout_seconds: 5}}\n")


def _outbox(tmp_path, env) -> list[dict]:
    return json.loads(cli("outbox", "--json", cwd=tmp_path, env=env).stdout)


def test_a_report_in_the_inbox_bounces_the_thank_you_and_holds_the_next_mail(tmp_path, imap_mailbox, smtp_sink):
    env = {"TEST_IMAP_PASSWORD": imap_mailbox.password}
    _config_file(tmp_path, imap_mailbox, smtp_sink)
    cli("db", "upgrade", cwd=tmp_path, env=env)
    now = datetime.now(UTC)
    imap_mailbox.append(mailgen.intro(1, introducer=CAROL, a=("Alice Brook", "alice@y.example"),
                                      b=("Dana Whitfield", "dana@danabooks.example"), when=now))
    cli("run", "--once", cwd=tmp_path, env=env)
    [thanks] = smtp_sink.wait_for(1)
    assert thanks.rcpt_tos == ["carol@x.example"]

    # Carol's server refuses it after our relay took it: the relay's report comes back to us.
    imap_mailbox.deliver_lmtp(dsn.postfix(thanks.raw), rcpt=imap_mailbox.user, mail_from="")
    cli("run", "--once", cwd=tmp_path, env=env)
    [bounced] = _outbox(tmp_path, env)
    assert (bounced["status"], bounced["last_error"]) == ("bounced", USER_UNKNOWN)
    assert bounced["reason"] == "bounced; mail to carol@x.example paused (the address does not exist)"
    listing = cli("outbox", "--status", "bounced", cwd=tmp_path, env=env).stdout
    assert "bounced" in listing and "User unknown" in listing and "mail to carol@x.example paused" in listing

    # Carol introduces someone to Marco: his thank-you to her is held, not sent.
    imap_mailbox.append(mailgen.intro(2, introducer=CAROL, a=("Ben Okafor", "ben@okafor-photo.example"),
                                      b=("Marco Rossi", "marco@rossi-marketing.example"), when=now))
    cli("run", "--once", cwd=tmp_path, env=env)
    held = _outbox(tmp_path, env)[1]
    assert held["status"] == "suppressed" and held["to"] == "carol@x.example"
    assert held["reason"].startswith("not sent: mail to carol@x.example is paused since ")
    assert held["reason"].endswith(USER_UNKNOWN)
    assert len(smtp_sink.messages) == 1  # and the report itself was never answered

    doctor = cli("doctor", cwd=tmp_path, env=env).stdout  # a warning, not a failure
    assert (f"! outbox: mail to carol@x.example paused since {now:%Y-%m-%d}: {USER_UNKNOWN} — "
            "`introledger outbox unpause carol@x.example` to resume") in " ".join(doctor.split("\n"))

    out = cli("outbox", "unpause", "carol@x.example", cwd=tmp_path, env=env).stdout
    assert "mail to carol@x.example resumes" in out and f"({held['id']})" in out
    assert "paused" not in cli("doctor", cwd=tmp_path, env=env).stdout
    cli("outbox", "retry", str(held["id"]), cwd=tmp_path, env=env)
    cli("run", "--once", cwd=tmp_path, env=env)
    assert [m.rcpt_tos for m in smtp_sink.wait_for(2)] == [["carol@x.example"], ["carol@x.example"]]
    assert "Ben Okafor" in message_from_bytes(smtp_sink.messages[1].raw)["Subject"]


# --- refused while sending: 5xx at RCPT or at the end of DATA -------------------------------------


@pytest.fixture
def app(tmp_path, database_url, smtp_sink, clock):
    built = make_app(tmp_path, database_url, smtp_sink, clock)
    yield built
    built.engine.dispose()


def _paused(app) -> dict[str, PausedAddress]:
    with app.sessions() as s:
        return {p.email: p for p in s.scalars(select(PausedAddress))}


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_a_recipient_refused_for_good_bounces_and_pauses(app, smtp_sink, clock, stage):
    outbound = bootstrap.build_outbound(app)
    oid = queue_thank_you(app, clock)
    smtp_sink.fail_next(USER_UNKNOWN, stage=stage)
    assert outbound.deliverer.deliver(oid) == "bounced"
    got = row(app, oid)
    assert (got.status, got.last_error) == ("bounced", USER_UNKNOWN)
    assert got.reason == "bounced; mail to carol@x.example paused (the address does not exist)"
    pause = _paused(app)["carol@x.example"]
    assert (pause.how, pause.outbox_id, pause.reason) == ("smtp", oid, USER_UNKNOWN)

    clock.advance(days=1)
    second = queue_thank_you(app, clock, 2)
    assert outbound.deliverer.deliver(second) == "suppressed"
    assert "is paused since" in row(app, second).reason
    assert smtp_sink.messages == []
    outbound.close()


def test_a_temporary_refusal_of_the_recipient_is_retried(app, smtp_sink, clock):
    outbound = bootstrap.build_outbound(app)
    oid = queue_thank_you(app, clock)
    smtp_sink.fail_next("450 4.2.0 <carol@x.example>: Recipient address rejected: Greylisted", stage="rcpt")
    assert outbound.deliverer.deliver(oid) == "retry"
    assert row(app, oid).status == "queued" and _paused(app) == {}
    outbound.close()


@pytest.mark.parametrize("stage, reply", [
    ("rcpt", "554 5.7.1 <carol@x.example>: Relay access denied"),  # our relay's set-up
    ("data", "554 5.7.1 Message rejected as spam"),  # our mail
    ("mail", "553 5.1.8 <intros@example.com>: Sender address rejected: Domain not found"),  # our sender
])
def test_a_refusal_of_our_mail_or_server_fails_and_pauses_nobody(app, smtp_sink, clock, stage, reply):
    """Not Carol's fault: the row fails (`outbox retry --failed` after the fix), nobody is paused."""
    outbound = bootstrap.build_outbound(app)
    oid = queue_thank_you(app, clock)
    smtp_sink.fail_next(reply, stage=stage)
    assert outbound.deliverer.deliver(oid) == "failed"
    assert (row(app, oid).status, row(app, oid).last_error) == ("failed", reply)
    assert _paused(app) == {}
    outbound.close()


def test_rows_of_other_addresses_are_untouched(app, smtp_sink, clock):
    outbound = bootstrap.build_outbound(app)
    oid = queue_thank_you(app, clock)
    smtp_sink.fail_next(USER_UNKNOWN, stage="rcpt")
    outbound.deliverer.deliver(oid)
    with app.sessions() as s:
        assert list(s.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id))) == ["bounced"]
    outbound.close()
