"""`ingest --review` of a member's past mail, and `introledger review` accept/reject, on real files."""
import json
import mailbox
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import FollowUp, OutboxMessage, Referral, ReferralEvent
from models.db import make_engine
from tests import mailgen
from tests.cli.test_cli import CORPUS, cli
from tests.conftest import build_app
from worker.cli import review as cli_review
from worker.inbound.pipeline import Origin

DANA = ("Dana Whitfield", "dana@danabooks.example")
CAROL = ("Carol Jensen", "carol@jensen-law.example")
ALICE, BOB = ("Alice Brook", "alice@brook-home.example"), ("Bob Novak", "bob@novak-build.example")
GRACE, HIRO = ("Grace Tanaka", "grace@tanaka-dental.example"), ("Hiro Silva", "hiro@silva-design.example")
PRIYA = ("Priya Haddad", "priya@haddad-cafe.example")
REVIEW_KEYS = {"id", "introduced_at", "introducer", "parties", "direction", "subject", "message_id", "kind",
               "reason", "confidence", "origin", "found_in"}
OLD = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # months before today: a backfill


def intro(i: int, introducer, a, b, when: datetime, cc=()) -> bytes:
    """An intro as the introducer's client sent it (to both parties; no tracking address)."""
    first = lambda p: p[0].split()[0]
    body = (f"{first(a)}, meet {first(b)}. {first(b)} is the specialist I told you about. {first(a)} is "
            f"looking for help with a project this spring — I think you two should talk.\n\n"
            f"Best,\n{first(introducer)}\n")
    return mailgen.message(i, introducer, [a, b], list(cc), f"Intro: {first(a)} <> {first(b)}", body,
                           "gmail", when)


def sent_folder(tmp_path):
    """Dana's exported mail: her Inbox intro from Carol, her Sent folder (mbox) and a Maildir copy."""
    (tmp_path / "inbox-intro.eml").write_bytes(intro(10, CAROL, PRIYA, DANA, OLD))
    box = mailbox.mbox(str(tmp_path / "Sent.mbox"))
    box.add(intro(1, DANA, ALICE, BOB, OLD + timedelta(days=10)))
    box.add(intro(2, DANA, GRACE, HIRO, OLD + timedelta(days=40)))
    box.add(mailgen.message(3, DANA, [BOB], [], "Thursday", "Are we still on for Thursday? I booked the "
                            "usual table at noon.\n\nDana\n", "gmail", OLD + timedelta(days=41)))
    box.add(mailgen.message(4, DANA, [CAROL, PRIYA], [], "Re: Intro: Priya <> Dana",
                            "Thanks Carol! Priya, lovely to meet you — does a call on Tuesday suit you?\n\nDana\n",
                            "gmail", OLD + timedelta(hours=2), in_reply_to="<gen10.gmail@mail.gmail.example>"))
    box.flush()
    maildir = mailbox.Maildir(str(tmp_path / "SentMaildir"))
    maildir.add(intro(1, DANA, ALICE, BOB, OLD + timedelta(days=10)))  # the same message again
    return ["inbox-intro.eml", "Sent.mbox", "SentMaildir"]


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "config.yaml").write_text(
        "tracking: {address: intros@example.com}\n"
        "members:\n"
        "  - {name: Dana Whitfield, emails: [dana@danabooks.example], domains: [danabooks.example]}\n"
        "  - {name: Marco Rossi, emails: [marco@rossi-marketing.example]}\n"
        "thank_you: {delay_seconds: 0}\n"
        "outbound: {transport: folder, folder: sent, quiet_hours: null}\n"
    )
    cli("db", "upgrade", cwd=tmp_path)
    return tmp_path


def review_list(workdir) -> list[dict]:
    return json.loads(cli("review", "--json", cwd=workdir).stdout)


def by_subject(rows: list[dict]) -> dict[str, dict]:
    return {r["subject"]: r for r in rows}


def test_review_import_offers_the_intros_and_sends_nothing(workdir):
    paths = sent_folder(workdir)
    summary = json.loads(cli("ingest", "--review", *paths, "--json", cwd=workdir).stdout)
    assert summary == {"needs_review": 3, "thread_reply": 1, "not_intro": 1, "duplicate": 1,
                       "offered_for_review": 3}

    rows = review_list(workdir)
    assert len(rows) == 3 and all(set(r) == REVIEW_KEYS for r in rows)
    assert {r["origin"] for r in rows} == {"review_import"}
    found = by_subject(rows)
    given = found["Intro: Alice <> Bob"]
    assert given["introducer"] == {"name": "Dana Whitfield", "email": DANA[1]}
    assert {(p["name"], p["role"]) for p in given["parties"]} == {("Alice Brook", "prospect"),
                                                                   ("Bob Novak", "provider")}
    assert given["direction"] == "given" and given["kind"] == "double_intro"
    assert given["subject"] == "Intro: Alice <> Bob" and given["introduced_at"].startswith("2026-03-12")
    assert "introduction language" in given["reason"] and given["confidence"] >= 0.9
    assert given["found_in"].startswith("mbox:") and given["found_in"].endswith("Sent.mbox#1")
    received = found["Intro: Priya <> Dana"]
    assert received["introducer"]["email"] == CAROL[1] and received["direction"] == "received"
    assert received["found_in"].endswith("inbox-intro.eml")

    table = cli("review", cwd=workdir).stdout
    assert "Waiting for review (3)" in table and "review import" in table
    assert "Bob Novak (provider)" in table and "Hiro Silva" in table and "Carol Jensen" in table

    # Nothing to anyone: no thank-you, no follow-up — not even after the worker's sweep has run.
    assert json.loads(cli("outbox", "--json", cwd=workdir).stdout) == []
    cli("run", "--once", cwd=workdir)
    assert json.loads(cli("outbox", "--json", cwd=workdir).stdout) == []
    assert not (workdir / "sent").exists()
    assert json.loads(cli("report", "--json", cwd=workdir).stdout) == []  # candidates are not counted

    again = cli("ingest", "--review", *paths, cwd=workdir).stdout
    assert "6 messages" in again and "6 already seen" in again
    assert "0 intros offered for review — run `introledger review`" in again
    assert len(review_list(workdir)) == 3


def test_accept_logs_them_without_a_thank_you_and_reject_never_counts(workdir):
    paths = sent_folder(workdir)
    out = cli("ingest", "--review", *paths, cwd=workdir).stdout
    assert "3 intros offered for review — run `introledger review`" in out
    found = by_subject(review_list(workdir))
    bob, hiro, priya = (found[f"Intro: {s}"]["id"] for s in ("Alice <> Bob", "Grace <> Hiro", "Priya <> Dana"))

    out = cli("review", "accept", str(bob), str(priya), cwd=workdir).stdout
    assert f"referral #{bob} is now introduced" in out
    assert f"referral #{priya} is now introduced" in out  # Dana's reply-all in Carol's thread: evidence only
    assert f"referral #{hiro} is now rejected" in cli("review", "reject", str(hiro), cwd=workdir).stdout

    rows = {r["id"]: r for r in json.loads(cli("referrals", "--json", cwd=workdir).stdout)}
    assert set(rows) == {bob, priya}  # the rejected one is not listed
    assert (rows[bob]["status"], rows[bob]["kind"], rows[bob]["direction"]) == ("introduced", "double_intro", "given")
    assert (rows[priya]["status"], rows[priya]["direction"]) == ("introduced", "received")
    rejected = json.loads(cli("referrals", "--status", "rejected", "--json", cwd=workdir).stdout)
    assert [r["id"] for r in rejected] == [hiro]
    assert review_list(workdir) == []

    report = json.loads(cli("report", "--json", cwd=workdir).stdout)
    assert {(line["partner"], line["given"]["referrals"], line["received"]["referrals"]) for line in report} == {
        (BOB[1], 1, 0), (CAROL[1], 0, 1)}
    assert HIRO[1] not in json.dumps(report)
    cli("run", "--once", cwd=workdir)  # the sweep: due thank-yous and follow-ups would be queued now
    assert json.loads(cli("outbox", "--json", cwd=workdir).stdout) == []

    summary = json.loads(cli("ingest", "--review", *paths, "--json", cwd=workdir).stdout)
    assert summary == {"duplicate": 6, "offered_for_review": 0}
    assert len(json.loads(cli("referrals", "--json", cwd=workdir).stdout)) == 2
    assert HIRO[1] not in cli("report", "--json", cwd=workdir).stdout


def test_unknown_or_decided_ids_exit_1_naming_them_and_change_nothing(workdir):
    cli("ingest", "--review", *sent_folder(workdir), cwd=workdir)
    first, second, _ = (r["id"] for r in review_list(workdir))
    unknown = cli("review", "accept", "99", cwd=workdir, ok=False)
    assert unknown.returncode == 1 and "#99: no such referral" in unknown.stderr
    cli("review", "reject", str(first), cwd=workdir)
    again = cli("review", "accept", str(second), str(first), cwd=workdir, ok=False)
    assert again.returncode == 1 and f"#{first} is not waiting for review: already decided (rejected)" in again.stderr
    assert second in [r["id"] for r in review_list(workdir)]  # all or nothing: #second is still waiting
    assert cli("review", "reject", "99", cwd=workdir, ok=False).returncode == 1
    assert cli("review", "accept", cwd=workdir, ok=False).returncode == 2  # neither IDs nor --all


def test_live_low_confidence_intros_wait_in_the_same_list_and_accept_all_logs_them(workdir):
    cli("ingest", str(CORPUS / "needs_review_loop_in.eml"), cwd=workdir)
    sent_folder(workdir)
    cli("ingest", "--review", "inbox-intro.eml", cwd=workdir)
    rows = review_list(workdir)
    assert sorted(r["origin"] for r in rows) == ["low_confidence", "review_import"]
    live = next(r for r in rows if r["origin"] == "low_confidence")
    assert live["kind"] == "weak_intro" and live["confidence"] < 0.7
    assert live["found_in"].endswith("needs_review_loop_in.eml")
    assert "low confidence" in cli("review", cwd=workdir).stdout

    out = cli("review", "accept", "--all", cwd=workdir).stdout
    assert out.count("is now") == 2
    statuses = {r["id"]: (r["status"], r["kind"]) for r in json.loads(cli("referrals", "--json", cwd=workdir).stdout)}
    assert statuses[live["id"]] == ("introduced", "double_intro")
    assert review_list(workdir) == []
    assert "nothing is waiting for review" in cli("review", "accept", "--all", cwd=workdir).stdout


# The thank-you and follow-up policies decide on accept, as they do when a referral is logged.

def _app(tmp_path, database_url, clock):
    return build_app(tmp_path, database_url, now=clock, env={"INTROLEDGER_TOKEN_SECRET": "s"},
                     thank_you={"delay_seconds": 0}, outbound={"quiet_hours": None})


def _accept(app, ids):
    return cli_review.decide(app, ids, partial(cli_review.accept, app))


def _mail(app):
    with app.sessions() as s:
        return (s.scalars(select(OutboxMessage.kind)).all(), s.scalars(select(FollowUp.step)).all())


def test_accepting_a_recent_intro_thanks_and_follows_up_but_an_old_one_neither(tmp_path, database_url, clock):
    app = _app(tmp_path, database_url, clock)
    review = app.pipeline.for_review()
    fresh = review.process(intro(20, CAROL, PRIYA, DANA, clock() - timedelta(days=1)), Origin("review", "a"))
    old = review.process(intro(21, CAROL, ALICE, DANA, clock() - timedelta(days=90)), Origin("review", "b"))
    assert (fresh.kind, old.kind) == ("needs_review", "needs_review") and _mail(app) == ([], [])

    assert _accept(app, [old.referral_id]) == 0
    assert _mail(app) == ([], [])  # older than thank_you.max_age_days and follow_ups.stale_after
    assert _accept(app, [fresh.referral_id]) == 0
    assert _mail(app) == (["thank_you"], [1, 2])  # a day old: logged now, thanked and followed up
    with app.sessions() as s:
        assert s.get(Referral, fresh.referral_id).status == "introduced"
    app.engine.dispose()


def test_a_rejected_intro_seen_again_by_another_route_stays_out(tmp_path, database_url, clock):
    app = _app(tmp_path, database_url, clock)
    when = clock() - timedelta(hours=3)
    offered = app.pipeline.for_review().process(intro(30, CAROL, PRIYA, DANA, when), Origin("review", "a"))
    assert cli_review.decide(app, [offered.referral_id], partial(cli_review.reject, app)) == 0
    # The same intro CC'd to the tracking address under another Message-ID: not revived, not thanked.
    copy = intro(31, CAROL, PRIYA, DANA, when, cc=[("", "intros@example.com")])
    outcome = app.pipeline.process(copy, Origin("file", "copy.eml"))
    assert outcome.kind == "double_intro" and outcome.referral_id is None
    with app.sessions() as s:
        assert s.scalars(select(Referral.status)).all() == ["rejected"]
    assert _mail(app) == ([], [])
    app.engine.dispose()


# A weak intro waits for review; a clear one by the same introducer, in its thread or not, logs it.

RAJ = ("Raj Mehta", "raj@mehta-bistro.example")
LOOSE = "<loose1@mail.jensen-law.example>"


def _weak_then_clear(threaded: bool, when: datetime) -> tuple[bytes, bytes]:
    """Carol loops Dana in with a vague line, then writes the real intro (as a Gmail reply, quoting)."""
    weak = mailgen.message(1, CAROL, [DANA, RAJ], [("", "intros@example.com")], "Raj's bistro",
                           "Looping in Dana here - you two should talk at some point.\n\nCarol\n", "gmail", when)
    weak = weak.replace(b"<gen1.gmail@mail.gmail.example>", LOOSE.encode())
    body = ("Sorry, that was cryptic! Dana, meet Raj. Raj owns the bistro on Elm Street and is looking for a "
            "bookkeeper before tax season. Dana is the bookkeeper I told you about, Raj.\n\nCarol\n\n"
            f"On {when:%a, %b %d, %Y at %H:%M} Carol Jensen <{CAROL[1]}> wrote:\n"
            "> Looping in Dana here - you two should talk at some point.\n>\n> Carol\n")
    clear = mailgen.message(2, CAROL, [DANA, RAJ], [("", "intros@example.com")],
                            "Re: Raj's bistro" if threaded else "Intro: Dana <> Raj", body, "gmail",
                            when + timedelta(hours=3), in_reply_to=LOOSE if threaded else "")
    return weak, clear


def _run_once(workdir, raw: bytes, name: str, caplog) -> list[str]:
    """Deliver one message to the Maildir `run` watches; what `run -v` logs about it."""
    (workdir / "mail" / "new").mkdir(parents=True, exist_ok=True)
    (workdir / "mail" / "new" / name).write_bytes(raw)
    caplog.clear()
    cli("run", "--once", "-v", cwd=workdir)
    return [r.getMessage() for r in caplog.records if r.name == "introledger"]


@pytest.mark.parametrize("route", ["ingest", "run"])
@pytest.mark.parametrize("threaded", [True, False], ids=["in-its-thread", "new-thread"])
def test_a_clear_intro_after_a_weak_one_is_logged_and_resolves_the_review_item(workdir, threaded, route, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="introledger")
    weak, clear = _weak_then_clear(threaded, datetime.now(UTC) - timedelta(hours=4))
    (workdir / "weak.eml").write_bytes(weak)
    assert json.loads(cli("ingest", "--json", "weak.eml", cwd=workdir).stdout) == {"needs_review": 1}
    [waiting] = review_list(workdir)
    assert waiting["kind"] == "weak_intro"

    # Was: in its thread, a mere reply (the intro never logged); in a new thread, counted as logged
    # while folded into the review item, which stayed waiting (no thank-you).
    if route == "ingest":
        (workdir / "clear.eml").write_bytes(clear)
        assert json.loads(cli("ingest", "--json", "clear.eml", cwd=workdir).stdout) == {"double_intro": 1}
    else:
        [said] = _run_once(workdir, clear, "clear.eml", caplog)
        assert said.startswith(f"gen2.gmail@mail.gmail.example double_intro: {CAROL[1]} wrote to 2 people")
        assert said.endswith(f"logged review item #{waiting['id']} (it was waiting for review; this intro is "
                             f"clear) → referral #{waiting['id']}")
    assert review_list(workdir) == []
    [logged] = json.loads(cli("referrals", "--json", cwd=workdir).stdout)
    assert (logged["id"], logged["status"], logged["kind"]) == (waiting["id"], "introduced", "double_intro")
    assert {p["email"]: p["role"] for p in logged["parties"]} == {DANA[1]: "provider", RAJ[1]: "prospect"}
    assert logged["source"]["message_id"] == "gen2.gmail@mail.gmail.example"
    outbox = json.loads(cli("outbox", "--json", cwd=workdir).stdout)
    assert [(m["kind"], m["to"]) for m in outbox] == [("thank_you", CAROL[1])]
    engine = make_engine(f"sqlite:///{workdir / 'introledger.db'}")
    with Session(engine) as s:
        [event] = s.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == waiting["id"]))
    engine.dispose()
    assert (event.event, event.old_status, event.new_status) == ("clear_intro", "needs_review", "introduced")
    assert "gen2.gmail@mail.gmail.example" in event.reason

    if route == "run" and not threaded:  # the same intro by another route later: said so, nothing new
        again = clear.replace(b"<gen2.gmail@mail.gmail.example>", b"<gen3.gmail@mail.gmail.example>")
        [said] = _run_once(workdir, again, "again.eml", caplog)
        assert f"the same intro as referral #{waiting['id']} (introduced) → referral #{waiting['id']}" in said
        assert len(json.loads(cli("referrals", "--json", cwd=workdir).stdout)) == 1


def test_a_partys_reply_thanking_for_the_introduction_stays_a_reply_to_the_review_item(workdir):
    weak, _ = _weak_then_clear(True, datetime.now(UTC) - timedelta(hours=4))
    (workdir / "weak.eml").write_bytes(weak)
    thanks = mailgen.message(5, RAJ, [CAROL, DANA], [("", "intros@example.com")], "Re: Raj's bistro",
                             "Thanks for the introduction, Carol! Dana, could we talk on Tuesday?\n\nRaj\n",
                             "gmail", datetime.now(UTC), in_reply_to=LOOSE)
    (workdir / "thanks.eml").write_bytes(thanks)
    cli("ingest", "weak.eml", cwd=workdir)
    assert json.loads(cli("ingest", "--json", "thanks.eml", cwd=workdir).stdout) == {"thread_reply": 1}
    assert len(review_list(workdir)) == 1  # Raj is no introducer: the item waits for a person
