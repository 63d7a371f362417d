"""What a person reads after answering a follow-up: what happened in people's words, and what
comes next (when we ask again, or that we will not). Each answer kind, as the mail's text."""
import pytest
from sqlalchemy import select

from models import OutboxMessage
from tests import mailgen
from tests.conftest import build_app
from tests.followups.test_outcomes import DANA, FILE, SECRET, answer

ALICE = "Alice Brook <alice@y.example>"


@pytest.fixture
def make(tmp_path, sqlite_url, clock):
    apps = []

    def build(given=False):
        app = build_app(tmp_path, sqlite_url, {"INTROLEDGER_TOKEN_SECRET": SECRET}, now=clock,
                        thank_you={"delay_seconds": 0}, follow_ups={"steps": ["7d", "21d"]},
                        outbound={"quiet_hours": None})
        apps.append(app)
        if given:  # Dana introduced two people
            intro = mailgen.intro(1, introducer=("Dana Whitfield", DANA), a=("Carol Nguyen", "carol@n.example"),
                                  b=("Ray Diaz", "ray@d.example"), when=clock.current)
        else:  # Carol introduced Alice to Dana
            intro = mailgen.intro(1, introducer=("Carol Jensen", "carol@x.example"),
                                  a=("Alice Brook", "alice@y.example"), b=("Dana Whitfield", DANA), when=clock.current)
        app.pipeline.process(intro, FILE)
        clock.advance(days=7, seconds=1)
        with app.sessions.begin() as s:
            app.followups.materialize(s)  # the first "How did it go?"
        return app

    yield build
    for app in apps:
        app.engine.dispose()


def confirmation(app, kind="status_confirmation") -> tuple[str, str]:
    with app.sessions() as s:
        [mail] = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)).all()
        return mail.subject, mail.text_body


@pytest.mark.parametrize("words, subject, text", [
    ("MET", "Noted: you and Alice Brook have met",
     ("Got it — you and Alice Brook have met.\n\nI'll check in again in a week. If that is not right, reply with "
      "the right word.\n")),
    ("QUALIFIED", "Noted: Alice Brook is a real prospect",
     "Got it — Alice Brook is a real prospect.\n\nI'll check in again in a week."),
    ("WON $4,500", "Noted: the intro to Alice Brook turned into business",
     ("Got it — the intro to Alice Brook turned into business, worth $4,500.\n\nI won't ask about it again. "
      "If that is not right, reply CORRECTION: and the right word (e.g. CORRECTION: LOST).\n")),
    ("LOST - they went with a cheaper quote", "Noted: the intro to Alice Brook did not work out",
     "Got it — the intro to Alice Brook did not work out (they went with a cheaper quote).\n\nI won't ask"),
    ("NO FIT", "Noted: you and Alice Brook were not the right match",
     "Got it — you and Alice Brook were not the right match.\n\nI won't ask about it again."),
])
def test_each_answer_is_confirmed_in_peoples_words(make, clock, words, subject, text):
    app = make()
    app.pipeline.process(answer(clock, words), FILE)
    got_subject, got_text = confirmation(app)
    assert got_subject == f"{subject} [ref R1]"
    assert got_text.startswith(text)
    assert "CONNECTED" not in got_text and " is now " not in got_text


@pytest.mark.parametrize("words, said", [
    ("MET", "Got it — Carol Nguyen and Ray Diaz have met.\n\nI'll check in again in a week."),
    ("QUALIFIED", "Got it — Carol Nguyen is a real prospect for Ray Diaz.\n\nI'll check in again in a week."),
    ("WON", "Got it — your intro of Carol Nguyen to Ray Diaz turned into business.\n\nI won't ask about it again."),
])
def test_an_intro_the_member_made_is_confirmed_as_hers(make, clock, words, said):
    app = make(given=True)
    app.pipeline.process(answer(clock, words), FILE)
    assert confirmation(app)[1].startswith(said)


def test_a_party_hears_it_from_their_side_and_no_promise_of_a_check_in(make, clock):
    app = make()
    app.pipeline.process(answer(clock, "MET", sender=ALICE), FILE)
    subject, text = confirmation(app)
    assert subject == "Noted: you and Dana Whitfield have met [ref R1]"
    assert text == "Got it — you and Dana Whitfield have met.\n\nIf that is not right, reply with the right word.\n"


def test_the_check_in_is_when_it_really_is(make, clock):
    app = make()
    app.pipeline.process(answer(clock, "SNOOZE 10 days"), FILE)
    clock.advance(days=2)
    app.pipeline.process(answer(clock, "MET", n=2), FILE)  # the snoozed question moves to a week from now
    assert "I'll check in again in a week." in confirmation(app)[1]


def test_after_stop_the_confirmation_says_nothing_will_ask_again(make, clock):
    app = make()
    app.pipeline.process(answer(clock, "STOP"), FILE)
    app.pipeline.process(answer(clock, "MET", n=2), FILE)
    assert confirmation(app)[1] == (
        "Got it — you and Alice Brook have met.\n\nYou asked me to stop following up on it, so I won't ask again. "
        "If that is not right, reply with the right word.\n")


def test_the_other_answers_read_right_too(make, clock):
    app = make()
    app.pipeline.process(answer(clock, "SNOOZE 2 weeks"), FILE)
    assert confirmation(app, "snooze_confirmation") == (
        "Snoozed: I'll ask again on Monday 23 November 2026 [ref R1]",
        ("Okay — I'll ask about the intro to Alice Brook again on Monday 23 November 2026.\n\nUntil then you won't "
         "hear from me about it. To answer sooner, just reply with the word (MET, WON, …) any time.\n"))
    app.pipeline.process(answer(clock, "we had a nice chat, will see", sender=ALICE, n=2), FILE)
    subject, text = confirmation(app, "clarification")
    assert subject == "Sorry, I did not catch that [ref R1]"
    assert text.startswith("Hi Alice,\n\nI could not read an answer in your reply about the intro to Alice Brook")
    app.pipeline.process(answer(clock, "STOP", n=3), FILE)
    assert confirmation(app, "stop_confirmation")[1].startswith(
        "Done — I won't ask about the intro to Alice Brook (from Carol Jensen) again.\n")


def test_not_applied_says_the_state_in_words(make, clock):
    app = make()
    app.pipeline.process(answer(clock, "LOST"), FILE)
    clock.advance(hours=1)
    app.pipeline.process(answer(clock, "WON", n=2), FILE)
    subject, text = confirmation(app, "answer_not_applied")
    assert subject == "Not changed: the intro to Alice Brook is still lost [ref R1]"
    assert text.startswith("Hi Dana,\n\nI received WON about the intro to Alice Brook, in your name, and did not "
                           "apply it: it is already lost, a final answer")


def test_a_party_who_snoozes_is_told_whose_follow_ups_wait_not_that_we_will_ask_them(tmp_path, sqlite_url,
                                                                                    smtp_sink, clock):
    """Follow-ups go to the member: Alice's SNOOZE holds Dana's, and the mail Alice gets says so
    instead of "I'll ask again" (we never ask her). Dana's own SNOOZE still reads as before."""
    from email import message_from_bytes, policy

    from tests.outbound.test_delivery import outbound_settings
    from worker.app import bootstrap

    app = build_app(tmp_path, sqlite_url, {"INTROLEDGER_TOKEN_SECRET": SECRET}, now=clock,
                    thank_you={"enabled": False}, follow_ups={"steps": ["7d", "21d"]},
                    outbound=outbound_settings(smtp_sink))
    try:
        app.pipeline.process(mailgen.intro(1, introducer=("Carol Jensen", "carol@x.example"), a=("Alice Brook",
                             "alice@y.example"), b=("Dana Whitfield", DANA), when=clock.current), FILE)
        clock.advance(days=7, seconds=1)
        with app.sessions.begin() as s:
            app.followups.materialize(s)
        app.pipeline.process(answer(clock, "SNOOZE 2 weeks", sender=ALICE), FILE)
        outbound = bootstrap.build_outbound(app)
        with app.sessions() as s:
            queued = s.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "queued")).all()
        assert {outbound.deliverer.deliver(i) for i in queued} == {"sent"}
        [to_alice] = [message_from_bytes(m.raw, policy=policy.default) for m in smtp_sink.messages
                      if m.rcpt_tos == ["alice@y.example"]]
        assert to_alice["Subject"] == "Noted: I won't ask Dana about it before Monday 23 November 2026 [ref R1]"
        text = to_alice.get_body(("plain",)).get_content().replace("\r\n", "\n")
        assert text.startswith("Thanks — I won't ask Dana about this intro again before Monday 23 November 2026.\n\n"
                               "The follow-ups about it go to Dana, not to you, so there is nothing you need to do.")
        assert "I'll ask" not in text and "I'll ask" not in to_alice.get_body(("html",)).get_content()
    finally:
        app.engine.dispose()
