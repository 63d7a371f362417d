"""The ledger's trend, monthly series, member-to-member referrals, configurable flags and the
coordinator's and a member's views — on the hand-built history of tests/ledger/test_ledger.py."""
import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import update

from models import Referral
from tests import mailgen
from tests.fixtures_ledger import CAROL, DANA, RAJ, START, client
from tests.ledger.test_ledger import lines
from worker.core.config import ConfigError, LedgerConfig
from worker.inbound.pipeline import Origin
from worker.ledger import balance as ledger

MARCO = ("Marco Rossi", "marco@rossi-marketing.example")
DEFAULTS = ledger.Thresholds()


def log(app, n, introducer, a, b, days) -> int:
    raw = mailgen.intro(n, introducer=introducer, a=a, b=b, when=START + timedelta(days=days))
    return app.pipeline.process(raw, Origin("file", f"extra-{n}")).referral_id


def build(app, now_days, thresholds=DEFAULTS, member=None):
    with app.sessions() as s:
        return {(l.member, l.partner): l for l in ledger.build(
            s, None, None, START + timedelta(days=now_days), thresholds, member=member)}


def test_monthly_series_and_trend(history):
    raj = lines(history)["raj@mehta.example"]
    # Dana gave Raj work on days 5 and 20 (June) and 40 and 60 (July).
    assert raj.monthly() == [{"month": "2026-06", "given": 2, "received": 0, "balance": 2},
                             {"month": "2026-07", "given": 2, "received": 0, "balance": 4}]
    # QA trial: every new partner read "+0 → -1 widening"; all of Raj's came in the last 90 days
    assert raj.trend(START + timedelta(days=70)) == {"days": 90, "before": None, "now": 4, "direction": "new"}
    carol = lines(history, now=START + timedelta(days=200))["carol@x.example"]
    assert carol.trend(START + timedelta(days=200))["direction"] == "steady"  # nothing moved in 90 days
    # Raj finally sends Dana a client: the gap starts closing.
    log(history, 60, RAJ, client(60), DANA, 150)
    raj = build(history, 200)[("Dana Whitfield", "raj@mehta.example")]
    assert raj.trend(START + timedelta(days=200)) == {"days": 90, "before": 4, "now": 3, "direction": "narrowing"}
    # A period shorter than the window has nothing to compare with.
    short = raj.trend(START + timedelta(days=200), since=START + timedelta(days=150))
    assert (short["before"], short["direction"]) == (None, "n/a")


def test_trend_counts_only_what_came_before_its_instant(history):
    """Read from the stored sums (the whole history's), the trend's balances are still the ones at
    its instant and TREND_WINDOW before: a referral after the instant counts in neither."""
    log(history, 60, RAJ, client(60), DANA, 150)
    raj = build(history, 100)[("Dana Whitfield", "raj@mehta.example")]
    assert raj.book is not None and raj.book.stored()
    assert (raj.given.referrals, raj.received.referrals) == (4, 1)  # days 5, 20, 40, 60; day 150
    assert raj.trend(START + timedelta(days=100)) == {"days": 90, "before": 1, "now": 4, "direction": "widening"}


def test_a_referral_between_two_members_counts_on_both_ledgers(history):
    log(history, 61, DANA, client(61), MARCO, 30)
    got = build(history, 70)
    assert got[("Dana Whitfield", "marco@rossi-marketing.example")].given.referrals == 1
    assert got[("Marco Rossi", "dana@danabooks.example")].received.referrals == 1
    # The client is neither member's partner.
    assert not [k for k in got if k[1] == client(61)[1]]


def test_unconfirmed_and_rejected_candidates_are_not_counted(history):
    rid = log(history, 62, CAROL, client(62), DANA, 30)
    assert build(history, 70)[("Dana Whitfield", "carol@x.example")].received.referrals == 3
    for status in ("needs_review", "rejected"):
        with history.sessions.begin() as s:
            s.execute(update(Referral).where(Referral.id == rid).values(status=status))
        assert build(history, 70)[("Dana Whitfield", "carol@x.example")].received.referrals == 2


def test_flag_thresholds_come_from_config(history):
    default = build(history, 70)[("Dana Whitfield", "raj@mehta.example")]
    assert "out of balance: you gave 4, got 0" in default.flags
    strict = ledger.Thresholds.from_config(LedgerConfig(min_given=5, quiet_after="30d", nowhere_share=1))
    got = build(history, 70, strict)
    assert got[("Dana Whitfield", "raj@mehta.example")].flags == []  # 4 given < 5; 3 of 4 < 100 %
    assert got[("Dana Whitfield", "carol@x.example")].flags == ["gone quiet: nothing either way for 60 days"]


def test_bad_ledger_thresholds_are_named_in_the_error(tmp_path):
    from tests.conftest import make_config

    with pytest.raises(ConfigError) as err:
        make_config(tmp_path, "sqlite://", ledger={"unbalanced_ratio": 0.5, "quiet_after": "soon"})
    assert "ledger.unbalanced_ratio" in str(err.value) and "ledger.quiet_after" in str(err.value)


def coordinator_workspace(app, tmp_path) -> dict:
    (tmp_path / "config.yaml").write_text(
        "tracking: {address: intros@example.com}\n"
        "members:\n  - {name: Dana Whitfield, emails: [dana@danabooks.example]}\n"
        "  - {name: Marco Rossi, emails: [marco@rossi-marketing.example]}\n"
        "  - {name: Gina Chair, emails: [gina@group.example], coordinator: true}\n"
        "ledger: {min_given: 10}\n")
    return {"INTROLEDGER_DATABASE_URL": app.config.database_url}


def test_group_view_member_view_and_months_from_the_command_line(history, tmp_path):
    from tests.cli.test_cli import cli

    log(history, 63, DANA, client(63), MARCO, 30)
    env = coordinator_workspace(history, tmp_path)
    group = json.loads(cli("report", "--group", "--json", cwd=tmp_path, env=env).stdout)
    totals = {g["member"]: (g["given"]["referrals"], g["received"]["referrals"], g["balance"], g["partners"])
              for g in group}
    # Dana: 4 to Raj + 1 to Marco given, 2 from Carol received; Marco: 1 from Dana; Gina: none yet.
    assert totals == {"Dana Whitfield": (5, 2, 3, 3), "Marco Rossi": (0, 1, -1, 1), "Gina Chair": (0, 0, 0, 0)}
    # min_given: 10 in the config: the 4-to-0 imbalance is no longer flagged.
    raj = next(r for r in json.loads(cli("report", "--json", cwd=tmp_path, env=env).stdout)
               if r["partner"] == "raj@mehta.example")
    assert not [f for f in raj["flags"] if f.startswith("out of balance")]
    # The CLI's clock is the real one, months after Raj's last referral (31 July): nothing moved.
    assert raj["trend"] == {"days": 90, "before": 4, "now": 4, "direction": "steady"}
    assert raj["monthly"][-1] == {"month": "2026-07", "given": 2, "received": 0, "balance": 4}

    # A member sees only their own ledger; asking for the group or someone else's is refused.
    mine = json.loads(cli("report", "--as", "marco@rossi-marketing.example", "--json", cwd=tmp_path, env=env).stdout)
    assert [(r["member"], r["partner"]) for r in mine] == [("Marco Rossi", "dana@danabooks.example")]
    refused = cli("report", "--as", "Marco Rossi", "--group", cwd=tmp_path, env=env, ok=False)
    assert refused.returncode == 1 and "Marco Rossi is not a coordinator" in refused.stderr
    refused = cli("report", "--as", "Marco Rossi", "--member", "Dana Whitfield", cwd=tmp_path, env=env, ok=False)
    assert refused.returncode == 1 and "only their own ledger" in refused.stderr
    unknown = cli("report", "--as", "nobody@x.example", cwd=tmp_path, env=env, ok=False)
    assert unknown.returncode == 1 and "nobody@x.example" in unknown.stderr
    # The coordinator sees everyone.
    everyone = json.loads(cli("report", "--as", "Gina Chair", "--json", cwd=tmp_path, env=env).stdout)
    assert {r["member"] for r in everyone} == {"Dana Whitfield", "Marco Rossi"}

    months = list(csv.DictReader(io.StringIO(
        cli("report", "--by-month", "--csv", "--member", "Dana Whitfield", cwd=tmp_path, env=env).stdout)))
    assert [(m["month"], m["given"], m["received"], m["balance"]) for m in months] == [
        ("2026-06", "2", "2", "0"), ("2026-07", "3", "0", "3")]
    table = cli("report", "--group", cwd=tmp_path, env=env).stdout
    assert "Gina Chair" in table and "+3" in table
