"""One intro is one referral on each side of the ledger; values stay in their own currency."""
from datetime import timedelta

from sqlalchemy import select, update

from models import Member, Referral
from tests import mailgen
from tests.conftest import build_app
from tests.fixtures_ledger import CAROL, DANA, RAJ, START, client
from worker.inbound.pipeline import Origin
from worker.ledger import balance as ledger
from worker.ledger import slips


def test_a_members_intro_of_two_partners_is_given_once_with_the_role_unknown(tmp_path, sqlite_url):
    app = build_app(tmp_path, sqlite_url)
    # Nothing says who provides what: both parties are partners, neither a prospect.
    raw = mailgen.message(1, DANA, [CAROL, RAJ], [("", "intros@example.com")], "Intro: Carol <> Raj",
                          "Carol, meet Raj. Raj, meet Carol. You two should talk.\n\nBest,\nDana\n",
                          "gmail", START)
    assert app.pipeline.process(raw, Origin("file", "1")).kind == "double_intro"
    with app.sessions() as s:
        lines = ledger.build(s, None, None, START + timedelta(days=1))
        [dana] = ledger.group(lines, ["Dana Whitfield"])
        exported = slips.rows(s.query(Referral).all())
    assert (dana.given.referrals, dana.given.role_unknown) == (1, 1)
    assert len(exported) == 1 and exported[0]["giver"] == "Dana Whitfield"
    app.engine.dispose()


def test_values_in_two_currencies_are_summed_apart(tmp_path, sqlite_url):
    app = build_app(tmp_path, sqlite_url)
    for n, (value, currency) in enumerate(((450000, "USD"), (120000, "EUR"), (50000, "USD")), start=1):
        rid = app.pipeline.process(mailgen.intro(n, introducer=CAROL, a=client(n), b=DANA,
                                                 when=START + timedelta(days=n)), Origin("file", str(n))).referral_id
        with app.sessions.begin() as s:
            s.execute(update(Referral).where(Referral.id == rid).values(status="won", value_cents=value,
                                                                         currency=currency))
    with app.sessions() as s:
        lines = ledger.build(s, None, None, START + timedelta(days=9))
    [dana] = ledger.group(lines, ["Dana Whitfield"])
    assert dana.received.values == {"USD": 500000, "EUR": 120000}
    assert dana.received.value == "€1,200 + $5,000"
    app.engine.dispose()


MARCO = ("Marco Rossi", "marco@rossi-marketing.example")
ZOE = ("Zoe Park", "zoe@parkdental.example")
GROUP = ["Dana Whitfield", "Marco Rossi", "Zoe Park"]


def _three_members(tmp_path, database_url):
    from tests.conftest import MEMBERS

    members = [*MEMBERS, {"name": "Zoe Park", "emails": [ZOE[1]]}]
    (tmp_path / "config.yaml").write_text(
        "tracking: {address: intros@example.com}\nmembers:\n"
        + "".join(f"  - {{name: {m['name']}, emails: [{m['emails'][0]}]}}\n" for m in members))
    return build_app(tmp_path, database_url, members=members)


def _report(app, tmp_path):
    """What the coordinator sees: `report --json` per partner line, `report --group --json`, the slips."""
    import csv
    import io
    import json

    from tests.cli.test_cli import cli

    env = {"INTROLEDGER_DATABASE_URL": app.config.database_url}
    lines = {(r["member"], r["name"]): (r["given"]["referrals"], r["received"]["referrals"])
             for r in json.loads(cli("report", "--json", cwd=tmp_path, env=env).stdout)}
    group = {t["member"]: (t["given"]["referrals"], t["received"]["referrals"],
                           t["given"]["role_unknown"] + t["received"]["role_unknown"])
             for t in json.loads(cli("report", "--group", "--json", cwd=tmp_path, env=env).stdout)}
    exported = [(s["giver"], s["receiver"]) for s in
                csv.DictReader(io.StringIO(cli("export", "slips", cwd=tmp_path, env=env).stdout))]
    return lines, group, exported


def test_a_member_introducing_a_prospect_to_a_member_is_given_by_one_and_received_by_the_other(tmp_path, sqlite_url):
    app = _three_members(tmp_path, sqlite_url)
    rid = app.pipeline.process(mailgen.intro(1, introducer=DANA, a=client(1), b=MARCO, when=START),
                               Origin("file", "1")).referral_id
    with app.sessions() as s:
        r = s.get(Referral, rid)
        assert {p.person.email: p.role for p in r.parties} == {"client1@c.example": "prospect", MARCO[1]: "provider"}
    lines, group, exported = _report(app, tmp_path)
    assert lines == {("Dana Whitfield", "Marco Rossi"): (1, 0), ("Marco Rossi", "Dana Whitfield"): (0, 1)}
    assert group == {"Dana Whitfield": (1, 0, 0), "Marco Rossi": (0, 1, 0), "Zoe Park": (0, 0, 0)}
    assert exported == [("Dana Whitfield", "Marco Rossi")]
    app.engine.dispose()


def test_a_member_introducing_a_member_who_needs_help_to_a_member_who_gives_it_counts_once_a_side(
        tmp_path, database_url):
    app = _three_members(tmp_path, database_url)
    # "Zoe, meet Marco. Marco is the <trade> I told you about. Zoe is looking for help…"
    rid = app.pipeline.process(mailgen.intro(2, introducer=DANA, a=ZOE, b=MARCO, when=START),
                               Origin("file", "2")).referral_id
    with app.sessions() as s:
        r = s.get(Referral, rid)
        roles = {p.person.email: p.role for p in r.parties}
        followed_up = r.member_id
        marco = s.scalar(select(Member.id).where(Member.name == "Marco Rossi"))
    assert roles == {ZOE[1]: "prospect", MARCO[1]: "provider"}  # was: both "provider"
    assert followed_up == marco  # the follow-up asks the member who got the work, not the client
    lines, group, exported = _report(app, tmp_path)
    # Was: Dana given to Zoe and to Marco, and Zoe *and* Marco each received one.
    assert lines == {("Dana Whitfield", "Marco Rossi"): (1, 0), ("Marco Rossi", "Dana Whitfield"): (0, 1)}
    assert group == {"Dana Whitfield": (1, 0, 0), "Marco Rossi": (0, 1, 0), "Zoe Park": (0, 0, 0)}
    assert exported == [("Dana Whitfield", "Marco Rossi")]  # was: Dana → Zoe
    app.engine.dispose()


def test_two_members_introduced_with_no_telling_who_provides_count_once_a_side_role_unknown(tmp_path, sqlite_url):
    app = _three_members(tmp_path, sqlite_url)
    raw = mailgen.message(3, DANA, [ZOE, MARCO], [("", "intros@example.com")], "Intro: Zoe <> Marco",
                          "Zoe, meet Marco. Marco, meet Zoe. You two should talk.\n\nBest,\nDana\n", "gmail", START)
    rid = app.pipeline.process(raw, Origin("file", "3")).referral_id
    with app.sessions() as s:
        assert {p.person.email: p.role for p in s.get(Referral, rid).parties} == {ZOE[1]: "party", MARCO[1]: "party"}
    lines, group, exported = _report(app, tmp_path)
    # One giver, one receiver (the first named, whom we follow up), the role marked unknown on both sides.
    assert lines == {("Dana Whitfield", "Zoe Park"): (1, 0), ("Zoe Park", "Dana Whitfield"): (0, 1)}
    assert group == {"Dana Whitfield": (1, 0, 1), "Zoe Park": (0, 1, 1), "Marco Rossi": (0, 0, 0)}
    assert exported == [("Dana Whitfield", "Zoe Park")]
    app.engine.dispose()


def test_a_partner_introducing_a_member_client_to_a_member_provider_is_received_once(tmp_path, sqlite_url):
    app = _three_members(tmp_path, sqlite_url)
    app.pipeline.process(mailgen.intro(4, introducer=CAROL, a=ZOE, b=MARCO, when=START), Origin("file", "4"))
    lines, group, exported = _report(app, tmp_path)
    assert lines == {("Marco Rossi", "Carol Jensen"): (0, 1)}  # was: Zoe received one too
    assert group == {"Dana Whitfield": (0, 0, 0), "Marco Rossi": (0, 1, 0), "Zoe Park": (0, 0, 0)}
    assert exported == [("Carol Jensen", "Marco Rossi")]
    app.engine.dispose()
