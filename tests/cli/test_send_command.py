"""`introledger send`: extra sending processes beside `run`, sharing Redis and the database."""
import os
import signal
import subprocess
import sys

from sqlalchemy import select

from models import OutboxMessage
from tests import mailgen
from tests.outbound.test_delivery import DANA, FILE, make_app, wait_for


def statuses(app) -> list[str]:
    with app.sessions() as s:
        return list(s.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


def test_two_send_processes_deliver_every_mail_once_and_stop_on_sigterm(tmp_path, sqlite_url, smtp_sink, clock,
                                                                        redis_url):
    app = make_app(tmp_path, sqlite_url, smtp_sink, clock, broker_url=redis_url)
    introducers = [(f"Introducer {i}", f"introducer{i}@z.example") for i in range(3)]
    for i, who in enumerate(introducers):
        raw = mailgen.intro(i, introducer=who, a=(f"Alice {i}", f"alice{i}@y.example"), b=DANA, when=clock.current)
        app.pipeline.process(raw, FILE)
    with app.sessions() as s:
        assert len(s.scalars(select(OutboxMessage).where(OutboxMessage.status == "queued")).all()) == 3
    (tmp_path / "send.yaml").write_text(
        "tracking: {address: intros@example.com}\n"
        "members:\n  - {name: Dana Whitfield, emails: [dana@danabooks.example]}\n"
        f"broker_url: {redis_url}\n"
        "outbound:\n  transport: smtp\n  quiet_hours: null\n  sweep_seconds: 0.2\n"
        f"  smtp: {{host: {smtp_sink.host}, port: {smtp_sink.port}, security: none}}\n")
    env = {**os.environ, "INTROLEDGER_DATABASE_URL": sqlite_url}
    procs = [subprocess.Popen([sys.executable, "-m", "worker.cli.main", "--config", str(tmp_path / "send.yaml"),
                               "send", "--threads", "2"], env=env, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    try:
        # Each says what it sends through once its SIGTERM handler is set: before that (still
        # importing, on a busy machine) a SIGTERM ends it the default way, with -15.
        started = [p.stderr.readline() for p in procs]
        assert all(line.startswith("introledger send:") for line in started), started
        assert wait_for(lambda: len(smtp_sink.messages) >= 3, timeout=30)
        assert wait_for(lambda: statuses(app) == ["sent"] * 3, timeout=10)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        codes = [p.wait(timeout=20) for p in procs]
    assert codes == [0, 0], [p.stderr.read() for p in procs]
    assert sorted(m.rcpt_tos[0] for m in smtp_sink.messages) == sorted(who[1] for who in introducers)  # once each
    app.engine.dispose()
