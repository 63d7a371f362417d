"""Issue 10: what is decided when a mail is sent, not when it was queued.

- A follow-up that waited in the outbox (held back by the daily cap) is not sent once the member
  answered WON, SNOOZE or STOP: its row says why.
- The daily cap protects partners and prospects, not members from their own mail (confirmations,
  digest, reminders); a person can send a held-back mail now; a raised cap releases what now fits.
"""
from dataclasses import replace
from datetime import UTC, timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from models import OutboxMessage, Referral
from tests.conftest import build_app
from tests.outbound.test_delivery import DANA, outbound_settings, queue_thank_you, row
from worker.app import bootstrap
from worker.core import lifecycle
from worker.mail.commands import parse_command

pytestmark = pytest.mark.sqlite_only(reason=(
    "when mail goes is policy; the outbox's SQL is held to PostgreSQL in test_at_most_once/test_delivery"
))

DANA_EMAIL = DANA[1]


def make_app(tmp_path, database_url, sink, clock, cap=1):
    return build_app(tmp_path, database_url, {"INTROLEDGER_TOKEN_SECRET": "s3"}, now=clock,
                     thank_you={"delay_seconds": 0}, follow_ups={"steps": ["30s"]},
                     outbound=outbound_settings(sink, per_recipient_per_day=cap))


def dana_had_mail_today(app, clock, n=1):
    """Mail Dana already got today (follow-ups about other intros): it used up her daily cap."""
    with app.sessions.begin() as s:
        for i in range(n):
            s.add(OutboxMessage(dedupe_key=f"earlier-{i}", kind="follow_up", status="sent", referral_ids=[],
                                from_addr="intros@example.com", to_addr=DANA_EMAIL,
                                subject=f"How did the intro to Zoe {i} go? [ref R{90 + i}]",
                                text_body="…", not_before=clock.current, queued_at=clock.current,
                                claimed_at=clock.current, sent_at=clock.current, attempts=1))


def deferred_follow_up(app, clock, outbound) -> int:
    """Intro logged, follow-up due and queued, but held back by Dana's daily cap."""
    queue_thank_you(app, clock)
    dana_had_mail_today(app, clock)
    clock.advance(seconds=31)
    with app.sessions.begin() as s:
        assert app.followups.materialize(s) == 1
        fid = s.scalar(select(OutboxMessage.id).where(OutboxMessage.kind == "follow_up",
                                                      OutboxMessage.status == "queued"))
    assert outbound.deliverer.deliver(fid) == "deferred"
    assert row(app, fid).reason.startswith("deferred: daily cap of 1 mails to dana@")
    return fid


def answer(app, words: str) -> str:
    """What `introledger mark 1 WORDS` does: the member's answer, same rules and mails as a reply."""
    with app.sessions.begin() as s:
        referral = s.get(Referral, 1)
        return app.desk.apply(s, referral, parse_command(words, app.desk.vocabulary), DANA_EMAIL, "",
                              via=f"by hand: {words}")


def send_everything_due(app, outbound, clock):
    clock.advance(days=2)
    with app.sessions() as s:
        ids = s.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "queued")).all()
    return {oid: outbound.deliverer.deliver(oid) for oid in ids}


def subjects(sink) -> list[tuple[str, str]]:
    return [(m.rcpt_tos[0], message_from_bytes(m.raw, policy=policy.default)["Subject"]) for m in sink.messages]


@pytest.mark.parametrize("words, status", [("WON $4,500", "won"), ("LOST - went with a cheaper quote", "lost")])
def test_a_deferred_follow_up_is_never_sent_after_the_member_answers_won_or_lost(
        tmp_path, database_url, smtp_sink, clock, words, status):
    app = make_app(tmp_path, database_url, smtp_sink, clock)
    outbound = bootstrap.build_outbound(app)
    fid = deferred_follow_up(app, clock, outbound)
    assert answer(app, words) == status
    withdrawn = row(app, fid)
    assert (withdrawn.status, withdrawn.reason) == ("cancelled", f"follow-up withdrawn: answered {status.upper()}")
    send_everything_due(app, outbound, clock)
    got = subjects(smtp_sink)
    assert not any("How did the intro" in subject for _, subject in got)
    said = {"won": "the intro to Alice 1 turned into business", "lost": "the intro to Alice 1 did not work out"}[status]
    assert (DANA_EMAIL, f"Noted: {said} [ref R1]") in got
    outbound.close()
    app.engine.dispose()


def test_a_queued_follow_up_is_checked_against_its_referral_when_claimed(tmp_path, database_url, smtp_sink, clock):
    """A change that did not withdraw the mail itself (another process, an older version) is
    still seen by the send path: the row is suppressed with the reason, nothing reaches SMTP."""
    app = make_app(tmp_path, database_url, smtp_sink, clock)
    outbound = bootstrap.build_outbound(app)
    fid = deferred_follow_up(app, clock, outbound)
    clock.advance(minutes=5)
    with app.sessions.begin() as s:  # the status changes, the queued mail is left as it was
        referral = s.get(Referral, 1)
        lost = replace(lifecycle.decide(referral.status, "lost", lifecycle.MEMBER), cancels=frozenset())
        lifecycle.record(s, referral, "answer", lost, clock.current, actor_email=DANA_EMAIL)
    clock.advance(days=2)
    assert outbound.deliverer.deliver(fid) == "suppressed"
    assert row(app, fid).reason == "not sent: referral #1 is lost"
    assert smtp_sink.messages[1:] == []  # only the thank-you to Carol went out
    outbound.close()
    app.engine.dispose()


def test_snooze_withdraws_a_queued_follow_up(tmp_path, database_url, smtp_sink, clock):
    app = make_app(tmp_path, database_url, smtp_sink, clock)
    outbound = bootstrap.build_outbound(app)
    fid = deferred_follow_up(app, clock, outbound)
    answer(app, "SNOOZE 2 weeks")
    withdrawn = row(app, fid)
    assert withdrawn.status == "cancelled"
    assert withdrawn.reason.startswith("follow-up withdrawn: the next one was moved to 2026-11-16")
    results = send_everything_due(app, outbound, clock)
    assert fid not in results
    assert not any("How did the intro" in subject for _, subject in subjects(smtp_sink))


# --- the decision itself (pure) --------------------------------------------------------------

def test_still_wanted_reads_the_referral_as_it_is_at_send_time():
    from datetime import datetime

    from worker.outbound.sendrules import ReferralFacts, still_wanted

    queued = datetime(2026, 12, 2, 23, 0, tzinfo=UTC)
    later = queued + timedelta(minutes=30)
    open_ = ReferralFacts(7, "introduced", False)
    assert still_wanted("follow_up", queued, [open_]) == (True, "")
    assert still_wanted("follow_up", queued, [ReferralFacts(7, "won", False, "answer", later, "won")]) == (
        False, "not sent: referral #7 is won")
    assert still_wanted("follow_up", queued,
                        [ReferralFacts(7, "introduced", False, "snooze", later, "introduced")]) == (
        False, "not sent: referral #7 was snoozed at 2026-12-02 23:30 UTC, after this was queued")
    assert still_wanted("follow_up", queued, [ReferralFacts(7, "connected", False, "answer", later, "connected")]) == (
        False, "not sent: referral #7 was answered (connected) at 2026-12-02 23:30 UTC, after this was queued")
    # an answer from before the follow-up was queued does not make it moot
    assert still_wanted("follow_up", later, [ReferralFacts(7, "connected", False, "answer", queued, "connected")])[0]
    assert still_wanted("clarification", queued,
                        [ReferralFacts(7, "introduced", True, "stop", later, "introduced")]) == (
        False, "not sent: STOP was answered for referral #7")
    # STOP ALL (an opt-out) after the follow-up was queued
    assert still_wanted("follow_up", queued,
                        [ReferralFacts(7, "introduced", True, "opt_out", later, "introduced")]) == (
        False, "not sent: STOP was answered for referral #7")
    # the heads-up reminder ("Did Bob get in touch?"): moot once they met, or the member snoozed it
    assert still_wanted("promise_nudge", queued, [open_]) == (True, "")
    assert still_wanted("promise_nudge", queued, [ReferralFacts(7, "connected", False)]) == (
        False, "not sent: referral #7 is connected")
    assert still_wanted("promise_nudge", queued,
                        [ReferralFacts(7, "introduced", False, "snooze", later, "introduced")])[0] is False
    assert still_wanted("promise_nudge", queued, []) == (True, "")  # a promise's nudge: no referral
    # the member's confirmation of a final answer always goes; closed-business only while it holds
    assert still_wanted("status_confirmation", queued, [ReferralFacts(7, "won", True)]) == (True, "")
    assert still_wanted("closed_business", queued, [ReferralFacts(7, "won", False)])[0]
    assert still_wanted("closed_business", queued, [ReferralFacts(7, "lost", False, "correction", later, "lost")]) == (
        False, "not sent: referral #7 is lost")


# --- point 2: the daily cap protects partners and prospects, not members from their own mail ---

def test_a_members_own_confirmations_are_neither_held_back_nor_counted_by_the_daily_cap(
        tmp_path, database_url, smtp_sink, clock):
    app = make_app(tmp_path, database_url, smtp_sink, clock, cap=2)
    outbound = bootstrap.build_outbound(app)
    queue_thank_you(app, clock, 1)
    queue_thank_you(app, clock, 2)
    dana_had_mail_today(app, clock)  # 1 of her 2 for today
    for words in ("MET", "WON $4,500"):  # she answers about R1 twice: two confirmations at once
        clock.advance(seconds=1)
        answer(app, words)
    with app.sessions() as s:
        confirmations = s.scalars(select(OutboxMessage.id).where(OutboxMessage.kind == "status_confirmation")
                                  .order_by(OutboxMessage.id)).all()
    assert [outbound.deliverer.deliver(c) for c in confirmations] == ["sent", "sent"]
    clock.advance(seconds=31)
    with app.sessions.begin() as s:
        app.followups.materialize(s)
        follow_up = s.scalar(select(OutboxMessage.id).where(OutboxMessage.kind == "follow_up",
                                                            OutboxMessage.status == "queued"))
    assert outbound.deliverer.deliver(follow_up) == "sent"  # R2's question: her 2nd counted mail today
    to_dana = [subject for to, subject in subjects(smtp_sink) if to == DANA_EMAIL]
    assert to_dana == ["Noted: you and Alice 1 have met [ref R1]",
                       "Noted: the intro to Alice 1 turned into business [ref R1]",
                       "How did the intro to Alice 2 go? [ref R2]"]
    outbound.close()
    app.engine.dispose()


def test_a_clarification_is_sent_when_the_members_daily_cap_is_used_up(tmp_path, database_url, smtp_sink, clock):
    """Was: her unclear answer's "did you mean MET, WON…?" waited a day behind the cap."""
    from tests import mailgen
    from tests.outbound.test_delivery import FILE

    app = make_app(tmp_path, database_url, smtp_sink, clock, cap=2)
    outbound = bootstrap.build_outbound(app)
    queue_thank_you(app, clock)
    dana_had_mail_today(app, clock)  # 1 of her 2 for today
    clock.advance(seconds=31)
    with app.sessions.begin() as s:
        assert app.followups.materialize(s) == 1
        asked_id = s.scalar(select(OutboxMessage.id).where(OutboxMessage.kind == "follow_up",
                                                           OutboxMessage.status == "queued"))
    assert outbound.deliverer.deliver(asked_id) == "sent"  # 2 of 2: her cap is used up
    asked = row(app, asked_id)
    clock.advance(minutes=10)
    reply = mailgen.message(50, DANA, [("", asked.reply_to)], [], f"Re: {asked.subject}",
                            "Hmm, we had coffee and will see what happens.\n\nDana\n", "gmail", clock.current,
                            in_reply_to=f"<{asked.message_id}>")
    assert app.pipeline.process(reply, FILE).kind == "status_reply"
    with app.sessions() as s:
        clarification = s.scalar(select(OutboxMessage.id).where(OutboxMessage.kind == "clarification"))
    assert outbound.deliverer.deliver(clarification) == "sent"
    to_dana = [subject for to, subject in subjects(smtp_sink) if to == DANA_EMAIL]
    assert to_dana[0] == "How did the intro to Alice 1 go? [ref R1]" and len(to_dana) == 2
    outbound.close()
    app.engine.dispose()


def test_a_members_digest_reminders_and_confirmations_do_not_starve_her_follow_up_and_partners_keep_the_cap(
        tmp_path, database_url, smtp_sink, clock):
    """User trial: on a Monday Dana got her digest, her coffee check-in and her daily prompt (3 of
    her 3 a day), so the follow-up she needed waited a day. Her own account's mail no longer counts;
    Carol, a partner, still gets at most 3 a day."""
    from datetime import datetime

    from tests import mailgen
    from tests.outbound.test_delivery import CAROL, FILE

    clock.current = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)  # a Monday
    app = build_app(tmp_path, database_url, {"INTROLEDGER_TOKEN_SECRET": "s3"}, now=clock,
                    thank_you={"enabled": False}, follow_ups={"steps": ["7d"]},
                    reminders={"coffee": {"day_of_month": 9, "hour": 8}, "daily": {"enabled": True, "hour": 8}},
                    outbound=outbound_settings(smtp_sink, per_recipient_per_day=3))
    outbound = bootstrap.build_outbound(app)
    for i in range(1, 5):  # Carol introduces Dana to four clients
        app.pipeline.process(mailgen.intro(i, introducer=CAROL, a=(f"Alice {i}", f"alice{i}@y.example"), b=DANA,
                                           when=clock.current + timedelta(minutes=i)), FILE)

    def deliver_queued() -> list[str]:
        with app.sessions() as s:
            ids = s.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "queued")
                            .order_by(OutboxMessage.id)).all()
        return [outbound.deliverer.deliver(oid) for oid in ids]

    clock.current = datetime(2026, 11, 9, 15, 10, tzinfo=UTC)  # a week later
    with app.sessions.begin() as s:
        assert app.digests.queue_due(s) == 1
        assert app.reminders.queue_due(s) == 2  # the coffee check-in and the daily prompt
    assert deliver_queued() == ["sent"] * 3
    for rid in (1, 2, 3):  # she closes three: three confirmations, three closed-business mails to Carol
        clock.advance(seconds=1)
        assert answer_about(app, rid, "WON $1,000") == "won"
    assert deliver_queued() == ["sent"] * 6
    with app.sessions.begin() as s:
        assert app.followups.materialize(s) == 1  # R4's, due today (R1-R3's were cancelled by WON)
    assert deliver_queued() == ["sent"]
    clock.advance(seconds=1)
    assert answer_about(app, 4, "QUALIFIED") == "qualified"  # Carol's 4th mail today
    assert deliver_queued() == ["sent", "deferred"]

    to_dana = [subject for to, subject in subjects(smtp_sink) if to == DANA_EMAIL]
    assert to_dana[:3] == ["Your referrals this week (2 – 8 Nov): 4 in, 0 out",
                           "Time for a coffee with Carol Jensen?", "Who could you refer today? Carol Jensen"]
    assert to_dana[3:] == [*(f"Noted: the intro to Alice {i} turned into business [ref R{i}]" for i in (1, 2, 3)),
                           "How did the intro to Alice 4 go? [ref R4]",
                           "Noted: Alice 4 is a real prospect [ref R4]"]
    to_carol = [subject for to, subject in subjects(smtp_sink) if to == CAROL[1]]
    assert to_carol == [f"Your intro to Alice {i} turned into business" for i in (1, 2, 3)]
    with app.sessions() as s:
        held = s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "closed_business",
                                                    OutboxMessage.status == "queued"))
    assert held.subject == "Your intro to Alice 4 is a real prospect"
    assert held.reason == f"deferred: daily cap of 3 mails to {CAROL[1]}"
    outbound.close()
    app.engine.dispose()


def answer_about(app, referral_id: int, words: str) -> str:
    with app.sessions.begin() as s:
        referral = s.get(Referral, referral_id)
        return app.desk.apply(s, referral, parse_command(words, app.desk.vocabulary), DANA_EMAIL, "",
                              via=f"by hand: {words}")


def test_send_now_sends_a_mail_the_cap_held_back_and_retry_says_how(tmp_path, database_url, smtp_sink, clock):
    import json
    from datetime import datetime

    from tests.cli.test_cli import cli
    from tests.conftest import MEMBERS, TRACKING

    clock.current = datetime.now(UTC)  # the command line runs on the real clock
    app = make_app(tmp_path, database_url, smtp_sink, clock)
    outbound = bootstrap.build_outbound(app)
    fid = deferred_follow_up(app, clock, outbound)
    (tmp_path / "config.yaml").write_text(json.dumps({"tracking": {"address": TRACKING}, "members": MEMBERS}))
    env = {"INTROLEDGER_DATABASE_URL": database_url}

    said = cli("outbox", "retry", str(fid), cwd=tmp_path, env=env, ok=False)
    assert said.returncode == 1
    assert f"outbox #{fid} is queued, deferred: daily cap of 1 mails to {DANA_EMAIL} until" in said.stderr
    assert f"`introledger outbox send-now {fid}` sends it now" in said.stderr
    listed = cli("outbox", cwd=tmp_path, env=env).stdout
    assert "deferred: daily cap" in listed and "until" in listed
    assert "goes out now" in cli("outbox", "send-now", str(fid), cwd=tmp_path, env=env).stdout

    clock.advance(minutes=1)
    assert outbound.deliverer.deliver(fid) == "sent"
    assert (DANA_EMAIL, "How did the intro to Alice 1 go? [ref R1]") in subjects(smtp_sink)
    assert row(app, fid).status == "sent"
    assert "sent now by hand" in cli("outbox", cwd=tmp_path, env=env).stdout
    assert cli("outbox", "send-now", str(fid), cwd=tmp_path, env=env, ok=False).stderr.strip() == (
        f"outbox #{fid} is sent: nothing to send-now")
    outbound.close()
    app.engine.dispose()


def test_raising_the_daily_cap_and_restarting_releases_what_now_fits(tmp_path, database_url, smtp_sink, clock):
    app = make_app(tmp_path, database_url, smtp_sink, clock, cap=1)
    fid = deferred_follow_up(app, clock, bootstrap.build_outbound(app))
    held_until = row(app, fid).not_before

    # restarted with the same cap: still held back, and not pushed later than before
    same = make_app(tmp_path, database_url, smtp_sink, clock, cap=1)
    outbound = bootstrap.build_outbound(same)
    outbound.sweep()
    assert outbound.deliverer.deliver(fid) == "deferred"
    assert row(app, fid).not_before == held_until
    outbound.close()

    # restarted with a cap of 20: it goes
    raised = make_app(tmp_path, database_url, smtp_sink, clock, cap=20)
    outbound = bootstrap.build_outbound(raised)
    outbound.sweep()
    assert outbound.deliverer.deliver(fid) == "sent"
    assert (DANA_EMAIL, "How did the intro to Alice 1 go? [ref R1]") in subjects(smtp_sink)
    outbound.close()
    for built in (app, same, raised):
        built.engine.dispose()


def test_every_confirmation_template_is_outside_the_daily_cap():
    """A new confirmation kind (a template named *_confirmation) must not be held back by the cap."""
    from pathlib import Path

    from worker.outbound.sendrules import CAP_EXEMPT, counts_against_cap

    templates = Path(__file__).parents[2] / "templates"
    confirmations = {p.stem for p in templates.glob("*_confirmation.txt")}
    assert confirmations and confirmations <= CAP_EXEMPT
    assert not counts_against_cap("clarification") and not counts_against_cap("answer_not_applied")
    # a member's own account is not what the cap protects; follow-ups and mail to partners are
    assert not counts_against_cap("digest") and not counts_against_cap("coffee_check_in")
    assert not counts_against_cap("promise_nudge") and not counts_against_cap("daily_prompt")
    assert counts_against_cap("follow_up") and counts_against_cap("thank_you") and counts_against_cap("closed_business")
