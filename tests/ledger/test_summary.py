"""The stored sums answer exactly what the flows answer, after every kind of write, at once.

A randomized history (members with two addresses, partners with several addresses, slips known
only by a partner record, intros both ways and between members, every status, values in two
currencies) and then a random sequence of writes of every kind the product makes — a new intro,
a status change with a value, a deleted referral, a party added, dropped or given another role,
a partner merge, an address linked to a partner, a person's address changed, a referral merged,
a member's addresses changed. After each write the overview's, the partners page's (aggregated
in the database) and `report --group`'s figures read from the stored sums (checked: they were
read from them) are those worked out from scratch over the flows. (The flags' rules in SQL,
worker/ledger/summary.py, are held to flag_facts here too: a randomized history has lines out of
balance, gone quiet, gone nowhere.)
"""
import os
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update

from models import Member, Partner, Person, Referral, ReferralParty
from tests.conftest import build_app
from worker.app import shapes
from worker.ledger import balance as ledger
from worker.ledger import merge as referral_merge
from worker.ledger import partners as ledger_partners

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
MEMBERS = [
    {"name": "Dana Whitfield", "emails": ["dana@danabooks.example", "d.whitfield@danabooks.example"],
     "domains": ["danabooks.example"]},
    {"name": "Marco Rossi", "emails": ["marco@rossi-marketing.example"], "domains": ["rossi-marketing.example"]},
    {"name": "Zoe Park", "emails": ["zoe@parkdental.example"], "domains": ["parkdental.example"]},
]
NAMES = [m["name"] for m in MEMBERS]
STATUSES = ("introduced", "connected", "qualified", "won", "lost", "no_fit", "stale", "needs_review", "rejected",
            "merged")


def world(app, rng: random.Random, referrals: int) -> None:
    """People, partners and a history of intros, written as the product's rows."""
    with app.sessions.begin() as s:
        members = list(s.scalars(select(Member).order_by(Member.id)))
        for m in members:
            for address in m.emails:
                s.add(Person(email=address, name=m.name))
        partners = [Partner(name=f"Partner {i}") for i in range(8)]
        s.add_all(partners)
        s.flush()
        for i in range(14):  # some partners with two addresses, some people without a record
            s.add(Person(email=f"p{i}@partners.example", name=f"P {i}",
                         partner_id=partners[i % 8].id if i % 5 else None))
        for i in range(3):  # slips: known only by a partner record
            s.add(Person(email=None, name=f"Slip {i}", partner_id=partners[i].id))
    for _ in range(referrals):
        new_referral(app, rng)


def people(s) -> list[int]:
    return list(s.scalars(select(Person.id).order_by(Person.id)))


def new_referral(app, rng: random.Random) -> None:
    """An intro by anyone to anyone, a member at one end or both more often than not."""
    with app.sessions.begin() as s:
        everyone = people(s)
        ours = list(s.scalars(select(Person.id).where(Person.email.in_([e for m in MEMBERS for e in m["emails"]]))))
        members = list(s.scalars(select(Member.id)))
        n = s.scalar(select(func.count()).select_from(Referral)) + rng.random()
        status = rng.choice(STATUSES)
        won = status == "won" and rng.random() < 0.8
        introducer = rng.choice(ours if ours and rng.random() < 0.5 else everyone)
        r = Referral(dedupe_key=f"<{n}@test>", kind="double_intro", status=status, direction="given",
                     confidence=0.9, introduced_at=NOW - timedelta(days=rng.uniform(0, 700)),
                     introducer_id=introducer, member_id=rng.choice([*members, None]),
                     value_cents=rng.choice([0, 45000, 120000]) if won else None,
                     currency=rng.choice(["USD", "EUR", ""]) if won else "")
        s.add(r)
        s.flush()
        parties = rng.sample([p for p in everyone if p != introducer], rng.choice([1, 2, 2, 3]))
        member = rng.choice([p for p in ours if p != introducer] or [None])
        if member is not None and member not in parties and rng.random() < 0.5:
            parties[0] = member
        for person in parties:
            s.add(ReferralParty(referral_id=r.id, person_id=person,
                                role=rng.choice(["provider", "prospect", "party", "party"])))


def one_write(app, rng: random.Random) -> str:
    """One write of a random kind, as the product makes it; what it was, for a failing example."""
    kind = rng.choice(["intro", "status", "status", "delete", "party", "role", "partner merge", "link",
                       "address", "referral merge", "member"])
    with app.sessions.begin() as s:
        ids = list(s.scalars(select(Referral.id).order_by(Referral.id)))
        rid = rng.choice(ids)
        if kind == "status":
            r = s.get(Referral, rid)
            r.status = rng.choice(STATUSES)
            r.value_cents, r.currency = (rng.choice([45000, 99900]), "USD") if r.status == "won" else (None, "")
        elif kind == "delete":
            s.execute(delete(Referral).where(Referral.id == rid))
        elif kind == "party":
            taken = set(s.scalars(select(ReferralParty.person_id).where(ReferralParty.referral_id == rid)))
            free = [p for p in people(s) if p not in taken]
            if taken and rng.random() < 0.5:
                s.execute(delete(ReferralParty).where(ReferralParty.referral_id == rid,
                                                      ReferralParty.person_id == rng.choice(sorted(taken))))
            elif free:
                s.add(ReferralParty(referral_id=rid, person_id=rng.choice(free), role="provider"))
        elif kind == "role":
            party = s.scalar(select(ReferralParty).where(ReferralParty.referral_id == rid).limit(1))
            if party is not None:
                party.role = rng.choice(["provider", "prospect", "party"])
        elif kind == "partner merge":
            keep, other = rng.sample(list(s.scalars(select(Partner.id))), 2)
            ledger_partners.merge(s, keep, other)
        elif kind == "link":
            person = s.get(Person, rng.choice(people(s)))
            person.partner_id = rng.choice([None, *s.scalars(select(Partner.id))])
        elif kind == "address":  # also a member's: it moves to another person row, or off theirs
            person = s.get(Person, rng.choice(people(s)))
            address = rng.choice([None, f"new{rng.random()}@x.example", "zoe@parkdental.example"])
            if address and s.scalar(select(Person.id).where(Person.email == address)) is not None:
                address = f"moved{rng.random()}@x.example"
            person.email = address
        elif kind == "referral merge":
            keep, other = rng.sample(ids, 2)
            try:
                referral_merge.merge(s, keep, other, NOW)
            except referral_merge.NotMerged:
                kind = "referral merge (refused)"
        elif kind == "member":
            m = s.get(Member, rng.choice(list(s.scalars(select(Member.id)))))
            m.emails = [*m.emails, "p1@partners.example"] if "p1@partners.example" not in m.emails \
                else [e for e in m.emails if e != "p1@partners.example"]
    if kind == "intro":
        new_referral(app, rng)
    return f"{kind} (#{rid})"


def flow(f: ledger.Flow) -> tuple:
    return (f.referrals, f.connected, f.qualified, f.won, dict(f.values), f.went_nowhere, f.role_unknown, f.last)


def seen(app, member: str | None, stored: bool, sessions=None, group: list[str] = NAMES) -> dict:
    """What the overview, the partners page and `report --group` read, for a member or the group
    (of app.sessions', or of these sessions': another mailbox's, whose members are `group`)."""
    names = group if member is None else [member]
    sessions = sessions or app.sessions
    with sessions() as s:
        book = ledger.Ledger(s, None, None, member, stored=stored)
        lines = book.lines(NOW)
        was_stored = book.stored()
    figures = {
        "lines": [(l.member, l.partner, l.name, l.partner_id, flow(l.given), flow(l.received), l.flags,
                   l.trend(NOW)) for l in lines],
        "by month": shapes.by_month(lines),
        "totals": [(t.member, flow(t.given), flow(t.received), t.partners, t.flagged)
                   for t in ledger.group(lines, names)],
    }
    with sessions() as s:
        book = ledger.Ledger(s, None, None, member, stored=stored)
        figures["flagged"] = [(l.member, l.partner, l.name, l.partner_id, l.flags) for l in book.flagged(NOW)]
        figures["group"] = [(t.member, flow(t.given), flow(t.received), t.partners, t.flagged)
                            for t in book.group(names, NOW)]
        # The partners page: every partner, and a page of a search among the flagged ones.
        figures["partners"] = [(r.key, r.partner_id, r.name, r.partner, r.given, r.received, r.won, r.members, r.flags)
                               for query in ({}, {"q": "p1", "flagged": True, "offset": 1, "limit": 2})
                               for r in book.partners(NOW, **query)[0]] + [book.partners(NOW, q="slip")[1]]
    return {"stored": was_stored, **figures}


def same(app, member: str | None, after: str, sessions=None, group: list[str] = NAMES) -> None:
    fresh, truth = seen(app, member, True, sessions, group), seen(app, member, False, sessions, group)
    assert fresh.pop("stored"), f"{member or 'the group'}: not read from the stored sums after {after}"
    assert not truth.pop("stored")
    assert fresh == truth, f"{member or 'the group'} after {after}"


def test_stored_sums_answer_as_the_flows_after_writes_of_every_kind(tmp_path, database_url):
    app = build_app(tmp_path, database_url, members=MEMBERS)
    # One history per database (each ~10 s of checks), a different one on each; SUMMARY_SEED plays
    # another (a failure names the write that broke the sums).
    rng = random.Random(int(os.environ.get("SUMMARY_SEED", 0)) + database_url.startswith("postgres"))
    world(app, rng, 60)
    same(app, None, "the history was written")
    for step in range(12):
        what = one_write(app, rng)
        # A member's view (it recomputes that member only) or the group's (every member out of date).
        same(app, rng.choice(NAMES) if step % 2 else None, f"write {step}: {what}")
    same(app, None, "the last write")
    app.engine.dispose()


def test_a_fresh_group_before_its_first_mail_reads_empty_sums(tmp_path, database_url):
    """Before any mail no member has a person row yet: the overview of a new deployment must open
    (PostgreSQL refused the flows' INSERT … SELECT with an untyped NULL member, found by
    tests/system/test_invariants.py)."""
    app = build_app(tmp_path, database_url, members=MEMBERS)
    same(app, None, "nothing was written")
    same(app, NAMES[0], "nothing was written")
    app.engine.dispose()


def test_each_mailbox_reads_its_own_sums_as_referrals_and_members_move_between_them(tmp_path, database_url):
    """Two tracking mailboxes in one database (README "Many mailboxes"): each group's stored sums
    count its own referrals among its own members, read as such (not worked out from the flows),
    and stay equal to the flows when referrals move to the other mailbox and back, and when a
    member moves to the other group."""
    from models import Mailbox
    from models.groups import group_sessions

    app = build_app(tmp_path, database_url, members=MEMBERS)
    rng = random.Random(11)
    world(app, rng, 40)
    with app.sessions.begin() as s:
        north = Mailbox(name="north", address="intros@north.example", settings={})
        s.add(north)
        s.flush()
        s.add(Person(email="nora@northco.example", name="Nora North"))
    with app.sessions.begin() as s:  # (added outside the group's sessions, which would make it ours)
        s.execute(Member.__table__.insert().values(name="Nora North", emails=["nora@northco.example"], domains=[],
                                                   mailbox_id=north.id, share_value=False, footer=True))
    theirs = group_sessions(app.engine, north.id)
    ours_before = seen(app, None, True)
    with app.sessions.begin() as s:  # north's member introduced some of our partners to Dana and Marco
        ids = list(s.scalars(select(Referral.id).order_by(Referral.id)))
        nora = s.scalar(select(Person.id).where(Person.email == "nora@northco.example"))
        moved = ids[::4]
        s.execute(update(Referral).where(Referral.id.in_(moved)).values(mailbox_id=north.id, introducer_id=nora))
    same(app, None, "referrals moved to north")
    same(app, None, "referrals moved to north", theirs, ["Nora North"])
    assert seen(app, None, True) != ours_before
    assert any(t[1][0] for t in seen(app, None, True, theirs, ["Nora North"])["group"])  # Nora gave some
    with app.sessions.begin() as s:
        s.execute(update(Referral).where(Referral.id.in_(moved[:3])).values(mailbox_id=None))
    same(app, "Dana Whitfield", "referrals moved back")
    same(app, None, "referrals moved back", theirs, ["Nora North"])
    with app.sessions.begin() as s:  # Marco moves to north's group: his intros with Dana are no longer between members
        s.execute(update(Member).where(Member.name == "Marco Rossi").values(mailbox_id=north.id)
                  .execution_options(all_groups=True))
    same(app, None, "Marco moved to north", group=["Dana Whitfield", "Zoe Park"])
    same(app, None, "Marco moved to north", theirs, ["Marco Rossi", "Nora North"])
    app.engine.dispose()


def test_one_write_recomputes_the_members_it_touched_and_no_others(tmp_path, sqlite_url):
    """The coordinator's next view after one intro between two members recomputes those two."""
    from models import LedgerSummary

    app = build_app(tmp_path, sqlite_url, members=MEMBERS)
    world(app, random.Random(7), 60)
    group = {t[0]: t for t in seen(app, None, stored=True)["group"]}
    with app.sessions() as s:
        before = dict(s.execute(select(LedgerSummary.member_id, LedgerSummary.computed_at)).all())
        dana, marco = (s.scalar(select(Person.id).where(Person.email == e))
                       for e in ("dana@danabooks.example", "marco@rossi-marketing.example"))
    with app.sessions.begin() as s:
        r = Referral(dedupe_key="<one@test>", kind="double_intro", status="introduced", direction="given",
                     confidence=0.9, introduced_at=NOW, introducer_id=dana, member_id=None)
        s.add(r)
        s.flush()
        s.add(ReferralParty(referral_id=r.id, person_id=marco, role="provider"))
    now = {t[0]: t for t in seen(app, None, stored=True)["group"]}
    with app.sessions() as s:
        after = dict(s.execute(select(LedgerSummary.member_id, LedgerSummary.computed_at)).all())
        ids = dict(s.execute(select(Member.name, Member.id)).all())
    assert {name for name, i in ids.items() if after[i] != before[i]} == {"Dana Whitfield", "Marco Rossi"}
    assert now["Dana Whitfield"][1][0] == group["Dana Whitfield"][1][0] + 1  # given
    assert now["Marco Rossi"][2][0] == group["Marco Rossi"][2][0] + 1  # received
    assert now["Zoe Park"] == group["Zoe Park"]
    app.engine.dispose()


def test_report_group_shows_a_status_change_made_by_another_process_at_once(tmp_path, sqlite_url):
    import json

    from tests.cli.test_cli import cli

    app = build_app(tmp_path, sqlite_url, members=MEMBERS)
    world(app, random.Random(3), 40)
    (tmp_path / "config.yaml").write_text(
        "tracking: {address: intros@example.com}\nmembers:\n"
        + "".join(f"  - {{name: {m['name']}, emails: [{', '.join(m['emails'])}]}}\n" for m in MEMBERS))
    env = {"INTROLEDGER_DATABASE_URL": sqlite_url}

    def dana() -> dict:
        found = json.loads(cli("report", "--group", "--json", cwd=tmp_path, env=env).stdout)
        return next(t for t in found if t["member"] == "Dana Whitfield")

    with app.sessions.begin() as s:
        [dana_id, partner_id] = [s.scalar(select(Person.id).where(Person.email == e))
                                 for e in ("dana@danabooks.example", "p1@partners.example")]
        r = Referral(dedupe_key="<won@test>", kind="double_intro", status="introduced", direction="given",
                     confidence=0.9, introduced_at=NOW, introducer_id=partner_id, member_id=None)
        s.add(r)
        s.flush()
        s.add(ReferralParty(referral_id=r.id, person_id=dana_id, role="provider"))
    before = dana()
    with app.sessions.begin() as s:  # as the worker applies a WON reply
        s.execute(update(Referral).where(Referral.id == r.id).values(status="won", value_cents=750000,
                                                                     currency="EUR"))
    after = dana()
    assert after["received"]["won"] == before["received"]["won"] + 1
    assert after["received"]["values"].get("EUR", 0) == before["received"]["values"].get("EUR", 0) + 750000
    app.engine.dispose()


def test_a_report_reading_without_the_write_lock_brings_the_sums_up_to_date(tmp_path, sqlite_url):
    """`report` reads in a session that only reads (models.db.reading, begun before the ledger is
    asked): the sums are refreshed for it all the same, not worked out from the flows each time."""
    from models.db import reading

    app = build_app(tmp_path, sqlite_url, members=MEMBERS)
    world(app, random.Random(5), 30)
    with reading(app.sessions) as s:
        book = ledger.Ledger(s)
        stored = [(t.member, flow(t.given), flow(t.received)) for t in book.group(NAMES, NOW)]
        assert book.stored()
    with app.sessions() as s:
        truth = [(t.member, flow(t.given), flow(t.received))
                 for t in ledger.Ledger(s, stored=False).group(NAMES, NOW)]
    assert stored == truth
    app.engine.dispose()


def stored_sums(app) -> tuple:
    """Every stored sum and stored flow, as rows without their ids."""
    from models import LedgerFlow, LedgerSum

    with app.sessions() as s:
        return tuple(sorted(tuple(str(v) for v in row[1:]) for row in s.execute(select(*table.__table__.c)))
                     for table in (LedgerSum, LedgerFlow))


def test_each_write_moves_the_stored_sums_to_what_a_whole_recompute_stores(tmp_path, database_url, monkeypatch):
    """Marking WON with an amount, LOST, WON again, a review candidate accepted and another
    rejected, two partners merged, a referral deleted: the next reader brings the touched members'
    stored flows and sums up to date from the write alone (no member is worked out whole), and
    what it stored is, row for row, what working every member out from scratch stores."""
    from models import LedgerSummary
    from worker.app.marking import mark
    from worker.ledger import review, summary

    app = build_app(tmp_path, database_url, {"INTROLEDGER_TOKEN_SECRET": "sums"}, members=MEMBERS)
    world(app, random.Random(5), 60)
    everyone = lambda members: None  # the coordinator's view: every member wanted
    summary.prepare(app.engine, everyone)
    whole: list = []
    store = summary.store
    monkeypatch.setattr(summary, "store", lambda *args, **kw: (whole.append(args[2]), store(*args, **kw))[1])
    with app.sessions.begin() as s:  # two intros of Dana's to a partner, waiting for review
        dana, partner = (s.scalar(select(Person.id).where(Person.email == e))
                         for e in ("dana@danabooks.example", "p1@partners.example"))
        waiting = [Referral(dedupe_key=f"<review{i}@test>", kind="double_intro", status="needs_review",
                            direction="given", confidence=0.5, introduced_at=NOW - timedelta(days=i),
                            introducer_id=dana, member_id=None) for i in range(2)]
        s.add_all(waiting)
        s.flush()
        s.add_all([ReferralParty(referral_id=r.id, person_id=partner, role="provider") for r in waiting])
    summary.prepare(app.engine, everyone)
    with app.sessions() as s:
        from models import LedgerFlow

        open_ = s.scalar(select(Referral.id).join(LedgerFlow, LedgerFlow.referral_id == Referral.id).where(
            Referral.member_id.is_not(None), Referral.status.in_(("introduced", "connected"))).limit(1))
        partners = list(s.scalars(select(Partner.id).order_by(Partner.id)))
        last = s.scalar(select(func.max(LedgerFlow.referral_id)))
    assert open_ is not None, "the history has an open referral in a member's ledger"

    def marked(word: str, amount: str | None = None, correct: bool = False):
        return lambda s: mark(app, s, s.get(Referral, open_), word, amount, correct=correct).applied

    writes = [("WON $4,500", marked("WON", "$4,500")), ("LOST", marked("LOST", correct=True)),
              ("WON €1,200 again", marked("WON", "€1,200", correct=True)),
              ("a candidate accepted", lambda s: review.accept(s, s.get(Referral, waiting[0].id), NOW)),
              ("a candidate rejected", lambda s: review.reject(s, s.get(Referral, waiting[1].id), NOW)),
              ("two partners merged", lambda s: ledger_partners.merge(s, partners[0], partners[1])),
              ("a referral deleted", lambda s: s.execute(delete(Referral).where(Referral.id == last)))]
    before = stored_sums(app)
    for what, write in writes:
        with app.sessions.begin() as s:
            assert write(s) is not False, f"{what}: not applied"
        summary.prepare(app.engine, everyone)
        assert whole == [], f"{what}: members {whole} were worked out whole"
        kept = stored_sums(app)
        assert kept != before or what == "a candidate rejected", f"{what} moved no stored sum"
        before = kept
        with app.sessions.begin() as s:  # every member's sums thrown away and worked out from scratch
            s.execute(delete(LedgerSummary))
        summary.prepare(app.engine, everyone)
        assert whole, "worked out whole"
        whole.clear()
        assert kept == stored_sums(app), f"after {what}"
    app.engine.dispose()


def test_more_logged_writes_than_a_refresh_sorts_out_work_every_member_out_whole(tmp_path, database_url,
                                                                                 monkeypatch):
    """Past summary.MANY logged writes (an import) the next reader works every member out whole,
    empties the log up to its last write and stores what working them out from scratch stores."""
    from models import LedgerChange, LedgerSummary
    from worker.ledger import summary

    app = build_app(tmp_path, database_url, {"INTROLEDGER_TOKEN_SECRET": "sums"}, members=MEMBERS)
    world(app, random.Random(7), 30)
    everyone = lambda members: None
    summary.prepare(app.engine, everyone)
    monkeypatch.setattr(summary, "MANY", 2)
    rng = random.Random(8)
    for _ in range(3):
        one_write(app, rng)
    with app.sessions() as s:
        assert s.scalar(select(func.count()).select_from(LedgerChange)) > 2, "more writes logged than MANY"
    whole: list = []
    store = summary.store
    monkeypatch.setattr(summary, "store", lambda *args, **kw: (whole.append(list(args[2])), store(*args, **kw))[1])
    summary.prepare(app.engine, everyone)
    with app.sessions() as s:
        assert s.scalar(select(func.count()).select_from(LedgerChange)) == 0, "the log applied"
        stored = sorted(s.scalars(select(LedgerSummary.member_id)))
        assert stored == sorted(s.scalars(select(Member.id))), "every member's sums stored"
    assert sorted(sum(whole, [])) == stored, f"every member worked out whole: {whole}"
    kept = stored_sums(app)
    with app.sessions.begin() as s:
        s.execute(delete(LedgerSummary))
    summary.prepare(app.engine, everyone)
    assert kept == stored_sums(app)
    app.engine.dispose()
