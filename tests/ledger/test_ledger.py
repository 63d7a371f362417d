"""The give-and-take ledger on a hand-built history with known answers."""
import csv
import io
import json
from datetime import timedelta

from models import Referral
from tests import mailgen
from tests.conftest import build_app
from tests.fixtures_ledger import CAROL, DANA, START, client
from worker.inbound.pipeline import Origin
from worker.ledger import balance as ledger


def lines(app, **kw):
    with app.sessions() as s:
        built = ledger.build(s, kw.get("since"), kw.get("until"), kw.get("now", START + timedelta(days=70)))
        return {l.partner: l for l in built}


def test_each_way_counts_values_and_balance(history):
    got = lines(history)
    carol, raj = got["carol@x.example"], got["raj@mehta.example"]
    assert (carol.given.referrals, carol.received.referrals, carol.balance) == (0, 2, -2)
    assert (carol.received.connected, carol.received.won, carol.received.values) == (2, 1, {"USD": 450000})
    assert (raj.given.referrals, raj.received.referrals, raj.balance) == (4, 0, 4)
    assert raj.given.went_nowhere == 3
    assert carol.received.last == START + timedelta(days=10)
    assert set(got) == {"carol@x.example", "raj@mehta.example"}  # clients (prospects) are not partners


def test_flags_unbalanced_quiet_and_went_nowhere(history):
    raj = lines(history)["raj@mehta.example"]
    assert raj.flags == ["out of balance: you gave 4, got 0", "3 of 4 referrals you gave went nowhere"]
    later = lines(history, now=START + timedelta(days=200))
    assert "gone quiet: nothing either way for 190 days" in later["carol@x.example"].flags


def test_period_filters(history):
    got = lines(history, since=START + timedelta(days=15), until=START + timedelta(days=50))
    assert {p: (l.given.referrals, l.received.referrals) for p, l in got.items()} == {"raj@mehta.example": (2, 0)}


def cli_workspace(app, tmp_path) -> dict:
    """A config for the command line over the history's database; returns the env to pass."""
    (tmp_path / "config.yaml").write_text(
        "tracking: {address: intros@example.com}\n"
        "members:\n  - {name: Dana Whitfield, emails: [dana@danabooks.example]}\n"
        "  - {name: Marco Rossi, emails: [marco@rossi-marketing.example]}\n")
    return {"INTROLEDGER_DATABASE_URL": app.config.database_url}


def test_report_json_csv_and_slips_from_the_command_line(history, tmp_path):
    from tests.cli.test_cli import cli

    env = cli_workspace(history, tmp_path)
    rows = json.loads(cli("report", "--json", cwd=tmp_path, env=env).stdout)
    raj = next(r for r in rows if r["partner"] == "raj@mehta.example")
    assert (raj["given"]["referrals"], raj["balance"]) == (4, 4) and raj["flags"]
    report = cli("report", "--csv", "--partner", "carol@x.example", cwd=tmp_path, env=env).stdout
    table = list(csv.DictReader(io.StringIO(report)))
    assert [(r["partner"], r["received"], r["received_value"]) for r in table] == [("carol@x.example", "2", "$4,500")]
    # QA trial: the tables showed only "0 / 1" won, never what business closed — and at 80 columns
    # they broke names mid-word ("Whitfiel d").
    for args in (("report",), ("report", "--group")):
        shown = cli(*args, cwd=tmp_path, env={**env, "COLUMNS": "80"}).stdout
        assert "$4,500" in shown and "— / $4,500" in shown, shown
        assert max(len(line) for line in shown.splitlines()) <= 80 and "Whitfiel\n" not in shown, shown
    exported = cli("export", "slips", "--until", "2026-06-05", cwd=tmp_path, env=env).stdout
    slips = list(csv.DictReader(io.StringIO(exported)))
    assert slips == [{"giver": "Carol Jensen", "receiver": "Dana Whitfield", "date": "2026-06-01",
                      "type": "closed business", "value": "$4,500", "giver_email": "carol@x.example",
                      "receiver_email": "dana@danabooks.example"}]


def test_partners_are_created_edited_merged_and_counted_as_one(history, tmp_path):
    from tests.cli.test_cli import cli

    env = cli_workspace(history, tmp_path)
    listed = json.loads(cli("partners", "list", "--json", cwd=tmp_path, env=env).stdout)
    assert sorted(p["name"] for p in listed) == ["Carol Jensen", "Raj Mehta"]  # clients are not partners
    carol = next(p for p in listed if p["name"] == "Carol Jensen")
    cli("partners", "edit", str(carol["id"]), "--company", "Jensen Realty", "--type", "related_offer",
        "--fee", "10% of first invoice", cwd=tmp_path, env=env)
    added = cli("partners", "add", "Carol (private)", "--email", "carol.home@y.example", cwd=tmp_path, env=env).stdout
    other_id = int(added.split("#")[1].split()[0])
    # Carol also introduces Dana from her private address...
    history.pipeline.process(mailgen.intro(50, introducer=("Carol Jensen", "carol.home@y.example"),
                                           a=client(50), b=DANA, when=START + timedelta(days=65)), Origin("file", "50"))
    assert len([l for l in lines(history).values() if l.name.startswith("Carol")]) == 2
    cli("partners", "merge", str(carol["id"]), str(other_id), cwd=tmp_path, env=env)
    merged = [l for l in lines(history).values() if l.name == "Carol Jensen"]
    assert len(merged) == 1 and merged[0].received.referrals == 3
    shown = json.loads(cli("partners", "show", str(carol["id"]), "--json", cwd=tmp_path, env=env).stdout)
    assert shown["emails"] == ["carol.home@y.example", "carol@x.example"]
    assert (shown["company"], shown["type"], shown["referral_fee"]) == (
        "Jensen Realty", "related_offer", "10% of first invoice")
    assert shown["ledger"][0]["received"]["referrals"] == 3
    assert cli("partners", "merge", "1", "1", cwd=tmp_path, env=env, ok=False).returncode == 1


def test_a_referral_replied_to_in_its_thread_never_goes_stale_nor_counts_as_went_nowhere(
        tmp_path, database_url, clock):
    """Was: 60 days on, the stale timer overwrote `connected` (the member had replied in the intro
    thread) and the ledger flagged the partner's intro as one that went nowhere. The reply is
    evidence, not MET (worker/core/lifecycle.py THREAD_REPLY_WHY): the status stays introduced,
    and the timer passes it by — a person spoke."""
    app = build_app(tmp_path, database_url, {"INTROLEDGER_TOKEN_SECRET": "k"}, now=clock,
                    outbound={"quiet_hours": None})
    app.pipeline.process(mailgen.intro(1, introducer=CAROL, a=client(1), b=DANA, when=clock.current),
                         Origin("file", "1"))
    reply = mailgen.message(2, DANA, [CAROL, client(1)], [("", "intros@example.com")], "Re: Intro: Client <> Dana",
                            "Thanks Carol! Client, lovely to meet you - does Tuesday at 10 work for a call?\n\nDana\n",
                            "gmail", clock.current + timedelta(hours=2), in_reply_to="<gen1.gmail@mail.gmail.example>")
    assert app.pipeline.process(reply, Origin("file", "2")).kind == "thread_reply"
    clock.advance(days=61)
    with app.sessions.begin() as s:
        app.followups.materialize(s)  # the stale timer runs here
    with app.sessions() as s:
        assert s.get(Referral, 1).status == "introduced"
        [carol] = ledger.build(s, None, None, clock.current)
    assert (carol.received.referrals, carol.received.connected, carol.received.went_nowhere) == (1, 0, 0)
    app.engine.dispose()
