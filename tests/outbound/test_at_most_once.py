"""At most once, against a real slow SMTP server (aiosmtpd that takes the mail, answers late).

Issue 9, "Why" 3: a server that has the mail but answers the end of DATA after the client's
timeout used to get it again at every retry (12 copies in 30 s). Now the answer is awaited
`data_timeout_seconds`, the hand-over is committed before DATA, and a mail handed over without an
answer is `unconfirmed`: nothing resends it by itself; a person retries or settles it.
"""
import json
from datetime import UTC
from email import message_from_bytes

import pytest
from sqlalchemy import select

from models import OutboxMessage
from tests.cli.test_cli import cli
from tests.conftest import make_config
from tests.outbound.test_delivery import make_app, queue_thank_you, row
from worker.app import bootstrap
from worker.core.config import ConfigError


def slow_app(tmp_path, database_url, sink, clock, *, timeout=1, data_timeout=8):
    """A client with a short command timeout, as the one that sent 12 copies had."""
    smtp = {"host": sink.host, "port": sink.port, "security": "none", "timeout_seconds": timeout,
            "data_timeout_seconds": data_timeout}
    return make_app(tmp_path, database_url, sink, clock, smtp=smtp, sending_timeout_seconds=60)


def test_a_slow_server_gets_one_copy_when_it_answers_after_the_command_timeout(
        tmp_path, database_url, smtp_sink, clock):
    app = slow_app(tmp_path, database_url, smtp_sink, clock, timeout=1, data_timeout=8)
    outbound = bootstrap.build_outbound(app)
    oid = queue_thank_you(app, clock)
    smtp_sink.answer_late(2)  # longer than the 1 s timeout of the other commands
    assert outbound.deliverer.deliver(oid) == "sent"
    clock.advance(hours=3)
    outbound.sweep.enqueue = outbound.deliverer.deliver
    outbound.sweep()
    assert row(app, oid).status == "sent"
    assert len(smtp_sink.messages) == 1
    outbound.close()
    app.engine.dispose()


def test_no_answer_after_the_mail_leaves_it_unconfirmed_and_nothing_resends_it(
        tmp_path, database_url, smtp_sink, clock):
    app = slow_app(tmp_path, database_url, smtp_sink, clock, timeout=1, data_timeout=0.5)
    outbound = bootstrap.build_outbound(app)
    oid = queue_thank_you(app, clock)
    smtp_sink.answer_late(3)  # the server has the mail; its answer comes after we stopped waiting
    assert outbound.deliverer.deliver(oid) == "unconfirmed"
    got = row(app, oid)
    assert got.status == "unconfirmed" and got.handed_over_at is not None
    assert "may or may not have arrived" in got.last_error
    smtp_sink.answer_late(0)
    nudged = []
    outbound.sweep.enqueue = nudged.append
    for _ in range(3):  # days of sweeps: never handed to the queue again
        clock.advance(days=1)
        outbound.sweep()
    assert nudged == [] and outbound.deliverer.deliver(oid) == "skipped"
    assert len(smtp_sink.messages) == 1
    outbound.close()
    app.engine.dispose()


def test_a_connection_dropped_after_the_mail_is_unconfirmed_but_one_dropped_before_is_retried(
        tmp_path, sqlite_url, smtp_sink, clock):
    app = slow_app(tmp_path, sqlite_url, smtp_sink, clock)
    outbound = bootstrap.build_outbound(app)
    before = queue_thank_you(app, clock, 1)
    clock.advance(days=1)  # another day's thank-you: its own mail
    after = queue_thank_you(app, clock, 2)
    smtp_sink.drop_next(stage="rcpt")  # no DATA yet: the server cannot have the mail
    assert outbound.deliverer.deliver(before) == "retry"
    assert (row(app, before).status, row(app, before).handed_over_at) == ("queued", None)
    smtp_sink.drop_next(stage="data")  # after the final dot: it may have the mail
    assert outbound.deliverer.deliver(after) == "unconfirmed"
    outbound.close()
    app.engine.dispose()


def test_a_worker_killed_after_handing_over_leaves_the_mail_unconfirmed(tmp_path, database_url, smtp_sink, clock):
    app = slow_app(tmp_path, database_url, smtp_sink, clock)
    outbound = bootstrap.build_outbound(app)
    nudged = []
    outbound.sweep.enqueue = nudged.append
    oid = queue_thank_you(app, clock)
    claimed = outbound.deliverer._claim(oid)
    outbound.deliverer._hand_over(oid, claimed.attempts)  # then kill -9, before the server answered
    clock.advance(seconds=61)
    outbound.sweep()
    got = row(app, oid)
    assert got.status == "unconfirmed" and "stopped answering" in got.last_error
    assert nudged == []
    app.engine.dispose()


def test_a_worker_whose_claim_was_taken_back_does_not_hand_the_mail_over(tmp_path, database_url, smtp_sink, clock):
    from worker.outbound.delivery import ClaimLost

    app = slow_app(tmp_path, database_url, smtp_sink, clock)
    outbound = bootstrap.build_outbound(app)
    outbound.sweep.enqueue = lambda outbox_id: None
    oid = queue_thank_you(app, clock)
    slow = outbound.deliverer._claim(oid)  # a worker stuck before DATA, longer than sending_timeout
    clock.advance(seconds=61)
    outbound.sweep()  # its claim is taken back ...
    assert outbound.deliverer.deliver(oid) == "sent"  # ... and another worker sends the mail
    with pytest.raises(ClaimLost):
        outbound.deliverer._hand_over(oid, slow.attempts)  # the stuck one wakes: it must not send
    assert len(smtp_sink.messages) == 1
    outbound.close()
    app.engine.dispose()


def _config_file(tmp_path, sink) -> None:
    (tmp_path / "config.yaml").write_text(
        "tracking: {address: intros@example.com}\n"
        "members:\n  - {name: Dana Whitfield, emails: [dana@danabooks.example]}\n"
        "thank_you: {delay_seconds: 0}\n"
        "outbound:\n  transport: smtp\n  quiet_hours: null\n  sending_timeout_seconds: 60\n"
        f"  smtp: {{host: {sink.host}, port: {sink.port}, security: none, timeout_seconds: 1, "
        "data_timeout_seconds: 0.5}\n"
    )


def test_a_person_retries_or_settles_unconfirmed_mail_from_the_command_line(tmp_path, smtp_sink):
    from datetime import datetime

    from tests import mailgen

    _config_file(tmp_path, smtp_sink)
    cli("db", "upgrade", cwd=tmp_path)
    now = datetime.now(UTC)
    for i, carol in enumerate(("carol@x.example", "zoe@z.example")):
        (tmp_path / f"intro{i}.eml").write_bytes(mailgen.intro(
            i, introducer=("Carol Jensen", carol), b=("Dana Whitfield", "dana@danabooks.example"), when=now))
    cli("ingest", "intro0.eml", "intro1.eml", cwd=tmp_path)
    smtp_sink.answer_late(3)
    cli("run", "--once", cwd=tmp_path)
    unconfirmed = json.loads(cli("outbox", "--status", "unconfirmed", "--json", cwd=tmp_path).stdout)
    assert [r["to"] for r in unconfirmed] == ["carol@x.example", "zoe@z.example"]
    assert all(r["handed_over_at"] and r["sent_at"] is None for r in unconfirmed)
    assert len(smtp_sink.messages) == 2  # the server has both; we could not know

    smtp_sink.answer_late(0)
    cli("run", "--once", cwd=tmp_path)  # nothing goes again by itself
    assert len(smtp_sink.messages) == 2
    carol, zoe = (r["id"] for r in unconfirmed)
    assert "is now queued" in cli("outbox", "retry", str(carol), cwd=tmp_path).stdout  # "Carol never got it"
    assert "is now cancelled" in cli("outbox", "cancel", str(zoe), cwd=tmp_path).stdout  # "Zoe did"
    cli("run", "--once", cwd=tmp_path)
    rows = {r["id"]: r for r in json.loads(cli("outbox", "--json", cwd=tmp_path).stdout)}
    assert (rows[carol]["status"], rows[zoe]["status"]) == ("sent", "cancelled")
    assert "settled by hand" in rows[zoe]["reason"]
    to_carol = [message_from_bytes(m.raw) for m in smtp_sink.messages if m.rcpt_tos == ["carol@x.example"]]
    # Two copies now, by a person's decision: one Message-ID, so clients can fold them into one.
    assert len(to_carol) == 2 and to_carol[0]["Message-ID"] == to_carol[1]["Message-ID"]
    assert f"<{rows[carol]['message_id']}>" == to_carol[0]["Message-ID"]


def test_doctor_names_mail_unconfirmed_for_over_a_day(tmp_path, smtp_sink):
    from datetime import datetime, timedelta

    from sqlalchemy import create_engine, update

    from tests import mailgen

    _config_file(tmp_path, smtp_sink)
    cli("db", "upgrade", cwd=tmp_path)
    (tmp_path / "intro.eml").write_bytes(mailgen.intro(
        1, introducer=("Carol Jensen", "carol@x.example"), b=("Dana Whitfield", "dana@danabooks.example"),
        when=datetime.now(UTC)))
    cli("ingest", "intro.eml", cwd=tmp_path)
    smtp_sink.answer_late(3)
    cli("run", "--once", cwd=tmp_path)
    assert "all answer" in cli("doctor", cwd=tmp_path).stdout  # unconfirmed an hour: not yet a problem
    engine = create_engine(f"sqlite:///{tmp_path / 'introledger.db'}")
    with engine.begin() as conn:
        conn.execute(update(OutboxMessage.__table__).values(
            handed_over_at=datetime.now(UTC) - timedelta(days=2)))
    engine.dispose()
    result = cli("doctor", cwd=tmp_path, ok=False)
    assert "outbox: 1 mail(s) unconfirmed for over a day (#1)" in result.stdout
    assert "outbox retry ID" in result.stdout


def test_the_sweep_must_not_give_up_on_a_worker_still_waiting_for_the_answer(tmp_path):
    with pytest.raises(ConfigError, match="sending_timeout_seconds .* must be longer"):
        make_config(tmp_path, "sqlite://", outbound={
            "transport": "smtp", "sending_timeout_seconds": 600,
            "smtp": {"host": "mail.example", "timeout_seconds": 30, "data_timeout_seconds": 600}})


def test_every_attempt_at_a_mail_carries_the_same_message_id(tmp_path, sqlite_url, clock):
    from worker.outbound.mailer import build

    app = make_app(tmp_path, sqlite_url, type("Sink", (), {"host": "127.0.0.1", "port": 25})(), clock)
    oid = queue_thank_you(app, clock)
    with app.sessions() as s:
        first, again = (build(s.scalar(select(OutboxMessage).where(OutboxMessage.id == oid)), "intros@example.com")
                        for _ in range(2))
    assert first["Message-ID"] == again["Message-ID"]
    assert first["Message-ID"].startswith(f"<ol{oid}.") and first["Message-ID"].endswith("@example.com>")
    app.engine.dispose()


def test_our_message_id_cannot_be_worked_out_from_the_mail_and_stays_the_same_for_every_attempt(
        tmp_path, sqlite_url, clock):
    """In-Reply-To naming our mail must not be forgeable by guessing: before, the Message-ID was a
    hash of the row's dedupe key and queue time, which a stranger who knows the intro can rebuild."""
    import hashlib

    from worker.outbound.mailer import build

    app = make_app(tmp_path, sqlite_url, type("Sink", (), {"host": "127.0.0.1", "port": 25})(), clock)
    oid = queue_thank_you(app, clock)
    with app.sessions() as s:
        mail = s.get(OutboxMessage, oid)
        derived = hashlib.sha256(f"{mail.dedupe_key}\0{mail.queued_at}".encode()).hexdigest()[:16]
        first = build(mail, "intros@example.com")["Message-ID"]
    with app.sessions() as s:  # read again, as a retry's claim does
        again = build(s.get(OutboxMessage, oid), "intros@example.com")["Message-ID"]
    assert first == again
    assert first != f"<ol{oid}.{derived}@example.com>"
    app.engine.dispose()
