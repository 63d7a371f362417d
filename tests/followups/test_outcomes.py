"""Answers to follow-ups: who may change what, what counts as an answer, and what it sets off."""
import html
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

import pytest
from sqlalchemy import select

from models import FollowUp, OptOut, OutboxMessage, Referral, ReferralEvent
from tests import mailgen
from tests.conftest import build_app
from tests.fixtures_outcomes import DANA, FILE, SECRET
from worker.inbound.pipeline import Origin
from worker.mail import tokens

pytestmark = pytest.mark.sqlite_only(reason=(
    "what a reply means for a referral is policy; the lifecycle's SQL is held to PostgreSQL in tests/core"
))


@pytest.fixture
def app(one_intro_app):
    return one_intro_app


def answer(clock, body: str, sender: str = f"Dana Whitfield <{DANA}>", to: str | None = None, n: int = 1,
           extra: str = "") -> bytes:
    # The follow-up's reply address, sent to (bound to) whoever answers here.
    to = to or tokens.reply_address("intros@example.com", SECRET, 1, clock.current, step=1,
                                    to=parseaddr(sender)[1])
    return (f"From: {sender}\nTo: {to}\nSubject: Re: How did the intro to Alice Brook go? [ref R1]\n"
            f"Message-ID: <answer{n}@x>\n{extra}\n{body}\n").encode()


def referral(app) -> Referral:
    with app.sessions() as s:
        return s.get(Referral, 1)


def events(app) -> list[ReferralEvent]:
    with app.sessions() as s:
        return s.scalars(select(ReferralEvent).order_by(ReferralEvent.id)).all()


def mails(app, kind: str) -> list[OutboxMessage]:
    with app.sessions() as s:
        return s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)).all()


def steps(app) -> list[tuple[int, str, datetime]]:
    with app.sessions() as s:
        return [(f.step, f.status, f.due_at) for f in s.scalars(select(FollowUp).order_by(FollowUp.step))]


def test_logging_an_intro_schedules_its_follow_ups(app, clock):
    assert steps(app) == [(1, "scheduled", clock.current + timedelta(days=7)),
                          (2, "scheduled", clock.current + timedelta(days=21))]


def test_won_with_amount_from_the_member_is_applied_logged_and_confirmed(app, clock):
    outcome = app.pipeline.process(answer(clock, "WON - signed them for $4,500"), FILE)
    assert (outcome.kind, outcome.referral_id) == ("status_reply", 1)
    r = referral(app)
    assert (r.status, r.value_cents, r.currency) == ("won", 450000, "USD") and r.won_at
    [event] = events(app)
    assert (event.old_status, event.new_status, event.actor_email, event.message_id, event.accepted) == (
        "introduced", "won", DANA, "answer1@x", True)
    assert [m.to_addr for m in mails(app, "status_confirmation")] == [DANA]
    [closed] = mails(app, "closed_business")
    assert closed.to_addr == "carol@x.example" and "turned into real business." in closed.text_body
    assert "$4,500" not in closed.text_body + closed.html_body  # the value is Dana's (members[].share_value)
    assert {s for _, s, _ in steps(app)} == {"cancelled"}  # won: nothing left to ask


def test_replaying_the_same_answer_changes_nothing(app, clock):
    raw = answer(clock, "QUALIFIED")
    app.pipeline.process(raw, FILE)
    assert app.pipeline.process(raw, Origin("imap:x", "9")).kind == "duplicate"
    assert len(events(app)) == 1 and len(mails(app, "closed_business")) == 1


def test_a_party_may_answer_too(app, clock):
    app.pipeline.process(answer(clock, "MET", sender="Alice Brook <alice@y.example>"), FILE)
    assert referral(app).status == "connected"


@pytest.mark.parametrize("case", ["stranger", "forged", "subject_only", "dmarc_fail", "other_referral"])
def test_refused_attempts_are_logged_and_change_nothing(app, clock, case):
    raw = {
        "stranger": answer(clock, "WON $9,999", sender="Mallory <mallory@evil.example>"),
        "forged": answer(clock, "WON", to="intros+r1d20394abcdefghij@example.com"),
        "subject_only": answer(clock, "WON", to="intros@example.com"),
        "dmarc_fail": answer(clock, "WON", extra="Authentication-Results: mx.example.com; dkim=fail; dmarc=fail "
                                                 "header.from=danabooks.example\n"),
        "other_referral": answer(clock, "WON", to=tokens.reply_address("intros@example.com", "other-secret", 1,
                                                                       clock.current)),
    }[case]
    outcome = app.pipeline.process(raw, FILE)
    assert outcome.kind == "status_reply"
    assert referral(app).status == "introduced"
    [event] = events(app)
    assert not event.accepted and event.reason.startswith("refused:")
    assert mails(app, "status_confirmation") == [] and mails(app, "closed_business") == []


def test_a_quoted_won_below_a_lost_answer_is_lost(app, clock):
    body = "LOST - they went with a cheaper quote\n\nOn Mon, Nov 9, 2026 at 9:00 AM introledger wrote:\n> WON $4,500\n"
    app.pipeline.process(answer(clock, body), FILE)
    r = referral(app)
    assert (r.status, r.outcome_note, r.value_cents) == ("lost", "they went with a cheaper quote", None)


def test_free_text_gets_one_clarification_and_no_change(app, clock):
    app.pipeline.process(answer(clock, "Hmm, we had coffee and will see what happens."), FILE)
    assert referral(app).status == "introduced"
    [ask] = mails(app, "clarification")
    assert ask.to_addr == DANA and "MET" in ask.text_body


@pytest.mark.parametrize("final", ["WON $4,500", "LOST", "NO FIT"])
def test_thanks_for_the_confirmation_of_a_final_answer_gets_no_clarification(app, clock, final):
    # Found by bench/season.py: "Thanks!" to "Noted: … is WON" got "Sorry, I did not catch that",
    # a mail about a referral after its final answer that asks a question nobody has any more.
    app.pipeline.process(answer(clock, final), FILE)
    status = referral(app).status
    app.pipeline.process(answer(clock, "Thanks, great!", n=2), FILE)
    assert referral(app).status == status
    assert mails(app, "clarification") == []
    last = events(app)[-1]
    assert (last.accepted, last.message_id) == (False, "answer2@x") and "final" in last.reason


@pytest.mark.parametrize(("said", "kind"), [("MET", "status_confirmation"), ("SNOOZE 1 week", "snooze_confirmation")])
def test_thanks_for_a_confirmation_gets_no_clarification(app, clock, said, kind):
    # Found by bench/season.py: "Thanks!" to "Noted: … is MET" got "Sorry, I did not catch that" —
    # our confirmation asked nothing. Words we cannot read in reply to a follow-up still get one.
    app.pipeline.process(answer(clock, said), FILE)
    with app.sessions.begin() as s:  # the confirmation went out (its Message-ID is set when sent)
        [note] = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)).all()
        note.status, note.message_id = "sent", "ol9.0123456789abcdef@example.com"
    app.pipeline.process(answer(clock, "Thanks, great!", n=2,
                                extra="In-Reply-To: <ol9.0123456789abcdef@example.com>\n"), FILE)
    assert mails(app, "clarification") == []
    last = events(app)[-1]
    assert (last.accepted, last.message_id) == (False, "answer2@x") and "asked nothing" in last.reason
    app.pipeline.process(answer(clock, "Hmm, we had coffee and will see what happens.", n=3), FILE)
    assert len(mails(app, "clarification")) == 1  # a reply to the follow-up itself


def test_snooze_moves_the_next_follow_up(app, clock):
    app.pipeline.process(answer(clock, "SNOOZE 2 weeks"), FILE)
    assert referral(app).status == "introduced"
    first, second = steps(app)
    assert first[2] == clock.current + timedelta(days=14)
    assert second[2] - first[2] == timedelta(days=14)  # the spacing is kept


def test_stop_cancels_this_referrals_follow_ups_without_opting_out(app, clock):
    app.pipeline.process(answer(clock, "STOP"), FILE)
    with app.sessions() as s:
        assert s.scalar(select(OptOut.email)) is None  # STOP ALL opts out: tests/followups/test_stop.py
    assert {s for _, s, _ in steps(app)} == {"cancelled"}
    assert referral(app).status == "introduced"


def test_out_of_office_moves_the_follow_up_past_the_return_date_without_a_status_change(app, clock):
    ooo = answer(clock, "I am out of the office until 30 November 2026 with no access to email.",
                 extra="Auto-Submitted: auto-replied\n")
    assert app.pipeline.process(ooo, FILE).kind == "auto_reply"
    assert referral(app).status == "introduced" and events(app) == []
    assert steps(app)[0][2] == datetime(2026, 12, 1, tzinfo=UTC)
    assert mails(app, "clarification") == []  # never answer a robot


def test_out_of_office_holds_the_persons_other_follow_ups_too(app, clock):
    """User trial: Claire's robot answered the follow-ups of #3 and #4 (moved past her return), and we
    still sent her #8's a week later: a robot answers a sender once, so the rest pile up unread."""
    app.pipeline.process(mailgen.intro(2, introducer=("Raj Mehta", "raj@m.example"), a=("Bob Stone", "bob@z.example"),
                                       b=("Dana Whitfield", DANA), when=clock.current), FILE)
    app.pipeline.process(mailgen.intro(3, introducer=("Raj Mehta", "raj@m.example"), a=("Eve Lund", "eve@z.example"),
                                       b=("Marco Rossi", "marco@rossi-marketing.example"), when=clock.current), FILE)
    before = {rid: due for rid, _, due in steps_of(app, first_only=True)}
    ooo = answer(clock, "I am out of the office until 30 November 2026 with no access to email.",
                 extra="Auto-Submitted: auto-replied\n")
    assert app.pipeline.process(ooo, FILE).kind == "auto_reply"
    first = {rid: due for rid, status, due in steps_of(app, first_only=True)}
    assert first[1] == first[2] == datetime(2026, 12, 1, tzinfo=UTC)  # Dana's other referral waits too
    assert first[3] == before[3]  # Marco's: as it was
    assert len([1 for rid, _, _ in steps_of(app) if rid == 2]) == 2  # moved, no step added


def steps_of(app, first_only: bool = False) -> list[tuple[int, str, datetime]]:
    with app.sessions() as s:
        rows = s.scalars(select(FollowUp).where(FollowUp.status == "scheduled")
                         .order_by(FollowUp.referral_id, FollowUp.step)).all()
        if first_only:
            seen: dict[int, FollowUp] = {}
            for f in rows:
                seen.setdefault(f.referral_id, f)
            rows = list(seen.values())
        return [(f.referral_id, f.status, f.due_at) for f in rows]


def test_out_of_office_back_before_the_next_follow_up_never_brings_it_earlier(app, clock):
    """QA trial: an auto-reply "back on 14 Dec" moved step 2 from 24 Dec to 15 Dec."""
    planned = steps(app)
    ooo = answer(clock, "I am out of the office until 4 November 2026 with no access to email.",
                 extra="Auto-Submitted: auto-replied\n")
    assert app.pipeline.process(ooo, FILE).kind == "auto_reply"
    assert steps(app) == planned
    clock.advance(days=5)  # 7 November: after the return date, before the planned step (9 November)
    with app.sessions.begin() as s:
        app.followups.materialize(s)
    assert mails(app, "follow_up") == []


def test_due_follow_ups_become_mail_once(app, clock):
    clock.advance(days=7, seconds=1)
    with app.sessions.begin() as s:
        assert app.followups.materialize(s) == 1
    with app.sessions.begin() as s:
        assert app.followups.materialize(s) == 0
    [mail] = mails(app, "follow_up")
    assert mail.to_addr == DANA and mail.reply_to.startswith("intros+r1s1d")
    assert mail.subject == "How did the intro to Alice Brook go? [ref R1]"
    assert "Carol Jensen introduced you to Alice Brook" in mail.text_body
    assert steps(app)[0][1] == "done"


@pytest.mark.parametrize("said, asked, offered", [
    ("MET", "and you have met since. Did it turn into business?", ["QUALIFIED", "WON $4,500", "LOST", "NO FIT"]),
    ("QUALIFIED", "and it has become a real prospect. Did it turn into business?", ["WON $4,500", "LOST", "NO FIT"]),
])
def test_the_follow_up_after_met_asks_the_next_question(app, clock, said, asked, offered):
    """QA trial: after Tom answered MET his next follow-up was word for word the first ("How did
    it go? … MET")."""
    app.pipeline.process(answer(clock, said), FILE)
    clock.advance(days=7, seconds=1)
    with app.sessions.begin() as s:
        assert app.followups.materialize(s) == 1
    [mail] = mails(app, "follow_up")
    assert mail.subject == "Did the intro to Alice Brook turn into business? [ref R1]"
    assert f"Carol Jensen introduced you to Alice Brook, {asked}" in mail.text_body
    listed = [line.split("  ")[1] for line in mail.text_body.splitlines() if line.startswith("  ")]
    assert listed == [*offered, "SNOOZE 2 weeks", "STOP", "STOP ALL"], mail.text_body
    assert ">MET<" not in mail.html_body and ">WON $4,500<" in mail.html_body


@pytest.mark.parametrize("said, shown", [
    ("he went with his brother-in-law in the end.", "(he went with his brother-in-law in the end)."),
    ("too expensive!!", "(too expensive!!)."), ("not sure...", "(not sure...)."), ("price", "(price)."),
])
def test_the_reason_given_with_lost_is_quoted_with_one_full_stop(app, clock, said, shown):
    """QA trial: "Got it — the intro to Raj Patel did not work out (he went with his brother-in-law
    in the end.)." — two full stops when the member's note ended with one."""
    app.pipeline.process(answer(clock, f"LOST - {said}"), FILE)
    [mail] = mails(app, "status_confirmation")
    assert f"Got it — the intro to Alice Brook did not work out {shown}\n" in mail.text_body, mail.text_body
    assert f"did not work out {html.escape(shown, quote=False)}</p>" in mail.html_body, mail.html_body


def test_no_answer_for_the_stale_period_marks_the_referral_stale(app, clock):
    clock.advance(days=61)
    with app.sessions.begin() as s:
        app.followups.materialize(s)
    assert referral(app).status == "stale"
    assert events(app)[-1].new_status == "stale"


def test_mark_by_hand_applies_the_same_rules(app, clock):
    from tests.cli.test_cli import cli  # noqa: F401  (the command itself is tested end to end below)
    from worker.mail.commands import parse_command

    with app.sessions.begin() as s:
        r = s.get(Referral, 1)
        assert app.desk.apply(s, r, parse_command("WON EUR 3 000"), DANA, "", via="by hand: paid in two parts") == "won"
    r = referral(app)
    assert (r.status, r.value_cents, r.currency) == ("won", 300000, "EUR")
    assert "WON (by hand: paid in two parts)" in events(app)[-1].reason
    assert len(mails(app, "closed_business")) == 1


def test_overdue_steps_of_a_late_logged_intro_collapse_into_one_follow_up(tmp_path, database_url, clock):
    late = build_app(tmp_path, database_url, {"INTROLEDGER_TOKEN_SECRET": SECRET}, now=clock,
                     follow_ups={"steps": ["7d", "21d"]}, outbound={"quiet_hours": None})
    late.pipeline.process(mailgen.intro(1, introducer=("Carol Jensen", "carol@x.example"),
                                        a=("Alice Brook", "alice@y.example"), b=("Dana Whitfield", DANA),
                                        when=clock.current - timedelta(days=22)), FILE)
    with late.sessions.begin() as s:
        assert late.followups.materialize(s) == 1
    [mail] = mails(late, "follow_up")
    assert mail.reply_to.startswith("intros+r1s2d")  # the latest step asks; answers count for it
    assert [(step, status) for step, status, _ in steps(late)] == [(1, "skipped"), (2, "done")]
    late.engine.dispose()


def test_an_amount_without_currency_is_in_the_members_currency(tmp_path, sqlite_url, clock):
    """Was: Dana (members[].currency: EUR) answered "GEWONNEN 4.500" and it was booked as $4,500
    (follow_ups.default_currency); a member without one still gets the config's."""
    from tests.conftest import MEMBERS

    members = [{**MEMBERS[0], "currency": "EUR"}, MEMBERS[1]]
    app = build_app(tmp_path, sqlite_url, {"INTROLEDGER_TOKEN_SECRET": SECRET}, now=clock, members=members,
                    follow_ups={"steps": ["7d", "21d"]}, outbound={"quiet_hours": None})
    app.pipeline.process(mailgen.intro(1, introducer=("Carol Jensen", "carol@x.example"),
                                       a=("Alice Brook", "alice@y.example"), b=("Dana Whitfield", DANA),
                                       when=clock.current), FILE)
    app.pipeline.process(answer(clock, "GEWONNEN 4.500\n\nViele Grüße, Dana"), FILE)
    r = referral(app)
    assert (r.status, r.value_cents, r.currency) == ("won", 450000, "EUR")
    marco_rossi = ("Marco Rossi", "marco@rossi-marketing.example")
    app.pipeline.process(mailgen.intro(2, introducer=("Carol Jensen", "carol@x.example"),
                                       a=("Bea Lund", "bea@z.example"), b=marco_rossi, when=clock.current), FILE)
    marco = tokens.reply_address("intros@example.com", SECRET, 2, clock.current, step=1,
                                 to="marco@rossi-marketing.example")
    app.pipeline.process(answer(clock, "WON 4500", sender="Marco Rossi <marco@rossi-marketing.example>", to=marco,
                                n=2), FILE)
    with app.sessions() as s:
        marcos = s.get(Referral, 2)
        assert (marcos.status, marcos.value_cents, marcos.currency) == ("won", 450000, "USD")
    app.engine.dispose()
