"""The real thing: intros APPENDed to Dovecot become referrals, once, whatever happens to the line."""
import threading
import time

import pytest
from sqlalchemy import func, select, update

from models import Checkpoint, InboundMessage, Referral
from tests import mailgen
from tests.conftest import build_app
from worker.app.live import imap_account
from worker.sources.imap import ImapAccount
from worker.sources.runner import Runner

pytestmark = pytest.mark.sqlite_only(reason=(
    "what IMAP delivers and when; the pipeline's SQL is held to PostgreSQL in tests/inbound"
))


def imap_settings(server, **extra) -> dict:
    return {"kind": "imap", "imap": {
        "host": server.host, "port": server.port, "security": "none", "username": server.user,
        "password_env": "TEST_IMAP_PASSWORD", "idle_renew_seconds": 5, "poll_seconds": 0.2,
        "timeout_seconds": 10, **extra,
    }}


@pytest.fixture
def imap_app(tmp_path, database_url, imap_mailbox):
    return _app(tmp_path, database_url, imap_mailbox)


def _app(tmp_path, database_url, server, **extra):
    env = {"TEST_IMAP_PASSWORD": server.password}
    return build_app(tmp_path, database_url, env, source=imap_settings(server, **extra))


def count(app, model, *where) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def wait_until(predicate, timeout=15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


class Background:
    """`introledger run` in a thread, stopped and joined at the end of the test."""

    def __init__(self, app, account: ImapAccount):
        self.runner = Runner(app.pipeline, app.sessions)
        self.runner.backoff.first = 0.1
        self.thread = threading.Thread(target=self.runner.imap_forever, args=(account,), daemon=True)

    def __enter__(self):
        self.thread.start()
        return self.runner

    def __exit__(self, *exc):
        self.runner.stop()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive(), "runner did not stop"


def test_catch_up_logs_intros_once_and_moves_the_checkpoint(imap_app, imap_mailbox):
    for i in range(3):
        imap_mailbox.append(mailgen.intro(i))
    imap_mailbox.append(mailgen.noise(99))
    runner = Runner(imap_app.pipeline, imap_app.sessions)
    account = imap_account(imap_app)
    kinds = sorted(o.kind for o in runner.imap_once(account))
    assert kinds == ["double_intro"] * 3 + ["not_intro"]
    assert count(imap_app, Referral) == 3
    client = imap_mailbox.client()
    client.select_folder("INBOX")
    with imap_app.sessions() as s:
        assert s.scalar(select(Checkpoint.last_uid)) == max(client.search(["ALL"]))
    assert runner.imap_once(account) == []  # nothing above the checkpoint
    # BODY.PEEK: the mailbox still shows the mail as unread for the humans who share it
    assert len(client.search(["UNSEEN"])) == 4
    client.logout()


def test_idle_picks_up_mail_while_running(imap_app, imap_mailbox):
    with Background(imap_app, imap_account(imap_app)):
        time.sleep(0.3)  # let it reach IDLE
        imap_mailbox.append(mailgen.intro(1))
        assert wait_until(lambda: count(imap_app, Referral) == 1)
        imap_mailbox.append(mailgen.intro(2))
        assert wait_until(lambda: count(imap_app, Referral) == 2)


def test_dropped_connection_misses_nothing_and_doubles_nothing(imap_app, imap_mailbox):
    with Background(imap_app, imap_account(imap_app)):
        for i in range(5):
            imap_mailbox.append(mailgen.intro(i))
        assert wait_until(lambda: count(imap_app, Referral) == 5)
        imap_mailbox.kick()  # the server drops every live connection
        for i in range(5, 10):
            imap_mailbox.append(mailgen.intro(i))
        assert wait_until(lambda: count(imap_app, Referral) == 10)
        imap_mailbox.kick()
        for i in range(10, 12):
            imap_mailbox.append(mailgen.intro(i))
        assert wait_until(lambda: count(imap_app, Referral) == 12)
        time.sleep(0.5)
    assert count(imap_app, Referral) == 12
    assert count(imap_app, InboundMessage) == 12


def test_polling_fallback_without_idle(tmp_path, database_url, imap_mailbox_no_idle):
    app = _app(tmp_path, database_url, imap_mailbox_no_idle)
    with Background(app, imap_account(app)):
        imap_mailbox_no_idle.append(mailgen.intro(7))
        assert wait_until(lambda: count(app, Referral) == 1)


def test_uidvalidity_change_rescans_without_doubles(imap_app, imap_mailbox):
    for i in range(3):
        imap_mailbox.append(mailgen.intro(i))
    runner, account = Runner(imap_app.pipeline, imap_app.sessions), imap_account(imap_app)
    runner.imap_once(account)
    with imap_app.sessions.begin() as s:
        s.execute(update(Checkpoint).values(uidvalidity=1, last_uid=999))
    outcomes = runner.imap_once(account)
    assert [o.kind for o in outcomes] == ["duplicate"] * 3
    assert count(imap_app, Referral) == 3


def test_copy_by_another_route_and_two_workers_at_once(tmp_path, database_url, imap_mailbox):
    for i in range(20):
        imap_mailbox.append(mailgen.intro(i))
    imap_mailbox.append(mailgen.intro(3))  # the same intro delivered twice (CC and BCC route)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _app(tmp_path / "a", database_url, imap_mailbox)
    # The second worker shares the first one's database, as two deployed workers would.
    second = _app(tmp_path / "b", first.config.database_url, imap_mailbox)
    workers = [threading.Thread(target=Runner(a.pipeline, a.sessions).imap_once,
                                args=(imap_account(a),)) for a in (first, second)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert count(first, Referral) == 20
    assert count(first, InboundMessage) == 20


def test_processed_mail_is_moved_only_after_commit(tmp_path, database_url, imap_mailbox):
    client = imap_mailbox.client()
    client.create_folder("Processed")
    client.logout()
    app = _app(tmp_path, database_url, imap_mailbox, processed_folder="Processed")
    imap_mailbox.append(mailgen.intro(1))
    Runner(app.pipeline, app.sessions).imap_once(imap_account(app))
    assert count(app, Referral) == 1
    client = imap_mailbox.client()
    assert client.select_folder("INBOX")[b"EXISTS"] == 0
    assert client.select_folder("Processed")[b"EXISTS"] == 1
    client.logout()


def test_a_missing_processed_folder_is_created_and_the_mail_leaves_the_inbox(tmp_path, database_url, imap_mailbox,
                                                                            caplog):
    """Was: nothing created it, every batch was logged, failed to move, reconnected, and the mail
    stayed in the inbox for ever."""
    app = _app(tmp_path, database_url, imap_mailbox, processed_folder="Intros-done")
    imap_mailbox.append(mailgen.intro(1))
    with caplog.at_level("WARNING", logger="introledger.runner"):
        kinds = [o.kind for o in Runner(app.pipeline, app.sessions).imap_once(imap_account(app))]
    assert kinds == ["double_intro"]
    assert "created IMAP folder 'Intros-done'" in caplog.text
    imap_mailbox.append(mailgen.intro(2))
    with Background(app, imap_account(app)):  # the long-running loop moves the next one too
        assert wait_until(lambda: count(app, Referral) == 2)
        client = imap_mailbox.client()
        try:
            assert wait_until(lambda: client.select_folder("INBOX")[b"EXISTS"] == 0)
            assert client.select_folder("Intros-done")[b"EXISTS"] == 2
        finally:
            client.logout()


def test_a_processed_folder_the_server_will_not_create_stops_run_saying_what_to_do(tmp_path, sqlite_url,
                                                                                   imap_mailbox):
    import pytest

    from worker.sources.imap import ImapSetupError

    app = _app(tmp_path, sqlite_url, imap_mailbox, processed_folder="Archive/Intros")  # this server's separator is "."
    imap_mailbox.append(mailgen.intro(1))
    with pytest.raises(ImapSetupError, match="'Archive/Intros'.*would not create it.*create it in your mail program"):
        Runner(app.pipeline, app.sessions).imap_forever(imap_account(app))
    assert count(app, Referral) == 0  # nothing was logged that could not then be moved


def test_wrong_password_stops_run_with_a_clear_error(tmp_path, sqlite_url, imap_mailbox):
    import pytest

    from worker.sources.imap import ImapLoginError

    app = build_app(tmp_path, sqlite_url, {"TEST_IMAP_PASSWORD": "wrong"}, source=imap_settings(imap_mailbox))
    runner = Runner(app.pipeline, app.sessions)
    with pytest.raises(ImapLoginError, match="refused us.*TEST_IMAP_PASSWORD"):
        runner.imap_forever(imap_account(app))


def test_mail_announced_during_a_catch_up_is_not_lost_before_idle(imap_app, imap_mailbox):
    from worker.sources import imap
    from worker.sources.runner import _arrived_meanwhile

    account = imap_account(imap_app)
    client = imap.connect(account)
    try:
        imap.catch_up(client, account, imap_app.pipeline, imap_app.sessions)
        assert not _arrived_meanwhile(client)  # SELECT's own count is not news
        imap_mailbox.append(mailgen.intro(1))  # lands while we are still busy with commands
        client.noop()  # any command's response carries the announcement, which IDLE will not repeat
        assert _arrived_meanwhile(client)
        caught_up = imap.catch_up(client, account, imap_app.pipeline, imap_app.sessions)
        assert [o.kind for o in caught_up] == ["double_intro"]
    finally:
        client.logout()
