"""Outages: retried over hours with jitter, one log line per retry, no traceback.

Issue 9, "Why" 4: backoff from 1 s and 8 attempts let a one-minute SMTP outage fail mail for
good, with two tracebacks per temporary failure. The schedule is worker/outbound/backoff.py (pure, tested
here and printed in docs/sending.md); the outage tests run against a real aiosmtpd.
"""
import logging
import random
from datetime import timedelta
from pathlib import Path

import pytest

from tests.outbound.test_delivery import make_app, queue_thank_you, row
from tests.servers import _Handler
from worker.app import bootstrap
from worker.core.config import OutboundConfig
from worker.outbound import backoff
from worker.outbound.broker import start_worker

DEFAULT_ATTEMPTS = OutboundConfig().max_attempts


def test_the_waits_grow_from_seconds_to_an_hour():
    waits = [backoff.nominal(a) for a in range(1, DEFAULT_ATTEMPTS)]
    assert waits[0] <= 10 and waits == sorted(waits)
    assert max(waits) == 3600 and waits[-1] == 3600


def test_each_wait_is_jittered_within_its_bounds_and_spreads_a_batch():
    rng = random.Random(9)
    for attempt in (1, 4, 30):
        draws = [backoff.schedule(attempt, rng).total_seconds() for _ in range(500)]
        low, high = backoff.nominal(attempt) * 0.8, backoff.nominal(attempt) * 1.2
        assert all(low <= d <= high for d in draws)
        assert len({round(d, 3) for d in draws}) > 400  # mails that failed together come back apart


def test_a_mail_rides_out_an_outage_of_most_of_two_days_and_a_short_one_costs_seconds():
    assert backoff.give_up_after(DEFAULT_ATTEMPTS) > timedelta(hours=40)
    assert backoff.give_up_after(4) <= timedelta(seconds=90)  # a one-minute outage: attempt 4 or 5 gets through


def test_the_documented_schedule_is_the_one_in_the_code():
    docs = (Path(__file__).parents[2] / "docs" / "sending.md").read_text()
    assert backoff.table(DEFAULT_ATTEMPTS) in docs


def _server_down(sink, how: str) -> None:
    if how == "refused":
        sink.controller.stop()
    else:
        sink.fail_all("421 4.3.2 Service not available, closing transmission channel", stage="mail")


def _server_up(sink, how: str) -> None:
    if how == "refused":  # the same server back on the same port, as after a restart
        from aiosmtpd.controller import Controller

        sink.controller = Controller(_Handler(sink), hostname=sink.host, port=sink.port, ready_timeout=10)
        sink.controller.start()
    else:
        sink.heal()


def _outage(app, sink, clock, how: str, lasting: timedelta, tries: int):
    """A thank-you queued while the SMTP server is down for `lasting`; the real actor on the
    in-process queue, the clock jumping to each retry. The outbox row at the end."""
    outbound = bootstrap.build_outbound(app)
    worker = start_worker(outbound.broker)
    oid = queue_thank_you(app, clock)
    back_at, down = clock.current + lasting, True
    _server_down(sink, how)
    try:
        for _ in range(tries):
            if down and clock.current >= back_at:
                _server_up(sink, how)
                down = False
            outbound.sweep()
            outbound.broker.join(outbound.actor.queue_name)
            worker.join()
            if row(app, oid).status != "queued":
                break
            clock.current = row(app, oid).not_before
    finally:
        worker.stop()
        outbound.close()
    return row(app, oid)


@pytest.mark.parametrize("how", ["refused", "421"])
def test_a_one_minute_smtp_outage_delivers_the_mail_with_one_log_line_per_retry(
        tmp_path, sqlite_url, smtp_sink, clock, caplog, how):
    app = make_app(tmp_path, sqlite_url, smtp_sink, clock)
    caplog.set_level(logging.INFO)
    sent = _outage(app, smtp_sink, clock, how, timedelta(seconds=60), tries=20)
    assert sent.status == "sent" and len(smtp_sink.messages) == 1
    retries = [r for r in caplog.records if "next in" in r.getMessage()]
    assert len(retries) == sent.attempts - 1 >= 3
    assert all(f"outbox #{sent.id}: attempt" in r.getMessage() and "\n" not in r.getMessage() for r in retries)
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []
    app.engine.dispose()


def test_a_six_hour_smtp_outage_still_delivers_the_mail(tmp_path, sqlite_url, smtp_sink, clock, caplog):
    """Was: the backoff started at 1 s and gave up after minutes (the mail failed for good)."""
    app = make_app(tmp_path, sqlite_url, smtp_sink, clock)
    caplog.set_level(logging.INFO)
    started = clock.current
    sent = _outage(app, smtp_sink, clock, "refused", timedelta(hours=6), tries=40)
    assert sent.status == "sent" and len(smtp_sink.messages) == 1
    assert sent.sent_at - started >= timedelta(hours=6) and sent.attempts >= 10
    assert [r for r in caplog.records if r.exc_info] == []  # one line per retry, never a traceback
    app.engine.dispose()


def test_our_own_bug_keeps_its_traceback(tmp_path, sqlite_url, smtp_sink, clock, caplog, monkeypatch):
    from worker.outbound import mailer

    app = make_app(tmp_path, sqlite_url, smtp_sink, clock)
    outbound = bootstrap.build_outbound(app)
    oid = queue_thank_you(app, clock)
    monkeypatch.setattr(mailer, "build", lambda row, tracking, *secret: 1 / 0)
    caplog.set_level(logging.INFO)
    assert outbound.deliverer.deliver(oid) == "failed"
    assert row(app, oid).last_error.startswith("internal error: ZeroDivisionError")
    [bug] = [r for r in caplog.records if r.exc_info]
    assert "unexpected error" in bug.getMessage()
    app.engine.dispose()


def test_a_job_lost_with_redis_is_nudged_again_at_the_next_sweep(tmp_path, database_url, smtp_sink, clock, redis_url):
    import redis

    from tests.outbound.test_delivery import wait_for

    app = make_app(tmp_path, database_url, smtp_sink, clock, broker_url=redis_url)
    outbound = bootstrap.build_outbound(app)
    oid = queue_thank_you(app, clock)
    assert outbound.sweep() == 1  # the job waits in Redis: no worker yet, as behind a backlog
    first_job = row(app, oid).job_id
    clock.advance(minutes=30)
    assert outbound.sweep() == 0  # Redis still holds it: a backlog is not doubled
    redis.Redis.from_url(redis_url).flushdb()  # Redis restarted empty
    clock.advance(seconds=5)  # the next sweep
    assert outbound.sweep() == 1  # noticed at once, not after a fixed 5 minutes
    assert row(app, oid).job_id not in (None, first_job)
    worker = start_worker(outbound.broker)
    try:
        assert wait_for(lambda: row(app, oid).status == "sent")
    finally:
        worker.stop()
        outbound.close()
    assert len(smtp_sink.messages) == 1
    app.engine.dispose()


def test_in_process_jobs_of_a_process_that_ended_are_nudged_again_by_the_next_one(
        tmp_path, sqlite_url, smtp_sink, clock):
    app = make_app(tmp_path, sqlite_url, smtp_sink, clock)  # broker_url: memory://
    oid = queue_thank_you(app, clock)
    assert bootstrap.build_outbound(app).sweep() == 1  # then that process ends, its queue with it
    clock.advance(seconds=11)
    after_restart = bootstrap.build_outbound(app)
    assert after_restart.sweep() == 1
    assert after_restart.sweep() == 0  # its own job is not presumed lost
    assert row(app, oid).status == "queued"
    app.engine.dispose()


def _record(text: str) -> logging.LogRecord:
    return logging.LogRecord("dramatiq.worker.ConsumerThread(outbox)", logging.CRITICAL, __file__, 1, text, (), None)


def test_a_redis_outage_is_one_warning_a_minute_not_four_lines_every_three_seconds():
    from worker.outbound.broker import QuietQueueOutage

    now = [0.0]
    quiet = QuietQueueOutage(clock=lambda: now[0])
    said = []
    for second in range(0, 120, 3):  # two minutes of dramatiq's two consumers failing to reconnect
        now[0] = float(second)
        for text in ("Consumer encountered a connection error: Error 111 connecting to 127.0.0.1:6379.",
                     "Restarting consumer in 3.00 seconds.") * 2:
            record = _record(text)
            if quiet.filter(record):
                said.append((record.levelname, record.getMessage()))
    assert said == [("WARNING", "queue unavailable, the worker retries every few seconds (said once a minute): "
                                "Error 111 connecting to 127.0.0.1:6379.")] * 2
    assert quiet.filter(_record("Consumer encountered an unexpected error.")) is True  # anything else as is


def test_the_sweep_says_the_queue_is_down_once_a_minute_not_every_sweep(tmp_path, sqlite_url, smtp_sink, clock, caplog):
    app = make_app(tmp_path, sqlite_url, smtp_sink, clock)
    outbound = bootstrap.build_outbound(app)
    oid = queue_thank_you(app, clock)

    def down(outbox_id):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    outbound.sweep.enqueue = down
    caplog.set_level(logging.INFO)
    for _ in range(10):  # ten sweeps in a row, the broker down
        assert outbound.sweep() == 0
    said = [r.getMessage() for r in caplog.records if "queue unavailable" in r.getMessage()]
    assert len(said) == 1 and "1 mail(s) wait in the outbox" in said[0]
    assert row(app, oid).status == "queued" and row(app, oid).nudged_at is None
    app.engine.dispose()


def test_our_bug_after_the_hand_over_leaves_the_mail_unconfirmed_not_failed(
        tmp_path, sqlite_url, smtp_sink, clock, caplog, monkeypatch):
    """A failed mail is sent again in bulk by `outbox retry --failed`; one that may have arrived must not be."""
    from worker.outbound import mailer

    class BrokenDotStuffing:  # a bug of ours between the hand-over marker and the end of DATA
        def sub(self, replacement, body):
            raise IndexError("bug")

    app = make_app(tmp_path, sqlite_url, smtp_sink, clock)
    outbound = bootstrap.build_outbound(app)
    oid = queue_thank_you(app, clock)
    monkeypatch.setattr(mailer, "_LEADING_DOT", BrokenDotStuffing())
    assert outbound.deliverer.deliver(oid) == "unconfirmed"
    assert row(app, oid).last_error.startswith("internal error:")
    assert [r for r in caplog.records if r.exc_info]  # our bug keeps its traceback
    outbound.close()
    app.engine.dispose()
