"""Referral-group slips: reading (row by row, with reasons), importing as history, and the
export → import round trip."""
import csv
import io
import json

import pytest
from sqlalchemy import func, select

from models import FollowUp, OutboxMessage, Referral
from tests.conftest import build_app
from tests.ledger.test_ledger import cli_workspace
from worker.ledger import balance as ledger
from worker.ledger import slips


@pytest.mark.parametrize("text, expected", [
    ("$4,500", (450000, "USD")), ("4500", (450000, "USD")), ("€1.234,50", (123450, "EUR")),
    ("1,234.5 GBP", (123450, "GBP")), ("£99", (9900, "GBP")), ("", (None, "")), ("2000 chf", (200000, "CHF")),
])
def test_values_as_groups_write_them(text, expected):
    assert slips.parse_value(text, "USD") == expected


def test_bad_rows_are_named_by_line_and_the_rest_are_read():
    text = ("giver,receiver,date,type,value\n"
            "Carol Jensen,Dana Whitfield,2026-06-01,closed business,\"$4,500\"\n"
            "Carol Jensen,Dana Whitfield,06/01/2026,referral,\n"
            "Raj Mehta,,2026-06-02,referral,\n"
            "Raj Mehta,Dana Whitfield,2026-06-02,favour,\n"
            "Raj Mehta,Dana Whitfield,2026-06-02,won,lots\n"
            "Raj Mehta,raj mehta,2026-06-02,referral,\n"
            "Raj Mehta,Dana Whitfield,2026-06-03,TYFCB,300\n")
    found, problems = slips.read(text)
    assert [(s.line, s.status, s.value_cents) for s in found] == [(2, "won", 450000), (8, "won", 30000)]
    assert [(p.line, p.reason.split(" ")[0]) for p in problems] == [
        (3, "date"), (4, "receiver"), (5, "type"), (6, "value"), (7, "giver")]
    assert "not a date like 2026-11-01" in problems[0].reason
    _, problems = slips.read("who,whom,when\nA,B,2026-01-01\n")
    assert problems[0].line == 1 and "missing column(s) giver, receiver, date" in problems[0].reason


def test_imported_slips_count_in_the_ledger_once_and_send_nothing(tmp_path, database_url):
    app = build_app(tmp_path, database_url)
    found, problems = slips.read(
        "giver,receiver,date,type,value\n"
        "Carol Jensen,Dana Whitfield,2026-06-01,closed business,\"$4,500\"\n"
        "Carol Jensen,Dana Whitfield,2026-06-01,closed business,\"$4,500\"\n"   # a second, identical slip
        "Dana Whitfield,Raj Mehta,2026-06-05,referral,\n"
        "Dana Whitfield,Marco Rossi,2026-06-07,qualified,\n")
    assert problems == []
    with app.sessions.begin() as s:
        assert slips.import_slips(s, found) == (4, 0)
    with app.sessions.begin() as s:
        assert slips.import_slips(s, found) == (0, 4)  # the same file again adds nothing
    with app.sessions() as s:
        got = {(l.member, l.name): l for l in ledger.build(s, None, None, app.now())}
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0  # history, not news
        assert s.scalar(select(func.count()).select_from(FollowUp)) == 0
        assert s.scalar(select(func.count()).select_from(Referral)) == 4
    carol = got[("Dana Whitfield", "Carol Jensen")]
    assert (carol.received.referrals, carol.received.won, carol.received.values) == (2, 2, {"USD": 900000})
    assert got[("Dana Whitfield", "Raj Mehta")].given.referrals == 1          # a partner known by name only
    assert got[("Dana Whitfield", "Marco Rossi")].given.qualified == 1        # member to member: both ledgers
    assert got[("Marco Rossi", "Dana Whitfield")].received.referrals == 1
    app.engine.dispose()


def test_export_then_import_into_a_new_database_round_trips(history, tmp_path):
    from tests.cli.test_cli import cli

    env = cli_workspace(history, tmp_path)
    exported = cli("export", "slips", cwd=tmp_path, env=env).stdout
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert rows[0] == {"giver": "Carol Jensen", "receiver": "Dana Whitfield", "date": "2026-06-01",
                       "type": "closed business", "value": "$4,500", "giver_email": "carol@x.example",
                       "receiver_email": "dana@danabooks.example"}
    (tmp_path / "slips.csv").write_text(exported)

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "config.yaml").write_text((tmp_path / "config.yaml").read_text())
    fresh_env = {"INTROLEDGER_DATABASE_URL": f"sqlite:///{fresh / 'new.db'}"}
    cli("db", "upgrade", cwd=fresh, env=fresh_env)
    checked = json.loads(cli("import", "slips", str(tmp_path / "slips.csv"), "--dry-run", "--json",
                             cwd=fresh, env=fresh_env).stdout)
    assert (checked["rows"], checked["imported"], checked["rejected"]) == (len(rows), 0, [])
    done = json.loads(cli("import", "slips", str(tmp_path / "slips.csv"), "--json", cwd=fresh, env=fresh_env).stdout)
    assert (done["imported"], done["already_there"]) == (len(rows), 0)
    again = cli("import", "slips", str(tmp_path / "slips.csv"), cwd=fresh, env=fresh_env).stdout
    assert f"imported 0 slip(s), {len(rows)} already there, 0 rejected" in again

    assert cli("export", "slips", cwd=fresh, env=fresh_env).stdout == exported

    def figures(report):
        return sorted((r["member"], r["partner"], r["given"]["referrals"], r["received"]["referrals"],
                       r["received"]["value"]) for r in json.loads(report))
    assert figures(cli("report", "--json", cwd=fresh, env=fresh_env).stdout) == figures(
        cli("report", "--json", cwd=tmp_path, env=env).stdout)


def test_a_file_with_bad_rows_imports_the_good_ones_and_exits_1(tmp_path, sqlite_url):
    from tests.cli.test_cli import cli

    build_app(tmp_path, sqlite_url).engine.dispose()
    (tmp_path / "config.yaml").write_text(
        "tracking: {address: intros@example.com}\n"
        "members:\n  - {name: Dana Whitfield, emails: [dana@danabooks.example]}\n")
    (tmp_path / "s.csv").write_text(
        "giver,receiver,date\nCarol,Dana Whitfield,2026-06-01\nCarol,Dana Whitfield,yesterday\n")
    env = {"INTROLEDGER_DATABASE_URL": sqlite_url}
    result = cli("import", "slips", "s.csv", cwd=tmp_path, env=env, ok=False)
    assert result.returncode == 1
    assert "s.csv:3: date 'yesterday' is not a date like 2026-11-01" in result.stderr
    assert "imported 1 slip(s), 0 already there, 1 rejected" in result.stdout
    missing = cli("import", "slips", "nope.csv", cwd=tmp_path, env=env, ok=False)
    assert missing.returncode == 2 and "cannot read nope.csv" in missing.stderr


def test_an_amount_without_a_currency_is_in_the_members_currency(tmp_path, sqlite_url):
    """Was: `import slips` read "4500" in follow_ups.default_currency for everyone — a EUR member's
    closed business became $4,500. Now: the receiver's members[].currency (the deal is theirs), else
    the giver's, else follow_ups.default_currency; a currency written on the slip stands."""
    from tests.cli.test_cli import cli

    build_app(tmp_path, sqlite_url).engine.dispose()
    (tmp_path / "config.yaml").write_text(
        "tracking: {address: intros@example.com}\nfollow_ups: {default_currency: GBP}\n"
        "members:\n  - {name: Dana Whitfield, emails: [dana@danabooks.example], currency: eur}\n"
        "  - {name: Marco Rossi, emails: [marco@rossi-marketing.example]}\n")
    (tmp_path / "s.csv").write_text(
        "giver,receiver,date,type,value,receiver_email\n"
        "Carol,dana whitfield,2026-06-01,closed business,4500,\n"          # the member, by name
        "Carol,D. Whitfield,2026-06-02,closed business,300,dana@danabooks.example\n"  # by address
        "Carol,Marco Rossi,2026-06-03,closed business,200,\n"              # a member with none of his own
        "Dana Whitfield,Raj Mehta,2026-06-04,closed business,100,\n"       # the giver's
        "Carol,Dana Whitfield,2026-06-05,closed business,$50,\n")          # written: it stands
    env = {"INTROLEDGER_DATABASE_URL": sqlite_url}
    assert "imported 5 slip(s)" in cli("import", "slips", "s.csv", cwd=tmp_path, env=env).stdout
    app = build_app(tmp_path, sqlite_url)
    try:
        with app.sessions() as s:
            got = [(r.value_cents, r.currency) for r in s.scalars(select(Referral).order_by(Referral.introduced_at))]
        assert got == [(450000, "EUR"), (30000, "EUR"), (20000, "GBP"), (10000, "EUR"), (5000, "USD")]
    finally:
        app.engine.dispose()


def test_accented_names_are_one_partner_and_blank_rows_are_skipped(tmp_path, database_url):
    app = build_app(tmp_path, database_url)
    found, problems = slips.read(
        "giver,receiver,date,type,value\n"
        "Élodie Martin,Dana Whitfield,2026-06-01,referral,\n"
        ",,,,\n"
        "ÉLODIE  MARTIN,Dana Whitfield,2026-06-09,referral,\n"
        ",,,,\n")
    assert problems == [] and len(found) == 2
    with app.sessions.begin() as s:
        assert slips.import_slips(s, found) == (2, 0)
    with app.sessions() as s:
        got = [(l.member, l.name, l.received.referrals) for l in ledger.build(s, None, None, app.now())]
    assert got == [("Dana Whitfield", "Élodie Martin", 2)]
    app.engine.dispose()


def test_a_long_import_shows_its_progress_on_a_terminal_and_nothing_in_a_pipe(tmp_path, sqlite_url):
    from tests.cli.test_cli import cli

    build_app(tmp_path, sqlite_url).engine.dispose()
    (tmp_path / "config.yaml").write_text(
        "tracking: {address: intros@example.com}\n"
        "members:\n  - {name: Dana Whitfield, emails: [dana@danabooks.example]}\n")
    rows = "".join(f"Partner {i},Dana Whitfield,2026-06-{1 + i % 28:02d}\n" for i in range(60))
    (tmp_path / "s.csv").write_text("giver,receiver,date\n" + rows)
    env = {"INTROLEDGER_DATABASE_URL": sqlite_url}
    piped = cli("import", "slips", "s.csv", cwd=tmp_path, env=env)
    assert "importing slips" not in piped.stderr and "imported 60 slip(s)" in piped.stdout
    # rich draws on a terminal; TTY_COMPATIBLE=1 tells it stderr is one (as under a real pty)
    (tmp_path / "t.csv").write_text("giver,receiver,date\n" + rows.replace("Partner", "Other"))
    shown = cli("import", "slips", "t.csv", cwd=tmp_path, env={**env, "TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1"})
    assert "importing slips" in shown.stderr and "60/60" in shown.stderr
    assert "imported 60 slip(s)" in shown.stdout
