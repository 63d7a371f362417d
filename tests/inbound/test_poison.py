"""Poison mail: one bad header must never stop the mailbox, abort an import or lose an intro.

Each poison below once raised out of parsing (before the quarantine boundary), so the batch
never committed, the IMAP checkpoint never moved and `run` died again at every restart.
"""
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import Checkpoint, InboundMessage, Quarantined, Referral
from tests import mailgen
from tests.cli.test_cli import cli
from worker.inbound.pipeline import Origin
from worker.mail.parse import parse

FILE = Origin("file", "poison.eml")
CORPUS = Path(__file__).parents[1] / "data" / "corpus"


def poisoned(i: int, header: bytes, replace: bytes | None = None) -> bytes:
    """A real intro with one header replaced (or, without `replace`, one more header added)."""
    raw = mailgen.intro(i)
    if replace is None:
        return raw.replace(b"\nSubject:", b"\n" + header + b"\nSubject:", 1)
    raw = b"\n" + raw
    start = raw.index(b"\n" + replace) + 1
    end = raw.index(b"\n", start)
    return (raw[:start] + header + raw[end:])[1:]


# name → (header line, header it replaces or None to add it)
POISONS = {
    "bad base64 word": (b"Subject: =?utf-8?b?A?=", b"Subject:"),
    "8-bit charset name": (b"Subject: =?\xe9\xe9?q?x?= intro", b"Subject:"),
    "NUL in charset name": (b"Subject: =?ut\x00f-8?q?x?= intro", b"Subject:"),
    "0x80 in charset name (NUL after Dovecot)": (b"Subject: =?ut\x80f-8?q?x?= intro", b"Subject:"),
    "500 open parens in To": (b"X-Poison: 1\nTo: " + b"(" * 500, None),
    "500 open parens after Cc": (b"Cc: intros@example.com, " + b"(" * 500, b"Cc:"),
    "bad word in From name": (b"From: =?x\x80?b?A?= <elena.3@muller-co.example>", b"From:"),
    "500 open parens in Delivered-To": (b"Delivered-To: " + b"(" * 500 + b"intros@example.com", None),
}


@pytest.mark.parametrize("name", POISONS)
def test_a_poison_header_is_read_not_fatal(name):
    header, replace = POISONS[name]
    msg = parse(poisoned(1, header, replace))
    assert msg.message_id == "gen1.gmail@mail.gmail.example"
    assert "\x00" not in msg.subject


@pytest.mark.parametrize("name", POISONS)
def test_an_intro_with_one_poison_header_is_still_logged(app, name):
    header, replace = POISONS[name]
    outcome = app.pipeline.process(poisoned(2, header, replace), FILE)
    assert outcome.kind == "double_intro", outcome.reason


def test_a_message_that_cannot_be_read_is_quarantined_and_the_batch_goes_on(app, monkeypatch):
    import worker.inbound.pipeline as pipeline_module

    real = pipeline_module.parse

    def exploding(raw: bytes):
        if b"gen2." in raw:
            raise RecursionError("maximum recursion depth exceeded")
        return real(raw)

    monkeypatch.setattr(pipeline_module, "parse", exploding)
    items = [(mailgen.intro(i), Origin("imap:x", str(i), 7, i)) for i in (1, 2, 3)]
    outcomes = app.pipeline.process_batch(items)
    assert [o.kind for o in outcomes] == ["double_intro", "quarantined", "double_intro"]
    assert "RecursionError" in outcomes[1].reason and "2" in outcomes[1].reason
    with app.sessions() as s:
        assert s.scalar(select(Checkpoint.last_uid)) == 3
        assert s.scalar(select(func.count()).select_from(Referral)) == 2


def test_every_poison_in_one_batch_is_recorded_and_the_checkpoint_moves(app):
    items = [(poisoned(10 + n, *POISONS[name]), Origin("imap:x", str(n + 1), 7, n + 1))
             for n, name in enumerate(POISONS)]
    outcomes = app.pipeline.process_batch(items)
    assert len(outcomes) == len(POISONS) and all(o.kind for o in outcomes)
    with app.sessions() as s:
        assert s.scalar(select(Checkpoint.last_uid)) == len(POISONS)
        assert s.scalar(select(func.count()).select_from(InboundMessage)) == len(POISONS)


def test_ingest_records_every_message_despite_poison(tmp_path):
    (tmp_path / "config.yaml").write_text("tracking: {address: intros@example.com}\n")
    cli("db", "upgrade", cwd=tmp_path)
    names = []
    for n, name in enumerate(POISONS):
        path = tmp_path / f"poison{n}.eml"
        path.write_bytes(poisoned(20 + n, *POISONS[name]))
        names.append(path.name)
    (tmp_path / "plain.eml").write_bytes(mailgen.intro(99))
    summary = json.loads(cli("ingest", *names, "plain.eml", "--json", cwd=tmp_path).stdout)
    assert sum(summary.values()) == len(POISONS) + 1
    assert summary.get("double_intro", 0) >= len(POISONS) - 1


def test_run_reads_poison_from_imap_and_keeps_going(tmp_path, sqlite_url, imap_mailbox):
    from tests.conftest import build_app
    from tests.sources.test_imap import imap_settings
    from worker.app.live import imap_account
    from worker.sources.runner import Runner

    app = build_app(tmp_path, sqlite_url, {"TEST_IMAP_PASSWORD": imap_mailbox.password},
                    source=imap_settings(imap_mailbox))
    for n, name in enumerate(POISONS):
        imap_mailbox.append(poisoned(30 + n, *POISONS[name]))
    # Through LMTP too, the path a real MTA takes (Dovecot stores a NUL as 0x80).
    imap_mailbox.deliver_lmtp(poisoned(50, b"Subject: =?ut\x00f-8?q?x?= intro", b"Subject:"))
    imap_mailbox.append(mailgen.intro(60))
    runner = Runner(app.pipeline, app.sessions)
    account = imap_account(app)
    outcomes = runner.imap_once(account)
    assert len(outcomes) == len(POISONS) + 2
    assert outcomes[-1].kind == "double_intro"
    client = imap_mailbox.client()
    client.select_folder("INBOX")
    with app.sessions() as s:
        assert s.scalar(select(Checkpoint.last_uid)) == max(client.search(["ALL"]))
        assert s.scalar(select(func.count()).select_from(InboundMessage)) == len(POISONS) + 2
    client.logout()
    assert runner.imap_once(account) == []  # a restart does not meet the poison again
    app.engine.dispose()


# --- Outages: the database stops answering; `run` waits and loses nothing ---------------------


def _referrals(app) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count()).select_from(Referral))


def _quarantined(app) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count()).select_from(Quarantined))


def _imap_app(tmp_path, url, server):
    from tests.conftest import build_app
    from tests.sources.test_imap import imap_settings

    return build_app(tmp_path, url, {"TEST_IMAP_PASSWORD": server.password}, source=imap_settings(server))


def test_run_waits_out_postgres_refusing_connections(tmp_path, postgres_url, imap_mailbox):
    from tests.faults import TcpProxy
    from tests.sources.test_imap import Background, wait_until
    from worker.app.live import imap_account

    with TcpProxy("127.0.0.1", 5432) as proxy:
        app = _imap_app(tmp_path, postgres_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}"), imap_mailbox)
        with Background(app, imap_account(app)) as runner:
            runner.backoff.cap = 0.3
            imap_mailbox.append(mailgen.intro(1))
            assert wait_until(lambda: _referrals(app) == 1)
            proxy.refuse()  # open connections reset, new ones refused
            imap_mailbox.append(mailgen.intro(2))
            imap_mailbox.append(mailgen.intro(3))
            assert wait_until(lambda: runner.backoff.current > 0)  # it met the outage...
            proxy.heal()
            assert wait_until(lambda: _referrals(app) == 3)  # ...and went on when it ended
        assert _quarantined(app) == 0  # an outage is never the message's fault
        app.engine.dispose()


def test_run_waits_out_a_sqlite_write_lock(tmp_path, imap_mailbox):
    import sqlite3

    from tests.sources.test_imap import Background, wait_until
    from worker.app.live import imap_account

    path = tmp_path / "locked.db"
    app = _imap_app(tmp_path, f"sqlite:///{path}?timeout=0.2", imap_mailbox)  # busy timeout 0.2 s
    blocker = sqlite3.connect(path, isolation_level=None)
    with Background(app, imap_account(app)) as runner:
        runner.backoff.cap = 0.3
        imap_mailbox.append(mailgen.intro(1))
        assert wait_until(lambda: _referrals(app) == 1)
        blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock, for longer than we wait
        imap_mailbox.append(mailgen.intro(2))
        assert wait_until(lambda: runner.backoff.current > 0)
        blocker.execute("COMMIT")
        assert wait_until(lambda: _referrals(app) == 2)
    blocker.close()
    assert _quarantined(app) == 0
    app.engine.dispose()


def test_run_at_startup_says_error_once_per_try_then_starts(tmp_path, postgres_url):
    import mailbox
    import subprocess
    import sys

    from models.db import make_engine, upgrade
    from tests.faults import TcpProxy
    from tests.sources.test_imap import wait_until

    engine = make_engine(postgres_url)
    upgrade(engine)
    engine.dispose()
    (tmp_path / "config.yaml").write_text("tracking: {address: intros@example.com}\n"
                                          "source: {kind: maildir, maildir: {path: mail}}\n")
    mailbox.Maildir(str(tmp_path / "mail")).add(mailgen.intro(1))
    with TcpProxy("127.0.0.1", 5432) as proxy:
        proxy.refuse()
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": sys.path[0], "INTROLEDGER_TOKEN_SECRET": "t" * 32,
               "INTROLEDGER_DATABASE_URL": postgres_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")}
        err = open(tmp_path / "stderr", "w+")
        run = subprocess.Popen([sys.executable, "-m", "worker.cli.main", "run", "--once"], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=err, text=True)
        try:
            assert wait_until(lambda: (tmp_path / "stderr").read_text().count("retrying in") >= 2, timeout=30)
            proxy.heal()
            out, _ = run.communicate(timeout=60)
        finally:
            run.kill() if run.poll() is None else None
    lines = (tmp_path / "stderr").read_text().splitlines()
    assert run.returncode == 0, lines
    assert "1 messages: 1 logged" in out
    assert "Traceback" not in "\n".join(lines)
    assert lines[0].startswith("introledger run: watching Maildir")  # what it watches, then:
    tries = [line for line in lines if line.startswith("error: database unavailable")]
    assert len(tries) >= 2 and len(tries) == len(lines) - 1, lines  # one line per try, nothing else
    assert all("Connection refused" in line and "retrying in" in line for line in tries)


def test_outages_are_told_from_bugs_and_bad_mail():
    import smtplib

    from sqlalchemy.exc import DataError, OperationalError

    from worker.core.outages import describe, is_outage

    down = OperationalError("SELECT 1", {}, Exception("connection refused"))
    assert is_outage(down) and describe(down) == "database unavailable: connection refused"
    assert is_outage(ConnectionResetError(104, "Connection reset by peer"))
    assert is_outage(smtplib.SMTPServerDisconnected("gone"))
    assert is_outage(smtplib.SMTPResponseException(451, b"try later"))
    assert not is_outage(smtplib.SMTPResponseException(550, b"no such user"))
    assert not is_outage(DataError("INSERT", {}, Exception("value too long")))
    assert not is_outage(RecursionError("maximum recursion depth exceeded"))
    assert not is_outage(KeyError("bug"))


def test_a_driver_error_raised_while_the_connection_was_lost_is_an_outage():
    """Seen in CI: PostgreSQL reset the socket during SQLAlchemy's pre-ping; psycopg then refused to
    restore autocommit (ProgrammingError) and `run`'s mailbox thread died instead of waiting."""
    import psycopg
    from sqlalchemy.exc import ProgrammingError

    from worker.core.outages import is_outage

    try:
        try:
            raise psycopg.OperationalError("connection socket closed")
        except psycopg.OperationalError:
            raise psycopg.ProgrammingError("can't change 'autocommit' now: connection in transaction status ACTIVE")  # noqa: B904 - as psycopg does
    except psycopg.ProgrammingError as during_loss:
        assert is_outage(ProgrammingError("SELECT 1", {}, during_loss))
    # The same error on a healthy connection is a bug of ours, not an outage; so is a bad value met
    # while handling an outage (the message's fault, to be put aside, not retried for ever).
    assert not is_outage(ProgrammingError("SELECT 1", {}, psycopg.ProgrammingError("syntax error")))
    from sqlalchemy.exc import IntegrityError
    try:
        try:
            raise psycopg.OperationalError("database is locked")
        except psycopg.OperationalError:
            raise psycopg.IntegrityError("duplicate key")  # noqa: B904 - as a handler would
    except psycopg.IntegrityError as bad_value:
        assert not is_outage(IntegrityError("INSERT", {}, bad_value))


# --- Size: a huge message never fills the memory, and its intro is still logged ----------------


def with_attachment(raw: bytes, size: int) -> bytes:
    """A real intro carrying an attachment of about `size` bytes (base64 lines)."""
    import base64
    import random

    boundary = raw.split(b'boundary="', 1)[1].split(b'"', 1)[0]
    blob = base64.encodebytes(random.Random(size).randbytes(size * 3 // 4))
    part = (b"--" + boundary + b"\r\nContent-Type: application/pdf; name=\"deck.pdf\"\r\n"
            b"Content-Disposition: attachment; filename=\"deck.pdf\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + blob.replace(b"\n", b"\r\n"))
    closing = b"--" + boundary + b"--"
    return raw.replace(closing, part + closing)


def test_imap_message_above_the_cap_is_quarantined_and_its_intro_still_logged(tmp_path, database_url, imap_mailbox):
    from tests.conftest import build_app
    from tests.sources.test_imap import imap_settings
    from worker.app.live import imap_account
    from worker.sources.runner import Runner

    app = build_app(tmp_path, database_url, {"TEST_IMAP_PASSWORD": imap_mailbox.password},
                    source={**imap_settings(imap_mailbox), "max_message_bytes": 100_000})
    big = with_attachment(mailgen.intro(1), 300_000)
    imap_mailbox.append(mailgen.intro(2))
    imap_mailbox.append(big)
    imap_mailbox.append(mailgen.intro(3))
    runner = Runner(app.pipeline, app.sessions)
    outcomes = runner.imap_once(imap_account(app))
    assert [o.kind for o in outcomes] == ["double_intro"] * 3
    assert "above source.max_message_bytes" in outcomes[1].reason
    with app.sessions() as s:
        q = s.scalar(select(Quarantined))
        assert q.raw_size >= len(big) and b"Subject: Intro:" in q.raw and b"deck.pdf" not in q.raw
        assert "above source.max_message_bytes" in q.reason and q.message_id == "gen1.gmail@mail.gmail.example"
        assert s.scalar(select(func.count()).select_from(Referral)) == 3
    assert runner.imap_once(imap_account(app)) == []
    assert _quarantined(app) == 1
    app.engine.dispose()


def test_mailbox_is_fetched_a_few_megabytes_at_a_time():
    from worker.sources.sizing import plan_chunks

    mb = 1024 * 1024
    sizes = {1: 3 * mb, 2: 3 * mb, 3: 3 * mb, 4: 20 * mb, 5: 40 * mb, 6: 1000, 7: 2000}
    chunks = plan_chunks(list(sizes), sizes, cap=25 * mb, chunk_bytes=8 * mb)
    assert [u for c in chunks for u in c] == list(sizes)  # every message, in UID order
    assert chunks == [[1, 2], [3], [4], [5, 6, 7]]  # 20 MB alone; 40 MB is above the cap: headers only


def test_max_message_bytes_is_validated(tmp_path):
    from tests.conftest import make_config
    from worker.core.config import ConfigError

    with pytest.raises(ConfigError, match="max_message_bytes"):
        make_config(tmp_path, "sqlite://", source={"max_message_bytes": 10})
    assert make_config(tmp_path, "sqlite://").settings.source.max_message_bytes == 25 * 1024 * 1024


def test_maildir_message_above_the_cap_is_quarantined_and_its_intro_still_logged(tmp_path, sqlite_app):
    import mailbox

    from worker.sources.maildir import MaildirSource

    box = mailbox.Maildir(str(tmp_path / "mail"))
    big = with_attachment(mailgen.intro(4), 300_000)
    box.add(big)
    box.add(mailgen.intro(5))
    outcomes = MaildirSource(tmp_path / "mail", max_message_bytes=100_000).drain(sqlite_app.pipeline)
    assert sorted(o.kind for o in outcomes) == ["double_intro", "double_intro"]
    with sqlite_app.sessions() as s:
        q = s.scalar(select(Quarantined))
        assert q.raw_size == len(big) and q.raw.endswith(b"\r\n\r\n") and b"deck.pdf" not in q.raw


# --- Text no regex chokes on (found by the fuzz) ------------------------------------------------


@pytest.mark.timeout(30)  # a guard, not a measurement: before the fix this took many minutes
def test_a_100k_letter_run_does_not_stall_heads_up_detection(app):
    from pathlib import Path

    from worker.classify.language import HEADS_UP_NAMED

    run = "A" * 100_000
    assert HEADS_UP_NAMED.search(f"and {run} will call you").group("name") == run
    raw = (Path(__file__).parents[1] / "data" / "corpus" / "heads_up_en.eml").read_bytes()
    raw = raw.replace(b"Quick heads up", run.encode() + b" Aa" * 20_000 + b"\r\n\r\nQuick heads up", 1)
    assert app.pipeline.process(raw, FILE).kind == "heads_up"


# --- Found by the fuzz (tests/inbound/test_fuzz.py, bench/fuzz.py) ----------------------------------------


def test_a_date_that_overflows_in_utc_is_no_date(app):
    raw = poisoned(70, b"Date: Fri, 31 Dec 9999 23:59:59 -2359", b"Date:")
    assert parse(raw).date is None  # it parsed, then overflowed in the database and escaped the batch
    assert app.pipeline.process(raw, FILE).kind == "double_intro"


def test_an_8bit_boundary_in_a_folded_header_is_read():
    raw = (CORPUS / "apple_double_intro_en.eml").read_bytes()
    assert b'\tboundary="Apple-Mail=_1480C8B3-3455-8249-542F-EC14D5200684"' in raw  # folded
    raw = raw.replace(b"Apple-Mail=_1480C8B3-3455-8249-542F-EC14D5200684", b"\xff\xfe")
    assert "Hannah" in parse(raw).text  # it raised UnicodeEncodeError


def test_a_5000_character_message_id_fits_the_database(app):
    long_id = b"<" + b"x" * 5000 + b"@y.example>"
    outcome = app.pipeline.process(poisoned(72, b"Message-ID: " + long_id, b"Message-ID:"), FILE)
    assert outcome.kind == "double_intro" and len(outcome.message_id) <= 250
    with app.sessions() as s:
        assert len(s.scalar(select(InboundMessage.dedupe_key))) <= 400
    reply = poisoned(73, b"In-Reply-To: " + long_id, None).replace(b"Subject: Intro", b"Subject: Re: Intro")
    assert parse(reply).in_reply_to == (outcome.message_id,)  # cut the same way: replies still match


def test_paren_bombs_in_reply_to_and_in_a_forwarded_block_are_read(app):
    raw = poisoned(74, b"Reply-To: " + b"(" * 3000, None)
    assert app.pipeline.process(raw, FILE).kind == "double_intro"
    head, _, body = (CORPUS / "fwd_gmail_inline_en.eml").read_bytes().partition(b"\r\n\r\n")
    if not body:
        head, _, body = (CORPUS / "fwd_gmail_inline_en.eml").read_bytes().partition(b"\n\n")
    bombed = head + b"\n\n" + body.replace(b"From: ", b"From: " + b"(" * 3000, 1)
    outcome = app.pipeline.process(bombed, FILE)
    assert outcome.kind != "quarantined", outcome.reason  # it raised RecursionError in the classifier


@pytest.mark.timeout(30)  # a guard, not a measurement: before the fix this took half a minute
def test_50k_newlines_after_a_name_do_not_stall_heads_up_detection(app):
    raw = (CORPUS / "heads_up_en.eml").read_bytes()
    raw = raw.replace(b"Quick heads up", b"Julia" + b"\n" * 50_000 + b"Quick heads up", 1)
    assert app.pipeline.process(raw, FILE).kind == "heads_up"


def test_an_endless_address_in_a_forwarded_block_is_no_party(app):
    raw = (CORPUS / "fwd_gmail_inline_en.eml").read_bytes()
    head, sep, body = raw.partition(b"\r\n\r\n") if b"\r\n\r\n" in raw else raw.partition(b"\n\n")
    at = body.index(b"@", body.index(b"From:"))
    body = body[:at + 1] + b"*_" * 30_000 + body[at + 1:]
    outcome = app.pipeline.process(head + sep + body, FILE)
    assert outcome.kind != "quarantined", outcome.reason  # PostgreSQL refused the 60k-character email


def test_ingest_of_a_file_above_the_cap_logs_its_intro_and_sets_it_aside(tmp_path):
    (tmp_path / "config.yaml").write_text("tracking: {address: intros@example.com}\n"
                                          "source: {max_message_bytes: 100000}\n")
    cli("db", "upgrade", cwd=tmp_path)
    (tmp_path / "big.eml").write_bytes(with_attachment(mailgen.intro(80), 300_000))
    (tmp_path / "small.eml").write_bytes(mailgen.intro(81))
    summary = json.loads(cli("ingest", "big.eml", "small.eml", "--json", cwd=tmp_path).stdout)
    assert summary == {"double_intro": 2}
    quarantined = json.loads(cli("quarantine", "--json", cwd=tmp_path).stdout)
    assert len(quarantined) == 1 and "above source.max_message_bytes" in quarantined[0]["reason"]


def test_a_message_the_imap_server_cannot_read_is_set_aside_and_the_rest_is_read(tmp_path, sqlite_url, imap_mailbox):
    """A broken file in Dovecot's store makes it drop the connection at every FETCH of it."""
    import glob

    from tests.conftest import build_app
    from tests.sources.test_imap import imap_settings
    from worker.app.live import imap_account
    from worker.sources.runner import Runner

    app = build_app(tmp_path, sqlite_url, {"TEST_IMAP_PASSWORD": imap_mailbox.password},
                    source=imap_settings(imap_mailbox))
    for i in (1, 2, 3):
        imap_mailbox.append(mailgen.intro(90 + i))
    client = imap_mailbox.client()
    client.select_folder("INBOX")
    uid = client.search(["HEADER", "Message-ID", "gen92.gmail"])[0]
    last = max(client.search(["ALL"]))
    client.logout()
    broken = next(f for f in glob.glob(f"{imap_mailbox.dir}/mail/{imap_mailbox.user}/*/*")
                  if b"<gen92." in open(f, "rb").read())
    with open(broken, "r+b") as f:
        f.truncate(200)  # shorter than the size Dovecot recorded for it
    runner = Runner(app.pipeline, app.sessions)
    outcomes = runner.imap_once(imap_account(app))
    assert sorted(o.kind for o in outcomes) == ["double_intro", "double_intro", "quarantined"]
    set_aside = next(o for o in outcomes if o.kind == "quarantined")
    assert "IMAP server dropped the connection" in set_aside.reason and f"UID {uid}" in set_aside.reason
    with app.sessions() as s:
        assert s.scalar(select(Checkpoint.last_uid)) == last
    assert runner.imap_once(imap_account(app)) == []
    app.engine.dispose()


@pytest.mark.timeout(30)  # a guard, not a measurement: before the fix this took minutes
def test_50k_spaces_in_an_address_header_do_not_stall_parsing(app):
    raw = poisoned(95, b"From: Elena" + b" " * 50_000 + b"<elena.3@muller-co.example>", b"From:")
    assert parse(raw).sender.email == "elena.3@muller-co.example"
    assert app.pipeline.process(poisoned(96, b"Cc: intros@example.com, Name" + b" " * 50_000, b"Cc:"), FILE).kind


def test_the_worker_recovers_by_itself_once_a_read_only_database_is_writable_again(app, caplog):
    """Was: a connection opened while the database was read-only (SQLite opened the file read-only;
    PostgreSQL fixed default_transaction_read_only at session start) stayed read-only after the
    database was writable again, so every retry failed until the worker was restarted."""
    import mailbox
    import threading
    from dataclasses import replace

    from sqlalchemy.orm import sessionmaker

    from models.db import make_engine
    from tests.sources.test_imap import wait_until
    from worker.sources.maildir import MaildirSource
    from worker.sources.runner import Runner

    app.engine.dispose()  # one pooled connection, opened while the database was read-only:
    with app.engine.connect() as conn:
        if app.engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA query_only = ON")
        else:
            conn.exec_driver_sql("SET SESSION default_transaction_read_only = on")
        conn.commit()
    # ... and the database is writable again for any new connection.
    mailbox.Maildir(str(app.config.maildir_path), create=True).add(mailgen.intro(1))
    runner = Runner(app.pipeline, app.sessions)
    runner.backoff.first = 0.05
    source = MaildirSource(app.config.maildir_path, app.config.settings.source.max_message_bytes)
    worker = threading.Thread(target=runner.maildir_forever, args=(source, 0.05), daemon=True)
    onlooker = replace(app, sessions=sessionmaker(make_engine(app.config.database_url)))  # as `referrals` would
    with caplog.at_level("WARNING", logger="introledger.runner"):
        worker.start()
        try:
            assert wait_until(lambda: _referrals(onlooker) == 1)
        finally:
            runner.stop()
            worker.join(10)
    assert "error: database is read-only" in caplog.text  # it said why it waited, in one line
    assert _quarantined(onlooker) == 0  # a read-only database is an outage, never the mail's fault
    onlooker.sessions.kw["bind"].dispose()


def test_quarantine_retry_handles_a_message_again_once_its_cause_is_fixed(tmp_path, monkeypatch):
    """User trial: a mail quarantined by a passing cause (a template error) lost its answer: the
    quarantine could only be listed, so the user had to find it and re-type it with `mark`."""
    import worker.inbound.pipeline as pipeline_module
    import worker.inbound.routes as routes_module

    (tmp_path / "config.yaml").write_text("tracking: {address: intros@example.com}\n")
    cli("db", "upgrade", cwd=tmp_path)
    (tmp_path / "intro.eml").write_bytes(mailgen.intro(1))

    def broken(*args, **kwargs):
        raise RuntimeError("template thank_you.txt: undefined 'nickname'")

    monkeypatch.setattr(pipeline_module, "act", broken)
    cli("ingest", "intro.eml", cwd=tmp_path)
    [held] = json.loads(cli("quarantine", "--json", cwd=tmp_path).stdout)
    assert "nickname" in held["reason"]
    monkeypatch.setattr(pipeline_module, "act", routes_module.act)  # the cause is fixed
    out = cli("quarantine", "retry", str(held["id"]), cwd=tmp_path).stdout
    assert out.startswith(f"quarantine #{held['id']}: double_intro (referral #1)")
    assert json.loads(cli("quarantine", "--json", cwd=tmp_path).stdout) == []
    assert len(json.loads(cli("referrals", "--json", cwd=tmp_path).stdout)) == 1
    again = cli("quarantine", "retry", str(held["id"]), cwd=tmp_path, ok=False)  # gone: said, not a traceback
    assert again.returncode == 1 and f"quarantine #{held['id']}: no such message" in again.stderr


def test_the_quarantine_list_says_which_mailbox_a_uid_is_in():
    """User trial: the `quarantine` table's source column showed "11" — a UID, but of which mailbox?"""
    from models import Quarantined
    from worker.cli.views import quarantine_place

    assert (quarantine_place(Quarantined(source="imap:intros@mail.example:993/INBOX", source_ref="11"))
            == "UID 11 in imap:intros@mail.example:993/INBOX")
    assert (quarantine_place(Quarantined(source="maildir:/srv/mail", source_ref="1733.M1.host"))
            == "1733.M1.host in maildir:/srv/mail")
    assert (quarantine_place(Quarantined(source="file", source_ref="/home/dana/old/intro.eml"))
            == "/home/dana/old/intro.eml")
