"""Two referrals that are one intro (the introducer CC'd us from her work address and forwarded
it from her own): `introledger referrals merge KEEP OTHER` folds the second into the first — it
leaves the ledger, its follow-ups are cancelled, replies in its thread count for the one kept,
and both histories say so. Nothing a person said is folded away."""
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from models import FollowUp, ReferralEvent
from tests import mailgen
from tests.cli.test_cli import cli
from worker.core import lifecycle
from worker.ledger.merge import refusal

ALICE, DANA = ("Alice Brook", "alice@y.example"), ("Dana Whitfield", "dana@danabooks.example")


@pytest.fixture
def twice(tmp_path, database_url):
    """One intro logged twice: Carol wrote it from work and again from home (no match by address)."""
    (tmp_path / "config.yaml").write_text(
        "tracking: {address: intros@example.com}\n"
        "members:\n  - {name: Dana Whitfield, emails: [dana@danabooks.example]}\n")
    env = {"INTROLEDGER_DATABASE_URL": database_url}
    cli("db", "upgrade", cwd=tmp_path, env=env)
    now = datetime.now(UTC)
    for n, carol in ((1, ("Carol Jensen", "carol@jensen-work.example")), (2, ("Carol Jensen", "carol@home.example"))):
        (tmp_path / f"{n}.eml").write_bytes(mailgen.intro(n, introducer=carol, a=ALICE, b=DANA, when=now))
        cli("ingest", f"{n}.eml", cwd=tmp_path, env=env)
    return tmp_path, env


def _referrals(workdir, env, *status) -> list[dict]:
    return json.loads(cli("referrals", *(("--status", *status) if status else ()), "--json", cwd=workdir,
                          env=env).stdout)


def _db(env):
    from sqlalchemy.orm import Session

    from models.db import make_engine

    engine = make_engine(env["INTROLEDGER_DATABASE_URL"])
    return engine, Session(engine)


def test_the_second_copy_is_folded_into_the_first(twice):
    workdir, env = twice
    assert [r["id"] for r in _referrals(workdir, env)] == [1, 2]  # counted twice: the bug a person fixes
    out = cli("referrals", "merge", "1", "2", cwd=workdir, env=env).stdout
    assert "referral #2 merged into #1" in out and "2 pending follow-ups cancelled" in " ".join(out.split())
    assert [r["id"] for r in _referrals(workdir, env)] == [1]
    assert [r["id"] for r in _referrals(workdir, env, "merged")] == [2]
    report = json.loads(cli("report", "--json", cwd=workdir, env=env).stdout)
    assert sum(line["received"]["referrals"] for line in report) == 1  # one intro, counted once
    engine, s = _db(env)
    with s:
        steps = {(f.referral_id, f.status) for f in s.scalars(select(FollowUp))}
        events = [(e.referral_id, e.event, e.old_status, e.new_status, e.accepted, e.reason)
                  for e in s.scalars(select(ReferralEvent).order_by(ReferralEvent.id))]
    engine.dispose()
    assert steps == {(1, "scheduled"), (2, "cancelled")}  # Dana is asked once, about #1
    assert events == [
        (2, "merge", "introduced", "merged", True,
         "the same intro as referral #1: merged into it by hand; 2 pending follow-ups cancelled"),
        (1, "absorb", "introduced", "introduced", True, "referral #2 merged into it by hand: the same intro"),
    ]
    # Alice answers in the thread of the copy: it is recorded on the referral kept (evidence, no status).
    reply = mailgen.message(9, ALICE, [("Carol Jensen", "carol@home.example")], [("", "intros@example.com")],
                            "Re: Intro: Alice <> Dana", "Thanks Carol! Dana, let's talk Tuesday.", "gmail", None,
                            in_reply_to="<gen2.gmail@mail.gmail.example>")
    (workdir / "reply.eml").write_bytes(reply)
    cli("ingest", "reply.eml", cwd=workdir, env=env)
    assert [(r["id"], r["status"]) for r in _referrals(workdir, env)] == [(1, "introduced")]
    engine, s = _db(env)
    with s:
        heard = [(e.referral_id, e.actor_email) for e in s.scalars(select(ReferralEvent).where(
            ReferralEvent.event == "thread_reply", ReferralEvent.accepted.is_(True)))]
    engine.dispose()
    assert heard == [(1, ALICE[1])]


def test_a_merge_that_would_lose_what_a_person_said_is_refused(twice):
    workdir, env = twice
    cli("mark", "2", "MET", cwd=workdir, env=env)
    refused = cli("referrals", "merge", "1", "2", cwd=workdir, env=env, ok=False)
    assert refused.returncode == 1
    assert "#2 is connected, further along than #1 (introduced): merge #1 into #2 instead" in refused.stderr
    cli("referrals", "merge", "2", "1", cwd=workdir, env=env)
    assert [(r["id"], r["status"]) for r in _referrals(workdir, env)] == [(2, "connected")]
    again = cli("referrals", "merge", "1", "2", cwd=workdir, env=env, ok=False)
    assert "#1 is merged: keep a referral that counts" in again.stderr
    assert "no such referral: #9" in cli("referrals", "merge", "2", "9", cwd=workdir, env=env, ok=False).stderr


def test_which_merges_are_refused_and_why():
    assert refusal(1, "introduced", 2, "stale") == ""
    assert refusal(1, "won", 2, "connected") == ""  # the kept one knows more: the copy's questions go
    assert refusal(1, "introduced", 2, "won") == (
        "#2 has a final answer (won) a merge would fold away: merge #1 into #2 instead")
    assert refusal(1, "won", 2, "lost") == "#1 (won) and #2 (lost) both have final answers: a merge would fold one away"
    assert refusal(1, "needs_review", 2, "introduced").startswith("#2 is introduced, further along than #1")
    assert refusal(1, "rejected", 2, "introduced") == "#1 is rejected: keep a referral that counts"
    assert refusal(3, "introduced", 3, "introduced") == "#3 is the same referral twice"
    assert not lifecycle.decide("won", None, lifecycle.HAND, "merge").allowed
    merged = lifecycle.decide("qualified", None, lifecycle.HAND, "merge")
    assert merged.to_state == "merged" and {lifecycle.STEPS, "follow_up", "closed_business"} <= merged.cancels


def test_an_answer_to_the_old_follow_up_of_a_merged_copy_counts_for_the_kept_one(tmp_path, sqlite_url, clock):
    """Dana's follow-up about #2 went out before #2 was found to be a copy of #1 and merged; her
    WON to that mail is about the same intro, so it lands on #1 (before: refused, "merged")."""
    from models import OutboxMessage, Referral
    from tests.conftest import build_app
    from worker.inbound.pipeline import Origin
    from worker.ledger.merge import merge

    app = build_app(tmp_path, sqlite_url, {"INTROLEDGER_TOKEN_SECRET": "s3cret"}, now=clock,
                    thank_you={"enabled": False}, outbound={"quiet_hours": None})
    try:
        for n, carol in ((1, ("Carol Jensen", "carol@jensen-work.example")),
                         (2, ("Carol Jensen", "carol@home.example"))):
            app.pipeline.process(mailgen.intro(n, introducer=carol, a=ALICE, b=DANA, when=clock.current),
                                 Origin("file", f"{n}"))
        clock.advance(days=7, seconds=1)
        with app.sessions.begin() as s:
            app.followups.materialize(s)
            [old] = [m for m in s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "follow_up"))
                     if m.referral_ids == [2]]
            old.status, old.message_id = "sent", "ol-old-2@example.com"
            merge(s, 1, 2, clock.current)
        answer = (f"From: Dana Whitfield <{DANA[1]}>\nTo: {old.reply_to}\nSubject: Re: {old.subject}\n"
                  f"Message-ID: <won@danabooks.example>\nIn-Reply-To: <ol-old-2@example.com>\n\nWON $4,500\n").encode()
        assert app.pipeline.process(answer, Origin("file", "won")).kind == "status_reply"
        with app.sessions() as s:
            kept, copy = s.get(Referral, 1), s.get(Referral, 2)
            assert (kept.status, kept.value_cents, copy.status, copy.merged_into_id) == ("won", 450000, "merged", 1)
            event = s.scalar(select(ReferralEvent).where(ReferralEvent.referral_id == 1,
                                                         ReferralEvent.event == "answer"))
            assert event.accepted and "#2 was merged into #1" in event.reason
            confirmed = s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "status_confirmation"))
            assert confirmed.to_addr == DANA[1] and confirmed.referral_ids == [1]
    finally:
        app.engine.dispose()
