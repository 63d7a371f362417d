"""Members change while `introledger run` runs: edit config.yaml, send SIGHUP (worker/app/reload.py)."""
import json
import mailbox
import os
import signal
import subprocess
import sys

from tests import mailgen
from tests.cli.test_cli import cli
from tests.sources.test_imap import wait_until
from worker.app.reload import changes, describe
from worker.core.config import from_dict

DANA = "  - {name: Dana Whitfield, emails: [dana@danabooks.example]}\n"
ZOE = "  - {name: Zoe Park, emails: [zoe@parkdesign.example], timezone: Europe/Rome}\n"


def _settings(tmp_path, members: list[dict], **extra):
    return from_dict({"tracking": {"address": "intros@example.com"}, "members": members, **extra},
                     tmp_path / "c.yaml", env={}).settings


def test_a_reload_names_members_added_changed_and_gone_and_settings_that_wait_for_a_restart(tmp_path):
    dana = {"name": "Dana Whitfield", "emails": ["dana@danabooks.example"]}
    old = _settings(tmp_path, [dana, {"name": "Marco Rossi", "emails": ["marco@rossi.example"]}])
    new = _settings(tmp_path, [{**dana, "domains": ["danabooks.example"]},
                               {"name": "Zoe Park", "emails": ["zoe@parkdesign.example"]}],
                    source={"maildir": {"path": "elsewhere"}})
    found = changes(old, new)
    assert (found.added, found.changed, found.gone, found.restart) == (
        ("Zoe Park",), ("Dana Whitfield",), ("Marco Rossi",), ("source",))
    lines = describe("config.yaml", found)
    assert lines[0] == "config.yaml: re-read; members added Zoe Park; changed Dana Whitfield"
    assert "Marco Rossi no longer listed" in lines[1] and "source: applied at the next restart only" in lines[2]
    assert describe("config.yaml", changes(old, old)) == ["config.yaml: re-read; members unchanged"]


def _config(members: str) -> str:
    return ("tracking: {address: intros@example.com}\n"
            "source: {maildir: {poll_seconds: 0.1}}\n"
            "thank_you: {enabled: false}\n"
            f"members:\n{members}")


def test_run_takes_a_new_member_from_config_yaml_on_sighup(tmp_path, database_url):
    home = tmp_path
    config = home / "config.yaml"
    config.write_text(_config(DANA))
    database = {"INTROLEDGER_DATABASE_URL": database_url}
    cli("db", "upgrade", cwd=home, env=database)
    box = mailbox.Maildir(str(home / "mail"))
    zoe = ("Zoe Park", "zoe@parkdesign.example")
    env = {**{k: v for k, v in os.environ.items() if k != "INTROLEDGER_CONFIG"}, **database}
    _referrals = lambda home: json.loads(cli("referrals", "--json", cwd=home, env=database).stdout)
    log = open(home / "stderr", "w+")  # the process writes it until the end
    run = subprocess.Popen([sys.executable, "-m", "worker.cli.main", "run"], cwd=home, env=env,
                           stdout=subprocess.DEVNULL, stderr=log, text=True)
    said = lambda text: text in (home / "stderr").read_text()
    try:
        box.add(mailgen.intro(1, introducer=zoe))  # Zoe is not a member yet: a partner's intro
        assert wait_until(lambda: len(_referrals(home)) == 1, 30)  # running (and the handler installed)
        assert _referrals(home)[0]["direction"] == "partner"

        config.write_text(_config(DANA + ZOE.replace("Europe/Rome", "Europe/Rom")))  # a typo
        run.send_signal(signal.SIGHUP)
        assert wait_until(lambda: said("config not reloaded"), 30)
        assert said("still running with the previous one") and said("members.1.timezone: unknown time zone")
        assert run.poll() is None

        config.write_text(_config(DANA + ZOE))
        run.send_signal(signal.SIGHUP)
        assert wait_until(lambda: said("re-read; members added Zoe Park"), 30)
        box.add(mailgen.intro(2, introducer=zoe))
        assert wait_until(lambda: len(_referrals(home)) == 2, 30)
        newest = max(_referrals(home), key=lambda r: r["id"])
        assert newest["introducer"]["email"] == "zoe@parkdesign.example"
        assert newest["direction"] == "given"  # logged as the member's own intro
    finally:
        run.send_signal(signal.SIGTERM)
        code = run.wait(30)
        log.close()
    assert code == 0, (home / "stderr").read_text()


def test_a_sighup_meant_for_run_does_not_stop_a_send_process(tmp_path, redis_db):
    import redis

    from worker.outbound import queues

    (tmp_path / "config.yaml").write_text(_config(DANA) + f"broker_url: {redis_db}\n")
    cli("db", "upgrade", cwd=tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("INTROLEDGER_CONFIG", "INTROLEDGER_DATABASE_URL")}
    send = subprocess.Popen([sys.executable, "-m", "worker.cli.main", "send"], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    client = redis.Redis.from_url(redis_db)
    try:  # sending has started once its queue is registered (the handlers are in place before)
        assert wait_until(lambda: "introledger.intros-example-com" in queues.registered(client), 30)
        send.send_signal(signal.SIGHUP)
    finally:
        send.send_signal(signal.SIGTERM)
        code = send.wait(30)
        client.close()
    assert code == 0, send.stderr.read()  # stopped by the SIGTERM, not killed by the SIGHUP


def test_a_reload_applies_a_members_new_currency_to_answers(tmp_path, sqlite_url):
    from tests.conftest import build_app
    from worker.app.reload import reload

    app = build_app(tmp_path, sqlite_url, {"INTROLEDGER_TOKEN_SECRET": "k"})
    assert app.desk is not None and app.desk.currencies == {}
    (tmp_path / "config.yaml").write_text(_config(DANA.replace("]}", "], currency: CHF}")))
    said: list[str] = []
    assert reload(app, said.append), said
    assert app.desk.currencies == {"dana@danabooks.example": "CHF"}
    app.engine.dispose()
