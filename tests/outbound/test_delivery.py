"""Sending for real: outbox → dramatiq on Redis → aiosmtpd, with failures on every side."""
import shutil
import subprocess
import time
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from models import OptOut, OutboxMessage
from tests import mailgen
from tests.conftest import build_app
from tests.servers import free_port, require_servers
from tests.sources.test_imap import wait_until
from worker.app import bootstrap
from worker.inbound.pipeline import Origin
from worker.outbound.broker import start_worker

FILE = Origin("file", "t")
CAROL = ("Carol Jensen", "carol@x.example")
DANA = ("Dana Whitfield", "dana@danabooks.example")


def outbound_settings(sink, **extra) -> dict:
    return {"transport": "smtp", "quiet_hours": None,
            "smtp": {"host": sink.host, "port": sink.port, "security": "none", "timeout_seconds": 5}, **extra}


def make_app(tmp_path, database_url, sink, clock, broker_url="memory://", **extra):
    return build_app(tmp_path, database_url, now=clock, broker_url=broker_url,
                     thank_you={"delay_seconds": 0}, outbound=outbound_settings(sink, **extra))


def queue_thank_you(app, clock, i=1) -> int:
    raw = mailgen.intro(i, introducer=CAROL, a=(f"Alice {i}", f"alice{i}@y.example"), b=DANA, when=clock.current)
    app.pipeline.process(raw, FILE)
    with app.sessions() as s:
        return s.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()))


def row(app, outbox_id) -> OutboxMessage:
    with app.sessions() as s:
        return s.get(OutboxMessage, outbox_id)


def wait_for(predicate, timeout=20.0) -> bool:
    return wait_until(predicate, timeout)


# --- one attempt at a time (Deliverer), on SQLite and PostgreSQL ---------------------------


@pytest.fixture
def app(tmp_path, database_url, smtp_sink, clock):
    built = make_app(tmp_path, database_url, smtp_sink, clock)
    yield built
    built.engine.dispose()


def test_sent_once_with_threading_and_robot_headers(app, smtp_sink, clock):
    outbound = bootstrap.build_outbound(app)
    oid = queue_thank_you(app, clock)
    assert outbound.deliverer.deliver(oid) == "sent"
    assert outbound.deliverer.deliver(oid) == "skipped"  # a second delivery of the job
    [got] = smtp_sink.wait_for(1)
    msg = message_from_bytes(got.raw, policy=policy.default)
    assert got.rcpt_tos == ["carol@x.example"]
    assert msg["Subject"] == "Thank you for the introduction to Alice 1"
    assert msg["In-Reply-To"] == "<gen1.gmail@mail.gmail.example>"
    assert msg["References"] == "<gen1.gmail@mail.gmail.example>"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Introledger-Loop"] == "intros@example.com"
    assert msg["Reply-To"] == "Dana Whitfield <dana@danabooks.example>"
    sent = row(app, oid)
    assert sent.status == "sent" and f"<{sent.message_id}>" == msg["Message-ID"] and sent.sent_at
    outbound.close()


def test_5xx_fails_with_the_servers_reply_and_is_not_retried(app, smtp_sink, clock):
    """A refusal of our mail (not of the address: that bounces, tests/outbound/test_bounce_e2e.py)."""
    outbound = bootstrap.build_outbound(app)
    oid = queue_thank_you(app, clock)
    smtp_sink.fail_next("554 5.7.1 message refused as spam")
    assert outbound.deliverer.deliver(oid) == "failed"
    failed = row(app, oid)
    assert failed.status == "failed" and failed.last_error == "554 5.7.1 message refused as spam"
    assert outbound.deliverer.deliver(oid) == "skipped"
    assert smtp_sink.messages == []


def test_4xx_and_dropped_connections_release_for_a_retry(app, smtp_sink, clock):
    outbound = bootstrap.build_outbound(app)
    oid = queue_thank_you(app, clock)
    smtp_sink.fail_next("451 4.3.0 try later")
    assert outbound.deliverer.deliver(oid) == "retry"
    waiting = row(app, oid)
    assert (waiting.status, waiting.attempts, waiting.last_error) == ("queued", 1, "451 4.3.0 try later")
    assert waiting.not_before > clock.current  # later, on the backoff schedule
    assert outbound.deliverer.deliver(oid) == "skipped"  # not due yet
    clock.current = waiting.not_before
    smtp_sink.drop_next(stage="rcpt")  # before DATA (after it, tests/outbound/test_at_most_once.py)
    assert outbound.deliverer.deliver(oid) == "retry"
    assert "SMTPServerDisconnected" in row(app, oid).last_error
    clock.current = row(app, oid).not_before
    assert outbound.deliverer.deliver(oid) == "sent"
    assert (row(app, oid).attempts, len(smtp_sink.messages)) == (3, 1)


def test_gives_up_after_max_attempts(tmp_path, sqlite_url, smtp_sink, clock):
    app = make_app(tmp_path, sqlite_url, smtp_sink, clock, max_attempts=2)
    outbound = bootstrap.build_outbound(app)
    oid = queue_thank_you(app, clock)
    smtp_sink.fail_all("421 4.7.0 closing")
    assert outbound.deliverer.deliver(oid) == "retry"
    clock.current = row(app, oid).not_before
    assert outbound.deliverer.deliver(oid) == "failed"
    assert row(app, oid).last_error.startswith("gave up after 2 attempts: 421")


def test_opt_out_and_daily_cap_are_checked_at_send_time(tmp_path, sqlite_url, smtp_sink, clock):
    app = make_app(tmp_path, sqlite_url, smtp_sink, clock, per_recipient_per_day=1)
    outbound = bootstrap.build_outbound(app)
    first = queue_thank_you(app, clock, 1)
    with app.sessions.begin() as s:  # a second member thanks Carol the same day
        s.add(OutboxMessage(dedupe_key="other", kind="thank_you", status="queued", referral_ids=[],
                            from_addr="marco@rossi-marketing.example", to_addr="carol@x.example",
                            subject="Thanks", text_body="Thanks!", not_before=clock.current, attempts=0))
    second = first + 1
    assert outbound.deliverer.deliver(first) == "sent"
    assert outbound.deliverer.deliver(second) == "deferred"
    deferred = row(app, second)
    assert (deferred.status, deferred.reason) == ("queued", "deferred: daily cap of 1 mails to carol@x.example")
    # until the first mail is a day old: then the second fits
    assert deferred.not_before == clock.current + timedelta(days=1, seconds=1)
    assert outbound.deliverer.deliver(second) == "skipped"  # not due yet
    clock.advance(days=1, seconds=1)
    assert outbound.deliverer.deliver(second) == "sent"
    clock.advance(days=2)
    third = queue_thank_you(app, clock, 3)
    with app.sessions.begin() as s:
        s.add(OptOut(email="carol@x.example"))
    assert outbound.deliverer.deliver(third) == "suppressed"
    assert row(app, third).reason == "carol@x.example opted out of our mail"
    assert len(smtp_sink.messages) == 2


def test_a_worker_that_died_mid_send_is_replaced_after_the_timeout(app, smtp_sink, clock):
    outbound = bootstrap.build_outbound(app)
    oid = queue_thank_you(app, clock)
    outbound.deliverer._claim(oid)  # claimed, then the process died before sending
    assert row(app, oid).status == "sending"
    sent_ids = []
    outbound.sweep.enqueue = sent_ids.append
    outbound.sweep()
    assert sent_ids == []  # still within the timeout: the worker may yet finish
    clock.advance(seconds=901)  # outbound.sending_timeout_seconds
    outbound.sweep()
    assert sent_ids == [oid]
    assert outbound.deliverer.deliver(oid) == "sent"
    assert len(smtp_sink.messages) == 1


def test_a_mail_that_kills_every_worker_fails_after_max_attempts(tmp_path, sqlite_url, smtp_sink, clock):
    app = make_app(tmp_path, sqlite_url, smtp_sink, clock, max_attempts=3)
    outbound = bootstrap.build_outbound(app)
    outbound.sweep.enqueue = lambda outbox_id: None
    oid = queue_thank_you(app, clock)
    for attempt in range(1, 4):
        outbound.deliverer._claim(oid)  # claimed, then the worker died, every time
        assert row(app, oid).attempts == attempt
        clock.advance(seconds=901)  # outbound.sending_timeout_seconds
        outbound.sweep()
    gone = row(app, oid)
    assert gone.status == "failed" and gone.last_error.startswith("gave up after 3 attempts")
    assert outbound.deliverer.deliver(oid) == "skipped" and smtp_sink.messages == []
    app.engine.dispose()


# --- the real queue: dramatiq on Redis ------------------------------------------------------


def test_thank_you_goes_out_once_through_redis_and_dramatiq(tmp_path, sqlite_url, smtp_sink, clock, redis_url):
    app = make_app(tmp_path, sqlite_url, smtp_sink, clock, broker_url=redis_url)
    outbound = bootstrap.build_outbound(app)
    oids = [queue_thank_you(app, clock, i) for i in (1, 2)]  # merged: one mail for both
    assert oids[0] == oids[1]
    worker = start_worker(outbound.broker)
    try:
        assert outbound.sweep() == 1
        outbound.actor.send(oids[0])  # the same job twice: still one mail
        assert wait_for(lambda: row(app, oids[0]).status == "sent")
        time.sleep(0.5)
    finally:
        worker.stop()
        outbound.close()
    assert len(smtp_sink.messages) == 1


def test_transient_smtp_failures_are_retried_by_the_queue(tmp_path, sqlite_url, smtp_sink, clock, redis_url):
    app = make_app(tmp_path, sqlite_url, smtp_sink, clock, broker_url=redis_url)
    outbound = bootstrap.build_outbound(app)
    oid = queue_thank_you(app, clock)
    smtp_sink.fail_next("452 4.3.1 insufficient storage", count=2)
    worker = start_worker(outbound.broker)
    try:
        for attempt in (1, 2, 3):  # each failure reschedules the row; the sweep nudges it when due
            assert outbound.sweep() == 1
            assert wait_for(lambda n=attempt: (r := row(app, oid)).attempts == n and r.status != "sending", timeout=30)
            clock.current = max(clock.current, row(app, oid).not_before)
        assert row(app, oid).status == "sent"
    finally:
        worker.stop()
        outbound.close()
    assert (row(app, oid).attempts, len(smtp_sink.messages)) == (3, 1)


@pytest.fixture
def private_redis():
    """A Redis of our own, so a test can stop and restart it without touching the shared one."""
    binary = shutil.which("redis-server")
    if binary is None:
        if require_servers():
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    port = free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]

    class Server:
        url = f"redis://127.0.0.1:{port}/0"

        def start(self):
            self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL)
            import redis
            assert wait_for(lambda: _pings(redis.Redis(port=port)), 10)

        def stop(self):
            self.proc.terminate()
            self.proc.wait(10)

    server = Server()
    server.start()
    yield server
    server.stop()


def _pings(client) -> bool:
    import redis
    try:
        return client.ping()
    except redis.RedisError:
        return False


def test_redis_down_loses_no_mail(tmp_path, sqlite_url, smtp_sink, clock, private_redis):
    app = make_app(tmp_path, sqlite_url, smtp_sink, clock, broker_url=private_redis.url)
    outbound = bootstrap.build_outbound(app)
    worker = start_worker(outbound.broker)
    try:
        first = queue_thank_you(app, clock, 1)
        outbound.sweep()
        assert wait_for(lambda: row(app, first).status == "sent")
        private_redis.stop()
        clock.advance(days=1)
        second = queue_thank_you(app, clock, 2)  # the intro is logged and its mail queued anyway
        assert outbound.sweep() == 0  # the queue is down: the row waits in the database
        assert row(app, second).status == "queued"
        private_redis.start()  # empty: whatever it held is gone
        assert wait_for(lambda: outbound.sweep() == 1, timeout=20)
        assert wait_for(lambda: row(app, second).status == "sent", timeout=30)
    finally:
        worker.stop()
        outbound.close()
    assert sorted(m.rcpt_tos[0] for m in smtp_sink.messages) == ["carol@x.example"] * 2


@pytest.mark.servers
def test_smtp_auth_comes_from_the_environment(tmp_path, sqlite_url, clock):
    from tests.servers import SmtpSink

    with SmtpSink(auth=("mailer", "s3cret")) as sink:
        smtp = {"host": sink.host, "port": sink.port, "security": "none", "username": "mailer",
                "password_env": "TEST_SMTP_PW"}
        for password, expected in (("wrong", "failed"), ("s3cret", "sent")):
            app = build_app(tmp_path / password, sqlite_url.replace("test.db", f"{password}.db"),
                            {"TEST_SMTP_PW": password}, now=clock, thank_you={"delay_seconds": 0},
                            outbound={"transport": "smtp", "quiet_hours": None, "smtp": smtp})
            outbound = bootstrap.build_outbound(app)
            oid = queue_thank_you(app, clock)
            assert outbound.deliverer.deliver(oid) == expected
            if expected == "failed":
                assert row(app, oid).last_error.startswith("535")
        assert len(sink.messages) == 1
