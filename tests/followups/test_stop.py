"""STOP means what people mean: STOP ends the follow-ups of the one referral it answers (and
says so); STOP ALL / UNSUBSCRIBE (or `optout add`) ends all mail to the address."""
from datetime import UTC, timedelta

import pytest
from sqlalchemy import select

from models import OptOut
from tests import mailgen
from tests.cli.test_cli import cli
from tests.fixtures_outcomes import DANA, FILE, SECRET
from tests.followups.test_outcomes import answer, events, mails, referral, steps
from worker.mail import tokens

pytestmark = pytest.mark.sqlite_only(reason=(
    "STOP and SNOOZE are policy; the lifecycle's SQL is held to PostgreSQL in tests/core"
))


@pytest.fixture
def app(one_intro_app):
    return one_intro_app


def _opted_out(app) -> list[str]:
    with app.sessions() as s:
        return list(s.scalars(select(OptOut.email)))


def test_stop_ends_this_referrals_follow_ups_and_tells_the_member_how_to_stop_everything(app, clock):
    app.pipeline.process(answer(clock, "STOP"), FILE)
    assert _opted_out(app) == []  # not an opt-out of everything
    assert {status for _, status, _ in steps(app)} == {"cancelled"}
    assert referral(app).status == "introduced"
    [event] = events(app)
    assert (event.event, event.accepted) == ("stop", True)
    [confirmation] = mails(app, "stop_confirmation")
    assert confirmation.to_addr == DANA and confirmation.status == "queued"
    assert "won't ask about the intro to Alice Brook" in confirmation.text_body
    assert "STOP ALL" in confirmation.text_body and "STOP ALL" in confirmation.html_body
    assert confirmation.subject == "No more follow-ups about the intro to Alice Brook [ref R1]"


def test_after_stop_on_one_referral_the_member_still_gets_follow_ups_for_others(app, clock):
    app.pipeline.process(answer(clock, "STOP"), FILE)
    app.pipeline.process(mailgen.intro(2, introducer=("Raj Mehta", "raj@z.example"), a=("Bob Stone", "bob@y.example"),
                                       b=("Dana Whitfield", DANA), when=clock.current), FILE)
    clock.advance(days=7, seconds=1)
    with app.sessions.begin() as s:
        assert app.followups.materialize(s) == 1
    [follow_up] = mails(app, "follow_up")
    assert follow_up.status == "queued" and "Bob Stone" in follow_up.subject


def test_stop_withdraws_a_follow_up_already_queued_for_that_referral(app, clock):
    clock.advance(days=7, seconds=1)
    with app.sessions.begin() as s:
        app.followups.materialize(s)
    [queued] = mails(app, "follow_up")
    assert queued.status == "queued"
    app.pipeline.process(answer(clock, "Stop"), FILE)
    [withdrawn] = mails(app, "follow_up")
    assert withdrawn.status == "cancelled" and "STOP" in withdrawn.reason


def test_stop_all_opts_the_member_out_of_every_mail(app, clock):
    app.pipeline.process(answer(clock, "STOP ALL"), FILE)
    assert _opted_out(app) == [DANA]
    [event] = events(app)
    assert event.event == "opt_out" and "no more mail" in event.reason
    assert {status for _, status, _ in steps(app)} == {"cancelled"}
    assert mails(app, "stop_confirmation") == []  # nothing more to an address that asked for none
    app.pipeline.process(mailgen.intro(2, introducer=("Raj Mehta", "raj@z.example"), a=("Bob Stone", "bob@y.example"),
                                       b=("Dana Whitfield", DANA), when=clock.current), FILE)
    clock.advance(days=7, seconds=1)
    with app.sessions.begin() as s:
        app.followups.materialize(s)
    [follow_up] = mails(app, "follow_up")
    assert follow_up.status == "suppressed" and "opted out" in follow_up.reason


def test_unsubscribe_is_an_opt_out_of_everything_too(app, clock):
    app.pipeline.process(answer(clock, "Please unsubscribe me"), FILE)
    assert _opted_out(app) == [DANA]


def test_a_stop_repeated_under_another_message_id_confirms_once(app, clock):
    app.pipeline.process(answer(clock, "STOP"), FILE)
    app.pipeline.process(answer(clock, "STOP", n=2), FILE)
    assert len(mails(app, "stop_confirmation")) == 1


def test_mark_stop_says_what_it_did_and_opts_no_one_out(logged):
    workdir, env = logged
    out = cli("mark", "1", "STOP", cwd=workdir, env=env).stdout
    assert "is now" not in out
    assert "referral #1 stays introduced" in out and "no more follow-ups about referral #1" in out
    assert "2 pending follow-ups cancelled" in out
    assert cli("optout", "list", cwd=workdir, env=env).stdout.strip() == ""
    out = cli("mark", "1", "STOP ALL", cwd=workdir, env=env).stdout
    assert "gets no more mail from introledger (opted out)" in " ".join(out.split())
    assert "dana@danabooks.example" in cli("optout", "list", cwd=workdir, env=env).stdout


def test_a_follow_up_about_an_intro_the_member_gave_asks_about_her_intro(app, clock):
    app.pipeline.process(mailgen.intro(2, introducer=("Dana Whitfield", DANA), a=("Carol Nguyen", "carol@n.example"),
                                       b=("Ray Diaz", "ray@d.example"), when=clock.current), FILE)
    clock.advance(days=7, seconds=1)
    with app.sessions.begin() as s:
        app.followups.materialize(s)
    [mail] = [m for m in mails(app, "follow_up") if "[ref R2]" in m.subject]
    assert mail.to_addr == DANA
    assert mail.subject == "How did your intro of Carol Nguyen to Ray Diaz go? [ref R2]"
    assert "you introduced Carol Nguyen to Ray Diaz. How did it go for them?" in mail.text_body
    assert "you introduced Carol Nguyen to Ray Diaz" in mail.html_body
    assert "Dana Whitfield introduced you" not in mail.text_body + mail.html_body
    assert "they have been in touch" in mail.text_body
    app.pipeline.process(answer(clock, "MET", n=5, to=mail.reply_to), FILE)
    [confirmation] = mails(app, "status_confirmation")
    assert "Got it — Carol Nguyen and Ray Diaz have met." in confirmation.text_body
    assert "(from Dana Whitfield)" not in confirmation.text_body


def test_a_follow_up_about_an_intro_the_member_received_names_the_introducer(app, clock):
    clock.advance(days=7, seconds=1)
    with app.sessions.begin() as s:
        app.followups.materialize(s)
    [mail] = mails(app, "follow_up")
    assert "Carol Jensen introduced you to Alice Brook. How did it go?" in mail.text_body
    assert "you have been in touch" in mail.text_body


def test_templates_preview_shows_the_follow_up(logged):
    workdir, env = logged
    out = cli("templates", "preview", "follow_up", cwd=workdir, env=env).stdout
    assert "Subject: How did the intro to Alice Moreno go? [ref R12]" in out and "STOP ALL" in out


def test_snooze_by_reply_is_confirmed_with_the_day_we_ask_again(app, clock):
    app.pipeline.process(answer(clock, "SNOOZE 2 weeks"), FILE)
    [confirmation] = mails(app, "snooze_confirmation")
    assert confirmation.to_addr == DANA
    assert confirmation.subject == "Snoozed: I'll ask again on Monday 16 November 2026 [ref R1]"
    assert "I'll ask about the intro to Alice Brook again on Monday 16 November 2026" in confirmation.text_body
    assert steps(app)[0][2] == clock.current + timedelta(days=14)


def test_mark_snooze_prints_when_we_ask_again(logged):
    workdir, env = logged
    out = " ".join(cli("mark", "1", "SNOOZE 2 weeks", cwd=workdir, env=env).stdout.split())
    assert "referral #1 stays introduced: snoozed 14 days: next follow-up on" in out


# ---- answers from the member's other addresses ---------------------------------------------

def test_an_answer_from_an_address_on_the_members_domain_counts_as_hers(app, clock):
    to_dana = tokens.reply_address("intros@example.com", SECRET, 1, clock.current, step=1, to=DANA)
    app.pipeline.process(answer(clock, "MET", sender="Dana W <office@danabooks.example>", to=to_dana), FILE)
    assert referral(app).status == "connected"
    [confirmation] = mails(app, "status_confirmation")
    assert confirmation.to_addr == "office@danabooks.example"


def test_an_answer_from_another_configured_address_of_the_member_counts_as_hers(app, clock):
    to_dana = tokens.reply_address("intros@example.com", SECRET, 1, clock.current, step=1, to=DANA)
    app.pipeline.process(answer(clock, "WON $900", sender="d.whitfield@danabooks.example", to=to_dana), FILE)
    assert (referral(app).status, referral(app).value_cents) == ("won", 90000)


def test_an_answer_from_a_stranger_address_is_refused_and_the_member_told_once(app, clock):
    to_dana = tokens.reply_address("intros@example.com", SECRET, 1, clock.current, step=1, to=DANA)
    app.pipeline.process(answer(clock, "Met him today, promising!", sender="Dana <dana.home@gmail.example>",
                                to=to_dana), FILE)
    app.pipeline.process(answer(clock, "MET", sender="Dana <dana.home@gmail.example>", to=to_dana, n=2), FILE)
    assert referral(app).status == "introduced"
    [told] = mails(app, "answer_not_applied")
    assert told.to_addr == DANA
    assert "it came from dana.home@gmail.example, which is not one of your addresses" in told.text_body
    assert "answer from dana@danabooks.example" in told.text_body


def test_a_colleague_cannot_answer_with_a_reply_address_sent_to_a_party(app, clock):
    to_alice = tokens.reply_address("intros@example.com", SECRET, 1, clock.current, step=1, to="alice@y.example")
    app.pipeline.process(answer(clock, "WON", sender="office@danabooks.example", to=to_alice), FILE)
    assert referral(app).status == "introduced"


def test_confirmations_thread_under_the_members_own_reply(app, clock):
    app.pipeline.process(answer(clock, "SNOOZE 1 week", n=1), FILE)
    app.pipeline.process(answer(clock, "WON $4,500", n=2), FILE)
    [snoozed] = mails(app, "snooze_confirmation")
    [won] = mails(app, "status_confirmation")
    assert (snoozed.in_reply_to, won.in_reply_to) == ("answer1@x", "answer2@x")


def test_after_stop_on_one_referral_the_member_still_gets_her_weekly_digest(app, clock):
    """Was: one STOP opted her out of every mail, the digest included, and nothing said so."""
    from datetime import datetime

    from worker.app import bootstrap

    app.pipeline.process(answer(clock, "STOP"), FILE)
    clock.current = datetime(2026, 11, 9, 8, 30, tzinfo=UTC)  # the next Monday morning
    with app.sessions.begin() as s:
        assert app.digests.queue_due(s) == 1
    [digest] = mails(app, "digest")
    assert digest.to_addr == DANA and "Carol Jensen introduced you to Alice Brook" in digest.text_body
    outbound = bootstrap.build_outbound(app)
    assert outbound.deliverer.deliver(digest.id) == "sent"
    outbound.close()


def test_a_coordinator_answering_from_another_address_is_told_what_she_can_do_herself(tmp_path, sqlite_url, clock):
    """QA trial: the "Not changed" mail told Dana, the group's coordinator, to "ask your coordinator"."""
    from tests.conftest import MEMBERS, build_app
    from tests.fixtures_outcomes import FILE as INTRO_FILE

    members = [{**MEMBERS[0], "coordinator": True}, MEMBERS[1]]
    app = build_app(tmp_path, sqlite_url, {"INTROLEDGER_TOKEN_SECRET": SECRET}, now=clock, members=members,
                    thank_you={"delay_seconds": 0}, outbound={"quiet_hours": None})
    try:
        app.pipeline.process(mailgen.intro(1, introducer=("Carol Jensen", "carol@x.example"),
                                           a=("Alice Brook", "alice@y.example"), b=("Dana Whitfield", DANA),
                                           when=clock.current), INTRO_FILE)
        to_dana = tokens.reply_address("intros@example.com", SECRET, 1, clock.current, step=1, to=DANA)
        app.pipeline.process(answer(clock, "MET", sender="Dana <dana.home@gmail.example>", to=to_dana), FILE)
        [told] = mails(app, "answer_not_applied")
        assert "coordinator" not in told.text_body
        assert ("answer from dana@danabooks.example, or add dana.home@gmail.example to your addresses in the config "
                "yourself") in " ".join(told.text_body.split())
    finally:
        app.engine.dispose()


def test_a_stop_all_our_server_failed_opts_nobody_out_even_with_her_reply_address(tmp_path, sqlite_url, clock):
    """The follow-up's reply address (bound to Dana) is copied to anyone on a reply-all: From: Dana
    through it, failed by our receiving server, is a forgery — logged, nobody opted out, no mail.
    Her genuine STOP ALL through it (no Authentication-Results at all) still opts her out."""
    from tests.conftest import build_app
    from tests.fixtures_outcomes import FILE as INTRO_FILE

    app = build_app(tmp_path, sqlite_url, {"INTROLEDGER_TOKEN_SECRET": SECRET}, now=clock,
                    follow_ups={"steps": ["7d", "21d"]}, outbound={"quiet_hours": None})
    try:
        app.pipeline.process(mailgen.intro(1, introducer=("Carol Jensen", "carol@x.example"),
                                           a=("Alice Brook", "alice@y.example"), b=("Dana Whitfield", DANA),
                                           when=clock.current), INTRO_FILE)
        failed = "Authentication-Results: mx.example.com; dmarc=fail (p=reject) header.from=danabooks.example\n"
        app.pipeline.process(answer(clock, "STOP ALL", extra=failed), FILE)
        assert _opted_out(app) == [] and {status for _, status, _ in steps(app)} == {"scheduled"}
        assert "likely forged" in events(app)[-1].reason and not events(app)[-1].accepted
        app.pipeline.process(answer(clock, "STOP ALL", n=2), FILE)
        assert _opted_out(app) == [DANA]
    finally:
        app.engine.dispose()
