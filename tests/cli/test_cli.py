"""The `introledger` command as a user runs it: real files, real output, in-process (click's runner);
tests/cli/test_cli_conventions.py runs the real entry point in a process."""
import json
import mailbox
import os
import subprocess
import sys
from datetime import UTC
from pathlib import Path

import pytest

CORPUS = Path(__file__).parents[1] / "data" / "corpus"
REFERRAL_KEYS = {"id", "status", "kind", "introduced_at", "introducer", "parties", "direction",
                 "confidence", "reason", "source", "value", "qualified_at", "won_at"}


def cli(*args, cwd: Path, env: dict | None = None, ok: bool = True,
        real: bool = False) -> subprocess.CompletedProcess:
    """Run `introledger ARGS` in cwd as a user would. In-process with click's runner by default (a
    process costs a second of imports per call); `real=True` spawns the command, as a few tests do
    to prove the real entry point."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("INTROLEDGER_CONFIG", "INTROLEDGER_DATABASE_URL")}
    full_env.update({"COLUMNS": "200", "INTROLEDGER_TOKEN_SECRET": "test-secret", **(env or {})})
    if real:
        result = subprocess.run([sys.executable, "-m", "worker.cli.main", *args], cwd=cwd, env=full_env,
                                capture_output=True, text=True, timeout=120)
    else:
        result = _in_process(list(args), cwd, full_env)
    if ok:
        assert result.returncode == 0, result.stderr
    return result


def _in_process(args: list[str], cwd: Path, env: dict) -> subprocess.CompletedProcess:
    from click.testing import CliRunner

    from worker.cli.main import cli as command

    # The runner sets and restores the variables it is given; None removes one for the run.
    changes = {**{k: None for k in os.environ if k not in env}, **env}
    saved_cwd = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(command, args, env=changes, catch_exceptions=False, prog_name="introledger")
    finally:
        os.chdir(saved_cwd)
    return subprocess.CompletedProcess(["introledger", *args], result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "config.yaml").write_text(
        "tracking: {address: intros@example.com}\n"
        "members:\n  - {name: Dana Whitfield, emails: [dana@danabooks.example], domains: [danabooks.example]}\n"
    )
    cli("db", "upgrade", cwd=tmp_path)
    return tmp_path


def test_help_lists_every_command(tmp_path):
    out = cli("--help", cwd=tmp_path).stdout
    commands = out.split("Commands:")[1]
    listed = {line.split()[0] for line in commands.splitlines() if line.startswith("  ") and line.split()}
    assert {"run", "send", "ingest", "review", "referrals", "quarantine", "db", "doctor", "outbox", "optout",
            "mark", "templates", "report", "export", "import", "partners", "demo"} <= listed


def test_commands_refuse_an_unmigrated_database_and_say_what_to_run(tmp_path):
    (tmp_path / "config.yaml").write_text("tracking: {address: intros@example.com}\n")
    result = cli("referrals", cwd=tmp_path, ok=False)
    assert result.returncode == 1
    assert "run `introledger db upgrade`" in result.stderr


def test_bad_config_exits_2_naming_file_and_keys(tmp_path):
    (tmp_path / "bad.yaml").write_text("tracking: {address: nope}\nsource: {kind: pop3}\n")
    result = cli("--config", "bad.yaml", "referrals", cwd=tmp_path, ok=False)
    assert result.returncode == 2
    assert "bad.yaml: 2 problems" in result.stderr
    assert "tracking.address" in result.stderr and "source.kind" in result.stderr


def test_ingest_eml_mbox_and_maildir_then_list_as_json(workdir):
    box = mailbox.mbox(str(workdir / "sent.mbox"))
    for name in ("gmail_double_intro_en.eml", "auto_reply_x_autoreply.eml"):
        box.add((CORPUS / name).read_bytes())
    box.flush()
    md = mailbox.Maildir(str(workdir / "Maildir"))
    md.add((CORPUS / "heads_up_en.eml").read_bytes())
    summary = cli("ingest", "sent.mbox", "Maildir", str(CORPUS / "broken_garbage_bytes.eml"),
                  str(CORPUS / "gmail_double_intro_en.eml"), "--json", cwd=workdir).stdout
    assert json.loads(summary) == {"double_intro": 1, "auto_reply": 1, "heads_up": 1,
                                   "quarantined": 1, "duplicate": 1}
    rows = json.loads(cli("referrals", "--json", cwd=workdir).stdout)
    assert len(rows) == 2 and all(set(r) == REFERRAL_KEYS for r in rows)
    intro = next(r for r in rows if r["kind"] == "double_intro")
    assert intro["introducer"] == {"name": "Carol Jensen", "email": "carol.jensen@gmail.com"}
    assert {"name": "Dana Whitfield", "email": "dana@danabooks.example", "role": "provider"} in intro["parties"]
    assert intro["direction"] == "received" and intro["status"] == "introduced"
    assert set(intro["source"]) == {"message_id", "subject"}
    only = json.loads(cli("referrals", "--status", "needs_review", "--json", cwd=workdir).stdout)
    assert only == []
    quarantined = json.loads(cli("quarantine", "--json", cwd=workdir).stdout)
    assert [q["source_ref"] for q in quarantined] == [str(CORPUS / "broken_garbage_bytes.eml")]
    assert "cannot parse" in quarantined[0]["reason"]


def test_a_members_configured_name_wins_in_listings(workdir):
    """QA trial: `referrals` showed Dana as "dana@danabooks.example" until a later mail carried her name."""
    raw = (CORPUS / "gmail_double_intro_en.eml").read_bytes()
    bare = raw.replace(b"Dana Whitfield <dana@danabooks.example>", b"dana@danabooks.example")  # no display name
    (workdir / "bare.eml").write_bytes(bare)
    cli("ingest", "bare.eml", cwd=workdir)
    [intro] = json.loads(cli("referrals", "--json", cwd=workdir).stdout)
    assert {"name": "Dana Whitfield", "email": "dana@danabooks.example", "role": "provider"} in intro["parties"]
    table = cli("referrals", cwd=workdir).stdout
    assert "Dana Whitfield (provider)" in table and "dana@danabooks.example" not in table


def test_human_output_is_a_table_and_a_summary(workdir):
    out = cli("ingest", str(CORPUS / "gmail_double_intro_en.eml"), cwd=workdir).stdout
    assert "1 messages: 1 logged, 0 needs review" in out
    table = cli("referrals", cwd=workdir).stdout
    assert "Carol Jensen" in table and "Dana Whitfield (provider)" in table


def test_ingest_of_a_missing_path_names_it(workdir):
    result = cli("ingest", "nowhere.mbox", cwd=workdir, ok=False)
    assert result.returncode == 1 and "nowhere.mbox: no such file" in result.stderr


def test_run_once_drains_the_maildir(workdir):
    md = mailbox.Maildir(str(workdir / "mail"))
    md.add((CORPUS / "outlook_double_intro_en.eml").read_bytes())
    result = cli("run", "--once", cwd=workdir)
    out = result.stdout
    assert result.stderr.splitlines()[0] == (  # what it watches and where mail goes, first
        f"introledger run: watching Maildir {(workdir / 'mail').resolve()}; writing outgoing mail to "
        f"{(workdir / 'outgoing').resolve()} (outbound.transport: folder, nothing is sent)")
    assert "1 messages: 1 logged" in out
    assert os.listdir(workdir / "mail" / "new") == [] and len(os.listdir(workdir / "mail" / "cur")) == 1
    assert len(json.loads(cli("referrals", "--json", cwd=workdir).stdout)) == 1


def test_run_once_counts_the_mail_it_reads_on_a_terminal(workdir):
    md = mailbox.Maildir(str(workdir / "mail"))
    for name in ("outlook_double_intro_en.eml", "gmail_double_intro_en.eml"):
        md.add((CORPUS / name).read_bytes())
    # TTY_COMPATIBLE/TTY_INTERACTIVE: rich treats stderr as a terminal, as under a real one
    result = cli("run", "--once", cwd=workdir, env={"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1"})
    assert "reading mail: 2 message(s)" in result.stderr
    assert "2 messages: 2 logged" in result.stdout
    assert "reading mail" not in cli("run", "--once", cwd=workdir).stderr  # piped: no progress drawn


def test_addresses_given_on_the_command_line_must_be_addresses(workdir):
    bad = cli("optout", "add", "carol@localhost", cwd=workdir, ok=False)
    assert bad.returncode == 2 and "'carol@localhost' is not an email address" in bad.stderr
    bad = cli("partners", "add", "Carol Diaz", "--email", "carol at x.example", cwd=workdir, ok=False)
    assert bad.returncode == 2 and "'carol at x.example' is not an email address" in bad.stderr
    assert json.loads(cli("partners", "list", "--json", cwd=workdir).stdout) == []  # nothing half-added
    added = json.loads(cli("partners", "add", "Carol Diaz", "--email", " Carol@X.example ", "--json",
                           cwd=workdir).stdout)
    assert added["emails"] == ["carol@x.example"]


def test_doctor_passes_then_names_each_problem_with_a_fix(workdir, tmp_path):
    assert "all answer" in cli("doctor", cwd=workdir).stdout
    (workdir / "broken.yaml").write_text(
        "tracking: {address: intros@example.com}\n"
        "database_url: sqlite:///fresh.db\nbroker_url: redis://127.0.0.1:1/0\n"
        "source: {kind: imap, imap: {host: 127.0.0.1, port: 1, username: u, security: none}}\n"
    )
    result = cli("--config", "broken.yaml", "doctor", cwd=workdir, ok=False)
    lines = [line for line in result.stdout.splitlines() if line.startswith("✗")]
    assert result.returncode == 1 and len(lines) == 3
    assert "run `introledger db upgrade`" in lines[0]
    assert "INTROLEDGER_IMAP_PASSWORD" in lines[1]
    assert "Redis at redis://127.0.0.1:1/0 does not answer" in lines[2]


def test_doctor_names_the_languages_a_reward_is_not_written_in(workdir):
    """Second user trial: Spanish, Dutch and Italian introducers were promised "A $25 gift card"."""
    (workdir / "reward.yaml").write_text((workdir / "config.yaml").read_text() + (
        'follow_ups: {reward: {en: "A $25 gift card is on its way.", de: "Ein Gutschein ist unterwegs.",'
        ' fr: "Un bon d\'achat est en route."}}\n'))
    warned = [line for line in cli("--config", "reward.yaml", "doctor", cwd=workdir).stdout.splitlines()
              if "follow_ups.reward" in line]
    assert warned == ["! follow_ups.reward has no text in es, nl, it: closed-business mail in those languages "
                      'promises the reward in English (add e.g. es: "…" to follow_ups.reward in config.yaml)'], warned
    assert "follow_ups.reward" not in cli("doctor", cwd=workdir).stdout  # one text for all: nothing to say


def test_demo_needs_no_server_and_prints_the_ledger(tmp_path):
    out = cli("demo", "--dir", "demo", cwd=tmp_path).stdout
    assert "12 sample messages" in out
    assert "forwarded_intro" in out and "heads_up" in out and "quarantined" in out
    assert "Referrals (8)" in out
    assert "WON $4,500" in out, out
    # the introducer hears it closed, not for how much (members[].share_value is off by default)
    assert "turned into real business. Thank you" in out and "business ($4,500)" not in out
    assert "The give-and-take ledger" in out and "Carol Jensen" in out.split("give-and-take ledger")[1]
    assert out.count("thank_you") == 4 and "status_confirmation" in out
    rows = json.loads(cli("--config", "demo/config.yaml", "referrals", "--json", cwd=tmp_path).stdout)
    assert {r["status"] for r in rows} == {"introduced", "needs_review", "won"}  # #1 went connected → won


def test_the_commands_the_demo_suggests_can_be_copied_from_a_narrow_terminal(tmp_path):
    out = cli("demo", "--dir", "demo", cwd=tmp_path, env={"COLUMNS": "80"}).stdout
    suggested = [line.strip() for line in out.splitlines() if line.startswith("  introledger ")]
    assert len(suggested) >= 5, out
    for line in suggested:  # each whole on its line: not broken where an 80-column terminal ends
        assert line.split("#")[0].split()[-1] in ("--json", "outbox", "--group", "&", "dana@danabooks.example"), line
    secret = next(line for line in out.splitlines() if "INTROLEDGER_WEB_SECRET" in line)
    assert secret.rstrip().endswith("token_hex(32))')")


OUTBOX_KEYS = {"id", "kind", "to", "subject", "status", "attempts", "last_error", "reason", "message_id",
               "referral_ids", "queued_at", "not_before", "handed_over_at", "sent_at"}


def test_outbox_optout_and_sending_from_the_command_line(tmp_path):
    from datetime import datetime

    from tests import mailgen

    (tmp_path / "config.yaml").write_text(
        "tracking: {address: intros@example.com}\n"
        "members:\n  - {name: Dana Whitfield, emails: [dana@danabooks.example]}\n"
        "thank_you: {delay_seconds: 0}\noutbound: {transport: folder, folder: sent, quiet_hours: null}\n"
    )
    cli("db", "upgrade", cwd=tmp_path)
    now = datetime.now(UTC)
    for i, carol in enumerate(("carol@x.example", "zoe@z.example")):
        (tmp_path / f"intro{i}.eml").write_bytes(mailgen.intro(
            i, introducer=("Carol Jensen", carol), b=("Dana Whitfield", "dana@danabooks.example"), when=now))
    cli("ingest", "intro0.eml", "intro1.eml", cwd=tmp_path)
    rows = json.loads(cli("outbox", "--json", cwd=tmp_path).stdout)
    assert [(r["to"], r["status"]) for r in rows] == [("carol@x.example", "queued"), ("zoe@z.example", "queued")]
    assert all(set(r) == OUTBOX_KEYS for r in rows)

    assert "is now cancelled" in cli("outbox", "cancel", str(rows[1]["id"]), cwd=tmp_path).stdout
    assert cli("outbox", "cancel", str(rows[1]["id"]), cwd=tmp_path, ok=False).returncode == 1
    cli("optout", "add", "Carol@X.example", cwd=tmp_path)
    assert "carol@x.example" in cli("optout", "list", cwd=tmp_path).stdout

    cli("run", "--once", cwd=tmp_path)
    rows = json.loads(cli("outbox", "--json", cwd=tmp_path).stdout)
    assert [(r["status"], r["reason"]) for r in rows] == [
        ("suppressed", "carol@x.example opted out of our mail"), ("cancelled", "cancelled by hand")]
    assert list((tmp_path / "sent").glob("*.eml")) == []

    cli("optout", "remove", "carol@x.example", cwd=tmp_path)
    for row in rows:
        assert "is now queued" in cli("outbox", "retry", str(row["id"]), cwd=tmp_path).stdout
    cli("run", "--once", cwd=tmp_path)
    sent = json.loads(cli("outbox", "--status", "sent", "--json", cwd=tmp_path).stdout)
    assert len(sent) == 2 and all(r["message_id"] and r["sent_at"] for r in sent)
    assert len(list((tmp_path / "sent").glob("*.eml"))) == 2
    table = cli("outbox", cwd=tmp_path).stdout
    assert "Outbox (2)" in table and "sent" in table


def test_mark_from_the_command_line(tmp_path):
    from datetime import datetime

    from tests import mailgen

    (tmp_path / "config.yaml").write_text(
        "tracking: {address: intros@example.com}\n"
        "members:\n  - {name: Dana Whitfield, emails: [dana@danabooks.example]}\n")
    cli("db", "upgrade", cwd=tmp_path)
    (tmp_path / "i.eml").write_bytes(mailgen.intro(
        1, introducer=("Carol Jensen", "carol@x.example"), b=("Dana Whitfield", "dana@danabooks.example"),
        when=datetime.now(UTC)))
    cli("ingest", "i.eml", cwd=tmp_path)
    out = cli("mark", "1", "WON", "--amount", "$4,500", "--note", "not paid yet", cwd=tmp_path).stdout
    assert "referral #1 is now won" in out
    [row] = json.loads(cli("referrals", "--json", cwd=tmp_path).stdout)
    assert row["status"] == "won" and row["value"] == {"amount_cents": 450000, "currency": "USD"}
    assert row["won_at"] and row["qualified_at"]
    assert cli("mark", "1", "banana", cwd=tmp_path, ok=False).returncode == 2
    assert cli("mark", "99", "WON", cwd=tmp_path, ok=False).returncode == 1
    off = cli("mark", "1", "LOST", cwd=tmp_path, ok=False, env={"INTROLEDGER_TOKEN_SECRET": ""})
    assert off.returncode == 1 and "INTROLEDGER_TOKEN_SECRET" in off.stderr


def test_mark_stop_all_on_a_referral_without_a_member_asks_whose_mail_to_stop(tmp_path):
    # With no member to speak for, `mark` used to act as the address "cli": STOP ALL opted out
    # "cli" and reported success, and nobody's mail stopped.
    from datetime import datetime

    from tests import mailgen

    (tmp_path / "config.yaml").write_text(
        "tracking: {address: intros@example.com}\n"
        "members:\n  - {name: Dana Whitfield, emails: [dana@danabooks.example]}\n")
    cli("db", "upgrade", cwd=tmp_path)
    (tmp_path / "i.eml").write_bytes(mailgen.intro(
        1, introducer=("Carol Jensen", "carol@x.example"), a=("Alice Brook", "alice@y.example"),
        b=("Bob Stone", "bob@z.example"), when=datetime.now(UTC)))
    cli("ingest", "i.eml", cwd=tmp_path)
    [row] = json.loads(cli("referrals", "--json", cwd=tmp_path).stdout)
    refused = cli("mark", str(row["id"]), "STOP ALL", cwd=tmp_path, ok=False)
    assert refused.returncode == 2 and "--by" in refused.stderr
    assert json.loads(cli("optout", "list", "--json", cwd=tmp_path).stdout) == []
    bad = cli("mark", str(row["id"]), "STOP ALL", "--by", "cli", cwd=tmp_path, ok=False)
    assert bad.returncode == 2 and "not an email address" in bad.stderr
    done = cli("mark", str(row["id"]), "STOP ALL", "--by", "carol@x.example", cwd=tmp_path)
    assert "carol@x.example" in done.stdout
    assert [o["email"] for o in json.loads(cli("optout", "list", "--json", cwd=tmp_path).stdout)] == ["carol@x.example"]


def test_reports_and_listings_read_while_the_worker_holds_a_write_transaction(workdir):
    """The worker mid-message holds SQLite's write lock; a report, a listing or a partner's page
    read a snapshot meanwhile instead of queueing for the lock (here 1 s, then "database is locked")."""
    import sqlite3

    cli("ingest", str(CORPUS / "gmail_double_intro_en.eml"), cwd=workdir)
    cli("report", cwd=workdir)  # members synced once, as the worker does at start
    partner = json.loads(cli("partners", "list", "--json", cwd=workdir).stdout)[0]["id"]
    env = {"INTROLEDGER_DATABASE_URL": f"sqlite:///{workdir / 'introledger.db'}?timeout=1"}
    worker = sqlite3.connect(workdir / "introledger.db", isolation_level=None)
    try:
        worker.execute("BEGIN IMMEDIATE")
        worker.execute("UPDATE referrals SET reason = reason")
        lines = json.loads(cli("report", "--json", cwd=workdir, env=env).stdout)
        assert [line["name"] for line in lines] == ["Carol Jensen"]
        assert cli("report", "--group", cwd=workdir, env=env).returncode == 0
        assert len(json.loads(cli("referrals", "--json", cwd=workdir, env=env).stdout)) == 1
        assert json.loads(cli("partners", "show", str(partner), "--json", cwd=workdir, env=env).stdout)["ledger"]
        for listing in (["outbox", "--json"], ["review", "--json"], ["quarantine", "--json"]):
            assert cli(*listing, cwd=workdir, env=env).returncode == 0
    finally:
        worker.execute("ROLLBACK")
        worker.close()
