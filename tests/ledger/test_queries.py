"""Listings and exports read the history a page at a time: --limit, --since/--until and the cursor
--after ID give parts that add up to the whole, in the same order, on SQLite and PostgreSQL."""
import csv
import io
import json
from datetime import timedelta

from sqlalchemy import update

from models import Referral
from tests.fixtures_ledger import START
from tests.ledger.test_ledger import cli_workspace
from worker.ledger import queries


def _json(*args, cwd, env) -> list[dict]:
    from tests.cli.test_cli import cli

    return json.loads(cli(*args, cwd=cwd, env=env).stdout)


def test_referrals_page_by_limit_and_cursor_into_the_whole_listing(history, tmp_path):
    env = cli_workspace(history, tmp_path)
    whole = _json("referrals", "--json", cwd=tmp_path, env=env)
    assert len(whole) == 6
    pages, after = [], []
    while True:
        page = _json("referrals", "--json", "--limit", "4", *after, cwd=tmp_path, env=env)
        if not page:
            break
        pages.append(page)
        after = ["--after", str(page[-1]["id"])]
    assert [len(p) for p in pages] == [4, 2]
    assert [r for p in pages for r in p] == whole  # the same rows, the same order, nothing twice
    since = _json("referrals", "--json", "--since", (START + timedelta(days=15)).strftime("%Y-%m-%d"),
                  cwd=tmp_path, env=env)
    assert [r["introduced_at"][:10] for r in since] == ["2026-06-21", "2026-07-11", "2026-07-31"]


def test_exports_come_in_parts_that_add_up_to_the_whole(history, tmp_path):
    from tests.cli.test_cli import cli

    env = cli_workspace(history, tmp_path)
    whole = list(csv.DictReader(io.StringIO(cli("export", "slips", cwd=tmp_path, env=env).stdout)))
    ids = [r["id"] for r in _json("referrals", "--json", cwd=tmp_path, env=env)]
    first = list(csv.DictReader(io.StringIO(cli("export", "slips", "--limit", "3", cwd=tmp_path, env=env).stdout)))
    rest = list(csv.DictReader(io.StringIO(
        cli("export", "slips", "--after", str(ids[2]), cwd=tmp_path, env=env).stdout)))
    assert len(whole) == 6 and first + rest == whole
    table = cli("referrals", "--limit", "2", cwd=tmp_path, env=env).stdout
    assert "Referrals (2)" in table


def test_a_cursor_that_names_no_referral_is_an_error_and_prints_nothing(history, tmp_path):
    from tests.cli.test_cli import cli

    env = cli_workspace(history, tmp_path)
    for command in (("referrals", "--json"), ("export", "slips")):
        result = cli(*command, "--after", "999", cwd=tmp_path, env=env, ok=False)
        assert (result.returncode, result.stdout) == (1, "")
        assert "--after 999: no referral #999" in result.stderr


def test_pages_follow_the_listing_order_when_intros_share_a_moment(history):
    # Three intros logged at the same second: the cursor goes on by id among them, skipping none.
    with history.sessions.begin() as s:
        s.execute(update(Referral).where(Referral.id.in_([2, 4, 5])).values(introduced_at=START + timedelta(days=30)))
    whole = [r.id for r in queries.listing(history.sessions, queries.Page())]
    assert [r.id for r in queries.listing(history.sessions, queries.Page(), batch=1)] == whole
    assert whole.index(2) < whole.index(4) < whole.index(5)
    paged, after = [], None
    while page := [r.id for r in queries.listing(history.sessions, queries.Page(after=after, limit=2))]:
        paged += page
        after = page[-1]
    assert paged == whole
