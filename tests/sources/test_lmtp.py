"""`introledger lmtp`: mail from the MTA, answered per recipient only after the commit.

The client is the standard library's smtplib.LMTP, over a unix socket and over TCP, as a
Postfix `lmtp:` transport talks; the databases are real (SQLite and PostgreSQL).
"""
import contextlib
import os
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import InboundMessage, Quarantined, Referral
from tests import mailgen
from tests.conftest import build_app
from tests.servers import free_port
from tests.sources.test_imap import wait_until
from worker.app.receiver import Receiver
from worker.sources.lmtp import Listen

DANA = ("Dana Whitfield", "dana@danabooks.example")
TRACKING = "intros@example.com"


def count(app, model) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


@contextlib.contextmanager
def serving(app, listen: Listen):
    receiver = Receiver(app, listen)
    ready = threading.Event()
    thread = threading.Thread(target=receiver.serve, kwargs={"on_ready": ready.set}, daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield receiver
    finally:
        receiver.stop()
        thread.join(30)
        assert not thread.is_alive()


def connect(listen: Listen) -> smtplib.LMTP:
    if listen.socket is not None:
        return smtplib.LMTP(str(listen.socket))
    return smtplib.LMTP(listen.host, listen.port)


def deliver(client: smtplib.LMTP, raw: bytes, rcpts: list[str], mail_from: str = "carol@z.example"):
    """One LMTP transaction as an MTA runs it: the reply at RCPT and, after DATA, one per accepted
    recipient (smtplib reads only the first of those; the rest are read here)."""
    client.ehlo_or_helo_if_needed()  # LHLO, for smtplib.LMTP
    client.mail(mail_from)
    at_rcpt = {r: client.rcpt(r) for r in rcpts}
    accepted = [r for r in rcpts if at_rcpt[r][0] == 250]
    if not accepted:
        client.rset()
        return at_rcpt, {}
    replies = [client.data(raw)] + [client.getreply() for _ in accepted[1:]]
    return at_rcpt, dict(zip(accepted, replies, strict=True))


@pytest.fixture
def unix_listen(tmp_path):
    # A unix socket path must fit in 108 bytes: pytest's tmp_path may not.
    folder = tempfile.mkdtemp(prefix="lmtp")
    yield Listen(socket=Path(folder) / "lmtp.sock")
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.servers
def test_intro_is_committed_before_the_mta_hears_250(tmp_path, database_url, unix_listen):
    app = build_app(tmp_path, database_url)
    with serving(app, unix_listen):
        client = connect(unix_listen)
        _, replies = deliver(client, mailgen.intro(1, b=DANA), [TRACKING])
        code, text = replies[TRACKING]
        # The answer comes after the commit: the referral is there for anyone to read right now.
        assert code == 250 and b"double_intro, referral #1" in text
        assert count(app, Referral) == 1
        client.quit()
    app.engine.dispose()


@pytest.mark.servers
def test_mta_resending_after_a_dropped_connection_logs_the_intro_once(tmp_path, database_url, unix_listen):
    app = build_app(tmp_path, database_url)
    with_id = mailgen.intro(2, b=DANA)
    without_id = b"\r\n".join(line for line in mailgen.intro(3, b=DANA).split(b"\r\n")
                              if not line.startswith(b"Message-ID:"))
    with serving(app, unix_listen):
        for n, raw in enumerate((with_id, without_id), start=1):
            # Committed, and the connection drops before the MTA read our answer: it sends again.
            _cut_after_data(unix_listen, raw, until=lambda n=n: count(app, InboundMessage) == n)
            client = connect(unix_listen)
            _, replies = deliver(client, raw, [TRACKING])
            client.quit()
            code, text = replies[TRACKING]
            # Without a Message-ID too: the same bytes again, Return-Path and Delivered-To alike.
            assert code == 250 and b"duplicate" in text, text
    assert count(app, Referral) == 2
    assert count(app, InboundMessage) == 2
    app.engine.dispose()


def _cut_after_data(listen: Listen, raw: bytes, until) -> None:
    """An MTA whose connection drops after the final dot (once `until()`), its answer unread."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(str(listen.socket))
    stream = sock.makefile("rb")
    stream.readline()  # greeting
    for command in (b"LHLO mta.example", b"MAIL FROM:<carol@z.example>", f"RCPT TO:<{TRACKING}>".encode(), b"DATA"):
        sock.sendall(command + b"\r\n")
        while stream.readline()[3:4] == b"-":
            pass  # the LHLO reply's continuation lines
    data = raw.replace(b"\r\n.", b"\r\n..")  # dot-stuffed, ended as smtplib ends it: the same bytes
    sock.sendall(data + (b"" if data.endswith(b"\r\n") else b"\r\n") + b".\r\n")
    assert wait_until(until)
    sock.close()


@pytest.mark.servers
def test_each_recipient_answered_and_a_bcc_tracking_address_found(tmp_path, sqlite_url):
    app = build_app(tmp_path, sqlite_url)
    listen = Listen(host="127.0.0.1", port=free_port())
    # BCC'd: the tracking address is in no header, only in the envelope.
    bcc = mailgen.intro(4, b=DANA).replace(f"Cc: {TRACKING}\r\n".encode(), b"")
    assert TRACKING.encode() not in bcc
    with serving(app, listen):
        client = connect(listen)
        at_rcpt, replies = deliver(client, bcc, ["someone@else.example", TRACKING, "intros+r1s1d@example.com"])
        client.quit()
    assert at_rcpt["someone@else.example"][0] == 550  # not ours: the MTA bounces that one alone
    assert {r: code for r, (code, _) in replies.items()} == {TRACKING: 250, "intros+r1s1d@example.com": 250}
    with app.sessions() as s:
        referral = s.scalars(select(Referral)).one()
        assert referral.member_id is not None  # logged as Dana's, found through Delivered-To
    app.engine.dispose()


@pytest.mark.servers
def test_database_down_answers_451_and_the_retry_is_logged(tmp_path, postgres_url, unix_listen):
    from tests.faults import TcpProxy

    with TcpProxy("127.0.0.1", 5432) as proxy:
        app = build_app(tmp_path, postgres_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}"))
        with serving(app, unix_listen):
            proxy.refuse()
            client = connect(unix_listen)
            _, replies = deliver(client, mailgen.intro(5, b=DANA), [TRACKING])
            code, text = replies[TRACKING]
            assert code == 451 and b"database unavailable" in text  # temporary: the MTA keeps it
            proxy.heal()
            _, replies = deliver(client, mailgen.intro(5, b=DANA), [TRACKING])  # its retry
            client.quit()
            assert replies[TRACKING][0] == 250
        assert count(app, Referral) == 1
        assert count(app, Quarantined) == 0  # an outage is not the message's fault
        app.engine.dispose()


@pytest.mark.servers
def test_sqlite_locked_by_another_writer_answers_451(tmp_path, unix_listen):
    import sqlite3

    path = tmp_path / "locked.db"
    app = build_app(tmp_path, f"sqlite:///{path}?timeout=0.2")
    blocker = sqlite3.connect(path, isolation_level=None)
    with serving(app, unix_listen):
        client = connect(unix_listen)
        blocker.execute("BEGIN IMMEDIATE")
        _, replies = deliver(client, mailgen.intro(6, b=DANA), [TRACKING])
        assert replies[TRACKING][0] == 451
        blocker.execute("COMMIT")
        _, replies = deliver(client, mailgen.intro(6, b=DANA), [TRACKING])
        client.quit()
        assert replies[TRACKING][0] == 250
    blocker.close()
    assert count(app, Referral) == 1
    app.engine.dispose()


@pytest.mark.servers
def test_lmtp_command_serves_a_socket_and_stops_on_sigterm(tmp_path, sqlite_url, unix_listen):
    app = build_app(tmp_path, sqlite_url)  # migrated
    (tmp_path / "c.yaml").write_text(f"tracking: {{address: {TRACKING}}}\n"
                                     "members:\n  - {name: Dana Whitfield, emails: [dana@danabooks.example]}\n")
    env = {**os.environ, "INTROLEDGER_DATABASE_URL": sqlite_url, "PYTHONPATH": sys.path[0]}
    err = open(tmp_path / "stderr", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "worker.cli.main", "--config", str(tmp_path / "c.yaml"), "lmtp",
                             "--socket", str(unix_listen.socket)], env=env, stderr=err)
    try:
        assert wait_until(lambda: unix_listen.socket.exists(), timeout=30)
        client = connect(unix_listen)
        _, replies = deliver(client, mailgen.intro(7, b=DANA), [TRACKING])
        client.quit()
        assert replies[TRACKING][0] == 250
        assert oct(unix_listen.socket.stat().st_mode & 0o777) == "0o660"  # for the MTA's group, no one else
        # A second one on the same socket path would take it over; on a taken TCP port it says so.
        taken = socket.socket()
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        second = subprocess.run([sys.executable, "-m", "worker.cli.main", "--config", str(tmp_path / "c.yaml"), "lmtp",
                                 "--port", str(taken.getsockname()[1])], env=env, capture_output=True, text=True,
                                timeout=60)
        taken.close()
        assert second.returncode == 1 and "cannot listen on 127.0.0.1:" in second.stderr
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill() if proc.poll() is None else None
    lines = (tmp_path / "stderr").read_text().splitlines()
    assert lines[0] == f"introledger lmtp: listening on unix:{unix_listen.socket} for {TRACKING}"
    assert not unix_listen.socket.exists()  # cleaned up on the way out
    assert count(app, Referral) == 1
    app.engine.dispose()


@pytest.mark.servers
def test_a_database_mailbox_taking_mail_by_lmtp_gets_its_own(tmp_path, database_url, unix_listen):
    from worker.app import mailboxes

    app = build_app(tmp_path, database_url)
    nora = ("Nora North", "nora@northco.example")
    with app.sessions.begin() as s:
        north, _ = mailboxes.add(s, app.config, "north", {
            "tracking": {"address": "intros@north.example"}, "source": {"kind": "lmtp"},
            "members": [{"name": nora[0], "emails": [nora[1]]}]}, "north.yaml")
        mailboxes.add(s, app.config, "south", {"tracking": {"address": "intros@south.example"},
                                               "source": {"kind": "maildir"}}, "south.yaml")
        north_id = north.id
    with serving(app, unix_listen):
        client = connect(unix_listen)
        at_rcpt, replies = deliver(client, mailgen.intro(8, tracking="intros@north.example", b=nora),
                                   ["intros@north.example", "intros@south.example"])
        client.quit()
    assert at_rcpt["intros@south.example"][0] == 550  # its mail is read from its Maildir, not taken here
    assert replies["intros@north.example"][0] == 250
    with app.engine.connect() as conn:
        assert conn.execute(select(Referral.mailbox_id, Referral.direction)).all() == [(north_id, "received")]
    app.engine.dispose()
