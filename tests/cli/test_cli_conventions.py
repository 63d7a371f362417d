"""The command line follows the ecosystem's conventions: exit codes, --config anywhere, --json on every
command that lists or changes something, NO_COLOR, shell completion, --version, a light --help."""
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from models.db import make_engine
from tests import mailgen
from tests.cli.test_cli import CORPUS, OUTBOX_KEYS, REFERRAL_KEYS, cli

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ("tracking: {address: intros@example.com}\n"
          "members:\n  - {name: Dana Whitfield, emails: [dana@danabooks.example]}\n"
          "thank_you: {delay_seconds: 0}\noutbound: {transport: folder, folder: sent, quiet_hours: null}\n")
DANA = ("Dana Whitfield", "dana@danabooks.example")


@pytest.fixture
def ledger(tmp_path):
    """A migrated database with three intros to Dana (from Carol, Zoe and Raj), nothing sent yet."""
    (tmp_path / "config.yaml").write_text(CONFIG)
    cli("db", "upgrade", cwd=tmp_path)
    now = datetime.now(UTC)
    for i, who in enumerate((("Carol Jensen", "carol@x.example"), ("Zoe Park", "zoe@z.example"),
                             ("Raj Mehta", "raj@r.example"))):
        (tmp_path / f"intro{i}.eml").write_bytes(mailgen.intro(i, introducer=who, b=DANA, when=now))
    return tmp_path


def as_json(*args, cwd: Path, code: int = 0, **kw):
    result = cli(*args, "--json", cwd=cwd, ok=False, **kw)
    assert result.returncode == code, (args, result.stderr)
    return json.loads(result.stdout)


def test_every_command_that_lists_or_changes_something_speaks_json(ledger):
    assert set(as_json("db", "upgrade", cwd=ledger)) == {"database", "revision"}
    assert as_json("ingest", "intro0.eml", "intro1.eml", "intro2.eml", str(CORPUS / "broken_garbage_bytes.eml"),
                   cwd=ledger) == {"double_intro": 3, "quarantined": 1}
    assert all(set(r) == REFERRAL_KEYS for r in as_json("referrals", cwd=ledger))
    [held] = as_json("quarantine", cwd=ledger)
    [again] = as_json("quarantine", "retry", str(held["id"]), cwd=ledger, code=1)  # still unreadable
    assert again["kind"] == "quarantined" and set(again) == {"id", "kind", "referral_id", "reason"}
    assert as_json("review", cwd=ledger) == [] and as_json("review", "accept", "--all", cwd=ledger) == []

    merged = as_json("referrals", "merge", "1", "3", cwd=ledger)
    assert merged["kept"] == 1 and merged["merged"] == 3 and merged["did"]
    met = as_json("mark", "1", "MET", cwd=ledger)
    assert met == {"referral": 1, "status": "connected", "applied": True, "reason": met["reason"]}
    as_json("mark", "2", "NO_FIT", cwd=ledger)
    refused = as_json("mark", "2", "WON", cwd=ledger, code=1)  # a final answer: only --correct changes it
    assert refused["applied"] is False and "--correct" in refused["reason"] and refused["status"] == "no_fit"

    mails = as_json("outbox", cwd=ledger)
    assert mails and all(set(m) == OUTBOX_KEYS for m in mails)
    first = mails[0]["id"]
    cancelled = as_json("outbox", "cancel", str(first), cwd=ledger)
    assert cancelled["changed"] is True and cancelled["mail"]["status"] == "cancelled"
    assert set(cancelled) == {"action", "changed", "mail", "paused"} and set(cancelled["mail"]) == OUTBOX_KEYS
    not_again = as_json("outbox", "cancel", str(first), cwd=ledger, code=1)
    assert not_again["changed"] is False and not_again["mail"]["status"] == "cancelled"
    assert as_json("outbox", "retry", str(first), cwd=ledger)["mail"]["status"] == "queued"
    assert as_json("outbox", "send-now", str(first), cwd=ledger)["changed"] is True
    assert as_json("outbox", "retry", "--failed", cwd=ledger) == {"action": "retry", "queued": []}
    _pause(ledger, "carol@x.example")
    resumed = as_json("outbox", "unpause", "Carol@X.example", cwd=ledger)
    assert resumed["address"] == "carol@x.example" and set(resumed) == {"address", "paused_since", "reason", "held"}

    assert as_json("optout", "add", "Zoe@Z.example", cwd=ledger) == {"email": "zoe@z.example", "opted_out": True}
    assert [o["email"] for o in as_json("optout", "list", cwd=ledger)] == ["zoe@z.example"]
    assert as_json("optout", "remove", "zoe@z.example", cwd=ledger) == {"email": "zoe@z.example", "opted_out": False}

    added = as_json("partners", "add", "Jensen Law", "--email", "carol@x.example", "--type", "same_market",
                    cwd=ledger)
    edited = as_json("partners", "edit", str(added["id"]), "--company", "Jensen Law LLP", cwd=ledger)
    assert edited["company"] == "Jensen Law LLP" and edited["emails"] == ["carol@x.example"]
    listed = as_json("partners", "list", cwd=ledger)
    other = next(p for p in listed if p["emails"] == ["zoe@z.example"])
    kept = as_json("partners", "merge", str(added["id"]), str(other["id"]), cwd=ledger)
    assert kept["id"] == added["id"] and kept["emails"] == ["carol@x.example", "zoe@z.example"]
    assert "ledger" in as_json("partners", "show", str(added["id"]), cwd=ledger)

    assert {line["partner"] for line in as_json("report", cwd=ledger)} >= {"carol@x.example"}
    assert as_json("report", "--group", cwd=ledger)[0]["member"] == "Dana Whitfield"
    assert as_json("report", "--by-month", cwd=ledger)[0]["member"] == "Dana Whitfield"
    assert isinstance(as_json("run", "--once", cwd=ledger), dict)
    found = as_json("doctor", cwd=ledger)
    assert found == {"ok": True, "problems": [], "warnings": found["warnings"], "repaired": [],
                     "about": ["queue: in-process (memory://); only this process sends"]}


def _pause(workdir: Path, address: str) -> None:
    from worker.outbound import pauses

    engine = make_engine(f"sqlite:///{workdir / 'introledger.db'}")
    with Session(engine) as session, session.begin():
        pauses.pause(session, address, "550 no such user", None, "bounce", datetime.now(UTC))
    engine.dispose()


def test_doctor_json_names_each_problem_and_its_part(tmp_path):
    (tmp_path / "broken.yaml").write_text(
        "tracking: {address: intros@example.com}\n"
        "database_url: sqlite:///fresh.db\nbroker_url: redis://127.0.0.1:1/0\n")
    found = as_json("--config", "broken.yaml", "doctor", cwd=tmp_path, code=1)
    assert found["ok"] is False
    assert [p["check"] for p in found["problems"]] == ["database", "broker"]
    assert "run `introledger db upgrade`" in found["problems"][0]["message"]


def test_exit_codes_0_ok_1_a_named_problem_2_usage_or_configuration(ledger):
    def run(*args):
        result = cli(*args, cwd=ledger, ok=False)
        if result.returncode:  # a failure says why on stderr, and prints nothing a script would parse
            assert result.stderr.strip() and not result.stdout.strip(), args
        return result.returncode

    assert run("referrals") == 0
    assert run("outbox", "cancel", "99") == 1  # no such mail
    assert run("mark", "99", "MET") == 1  # no such referral
    assert run("ingest", "nowhere.mbox") == 1  # a missing file
    assert run("--config", "fresh.yaml", "referrals") == 2  # no such config file
    assert run("referrals", "--bogus") == 2
    assert run("frobnicate") == 2
    assert run("report", "--since", "yesterday") == 2  # not a date
    assert run("report", "--json", "--csv") == 2
    assert run("outbox", "retry") == 2  # neither an ID nor --failed
    assert run("optout", "add", "not-an-address") == 2
    assert run("mark", "1", "banana") == 2
    (ledger / "other.db.yaml").write_text("tracking: {address: intros@example.com}\n"
                                          "database_url: sqlite:///unmigrated.db\n")
    assert run("--config", "other.db.yaml", "referrals") == 1  # an unmigrated database
    (ledger / "bad.yaml").write_text("tracking: {address: nope}\n")
    assert run("--config", "bad.yaml", "outbox") == 2
    # doctor's findings are its output: a bad config is one of them, on stdout, exit 1
    found = as_json("--config", "bad.yaml", "doctor", cwd=ledger, code=1)
    assert [p["check"] for p in found["problems"]] == ["config"]


def test_config_before_or_after_the_subcommand(ledger):
    sub = ledger / "elsewhere"
    sub.mkdir()
    (ledger / "config.yaml").rename(sub / "my.yaml")
    (sub / "my.yaml").write_text(CONFIG.replace("tracking:", f"database_url: sqlite:///{ledger}/introledger.db\n"
                                                              "tracking:", 1))
    cli("--config", "elsewhere/my.yaml", "ingest", "intro0.eml", cwd=ledger)
    before = cli("--config", "elsewhere/my.yaml", "referrals", "--json", cwd=ledger).stdout
    assert len(json.loads(before)) == 1
    assert cli("referrals", "--config", "elsewhere/my.yaml", "--json", cwd=ledger).stdout == before
    assert cli("referrals", "--json", "--config", "elsewhere/my.yaml", cwd=ledger).stdout == before
    # an action of a command takes it too, and so does the environment
    nested = cli("outbox", "cancel", "99", "--config", "elsewhere/my.yaml", cwd=ledger, ok=False)
    assert nested.returncode == 1 and "no such mail" in nested.stderr
    env = {"INTROLEDGER_CONFIG": str(sub / "my.yaml")}
    assert cli("referrals", "--json", cwd=ledger, env=env).stdout == before
    # given twice, the one nearer the end wins (an alias may carry one, the command line another)
    assert cli("--config", "missing.yaml", "referrals", "--json", "--config", "elsewhere/my.yaml",
               cwd=ledger).stdout == before
    assert cli("referrals", cwd=ledger, ok=False).returncode == 2  # none given: ./config.yaml, which is gone


def test_tables_print_mail_text_as_it_is(ledger):
    """A subject's "[ref R1]" was read as a rich style tag and vanished from the outbox table."""
    (ledger / "config.yaml").write_text(CONFIG + 'follow_ups: {steps: ["0s"]}\n')
    cli("ingest", "intro0.eml", cwd=ledger)
    cli("run", "--once", cwd=ledger)  # the follow-up falls due at once
    subjects = [m["subject"] for m in as_json("outbox", cwd=ledger)]
    tagged = [s for s in subjects if "[ref R" in s]
    assert tagged  # the follow-up's subject carries its reference
    table = cli("outbox", cwd=ledger).stdout
    assert all(s in table for s in tagged), table


def test_no_color_means_no_escape_codes(ledger):
    (ledger / "broken.yaml").write_text("tracking: {address: intros@example.com}\n"
                                        "database_url: sqlite:///fresh.db\n")
    cli("ingest", "intro0.eml", cwd=ledger)
    forced = {"FORCE_COLOR": "1"}
    coloured = cli("--config", "broken.yaml", "doctor", cwd=ledger, env=forced, ok=False)
    assert "\x1b[" in coloured.stdout  # the check below can fail: colour is on when asked for
    plain = {**forced, "NO_COLOR": "1"}
    for args in (("--config", "broken.yaml", "doctor"), ("referrals",), ("outbox",), ("report",),
                 ("--config", "nope.yaml", "outbox")):
        result = cli(*args, cwd=ledger, env=plain, ok=False)
        assert "\x1b" not in result.stdout + result.stderr, args
        assert (result.stdout + result.stderr).strip(), args


def test_shell_completion_offers_commands_and_actions(tmp_path):
    def complete(line: str) -> list[str]:
        words = line.split(" ")
        env = {"_INTROLEDGER_COMPLETE": "bash_complete", "COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)}
        result = cli(cwd=tmp_path, env=env)
        return [item.split(",", 1)[1] for item in result.stdout.split()]

    assert complete("introledger re") == ["referrals", "report", "review"]
    assert complete("introledger outbox ") == ["cancel", "retry", "send-now", "unpause"]
    assert "--config" in complete("introledger outbox cancel --")


def test_version_help_and_the_real_entry_point(tmp_path):
    """A real process, as the console script runs it: --version; --help imports click and our
    command table only, `referrals` neither Alembic nor the pipeline, and `report` on SQLite not
    PostgreSQL's dialect, the mail parsing nor (for --json) rich (so they start fast;
    bench/startup.py and bench/scale.py have the figures)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTROLEDGER_")}
    env["PYTHONPATH"] = str(ROOT)
    version = subprocess.run([sys.executable, "-m", "worker.cli", "--version"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("introledger 0.") and not version.stderr
    (tmp_path / "config.yaml").write_text(CONFIG)
    probe = ("import json, sys\nfrom worker.cli.main import main\ncode = main(sys.argv[1:])\n"
             "print(json.dumps({'code': code, 'modules': sorted(sys.modules)}), file=sys.stderr)\n")

    def loaded(*args: str, packages: bool = True) -> set[str]:
        """The packages (or all the modules) a command imported."""
        done = subprocess.run([sys.executable, "-c", probe, *args], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=60)
        report = json.loads(done.stderr.strip().splitlines()[-1])
        assert report["code"] == 0, done.stderr
        return {m.split(".")[0] for m in report["modules"]} if packages else set(report["modules"])

    assert not loaded("--help") & {"sqlalchemy", "rich", "pydantic", "models", "alembic", "yaml"}
    loaded("db", "upgrade")
    the_app = {"alembic", "dramatiq", "redis", "jinja2", "imapclient"}
    assert not loaded("referrals", "--json") & the_app
    # A report (config.yaml's group, on SQLite) reads the database and prints, nothing more.
    mail_and_postgres = {"sqlalchemy.dialects.postgresql", "worker.mail.commands", "worker.inbound.pipeline"}
    table = loaded("report", "--group", packages=False)
    assert "rich.table" in table  # the probe sees what a report imports
    assert not {m.split(".")[0] for m in table} & the_app
    assert not table & mail_and_postgres, table & mail_and_postgres
    # No business closed, no amount in its table: Babel, which formats them, is not imported either.
    assert "babel" not in {m.split(".")[0] for m in table}
    as_json = loaded("report", "--group", "--json", packages=False)
    assert not {m.split(".")[0] for m in as_json} & {*the_app, "rich"}, {m for m in as_json if m.startswith("rich")}
    assert not as_json & mail_and_postgres, as_json & mail_and_postgres
