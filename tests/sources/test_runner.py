"""The long-running loop survives outages and keeps watching; `run` on a Maildir sees new mail."""
import mailbox
import threading
import time

from sqlalchemy import create_engine, func, select, text

from models import Checkpoint, Referral
from tests import mailgen
from tests.conftest import build_app
from tests.sources.test_imap import Background, imap_settings, wait_until
from worker.app.live import imap_account
from worker.sources.maildir import MaildirSource
from worker.sources.runner import Runner


def count(app) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count()).select_from(Referral))


def test_maildir_is_watched_while_running(tmp_path, sqlite_url):
    app = build_app(tmp_path, sqlite_url)
    source = MaildirSource(tmp_path / "mail")
    source.ensure()
    runner = Runner(app.pipeline, app.sessions)
    thread = threading.Thread(target=runner.maildir_forever, args=(source, 0.05), daemon=True)
    thread.start()
    try:
        box = mailbox.Maildir(str(tmp_path / "mail"))
        box.add(mailgen.intro(1))
        assert wait_until(lambda: count(app) == 1)
        box.add(mailgen.intro(2))
        assert wait_until(lambda: count(app) == 2)
    finally:
        runner.stop()
        thread.join(5)
    assert not thread.is_alive()


def test_database_outage_backs_off_and_resumes_without_loss(tmp_path, postgres_url, imap_mailbox):
    # Our connections give up on a lock after 300 ms, as they would on a database that is down.
    url = postgres_url.replace("options=", "options=-clock_timeout%3D300%20")
    app = build_app(tmp_path, url, {"TEST_IMAP_PASSWORD": imap_mailbox.password},
                    source=imap_settings(imap_mailbox))
    blocker = create_engine(postgres_url)
    with Background(app, imap_account(app)) as runner:
        runner.backoff.cap = 0.5
        imap_mailbox.append(mailgen.intro(1))
        assert wait_until(lambda: count(app) == 1)
        with blocker.begin() as conn:
            conn.execute(text("LOCK TABLE inbound_messages IN ACCESS EXCLUSIVE MODE"))
            imap_mailbox.append(mailgen.intro(2))
            imap_mailbox.append(mailgen.intro(3))
            time.sleep(2.0)  # several failed attempts, each backed off
            assert runner.backoff.current > 0
        assert wait_until(lambda: count(app) == 3)
    blocker.dispose()
    with app.sessions() as s:
        assert s.scalar(select(Checkpoint.last_uid)) > 0
    from models import Quarantined
    with app.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Quarantined)) == 0  # outages never quarantine


def test_doctor_logs_in_to_a_real_imap_server(tmp_path, sqlite_url, imap_mailbox, monkeypatch):
    from worker.app import doctor

    config = tmp_path / "c.yaml"
    config.write_text(
        "tracking: {address: intros@example.com}\n"
        f"database_url: {sqlite_url}\n"
        f"source: {{kind: imap, imap: {{host: {imap_mailbox.host}, port: {imap_mailbox.port}, "
        f"security: none, username: {imap_mailbox.user}, password_env: DOC_PW}}}}\n"
    )
    build_app(tmp_path, sqlite_url)
    monkeypatch.setenv("DOC_PW", imap_mailbox.password)
    monkeypatch.setenv("INTROLEDGER_TOKEN_SECRET", "x" * 32)
    assert doctor.examine(str(config)).problems == []
    monkeypatch.setenv("DOC_PW", "wrong")
    problems = doctor.examine(str(config)).problems
    assert len(problems) == 1 and problems[0].startswith(f"imap: {imap_mailbox.user}@")


def test_doctor_creates_a_missing_processed_folder_and_says_so(tmp_path, sqlite_url, imap_mailbox, monkeypatch):
    from worker.app import doctor

    config = tmp_path / "c.yaml"
    config.write_text(
        "tracking: {address: intros@example.com}\n"
        f"database_url: {sqlite_url}\n"
        f"source: {{kind: imap, imap: {{host: {imap_mailbox.host}, port: {imap_mailbox.port}, "
        f"security: none, username: {imap_mailbox.user}, password_env: DOC_PW, processed_folder: Done}}}}\n"
    )
    build_app(tmp_path, sqlite_url)
    monkeypatch.setenv("DOC_PW", imap_mailbox.password)
    monkeypatch.setenv("INTROLEDGER_TOKEN_SECRET", "x" * 32)
    said = []
    assert doctor.examine(str(config), say=said.append).problems == []
    assert said == [f"created IMAP folder 'Done' on {imap_mailbox.user}@{imap_mailbox.host} for processed mail "
                    "(source.imap.processed_folder)"]
    client = imap_mailbox.client()
    assert client.folder_exists("Done")
    client.logout()
    said.clear()
    assert doctor.examine(str(config), say=said.append).problems == [] and said == []  # there now: nothing to say
    config.write_text(config.read_text().replace("processed_folder: Done", "processed_folder: Done/Intros"))
    [problem] = doctor.examine(str(config)).problems
    assert problem.startswith("imap: IMAP folder 'Done/Intros'") and "create it in your mail program" in problem


def test_run_starts_by_saying_which_mailbox_it_watches_and_where_it_sends(tmp_path, sqlite_url, imap_mailbox,
                                                                          smtp_sink):
    """A new user could not tell `run` was watching anything (it printed nothing); no secret shows."""
    from tests.cli.test_cli import cli

    (tmp_path / "config.yaml").write_text(
        "tracking: {address: intros@example.com}\n"
        f"database_url: {sqlite_url}\n"
        f"source: {{kind: imap, imap: {{host: {imap_mailbox.host}, port: {imap_mailbox.port}, "
        f"security: none, username: {imap_mailbox.user}, password_env: DOC_PW, processed_folder: Done}}}}\n"
        f"outbound: {{transport: smtp, smtp: {{host: {smtp_sink.host}, port: {smtp_sink.port}, security: none}}}}\n"
    )
    build_app(tmp_path, sqlite_url)
    result = cli("run", "--once", cwd=tmp_path, env={"DOC_PW": imap_mailbox.password})
    first = result.stderr.splitlines()[0]
    assert first == (f"introledger run: watching IMAP {imap_mailbox.user}@{imap_mailbox.host}:{imap_mailbox.port} "
                     f"folder 'INBOX' (none), moving processed mail to 'Done'; "
                     f"sending via SMTP {smtp_sink.host}:{smtp_sink.port} (none)")
    assert imap_mailbox.password not in result.stderr + result.stdout
