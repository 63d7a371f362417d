"""Tracking mailboxes in the database: `introledger mailboxes`, and each one a group of its own."""
import json
from datetime import UTC, datetime

from sqlalchemy import select

from models import Member, OutboxMessage, Referral
from tests import mailgen
from tests.cli.test_cli import cli
from tests.conftest import build_app
from worker.app import mailboxes
from worker.app.bootstrap import build_group
from worker.app.service import due_work
from worker.inbound.pipeline import Origin

NORTH = """tracking: {address: intros@north.example}
source: {kind: maildir, maildir: {path: north-mail}}
members:
  - {name: Nora North, emails: [nora@northco.example], timezone: Europe/Oslo}
"""
CONFIG = """tracking: {address: intros@example.com}
members:
  - {name: Dana Whitfield, emails: [dana@danabooks.example]}
"""


def test_add_list_change_and_remove_a_mailbox(tmp_path):
    (tmp_path / "config.yaml").write_text(CONFIG)
    (tmp_path / "north.yaml").write_text(NORTH)
    cli("db", "upgrade", cwd=tmp_path)
    added = json.loads(cli("mailboxes", "add", "north", "north.yaml", "--json", cwd=tmp_path).stdout)
    assert added == {"name": "north", "address": "intros@north.example",
                     "source": f"Maildir {tmp_path.resolve() / 'north-mail'}", "members": ["Nora North"],
                     "active": True, "watched_by": None, "added": True}
    (tmp_path / "north.yaml").write_text(NORTH.replace("Nora North", "Nora Nord"))
    changed = json.loads(cli("mailboxes", "add", "north", "north.yaml", "--json", cwd=tmp_path).stdout)
    assert changed["added"] is False and changed["members"] == ["Nora Nord"]
    listed = json.loads(cli("mailboxes", "list", "--json", cwd=tmp_path).stdout)
    assert [(m["name"], m["address"], m["members"]) for m in listed] == [
        (None, "intros@example.com", ["Dana Whitfield"]), ("north", "intros@north.example", ["Nora Nord"])]
    removed = json.loads(cli("mailboxes", "remove", "north", "--json", cwd=tmp_path).stdout)
    assert removed == {"name": "north", "address": "intros@north.example", "removed": True}
    assert len(json.loads(cli("mailboxes", "list", "--json", cwd=tmp_path).stdout)) == 1
    assert json.loads(cli("mailboxes", "list", "--all", "--json", cwd=tmp_path).stdout)[1]["active"] is False
    gone = cli("mailboxes", "remove", "north", cwd=tmp_path, ok=False)
    assert gone.returncode == 1 and "no mailbox named 'north'" in gone.stderr


def test_a_mailbox_is_refused_what_another_group_has(tmp_path):
    (tmp_path / "config.yaml").write_text(CONFIG)
    cli("db", "upgrade", cwd=tmp_path)
    cases = {
        "ours.yaml": ("tracking: {address: intros@example.com}\n", "config.yaml's own tracking address"),
        "dana.yaml": ("tracking: {address: x@south.example}\n"
                      "members: [{name: Dana Whitfield, emails: [dana@elsewhere.example]}]\n",
                      "members.0: Dana Whitfield is a member of config.yaml"),
        "email.yaml": ("tracking: {address: x@south.example}\n"
                       "members: [{name: Dan W, emails: [dana@danabooks.example]}]\n",
                       "members.0.emails: dana@danabooks.example belongs to a member of config.yaml"),
        "imap.yaml": ("tracking: {address: x@south.example}\nsource: {kind: imap}\n",
                      "source.imap: required when source.kind is imap"),
    }
    for name, (text, said) in cases.items():
        (tmp_path / name).write_text(text)
        result = cli("mailboxes", "add", "south", name, cwd=tmp_path, ok=False)
        assert result.returncode in (1, 2) and said in result.stderr, (name, result.stderr)
    bad = cli("mailboxes", "add", "South_1", "ours.yaml", cwd=tmp_path, ok=False)
    assert bad.returncode == 1 and "lowercase letters" in bad.stderr
    assert len(json.loads(cli("mailboxes", "list", "--json", cwd=tmp_path).stdout)) == 1  # nothing added


def test_each_group_sees_its_own_members_and_referrals(tmp_path, database_url):
    import yaml

    app = build_app(tmp_path, database_url)  # config.yaml's group: Dana, Marco
    with app.sessions.begin() as s:
        row, _ = mailboxes.add(s, app.config, "north", yaml.safe_load(NORTH), "north.yaml")
        group = next(g for g in mailboxes.groups(s, app.config) if g.mailbox_id == row.id)
        everyone = mailboxes.addresses(s, app.config)
    north = build_group(app, mailboxes.group_config(app.config, group, everyone), row.id)
    assert [m.name for m in north.pipeline.context.directory.members] == ["Nora North"]
    assert "intros@example.com" in north.pipeline.context.other_deployments  # a sibling is never a party
    nora = ("Nora North", "nora@northco.example")
    now = datetime.now(UTC)
    north.pipeline.process(mailgen.intro(1, tracking="intros@north.example", b=nora, when=now), Origin("test"))
    app.pipeline.process(mailgen.intro(2, b=("Dana Whitfield", "dana@danabooks.example"), when=now), Origin("test"))
    with north.sessions() as s:
        mine = s.scalars(select(Referral)).all()
        assert [(r.mailbox_id, r.direction) for r in mine] == [(row.id, "received")]
        assert s.scalars(select(Member.name)).all() == ["Nora North"]
    with app.sessions() as s:
        assert [r.mailbox_id for r in s.scalars(select(Referral))] == [None]
        assert sorted(s.scalars(select(Member.name))) == ["Dana Whitfield", "Marco Rossi"]
    due_work(north)  # the group's duties: mail for its members only, from its own address
    with app.sessions() as s:
        dana = s.scalar(select(Member.id).where(Member.name == "Dana Whitfield"))
    with north.sessions() as s:
        nora_id = s.scalar(select(Member.id))
    with app.sessions() as s:
        thanks = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "thank_you"))
        sent = {m.member_id: m.from_addr for m in thanks}
    assert sent == {nora_id: "Nora North via introledger <intros@north.example>",
                    dana: "Dana Whitfield via introledger <intros@example.com>"}
    tracking = mailboxes.TrackingByMember(app.engine, "intros@example.com")
    assert (tracking(nora_id), tracking(dana), tracking(None)) == (
        "intros@north.example", "intros@example.com", "intros@example.com")
    app.engine.dispose()


def test_commands_act_on_the_group_named_by_mailbox(tmp_path):
    (tmp_path / "config.yaml").write_text(CONFIG)
    (tmp_path / "north.yaml").write_text(NORTH)
    cli("db", "upgrade", cwd=tmp_path)
    cli("mailboxes", "add", "north", "north.yaml", cwd=tmp_path)
    (tmp_path / "intro.eml").write_bytes(
        mailgen.intro(3, tracking="intros@north.example", b=("Nora North", "nora@northco.example")))
    cli("--mailbox", "north", "ingest", "intro.eml", cwd=tmp_path)
    north = json.loads(cli("--mailbox", "north", "referrals", "--json", cwd=tmp_path).stdout)
    assert [(r["direction"], r["parties"][1]["email"]) for r in north] == [("received", "nora@northco.example")]
    assert json.loads(cli("referrals", "--json", cwd=tmp_path).stdout) == []  # config.yaml's group: none
    # The group's report names the mailbox's members (kept with it in the database), not config.yaml's.
    [nora] = json.loads(cli("--mailbox", "north", "report", "--group", "--json", cwd=tmp_path).stdout)
    assert (nora["member"], nora["received"]["referrals"], nora["given"]["referrals"]) == ("Nora North", 1, 0)
    table = cli("--mailbox", "north", "report", "--group", cwd=tmp_path).stdout
    assert "Nora North" in table and "Dana" not in table
    mine = json.loads(cli("--mailbox", "north", "report", "--as", "nora@northco.example", "--json",
                          cwd=tmp_path).stdout)
    assert [line["member"] for line in mine] == ["Nora North"]
    [dana] = json.loads(cli("report", "--group", "--json", cwd=tmp_path).stdout)  # config.yaml's group
    assert dana["member"] == "Dana Whitfield" and dana["received"]["referrals"] == 0
    unknown = cli("--mailbox", "south", "referrals", cwd=tmp_path, ok=False)
    assert unknown.returncode == 1 and "no mailbox named 'south'" in unknown.stderr
