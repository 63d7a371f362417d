"""The ideal-referral brief in partner mail, and BRIEF by reply: who gets it back, once, and who not."""
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from models import Member, OutboxMessage
from tests import mailgen
from tests.conftest import TRACKING, build_app
from worker.core.statuses import Kind
from worker.inbound.pipeline import Origin
from worker.mail.commands import parse_command
from worker.outbound import briefs, mailer

pytestmark = pytest.mark.sqlite_only(reason=(
    "what a brief says; the queries are held to PostgreSQL by tests/system"
))

FILE = Origin("file", "t")
SECRET = "brief-secret"
CAROL = ("Carol Jensen", "carol@x.example")
DANA = ("Dana Whitfield", "dana@danabooks.example")
ALICE = ("Alice Brook", "alice@y.example")
GREAT, NOT_FIT, WORDS = "homeowners planning a kitchen under $40k", "commercial work", "our cabinets look tired"


@pytest.fixture
def app(tmp_path, database_url, clock):
    built = build_app(tmp_path, database_url, {"INTROLEDGER_TOKEN_SECRET": SECRET}, now=clock,
                      thank_you={"delay_seconds": 0}, outbound={"quiet_hours": None})
    yield built
    built.engine.dispose()


def set_brief(app, member=DANA[0], **fields):
    with app.sessions.begin() as s:
        row = s.scalar(select(Member).where(Member.name == member))
        briefs.save(s, row.id, app.now(), **(fields or {"great": GREAT, "not_fit": NOT_FIT, "words": WORDS}))


def rows(app, kind=None) -> list[OutboxMessage]:
    with app.sessions() as s:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        return list(s.scalars(query.where(OutboxMessage.kind == kind) if kind else query))


def sent(app, row: OutboxMessage):
    """The row as it leaves (headers and all), marked sent with its Message-ID, as delivery does."""
    msg = mailer.build(row, TRACKING)
    with app.sessions.begin() as s:
        stored = s.get(OutboxMessage, row.id)
        stored.status, stored.message_id = "sent", msg["Message-ID"].strip("<>")
    return message_from_bytes(msg.as_bytes(), policy=policy.default)


def reply(original, sender=CAROL, body="BRIEF", n=1, extra_headers="", to=None) -> bytes:
    """A person's reply to our mail: to its Reply-To (every address in it), threaded under it."""
    return (f"From: {sender[0]} <{sender[1]}>\nTo: {to or original['Reply-To']}\n"
            f"Subject: Re: {original['Subject']}\nMessage-ID: <reply{n}@x.example>\n"
            f"In-Reply-To: {original['Message-ID']}\nReferences: {original['Message-ID']}\n{extra_headers}"
            f"Content-Type: text/plain; charset=utf-8\n\n{body}\n\n> {original['Subject']}\n").encode()


def thank_you_sent(app, clock):
    app.pipeline.process(mailgen.intro(1, introducer=CAROL, a=ALICE, b=DANA, when=clock.current), FILE)
    [row] = rows(app, "thank_you")
    return row, sent(app, row)


# ---- the brief rides along in partner mail -----------------------------------------------------

def test_the_thank_you_carries_the_brief_and_a_reply_to_that_reaches_us(app, clock):
    set_brief(app)
    row, msg = thank_you_sent(app, clock)
    assert f"Great referral: {GREAT}" in row.text_body and f"Clients say: “{WORDS}”" in row.text_body
    assert "Not a fit: commercial work" in row.text_body and "Reply BRIEF any time" in row.text_body
    assert f"Great referral: {GREAT}" in row.html_body and "“our cabinets look tired”" in row.html_body
    # The reply still reaches Dana; a BRIEF reaches us too, through an address bound to Carol.
    reply_to = msg["Reply-To"]
    assert reply_to.startswith("Dana Whitfield <dana@danabooks.example>, intros+b")
    assert len(msg.get_all("Reply-To")) == 1 and reply_to.count("@") == 2


def test_without_a_brief_the_thank_you_is_as_before(app, clock):
    row, msg = thank_you_sent(app, clock)
    assert "looking for" not in row.text_body and "BRIEF" not in row.text_body and "BRIEF" not in row.html_body
    assert msg["Reply-To"] == "Dana Whitfield <dana@danabooks.example>"


def test_only_the_fields_written_are_shown(app, clock):
    set_brief(app, great=GREAT)
    row, _ = thank_you_sent(app, clock)
    assert f"Great referral: {GREAT}" in row.text_body
    assert "Not a fit" not in row.text_body and "Clients say" not in row.text_body


def test_the_closed_business_note_carries_it_too(app, clock):
    set_brief(app)
    outcome = app.pipeline.process(mailgen.intro(1, introducer=CAROL, a=ALICE, b=DANA, when=clock.current), FILE)
    with app.sessions.begin() as s:
        from models import Referral

        app.desk.apply(s, s.get(Referral, outcome.referral_id), parse_command("WON"), DANA[1], "", via="test")
    [note] = rows(app, "closed_business")
    assert f"Great referral: {GREAT}" in note.text_body and "Reply BRIEF" in note.text_body
    assert f"Great referral: {GREAT}" in note.html_body
    assert note.reply_to.splitlines()[0] == "Dana Whitfield <dana@danabooks.example>"


# ---- BRIEF by reply ----------------------------------------------------------------------------

def test_a_partner_replying_brief_gets_it_back_once(app, clock):
    set_brief(app)
    _, thanks = thank_you_sent(app, clock)
    outcome = app.pipeline.process(reply(thanks), FILE)
    assert outcome.kind == Kind.BRIEF_REQUEST
    [answer] = rows(app, "brief")
    assert (answer.status, answer.to_addr) == ("queued", CAROL[1])
    assert answer.subject == "Dana Whitfield: who I'm looking for"
    assert answer.text_body.startswith("Hi Carol,") and f"Great referral: {GREAT}" in answer.text_body
    assert answer.in_reply_to == "reply1@x.example"  # threaded under Carol's request
    assert answer.from_addr == "Dana Whitfield via introledger <intros@example.com>"
    # Asked again the same day (another mail): not answered twice, and the row says why.
    clock.advance(hours=2)
    app.pipeline.process(reply(thanks, n=2, body="brief please!"), FILE)
    first, second = rows(app, "brief")
    assert second.status == "suppressed" and "within a day already" in second.reason
    # The same request delivered twice (another route) is one request.
    app.pipeline.process(reply(thanks, n=2, body="brief please!"), Origin("imap:x", "9"))
    assert len(rows(app, "brief")) == 2
    clock.advance(days=1)
    app.pipeline.process(reply(thanks, n=3), FILE)
    assert rows(app, "brief")[-1].status == "queued"


def test_brief_in_the_subject_of_a_mail_to_our_address_counts(app, clock):
    set_brief(app)
    _, thanks = thank_you_sent(app, clock)
    to = thanks["Reply-To"].split(", ")[1]
    raw = (f"From: Carol Jensen <{CAROL[1]}>\nTo: {to}\nSubject: BRIEF\nMessage-ID: <m1@x.example>\n"
           "Content-Type: text/plain\n\n--\nCarol\n").encode()
    assert app.pipeline.process(raw, FILE).kind == Kind.BRIEF_REQUEST
    assert [r.status for r in rows(app, "brief")] == ["queued"]


def test_the_brief_address_copied_to_someone_else_proves_nothing(app, clock):
    set_brief(app)
    _, thanks = thank_you_sent(app, clock)
    to = thanks["Reply-To"].split(", ")[1]
    raw = (f"From: Eve <eve@evil.example>\nTo: {to}\nSubject: BRIEF\nMessage-ID: <m2@evil.example>\n"
           "Content-Type: text/plain\n\nBRIEF\n").encode()
    app.pipeline.process(raw, FILE)
    [row] = rows(app, "brief")
    assert row.status == "suppressed" and "sent to someone other than eve@evil.example" in row.reason


def test_a_stranger_asking_is_not_answered(app, clock):
    set_brief(app)
    raw = (f"From: Eve <eve@evil.example>\nTo: {TRACKING}\nSubject: hello\nMessage-ID: <m3@evil.example>\n"
           "Content-Type: text/plain\n\nBRIEF\n").encode()
    assert app.pipeline.process(raw, FILE).kind == Kind.BRIEF_REQUEST
    [row] = rows(app, "brief")
    assert row.status == "suppressed" and "proves nothing" in row.reason


def test_a_forged_brief_address_is_not_answered(app, clock):
    set_brief(app)
    raw = (f"From: Carol <{CAROL[1]}>\nTo: intros+b1d20394aaaaaaaaaabbbbbbbb@example.com\nSubject: x\n"
           "Message-ID: <m4@x.example>\nContent-Type: text/plain\n\nBRIEF\n").encode()
    app.pipeline.process(raw, FILE)
    [row] = rows(app, "brief")
    assert row.status == "suppressed" and "forged brief address" in row.reason


def test_robots_are_never_answered(app, clock):
    set_brief(app)
    _, thanks = thank_you_sent(app, clock)
    by_header = reply(thanks, extra_headers="Auto-Submitted: auto-replied\n")
    assert app.pipeline.process(by_header, FILE).kind == Kind.AUTO_REPLY
    by_words = reply(thanks, n=2, body="BRIEF\n\nThis is an automatic reply: I am out of the office until Monday.")
    app.pipeline.process(by_words, FILE)
    assert rows(app, "brief") == []


def test_a_fail_from_our_receiving_server_refuses(tmp_path, sqlite_url, clock):
    app = build_app(tmp_path, sqlite_url, {"INTROLEDGER_TOKEN_SECRET": SECRET}, now=clock,
                    thank_you={"delay_seconds": 0}, outbound={"quiet_hours": None},
                    follow_ups={"authserv_id": "mx.example.com"})
    try:
        set_brief(app)
        _, thanks = thank_you_sent(app, clock)
        failed = "Authentication-Results: mx.example.com; dmarc=fail header.from=x.example\n"
        app.pipeline.process(reply(thanks, extra_headers=failed), FILE)
        [row] = rows(app, "brief")
        assert row.status == "suppressed" and "dmarc=fail" in row.reason.lower()
    finally:
        app.engine.dispose()


def test_no_brief_written_yet_is_said_on_the_row(app, clock):
    set_brief(app)
    _, thanks = thank_you_sent(app, clock)
    set_brief(app, great="", not_fit="", words="")  # Dana clears it before Carol asks
    app.pipeline.process(reply(thanks), FILE)
    [row] = rows(app, "brief")
    assert row.status == "suppressed" and "has written no brief yet" in row.reason


@pytest.mark.parametrize("authserv_id", [None, "mx.example.com"])
def test_a_forged_from_replying_to_our_mail_gets_no_brief(tmp_path, sqlite_url, clock, authserv_id):
    """In-Reply-To is copied to everyone on the thread: Alice, who saw our thank-you's Message-ID,
    writes as Carol to us alone. Without the signed address nothing proves she is Carol."""
    app = build_app(tmp_path, sqlite_url, {"INTROLEDGER_TOKEN_SECRET": SECRET}, now=clock,
                    thank_you={"delay_seconds": 0}, outbound={"quiet_hours": None},
                    follow_ups={"authserv_id": authserv_id})
    try:
        set_brief(app)
        _, thanks = thank_you_sent(app, clock)
        assert app.pipeline.process(reply(thanks, to=TRACKING), FILE).kind == Kind.BRIEF_REQUEST
        [row] = rows(app, "brief")
        assert row.status == "suppressed" and GREAT not in row.text_body
        assert "In-Reply-To alone is no proof" in row.reason and "signed reply address" in row.reason
    finally:
        app.engine.dispose()


def test_the_member_asking_through_a_follow_ups_reply_address_gets_their_brief(app, clock):
    set_brief(app)
    app.pipeline.process(mailgen.intro(1, introducer=CAROL, a=ALICE, b=DANA, when=clock.current), FILE)
    clock.advance(days=7, seconds=1)
    with app.sessions.begin() as s:
        app.followups.materialize(s)
    [ask] = rows(app, "follow_up")
    followup = sent(app, ask)
    app.pipeline.process(reply(followup, sender=DANA), FILE)
    [answer] = rows(app, "brief")
    assert (answer.status, answer.to_addr) == ("queued", DANA[1]) and GREAT in answer.text_body


def test_an_opted_out_partner_gets_nothing(app, clock):
    from models import OptOut

    set_brief(app)
    _, thanks = thank_you_sent(app, clock)
    with app.sessions.begin() as s:
        s.add(OptOut(email=CAROL[1], reason="asked"))
    app.pipeline.process(reply(thanks), FILE)
    [row] = rows(app, "brief")
    assert row.status == "suppressed" and "opted out" in row.reason


def test_an_intro_that_opens_with_brief_stays_an_intro(app, clock):
    """German "Brief" is a letter: an intro to two people that starts with it is still an intro."""
    raw = mailgen.message(5, CAROL, [ALICE, DANA], [("", TRACKING)], "Vorstellung: Alice <> Dana",
                          "Brief\n\nIch möchte euch einander vorstellen: Alice, das ist Dana.\n\nCarol", "gmail",
                          clock.current)
    assert app.pipeline.process(raw, FILE).kind == Kind.DOUBLE_INTRO
