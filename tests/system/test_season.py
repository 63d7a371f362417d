"""A short simulated season (bench/season.py) on each database: two weeks of a small group's mail
through the real Dovecot → `introledger run` → SMTP path, with kill -9 and restarts, must end with
no duplicate, no mail after a STOP or a final answer, no answer to a robot, every intro logged once,
every referral in the state its people's answers put it in, and each member's ledger equal to
the truth (per currency). Steps and staleness are shortened so the fortnight sees answers,
clarifications, STOPs, the holiday robot and stale referrals; the 90-day figures are in README.
"""
import pytest

from bench import season

pytestmark = pytest.mark.servers


@pytest.mark.timeout(600)
@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_a_short_season_keeps_every_promise(db, imap_mailbox, request):
    args = season.parse_args(["--days", "14", "--members", "3", "--partners", "8", "--steps", "3d,7d",
                              "--stale-after", "10d", "--pace", "2", "--db", db, "--seed", "1"])
    args.database_url = request.getfixturevalue("postgres_url") if db == "postgresql" else None
    args.dovecot = imap_mailbox
    lines: list[str] = []
    r = season.run(args, say=lines.append)
    season.report(r, say=lines.append)
    text = "\n".join(lines)

    assert season.failures(r) == dict.fromkeys(season.failures(r), 0), text
    # The fortnight did what a season is for (else the zeros above would prove nothing).
    did = r["did"]
    for what in ("won", "lost", "stop", "stop_all", "ooo", "thread", "unsubscribe", "bounce"):
        assert did[what] > 0, f"the season had no {what}:\n{text}"
    assert r["kills"] >= 1 and r["restarts"] >= 1, text
    assert r["states"]["won"], text
    values = [line["truth"][side]["values"] for line in r["ledger"] for side in ("given", "received")]
    assert any(values), text
