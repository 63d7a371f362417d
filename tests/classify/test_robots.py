"""No loop with any robot: out-of-office and acknowledgement robots that send no auto-reply
headers, and other introledger deployments, are never answered and never count as people.

End to end through the real pipeline (bootstrap → classify → act → hooks → outbox rows).
"""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models import FollowUp, OutboxMessage, Referral, ReferralEvent
from tests import mailgen
from tests.conftest import build_app
from worker.inbound.pipeline import Origin
from worker.mail import tokens

pytestmark = pytest.mark.sqlite_only(reason=(
    "what counts as a robot is classification"
))

SECRET = "s3cret"
DANA = "dana@danabooks.example"
ALICE = "alice@y.example"
CAROL = "carol@x.example"


def _origin(n: int) -> Origin:
    return Origin("file", f"m{n}")


@pytest.fixture
def app(tmp_path, database_url, clock):
    built = build_app(tmp_path, database_url, {"INTROLEDGER_TOKEN_SECRET": SECRET}, now=clock,
                      thank_you={"delay_seconds": 3600}, follow_ups={"steps": ["7d", "21d"]},
                      outbound={"quiet_hours": None})
    yield built
    built.engine.dispose()


def intro(app, clock, cc: str = "intros@example.com") -> bytes:
    raw = mailgen.intro(1, introducer=("Carol Jensen", CAROL), a=("Alice Brook", ALICE),
                        b=("Dana Whitfield", DANA), tracking=cc, when=clock.current)
    outcome = app.pipeline.process(raw, _origin(0))
    assert outcome.kind == "double_intro", outcome.reason
    return raw


def to_follow_up(clock, body: str, n: int, subject: str = "Re: How did the intro to Alice Brook go? [ref R1]",
                 sender: str = f"Dana Whitfield <{DANA}>", extra: str = "") -> bytes:
    """A reply to our follow-up, at its signed reply address, with no auto-reply header at all."""
    to = tokens.reply_address("intros@example.com", SECRET, 1, clock.current)
    return (f"From: {sender}\nTo: {to}\nSubject: {subject}\nMessage-ID: <reply{n}@danabooks.example>\n"
            f"Date: {clock.current.strftime('%a, %d %b %Y %H:%M:%S +0000')}\n{extra}"
            f"Content-Type: text/plain; charset=utf-8\n\n{body}\n").encode()


def in_intro_thread(clock, body: str, sender: str, n: int, subject: str = "Re: Intro: Alice <> Dana") -> bytes:
    """A reply-all to the intro (In-Reply-To its Message-ID), again with no auto-reply header."""
    return (f"From: {sender}\nTo: Carol Jensen <{CAROL}>\nCc: intros@example.com, Alice Brook <{ALICE}>, "
            f"Dana Whitfield <{DANA}>\nSubject: {subject}\nMessage-ID: <thread{n}@y.example>\n"
            f"In-Reply-To: <gen1.gmail@mail.gmail.example>\nReferences: <gen1.gmail@mail.gmail.example>\n"
            f"Content-Type: text/plain; charset=utf-8\n\n{body}\n").encode()


def mails(app, kind: str) -> list[OutboxMessage]:
    with app.sessions() as s:
        return s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)).all()


def referral(app) -> Referral:
    with app.sessions() as s:
        r = s.get(Referral, 1)
        s.expunge(r)
        return r


def events(app) -> list[ReferralEvent]:
    with app.sessions() as s:
        return s.scalars(select(ReferralEvent).order_by(ReferralEvent.id)).all()


def follow_up_due(app) -> list[datetime]:
    with app.sessions() as s:
        return [f.due_at.replace(tzinfo=f.due_at.tzinfo or UTC) for f in s.scalars(
            select(FollowUp).where(FollowUp.status == "scheduled").order_by(FollowUp.step))]


# --- Why 7: auto-replies without auto-reply headers loop ---------------------------------------

OUT_OF_OFFICE = ("Hello,\n\nI am out of the office until 30 November 2026 with limited access to email. "
                 "For anything urgent please call the shop on 555-0143.\n\nKind regards,\nDana")


def test_out_of_office_without_headers_to_a_follow_up_gets_no_clarification_day_after_day(app, clock):
    intro(app, clock)
    for day in range(3):  # the robot answers every mail, and the daily cap restarts every day
        outcome = app.pipeline.process(to_follow_up(clock, OUT_OF_OFFICE, day), _origin(day + 1))
        assert outcome.kind == "status_reply"
        assert "looks automated" in outcome.reason
        clock.advance(days=1)
    assert mails(app, "clarification") == []
    assert referral(app).status == "introduced" and events(app) == []
    # ... and the next follow-up waits until she is back, as with a robot that says so in headers.
    assert follow_up_due(app)[0] == datetime(2026, 12, 1, tzinfo=UTC)


def test_a_person_writing_free_text_twice_gets_one_clarification_per_step(app, clock):
    intro(app, clock)
    for n in range(2):
        app.pipeline.process(to_follow_up(clock, f"Hmm, we had coffee ({n}) and will see.", n), _origin(n + 1))
    [ask] = mails(app, "clarification")
    assert ask.to_addr == DANA


def test_a_real_answer_inside_an_out_of_office_is_still_applied(app, clock):
    intro(app, clock)
    body = "WON $2,000\n\nI'm out of the office until Monday, but wanted you to know."
    app.pipeline.process(to_follow_up(clock, body, 1), _origin(1))
    assert referral(app).status == "won"


def test_acknowledgement_robot_in_the_intro_thread_neither_connects_nor_cancels_the_thank_you(app, clock):
    intro(app, clock)
    [thanks] = mails(app, "thank_you")
    assert thanks.status == "queued"
    ack = ("Thank you for your message. We have received your email and will get back to you within "
           "two business days.\n\nDana Whitfield Books — customer care")
    outcome = app.pipeline.process(in_intro_thread(clock, ack, f"Dana Whitfield <{DANA}>", 1), _origin(1))
    assert outcome.kind == "thread_reply" and "looks automated" in outcome.reason
    ooo = "Ich bin bis zum 20. November nicht im Büro und habe keinen Zugriff auf meine E-Mails."
    app.pipeline.process(in_intro_thread(clock, ooo, f"Alice Brook <{ALICE}>", 2,
                                         subject="AW: Intro: Alice <> Dana"), _origin(2))
    assert referral(app).status == "introduced" and events(app) == []
    [thanks] = mails(app, "thank_you")
    assert thanks.status == "queued"


def test_a_person_replying_in_the_intro_thread_is_recorded_as_one(app, clock):
    intro(app, clock)
    app.pipeline.process(in_intro_thread(clock, "Thanks Carol! Alice, great to meet you — how about a call "
                                                "Thursday?", f"Dana Whitfield <{DANA}>", 1), _origin(1))
    assert referral(app).status == "introduced"  # evidence, not MET (lifecycle.THREAD_REPLY_WHY)
    assert [(e.event, e.accepted) for e in events(app)] == [("thread_reply", True)]
    assert mails(app, "thank_you")[0].status == "suppressed"  # Dana thanked Carol herself


# --- Why 8 (part): another deployment's tracking address on Cc is counted as a party ----------

OTHER = "intros@b.example"


def parties(app, referral_id: int = 1) -> set[str]:
    with app.sessions() as s:
        return {p.person.email for p in s.get(Referral, referral_id).parties}


def from_other_deployment(n: int, loop: str = OTHER, sender: str = f"Bob Stone via introledger <{OTHER}>",
                          reply_to: str = "", body: str = "How did the intro go? Reply MET, WON or LOST.") -> bytes:
    """What another introledger sends: a follow-up or thank-you, with its own loop header."""
    head = f"X-Introledger-Loop: {loop}\n" if loop else ""
    head += f"Reply-To: {reply_to}\n" if reply_to else ""
    return (f"From: {sender}\nTo: Dana Whitfield <{DANA}>\nCc: intros@example.com\n"
            f"Subject: How did the intro go? [ref R12]\nMessage-ID: <other{n}@b.example>\n{head}"
            f"Content-Type: text/plain; charset=utf-8\n\n{body}\n").encode()


def test_a_configured_other_deployment_on_cc_is_not_a_party(tmp_path, sqlite_url, clock):
    app = build_app(tmp_path, sqlite_url, now=clock, tracking={"address": "intros@example.com",
                                                              "other_deployments": [OTHER]})
    try:
        intro(app, clock, cc=f"intros@example.com, {OTHER}")
        assert parties(app) == {ALICE, DANA}
    finally:
        app.engine.dispose()


def test_a_deployment_learned_from_its_loop_header_is_never_a_party_even_after_a_restart(
        tmp_path, database_url, clock):
    app = build_app(tmp_path, database_url, now=clock)
    try:
        outcome = app.pipeline.process(from_other_deployment(1), _origin(1))
        assert outcome.kind == "other_deployment" and OTHER in outcome.reason
        intro(app, clock, cc=f"intros@example.com, Bob via introledger <{OTHER}>")
        assert parties(app) == {ALICE, DANA}
    finally:
        app.engine.dispose()
    again = build_app(tmp_path, database_url, now=clock)  # learned once, known from then on
    try:
        raw = mailgen.intro(2, introducer=("Carol Jensen", CAROL), a=("Hiro Tanaka", "hiro@t.example"),
                            b=("Dana Whitfield", DANA), tracking=f"intros@example.com, {OTHER}",
                            when=clock.current + timedelta(days=3))
        outcome = again.pipeline.process(raw, _origin(2))
        assert parties(again, outcome.referral_id) == {"hiro@t.example", DANA}
    finally:
        again.engine.dispose()


@pytest.mark.parametrize("case", ["loop_header", "token_reply_to", "token_from", "configured_from"])
def test_mail_from_another_deployment_is_never_answered(tmp_path, sqlite_url, clock, case):
    app = build_app(tmp_path, sqlite_url, {"INTROLEDGER_TOKEN_SECRET": SECRET}, now=clock,
                    tracking={"address": "intros@example.com", "other_deployments": ["intros@c.example"]},
                    follow_ups={"steps": ["7d"]})
    try:
        intro(app, clock)
        token = f"intros+r12s2d20412k3v9q2x7mf@{OTHER.partition('@')[2]}"
        raw = {
            "loop_header": from_other_deployment(1),
            # a list or forwarder dropped their loop header; their signed reply address remains
            "token_reply_to": from_other_deployment(1, loop="", sender="Bob Stone <bob@b.example>",
                                                    reply_to=token),
            "token_from": from_other_deployment(1, loop="", sender=f"introledger <{token}>"),
            "configured_from": from_other_deployment(1, loop="", sender="introledger <intros@c.example>"),
        }[case]
        outcome = app.pipeline.process(raw, _origin(1))
        assert outcome.kind == "other_deployment", outcome.reason
        with app.sessions() as s:
            assert s.scalars(select(OutboxMessage.kind)).all() == ["thank_you"]  # the intro's, nothing more
    finally:
        app.engine.dispose()


def test_a_forged_loop_header_cannot_make_a_person_look_like_a_deployment(tmp_path, sqlite_url, clock):
    app = build_app(tmp_path, sqlite_url, now=clock)
    try:
        # Someone claims Carol's address is a deployment's, from a different sender.
        forged = from_other_deployment(1, loop=CAROL, sender="Mallory <mallory@evil.example>")
        assert app.pipeline.process(forged, _origin(1)).kind == "other_deployment"
        # ... and members' addresses are never learned, whoever sends it.
        member = from_other_deployment(2, loop=DANA, sender=f"Dana <{DANA}>")
        app.pipeline.process(member, _origin(2))
        intro(app, clock)
        assert parties(app) == {ALICE, DANA}
        raw = mailgen.intro(2, introducer=("Alice Brook", ALICE), a=("Carol Jensen", CAROL),
                            b=("Hiro Tanaka", "hiro@t.example"), when=clock.current)
        assert parties(app, app.pipeline.process(raw, _origin(3)).referral_id) == {CAROL, "hiro@t.example"}
    finally:
        app.engine.dispose()


@pytest.mark.parametrize("bad, problem", [
    ("not-an-address", "not an email address"),
    ("intros@example.com", "is our own tracking address"),
    (DANA, "is a member's address"),
])
def test_other_deployments_in_config_are_checked(tmp_path, sqlite_url, bad, problem):
    from tests.conftest import make_config
    from worker.core.config import ConfigError

    with pytest.raises(ConfigError, match=problem):
        make_config(tmp_path, sqlite_url, tracking={"address": "intros@example.com", "other_deployments": [bad]})


# --- Reading answers: a robot's words are no command ------------------------------------------

@pytest.mark.parametrize("body", [
    "Met vriendelijke groet,\nJan de Vries\nBoekhandel De Vries",
    "Beste,\nMet vriendelijke groeten,\nJan",
])
def test_a_dutch_sign_off_is_not_met(body):
    from worker.mail.commands import parse_command

    assert parse_command(body) is None


@pytest.mark.parametrize("body, verb", [
    ("Our office is closed until 5 January.", None),
    ("We are closed for the holidays and reopen on 4 January.", None),
    ("Vielen Dank, Ihr Auftrag ist eingegangen.", None),
    ("Closed - $4,500", "won"),
    ("We closed! $3k", "won"),
    ("The deal is closed!", "won"),
    ("Met de klant gesproken, goed gesprek.", "met"),
    ("Met! Great call on Tuesday.", "met"),
])
def test_command_words_that_mean_something_else_here(body, verb):
    from worker.mail.commands import parse_command

    command = parse_command(body)
    assert (command.verb if command else None) == verb


@pytest.mark.parametrize("body", [
    "Thank you for your email. Our office is closed until 5 January 2027; we will reply when we reopen.",
    "I am out of the office until Monday and will get back to you later.",
    "Met vriendelijke groet,\nJan\n\nIk ben tot en met 20 november afwezig.",
])
def test_an_auto_reply_to_a_follow_up_changes_no_status(app, clock, body):
    intro(app, clock)
    app.pipeline.process(to_follow_up(clock, body, 1), _origin(1))
    assert referral(app).status == "introduced" and events(app) == []
    assert mails(app, "clarification") == []


# --- The text detector on its own (a pure function: text → why it reads as a robot) -----------

@pytest.mark.parametrize("text", [
    "I am out of the office until 30 November with limited access to email.",
    "I'm out of the shop until November 16 (hunting trip, no cell service).",
    "I'm currently on a job site with limited email access and will respond as soon as I can.",
    "This is an automatic reply. Please do not reply to this message.",
    "Thank you for your email. We will get back to you within 24 hours.",
    "Your request (48213) has been received and is being reviewed by our team.",
    "Ich bin bis einschließlich 30.10.2026 nicht im Büro.",
    "Vielen Dank für Ihre Nachricht. Wir melden uns schnellstmöglich bei Ihnen.",
    "Je suis absente du bureau jusqu'au 9 novembre.",
    "Merci pour votre message, nous vous répondrons dans les plus brefs délais.",
    "Estoy fuera de la oficina hasta el 30 de noviembre.",
    "Gracias por su mensaje. Le responderemos lo antes posible.",
    "Ik ben tot en met 13 november afwezig.",
    "Bedankt voor uw bericht. Wij nemen zo snel mogelijk contact met u op.",
    "Sono fuori ufficio fino al 20 novembre.",
    "Grazie per il suo messaggio, risponderemo al più presto.",
    "Estou de férias até 20 de novembro.",
    "Obrigado pela sua mensagem. Responderemos assim que possível.",
])
def test_robot_wording_in_seven_languages(text):
    from worker.classify.ooo import automated

    assert automated(text)


@pytest.mark.parametrize("text", [
    "Thanks Carol! Alice, great to meet you — how about a call Thursday?",
    "Thank you for your email, Carol. Alice, lovely to meet you.",
    "Thank you for the intro! Dana, are you free next week?",
    "Danke für die Vorstellung! Marco, hättest du Dienstag Zeit?",
    "Merci François ! Claire, je vous appelle demain.",
    "WON $4,500 — they signed on Friday.",
    "We met last week, back to you when they decide.",
    "Met vriendelijke groet,\nJan",
])
def test_people_do_not_read_as_robots(text):
    from worker.classify.ooo import automated

    assert automated(text) == ""


@pytest.mark.parametrize("text, below", [
    # lkml_not_intro_thanks_for_ccing.eml: a person on holiday, answering under the quote
    ("On 13/10/06, Pekka Enberg <penberg@cs.helsinki.fi> wrote:\n> You should cc Catalin for that.\n\n"
     "Thanks for cc'ing me (I'm still on holiday and not following the\nmailing list).\n", True),
    ("> You should cc Catalin for that.\n\nThanks, I'm on holiday but will look.\n", True),
    # a robot writes above the original, or quotes none
    ("I am out of the office until Monday.\n\nOn Mon, Nov 2, 2026 Carol wrote:\n> Hi Dana\n", False),
    ("I am out of the office until Monday.\n", False),
    # a quote and nothing under it
    ("On Mon, Nov 2, 2026 Carol wrote:\n> I am out of the office until Monday.\n", False),
])
def test_an_answer_below_a_quote_is_a_persons(text, below):
    from worker.classify.ooo import answers_below_quote

    assert answers_below_quote(text) is below


@pytest.mark.parametrize("text, back", [
    ("I'll be back on 12 March.", datetime(2027, 3, 12, tzinfo=UTC)),
    ("I am away until Monday.", datetime(2026, 11, 9, tzinfo=UTC)),
    ("Ich bin bis 14.12. im Urlaub.", datetime(2026, 12, 14, tzinfo=UTC)),
    ("Je suis absente jusqu'au 3 décembre.", datetime(2026, 12, 3, tzinfo=UTC)),
    ("Regresaré el 5 de diciembre.", datetime(2026, 12, 5, tzinfo=UTC)),
    ("Ik ben tot en met 13 november afwezig.", datetime(2026, 11, 13, tzinfo=UTC)),
    ("Rientrerò il 23 novembre.", datetime(2026, 11, 23, tzinfo=UTC)),
    ("Estou de férias até 20 de novembro.", datetime(2026, 11, 20, tzinfo=UTC)),
])
def test_return_dates(text, back, clock):
    from worker.classify.ooo import return_date

    assert return_date(text, clock.current) == back


# --- End to end with the real servers: a headerless robot answers everything for weeks ---------

def robot_answer(raw: bytes, n: int) -> bytes:
    """A member's mailbox on leave: it answers every mail, to its Reply-To, with no header saying so."""
    from email import message_from_bytes, policy

    original = message_from_bytes(raw, policy=policy.default)
    return (f"From: Dana Whitfield <{DANA}>\nTo: {original['Reply-To'] or original['From']}\n"
            f"Subject: Re: {original['Subject']}\nMessage-ID: <robot{n}@danabooks.example>\n"
            f"In-Reply-To: {original['Message-ID']}\nReferences: {original['Message-ID']}\n"
            "Content-Type: text/plain; charset=utf-8\n\n"
            "Thank you for your message. I am currently on parental leave and not reading email.\n"
            "For anything about an order, please write to shop@danabooks.example.\n\nDana\n").encode()


def test_a_headerless_robot_answering_every_mail_for_weeks_hears_only_the_follow_ups(
        tmp_path, sqlite_url, imap_mailbox, smtp_sink, clock):
    from tests.sources.test_imap import imap_settings
    from worker.app.service import Service

    app = build_app(tmp_path, sqlite_url, {"TEST_IMAP_PASSWORD": imap_mailbox.password,
                                           "INTROLEDGER_TOKEN_SECRET": SECRET},
                    now=clock, source=imap_settings(imap_mailbox), thank_you={"delay_seconds": 0},
                    follow_ups={"steps": ["7d", "21d"]},
                    outbound={"transport": "smtp", "quiet_hours": None,
                              "smtp": {"host": smtp_sink.host, "port": smtp_sink.port, "security": "none"}})
    try:
        imap_mailbox.append(mailgen.intro(1, introducer=("Carol Jensen", CAROL), a=("Alice Brook", ALICE),
                                          b=("Dana Whitfield", DANA), when=clock.current))
        answered = 0
        for _ in range(25):
            Service(app).once()
            for sent in smtp_sink.messages[answered:]:
                if DANA in sent.rcpt_tos:
                    imap_mailbox.append(robot_answer(sent.raw, answered))
            answered = len(smtp_sink.messages)
            clock.advance(days=1)
        Service(app).once()
        with app.sessions() as s:
            kinds = sorted(k for k in s.scalars(select(OutboxMessage.kind)) if k != "digest")  # weekly, asked for
        assert kinds == ["follow_up", "follow_up", "thank_you"]  # and not one clarification in 25 days
        assert len(smtp_sink.messages) == len(kinds) + len(mails(app, "digest"))
        assert referral(app).status == "introduced"
    finally:
        app.engine.dispose()


def test_a_person_who_mentions_being_away_still_makes_a_promise(app, clock):
    raw = (f"From: Carol Jensen <{CAROL}>\nTo: Dana Whitfield <{DANA}>\nCc: intros@example.com\n"
           "Subject: quick note\nMessage-ID: <promise1@x.example>\nContent-Type: text/plain; charset=utf-8\n\n"
           "Hi Dana, I'm on vacation until Monday, but I might have a client for you when I'm back.\n").encode()
    assert app.pipeline.process(raw, _origin(1)).kind == "promise"


def test_a_forged_from_and_loop_header_cannot_silence_an_introducer(app, clock):
    intro(app, clock)
    forged = from_other_deployment(1, loop=CAROL, sender=f"Carol Jensen <{CAROL}>")
    assert app.pipeline.process(forged, _origin(1)).kind == "other_deployment"  # never answered, but...
    raw = mailgen.intro(2, introducer=("Carol Jensen", CAROL), a=("Hiro Tanaka", "hiro@t.example"),
                        b=("Dana Whitfield", DANA), when=clock.current + timedelta(days=3))
    assert app.pipeline.process(raw, _origin(2)).kind == "double_intro"  # ... Carol is not learned as a robot


@pytest.mark.parametrize("text, above", [
    ("WON $2,000\n\nThanks!\nI am out of the office until Monday.\nBye", "WON $2,000\n\nThanks!"),
    ("I am out of the office until Monday.\nWON", ""),
    ("Met!\nThank you for your\nmessage. We will reply soon.", "Met!"),  # robot wording wrapped over lines
    ("Hello\nthere", "Hello\nthere"),
])
def test_only_what_is_written_above_the_robot_is_read_for_a_command(text, above):
    from worker.classify.ooo import before_robot

    assert before_robot(text) == above
