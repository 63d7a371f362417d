"""Internationalised addresses (SMTPUTF8) and errors nobody planned for, on the way out."""
from email import message_from_string, policy

import pytest
from sqlalchemy import select

from models import OutboxMessage
from tests import mailgen
from tests.outbound.test_delivery import DANA, FILE, make_app, row
from tests.servers import SmtpSink
from worker.app import bootstrap
from worker.outbound import mailer

pytestmark = pytest.mark.servers  # a real SMTP server on 127.0.0.1 in every test

JURGEN = ("Jürgen Müller", "jürgen@bücher.example")


def thank_jurgen(app, clock) -> int:
    raw = mailgen.intro(1, introducer=JURGEN, a=("Alice One", "alice1@y.example"), b=DANA, when=clock.current)
    app.pipeline.process(raw, FILE)
    with app.sessions() as s:
        return s.scalar(select(OutboxMessage.id).where(OutboxMessage.to_addr == JURGEN[1]))


def test_an_internationalised_address_goes_out_over_smtputf8(tmp_path, sqlite_url, clock):
    sink = SmtpSink().start()
    try:
        app = make_app(tmp_path, sqlite_url, sink, clock)
        outbox_id = thank_jurgen(app, clock)
        assert outbox_id is not None
        assert bootstrap.build_outbound(app).deliverer.deliver(outbox_id) == "sent"
        [got] = sink.wait_for(1)
        # aiosmtpd keeps envelope bytes it did not expect as surrogate escapes
        assert [r.encode("utf-8", "surrogateescape").decode() for r in got.rcpt_tos] == [JURGEN[1]]
        msg = message_from_string(got.raw.decode("utf-8"), policy=policy.SMTPUTF8)  # raw UTF-8 headers
        assert msg["To"].addresses[0].addr_spec == JURGEN[1]
        assert "Jürgen" in msg.get_body(("plain",)).get_content()
        app.engine.dispose()
    finally:
        sink.stop()


def test_a_server_without_smtputf8_fails_the_row_saying_why(tmp_path, sqlite_url, clock):
    sink = SmtpSink(utf8=False).start()
    try:
        app = make_app(tmp_path, sqlite_url, sink, clock)
        outbox_id = thank_jurgen(app, clock)
        assert bootstrap.build_outbound(app).deliverer.deliver(outbox_id) == "failed"
        failed = row(app, outbox_id)
        assert failed.status == "failed"
        assert (f"{JURGEN[1]} is an internationalised address and {sink.host} does not offer SMTPUTF8"
                in failed.last_error)
        assert sink.messages == []

        # Once the server is fixed, every failed mail goes again in one command.
        from tests.cli.test_cli import cli

        (tmp_path / "config.yaml").write_text("tracking: {address: intros@example.com}\n")
        out = cli("outbox", "retry", "--failed", cwd=tmp_path, env={"INTROLEDGER_DATABASE_URL": sqlite_url}).stdout
        assert f"1 failed mail(s) queued again: #{outbox_id}" in out
        assert row(app, outbox_id).status == "queued" and row(app, outbox_id).attempts == 0
        app.engine.dispose()
    finally:
        sink.stop()


def test_an_unexpected_error_fails_the_row_instead_of_leaving_it_claimed(tmp_path, sqlite_url, smtp_sink, clock,
                                                                           monkeypatch):
    app = make_app(tmp_path, sqlite_url, smtp_sink, clock)
    raw = mailgen.intro(2, introducer=("Carol Jensen", "carol@x.example"), a=("Alice", "alice@y.example"), b=DANA,
                        when=clock.current)
    app.pipeline.process(raw, FILE)
    with app.sessions() as s:
        outbox_id = s.scalar(select(OutboxMessage.id))

    def broken(row, tracking, *secret):
        raise KeyError("a bug")
    monkeypatch.setattr(mailer, "build", broken)
    assert bootstrap.build_outbound(app).deliverer.deliver(outbox_id) == "failed"
    assert row(app, outbox_id).status == "failed"
    assert row(app, outbox_id).last_error == "internal error: KeyError: 'a bug'"
    app.engine.dispose()


@pytest.mark.parametrize(("lang", "greeting"), [("de", "vielen Dank"), ("fr", "Merci"), ("en", "Thank")])
def test_the_mail_sent_says_the_language_it_is_written_in(tmp_path, sqlite_url, smtp_sink, clock, lang, greeting):
    """Content-Language (RFC 3282) names the language of the template we wrote in, so the reader's
    client checks spelling and offers translation in that language, not in English."""
    app = make_app(tmp_path, sqlite_url, smtp_sink, clock)
    raw = mailgen.intro(3, lang=lang, introducer=("Carol Jensen", "carol@x.example"), a=("Alice", "alice@y.example"),
                        b=DANA, when=clock.current)
    app.pipeline.process(raw, FILE)
    with app.sessions() as s:
        outbox_id = s.scalar(select(OutboxMessage.id).where(OutboxMessage.to_addr == "carol@x.example"))
    assert bootstrap.build_outbound(app).deliverer.deliver(outbox_id) == "sent"
    [got] = smtp_sink.wait_for(1)
    msg = message_from_string(got.raw.decode("utf-8"), policy=policy.SMTPUTF8)
    assert msg["Content-Language"] == lang
    assert greeting.lower() in msg.get_body(("plain",)).get_content().lower()
    app.engine.dispose()
