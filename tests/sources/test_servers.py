"""The server fixtures work against the real servers."""

from __future__ import annotations

import imaplib
import smtplib
import socket

import pytest

from tests.servers import SmtpSink

pytestmark = pytest.mark.servers  # a real SMTP server on 127.0.0.1 in every test


def _msg(subject: str, body: str = "hello") -> bytes:
    return (
        f"From: Alice <alice@example.test>\r\nTo: test@example.test\r\n"
        f"Subject: {subject}\r\nMessage-ID: <{subject.replace(' ', '.')}@example.test>\r\n\r\n"
        f"{body}\r\n"
    ).encode()


# ---- IMAP / LMTP -------------------------------------------------------------------------------


def test_append_then_search_and_fetch(imap_mailbox):
    imap_mailbox.append(_msg("first"))
    imap_mailbox.append(_msg("second"))
    c = imap_mailbox.client()
    try:
        c.select_folder("INBOX", readonly=True)
        uids = c.search(["ALL"])
        assert len(uids) == 2
        assert c.search(["SUBJECT", "second"]) == [uids[1]]
        data = c.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (SUBJECT)]", "RFC822.SIZE"])
        subjects = [data[u][b"BODY[HEADER.FIELDS (SUBJECT)]"].strip() for u in uids]
        assert subjects == [b"Subject: first", b"Subject: second"]
    finally:
        c.logout()


def test_append_to_other_folder(imap_mailbox):
    imap_mailbox.append(_msg("archived"), folder="Archive")
    c = imap_mailbox.client()
    try:
        assert c.folder_exists("Archive")
        assert c.select_folder("Archive")[b"EXISTS"] == 1
        assert c.select_folder("INBOX")[b"EXISTS"] == 0
    finally:
        c.logout()


def test_each_test_starts_with_an_empty_mailbox(imap_mailbox):
    imap_mailbox.append(_msg("leftover"), folder="Leftover")
    imap_mailbox.clear()
    c = imap_mailbox.client()
    try:
        assert [name for _f, _d, name in c.list_folders()] == ["INBOX"]
        assert c.select_folder("INBOX")[b"EXISTS"] == 0
    finally:
        c.logout()


def test_lmtp_delivery_arrives_in_inbox(imap_mailbox):
    imap_mailbox.deliver_lmtp(_msg("via lmtp", "delivered"))
    c = imap_mailbox.client()
    try:
        c.select_folder("INBOX", readonly=True)
        (uid,) = c.search(["SUBJECT", "via lmtp"])
        raw = c.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"]
        assert b"delivered" in raw
        assert raw.startswith(b"Return-Path: <sender@example.test>")  # added by LMTP
    finally:
        c.logout()


def test_kick_drops_live_connection(imap_mailbox):
    c = imap_mailbox.client()
    c.select_folder("INBOX")
    c.noop()
    imap_mailbox.kick()
    with pytest.raises((imaplib.IMAP4.abort, OSError)):
        c.noop()
    c.shutdown()
    # the server itself is fine: a new connection works
    c2 = imap_mailbox.client()
    assert c2.select_folder("INBOX")[b"EXISTS"] == 0
    c2.logout()


def test_dovecot_advertises_idle(dovecot):
    c = dovecot.client()
    try:
        assert c.has_capability("IDLE")
    finally:
        c.logout()


def test_no_idle_variant_lacks_idle(imap_mailbox_no_idle):
    c = imap_mailbox_no_idle.client(login=False)
    try:
        assert not c.has_capability("IDLE")
        c.login(imap_mailbox_no_idle.user, imap_mailbox_no_idle.password)
        assert not c.has_capability("IDLE")
        assert c.has_capability("UIDPLUS")  # the rest is still there
        imap_mailbox_no_idle.append(_msg("polled"))
        assert c.select_folder("INBOX")[b"EXISTS"] == 1
    finally:
        c.logout()


# ---- SMTP --------------------------------------------------------------------------------------


def test_smtp_sink_receives(smtp_sink):
    raw = _msg("outbound", "line one\r\n.leading dot\r\n")
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=10) as s:
        s.sendmail("bot@introledger.test", ["a@example.test", "b@example.test"], raw)
    (m,) = smtp_sink.wait_for(1, timeout=5)
    assert m.mail_from == "bot@introledger.test"
    assert m.rcpt_tos == ["a@example.test", "b@example.test"]
    assert m.raw == raw  # dot-stuffing undone, bytes intact


@pytest.mark.parametrize("reply", ["451 4.3.0 try again later", "554 5.7.1 rejected"])
def test_smtp_sink_failure_switch(smtp_sink, reply):
    smtp_sink.fail_next(reply, count=1)
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=10) as s:
        with pytest.raises(smtplib.SMTPResponseException) as ei:
            s.sendmail("bot@introledger.test", ["a@example.test"], _msg("fails"))
        assert ei.value.smtp_code == int(reply[:3])
        s.rset()
        s.sendmail("bot@introledger.test", ["a@example.test"], _msg("passes"))  # only the next one failed
    assert len(smtp_sink.wait_for(1)) == 1
    assert smtp_sink.attempts == 2 and smtp_sink.rejected == 1


def test_smtp_sink_fail_all_and_mail_stage(smtp_sink):
    smtp_sink.fail_all(421, stage="mail")
    for _ in range(3):
        with pytest.raises(smtplib.SMTPSenderRefused) as ei:
            with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=10) as s:
                s.sendmail("bot@introledger.test", ["a@example.test"], _msg("x"))
        assert ei.value.smtp_code == 421
    smtp_sink.heal()
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=10) as s:
        s.sendmail("bot@introledger.test", ["a@example.test"], _msg("y"))
    assert len(smtp_sink.wait_for(1)) == 1


def test_smtp_sink_drops_connection_mid_transaction(smtp_sink):
    smtp_sink.drop_next()
    with pytest.raises(smtplib.SMTPServerDisconnected):
        with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=10) as s:
            s.sendmail("bot@introledger.test", ["a@example.test"], _msg("dropped"))
    assert smtp_sink.messages == []
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=10) as s:
        s.sendmail("bot@introledger.test", ["a@example.test"], _msg("retried"))
    assert b"retried" in smtp_sink.wait_for(1)[0].raw


def test_smtp_sink_with_auth():
    with SmtpSink(auth=("mailer", "pw")) as sink:
        with smtplib.SMTP(sink.host, sink.port, timeout=10) as s:
            with pytest.raises(smtplib.SMTPAuthenticationError):
                s.login("mailer", "wrong")
            s.login("mailer", "pw")
            s.sendmail("bot@introledger.test", ["a@example.test"], _msg("authed"))
        assert len(sink.wait_for(1)) == 1
    with pytest.raises(OSError):  # stopped means stopped
        socket.create_connection((sink.host, sink.port), timeout=1).close()


def test_smtp_sink_wait_for_times_out(smtp_sink):
    with pytest.raises(AssertionError):
        smtp_sink.wait_for(1, timeout=0.05)


# ---- Redis -------------------------------------------------------------------------------------


def test_redis_url_is_empty_db(redis_url):
    import redis

    r = redis.Redis.from_url(redis_url)
    try:
        assert r.dbsize() == 0
        r.set("introledger:probe", "1")
        assert r.get("introledger:probe") == b"1"
    finally:
        r.close()


# ---- PostgreSQL ----------------------------------------------------------------------------------

_seen_schemas: list[str] = []


def test_postgres_schema_isolation(postgres_url):
    import sqlalchemy as sa

    engine = sa.create_engine(postgres_url)
    try:
        with engine.begin() as conn:
            schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
            assert schema.startswith("t_")
            conn.exec_driver_sql("CREATE TABLE probe (id int PRIMARY KEY)")
            conn.exec_driver_sql("INSERT INTO probe VALUES (1)")
        # a new connection from the same URL sees the same schema; the table is not in public
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM probe").scalar() == 1
            where = conn.exec_driver_sql(
                "SELECT table_schema FROM information_schema.tables WHERE table_name = 'probe'"
                " AND table_schema = %(s)s",
                {"s": schema},
            ).scalars().all()
            assert where == [schema]
        # ORM metadata without a schema lands there too
        md = sa.MetaData()
        t = sa.Table("orm_probe", md, sa.Column("id", sa.Integer, primary_key=True))
        md.create_all(engine)
        assert sorted(sa.inspect(engine).get_table_names(schema=schema)) == ["orm_probe", "probe"]
        with engine.begin() as conn:
            conn.execute(t.insert().values(id=7))
        _seen_schemas.append(schema)  # checked by the next test
    finally:
        engine.dispose()


def test_postgres_schema_dropped_and_fresh(postgres_url):
    import sqlalchemy as sa

    engine = sa.create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
            assert sa.inspect(conn).get_table_names() == []
            for previous in _seen_schemas:
                assert previous != schema
                gone = conn.exec_driver_sql(
                    "SELECT count(*) FROM information_schema.schemata WHERE schema_name = %(s)s",
                    {"s": previous},
                ).scalar()
                assert gone == 0
    finally:
        engine.dispose()


@pytest.fixture
def _held_connections(_postgres_admin):
    """Set up before postgres_url, so torn down after it: checks the schema is gone, then
    discards the connections the test held open through the fixture's teardown."""
    held: list = []
    yield held
    for conn, schema in held:
        with _postgres_admin.connect() as admin:
            assert admin.exec_driver_sql(
                "SELECT count(*) FROM information_schema.schemata WHERE schema_name = %(s)s",
                {"s": schema},
            ).scalar() == 0
        conn.invalidate()  # its backend was terminated: close without a ROLLBACK
        conn.close()
        conn.engine.dispose()


def test_postgres_teardown_survives_open_connection(_held_connections, postgres_url):
    """A test still holding a connection with a lock must not hang the schema drop."""
    import sqlalchemy as sa

    engine = sa.create_engine(postgres_url)
    conn = engine.connect()
    conn.exec_driver_sql("CREATE TABLE locked (id int)")
    conn.exec_driver_sql("LOCK TABLE locked IN ACCESS EXCLUSIVE MODE")
    schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
    _held_connections.append((conn, schema))  # still open and in a transaction at teardown
