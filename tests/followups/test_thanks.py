"""The thank-you policy: who is thanked, when, once a day, and never against someone's wishes."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models import OptOut, OutboxMessage
from tests import mailgen
from tests.conftest import build_app
from worker.inbound.pipeline import Origin

pytestmark = pytest.mark.sqlite_only(reason=(
    "what a thank-you says and when; concurrent writers are held to PostgreSQL in "
    "tests/app/test_concurrency.py"
))

FILE = Origin("file", "t")
CAROL = ("Carol Jensen", "carol@x.example")
DANA = ("Dana Whitfield", "dana@danabooks.example")
MARCO = ("Marco Rossi", "marco@rossi-marketing.example")


def intro(i, clock, introducer=CAROL, a=("Alice Brook", "alice@y.example"), b=DANA):
    return mailgen.intro(i, introducer=introducer, a=a, b=b, when=clock.current)


@pytest.fixture
def app(tmp_path, database_url, clock):
    built = build_app(tmp_path, database_url, now=clock,
                      thank_you={"delay_seconds": 600},
                      outbound={"quiet_hours": {"start": "21:00", "end": "08:00"},
                                "default_timezone": "America/Chicago"})
    yield built
    built.engine.dispose()


def rows(app) -> list[OutboxMessage]:
    with app.sessions() as s:
        return s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_received_intro_queues_one_rendered_thank_you_to_the_introducer(app, clock):
    outcome = app.pipeline.process(intro(1, clock), FILE)
    [row] = rows(app)
    assert (row.kind, row.status, row.to_addr) == ("thank_you", "queued", "carol@x.example")
    assert row.referral_ids == [outcome.referral_id]
    assert row.from_addr == "Dana Whitfield via introledger <intros@example.com>"
    assert row.reply_to == "Dana Whitfield <dana@danabooks.example>"
    assert row.subject == "Thank you for the introduction to Alice Brook"
    assert row.text_body.startswith("Hi Carol,") and "Dana" in row.text_body
    assert "<p>Hi Carol,</p>" in row.html_body
    assert row.in_reply_to == "gen1.gmail@mail.gmail.example"
    assert row.not_before == datetime(2026, 11, 2, 15, 10, tzinfo=UTC)  # the 10-minute delay


def test_the_same_event_twice_queues_once(app, clock):
    raw = intro(1, clock)
    app.pipeline.process(raw, FILE)
    app.pipeline.process(raw, Origin("imap:x", "5"))
    assert len(rows(app)) == 1


def test_several_intros_the_same_day_make_one_mail_naming_them_all(app, clock):
    app.pipeline.process(intro(1, clock), FILE)
    clock.advance(minutes=3)
    app.pipeline.process(intro(2, clock, a=("Bob Stone", "bob@z.example")), FILE)
    [row] = rows(app)
    assert len(row.referral_ids) == 2
    assert row.subject == "Thank you for the introductions to Alice Brook and Bob Stone"


def test_after_todays_thank_you_went_out_the_next_intro_is_thanked_the_next_morning(app, clock):
    app.pipeline.process(intro(1, clock), FILE)
    with app.sessions.begin() as s:
        s.scalar(select(OutboxMessage)).status = "sent"
    clock.advance(hours=2)
    app.pipeline.process(intro(2, clock, a=("Bob Stone", "bob@z.example")), FILE)
    first, second = rows(app)
    assert len(first.referral_ids) == 1  # one mail a day: today's has gone
    assert second.status == "queued" and second.subject == "Thank you for the introduction to Bob Stone"
    assert second.not_before == datetime(2026, 11, 3, 14, 0, tzinfo=UTC)  # tomorrow 08:00 in Chicago
    # QA trial: the outbox said "quiet hours: goes at 08:00" at mid-morning; the rule that held it is this one
    assert second.reason.startswith("one thank-you a day: this introducer had one on Mon 02 Nov already; "
                                    "goes Tue 03 Nov 08:00 the recipient's time"), second.reason
    clock.advance(days=1)
    app.pipeline.process(intro(3, clock, a=("Eve Marsh", "eve@q.example")), FILE)
    first, second = rows(app)  # the new day's intro joins the mail already waiting for that day
    assert second.subject == "Thank you for the introductions to Bob Stone and Eve Marsh"


def test_two_intros_one_introducer_first_thanks_sent_each_intro_thanked_exactly_once(tmp_path, database_url, clock):
    """User trial: Grace's second intro of the day was never thanked once the first thank-you had
    gone. Sent for real (folder transport), read back as the introducer would."""
    from email import message_from_bytes, policy

    from worker.app import bootstrap

    app = build_app(tmp_path, database_url, now=clock, thank_you={"delay_seconds": 0},
                    outbound={"transport": "folder", "folder": "sent", "quiet_hours": None})
    try:
        outbound = bootstrap.build_outbound(app)
        app.pipeline.process(intro(1, clock), FILE)
        assert outbound.deliverer.deliver(rows(app)[0].id) == "sent"
        clock.advance(hours=3)
        again = intro(2, clock, a=("Bob Stone", "bob@z.example"))
        app.pipeline.process(again, FILE)
        app.pipeline.process(again, Origin("imap:x", "9"))  # the same mail seen twice: still one
        assert [len(r.referral_ids) for r in rows(app)] == [1, 1]
        assert outbound.deliverer.deliver(rows(app)[1].id) != "sent"  # not twice in one day
        clock.advance(days=1)
        assert outbound.deliverer.deliver(rows(app)[1].id) == "sent"
        mails = [message_from_bytes(f.read_bytes(), policy=policy.default)
                 for f in sorted((tmp_path / "sent").iterdir())]
        assert [(m["To"], m["Subject"]) for m in mails] == [
            ("carol@x.example", "Thank you for the introduction to Alice Brook"),
            ("carol@x.example", "Thank you for the introduction to Bob Stone")]
    finally:
        app.engine.dispose()


def test_an_intro_after_the_member_thanked_the_first_by_hand_is_still_thanked(app, clock):
    test_a_members_own_thanks_in_the_thread_suppresses_ours(app, clock)
    clock.advance(hours=1)
    app.pipeline.process(intro(2, clock, a=("Bob Stone", "bob@z.example")), FILE)
    first, second = rows(app)
    assert first.status == "suppressed"
    assert (second.status, second.subject) == ("queued", "Thank you for the introduction to Bob Stone")


@pytest.mark.parametrize("who", ["given", "partner", "self"])
def test_no_thank_you_unless_a_member_received_it_from_someone_else(app, clock, who):
    raw = {
        "given": intro(1, clock, introducer=DANA, a=("Alice Brook", "alice@y.example"),
                       b=("Bob Stone", "bob@z.example")),
        "partner": intro(1, clock, b=("Bob Stone", "bob@z.example")),
        "self": intro(1, clock, introducer=MARCO, b=DANA),  # a member introducing to a member
    }[who]
    assert app.pipeline.process(raw, FILE).kind == "double_intro"
    assert rows(app) == []


def test_backfilled_old_intros_are_not_thanked(app, clock):
    old = mailgen.intro(1, introducer=CAROL, b=DANA, when=datetime(2026, 9, 1, tzinfo=UTC))
    app.pipeline.process(old, FILE)
    assert rows(app) == []


def test_opted_out_introducer_gets_a_suppressed_row_with_the_reason(app, clock):
    with app.sessions.begin() as s:
        s.add(OptOut(email="carol@x.example", reason="asked by phone"))
    app.pipeline.process(intro(1, clock), FILE)
    [row] = rows(app)
    assert (row.status, row.reason) == ("suppressed", "carol@x.example opted out of our mail")


def test_quiet_hours_move_the_send_to_the_recipients_morning(app, clock):
    clock.current = datetime(2026, 11, 3, 4, 0, tzinfo=UTC)  # 22:00 in Chicago
    app.pipeline.process(intro(1, clock), FILE)
    [row] = rows(app)
    assert row.not_before == datetime(2026, 11, 3, 14, 0, tzinfo=UTC)  # 08:00 CST


def test_a_members_own_thanks_in_the_thread_suppresses_ours(app, clock):
    app.pipeline.process(intro(1, clock), FILE)
    reply = (
        b"From: Dana Whitfield <dana@danabooks.example>\nTo: Carol Jensen <carol@x.example>, alice@y.example\n"
        b"Cc: intros@example.com\nSubject: Re: Intro: Alice <> Dana\nMessage-ID: <dana-reply@x>\n"
        b"In-Reply-To: <gen1.gmail@mail.gmail.example>\nDate: Mon, 02 Nov 2026 15:05:00 +0000\n\n"
        b"Thanks so much Carol! Alice, lovely to meet you.\n\nOn Mon Carol wrote:\n> Alice, meet Dana\n"
    )
    assert app.pipeline.process(reply, FILE).kind == "thread_reply"
    [row] = rows(app)
    assert row.status == "suppressed" and "already thanked by hand" in row.reason


def test_thanking_one_intro_by_hand_keeps_ours_for_the_others_that_day(app, clock):
    app.pipeline.process(intro(1, clock), FILE)
    clock.advance(minutes=2)
    app.pipeline.process(intro(2, clock, a=("Bob Stone", "bob@z.example")), FILE)
    reply = (
        b"From: Dana Whitfield <dana@danabooks.example>\nTo: Carol Jensen <carol@x.example>, alice@y.example\n"
        b"Cc: intros@example.com\nSubject: Re: Intro: Alice <> Dana\nMessage-ID: <dana-reply@x>\n"
        b"In-Reply-To: <gen1.gmail@mail.gmail.example>\nDate: Mon, 02 Nov 2026 15:05:00 +0000\n\n"
        b"Thanks so much Carol! Alice, lovely to meet you.\n"
    )
    assert app.pipeline.process(reply, FILE).kind == "thread_reply"
    queued = [r for r in rows(app) if r.status == "queued"]
    assert [r.subject for r in queued] == ["Thank you for the introduction to Bob Stone"]
    clock.advance(minutes=1)
    app.pipeline.process(intro(1, clock), Origin("imap:x", "3"))  # Alice's intro seen again
    assert [r.subject for r in rows(app) if r.status == "queued"] == ["Thank you for the introduction to Bob Stone"]


def test_a_forged_thanks_from_the_member_keeps_ours(tmp_path, sqlite_url, clock):
    """Was: anyone on the thread's Cc writing From: Dana "Thanks so much Carol!" cancelled our
    thank-you (she "thanked by hand"). Our receiving server's DMARC fail for her domain: kept, and
    the message's log line says why; her genuine thanks (its pass, or no verdict at all) still counts."""
    app = build_app(tmp_path, sqlite_url, now=clock, thank_you={"delay_seconds": 600},
                    follow_ups={"authserv_id": "mx.example.com"}, outbound={"quiet_hours": None})
    try:
        app.pipeline.process(intro(1, clock), FILE)
        reply = (
            "From: Dana Whitfield <dana@danabooks.example>\nTo: Carol Jensen <carol@x.example>, alice@y.example\n"
            "Cc: intros@example.com\nSubject: Re: Intro: Alice <> Dana\nMessage-ID: <dana-reply{n}@x>\n"
            "In-Reply-To: <gen1.gmail@mail.gmail.example>\nDate: Mon, 02 Nov 2026 15:05:00 +0000\n\n"
            "Thanks so much Carol! Alice, lovely to meet you.\n")
        failed = "Authentication-Results: mx.example.com; dkim=none; dmarc=fail header.from=danabooks.example\n"
        out = app.pipeline.process((failed + reply.format(n=1)).encode(), FILE)
        assert out.kind == "thread_reply"
        assert [r.status for r in rows(app)] == ["queued"]
        assert "our thank-you is kept: the receiving server says dmarc=fail for dana@danabooks.example: " \
               "likely forged" in out.reason
        app.pipeline.process(reply.format(n=2).encode(), FILE)  # hers, through a server that adds no verdict
        [row] = rows(app)
        assert row.status == "suppressed" and "already thanked by hand (message dana-reply2@x)" in row.reason
    finally:
        app.engine.dispose()


def test_a_partys_reply_without_thanks_from_the_member_keeps_ours(app, clock):
    app.pipeline.process(intro(1, clock), FILE)
    reply = (
        b"From: Alice Brook <alice@y.example>\nTo: dana@danabooks.example\nCc: intros@example.com\n"
        b"Subject: Re: Intro\nMessage-ID: <alice-reply@y>\nIn-Reply-To: <gen1.gmail@mail.gmail.example>\n\n"
        b"Thanks Carol! Dana, when are you free?\n"
    )
    app.pipeline.process(reply, FILE)
    assert rows(app)[0].status == "queued"


def test_a_broken_user_template_keeps_the_referral_and_says_what_to_fix(tmp_path, sqlite_url, clock):
    custom = tmp_path / "mytemplates"
    custom.mkdir()
    (custom / "thank_you.txt").write_text("{% set subject %}Hi {{ introducer.nickname }}{% endset %}body")
    app = build_app(tmp_path, sqlite_url, now=clock, outbound={"templates_dir": "mytemplates"})
    outcome = app.pipeline.process(intro(1, clock), FILE)
    assert outcome.kind == "double_intro" and outcome.referral_id
    [row] = rows(app)
    assert row.status == "failed" and "thank_you.txt" in row.last_error and "nickname" in row.last_error


# --- quiet hours in the recipient's zone, as best known (issue 10) ----------------------------

def night_app(tmp_path, database_url, clock, **dana):
    """As a new user runs it: outbound.default_timezone left at UTC, quiet hours 21:00-08:00."""
    from tests.conftest import MEMBERS

    return build_app(tmp_path, database_url, {"INTROLEDGER_TOKEN_SECRET": "s3"}, now=clock,
                     members=[{**MEMBERS[0], **dana}, MEMBERS[1]], thank_you={"delay_seconds": 600},
                     follow_ups={"steps": ["7d"]},
                     outbound={"transport": "folder", "folder": "sent", "per_recipient_per_day": 20})


def written_at(text: str) -> datetime:
    """A time as the introducer's mail client writes it in the Date header, e.g. '01:50 -0600'."""
    return datetime.strptime(f"2026-11-03 {text}", "%Y-%m-%d %H:%M %z")


def test_a_thank_you_due_at_2am_the_introducers_time_goes_at_the_end_of_her_quiet_hours(tmp_path, database_url, clock):
    """User trial: Carol (in Chicago, her mail dated -0600) sent an intro at 01:50 at night and was
    thanked at 02:00 her time: quiet hours were read in the deployment's UTC, where it was 08:00."""
    from worker.app import bootstrap

    app = night_app(tmp_path, database_url, clock)
    try:
        clock.current = written_at("01:50 -0600")
        app.pipeline.process(intro(1, clock), FILE)  # Date: Tue, 03 Nov 2026 01:50:00 -0600
        [row] = rows(app)
        assert row.not_before == written_at("08:00 -0600")  # not 02:00 -0600 (08:00 UTC)
        assert row.reason == ("quiet hours: goes at 08:00 the recipient's time "
                              "(UTC-06:00, from the Date of the intro they wrote)")
        outbound = bootstrap.build_outbound(app)
        clock.current = written_at("07:59 -0600")
        assert outbound.deliverer.deliver(row.id) == "skipped"  # still her night
        clock.current = written_at("08:00 -0600")
        assert outbound.deliverer.deliver(row.id) == "sent"
        [sent] = (tmp_path / "sent").iterdir()
        from email import message_from_bytes, policy
        mail = message_from_bytes(sent.read_bytes(), policy=policy.default)
        assert (mail["To"], mail["Subject"]) == ("carol@x.example", "Thank you for the introduction to Alice Brook")
        assert mail.get_body(("plain",)).get_content().startswith("Hi Carol,\n\nThank you for introducing me")
        outbound.close()
    finally:
        app.engine.dispose()


def test_an_introducer_whose_mail_is_dated_in_utc_gets_the_members_night_not_the_servers(
        tmp_path, database_url, clock):
    """+0000 is what Outlook and Exchange write whatever the hour where the writer is: the member's
    zone (partners are mostly local) is the better guess. 21:00 in Los Angeles is 05:00 UTC."""
    app = night_app(tmp_path, database_url, clock, timezone="America/Los_Angeles")
    try:
        clock.current = written_at("05:00 +0000")
        app.pipeline.process(intro(1, clock), FILE)
        [row] = rows(app)
        assert row.not_before == written_at("08:00 -0800")  # not 08:00 UTC, midnight in Los Angeles
        assert row.reason.endswith("(America/Los_Angeles, the member's)")
    finally:
        app.engine.dispose()


def test_a_follow_up_due_in_the_members_night_is_asked_in_her_morning(tmp_path, database_url, clock):
    app = night_app(tmp_path, database_url, clock, timezone="America/Chicago")
    try:
        clock.current = written_at("03:00 -0600") - timedelta(days=7)
        app.pipeline.process(intro(1, clock), FILE)  # its follow-up is due a week later, at 03:00 Chicago
        clock.advance(days=7)
        with app.sessions.begin() as s:
            assert app.followups.materialize(s) == 1
        follow_up = [r for r in rows(app) if r.kind == "follow_up"][0]
        assert follow_up.not_before == written_at("08:00 -0600")
        assert follow_up.reason == "quiet hours: goes at 08:00 the recipient's time (America/Chicago, the member's)"
    finally:
        app.engine.dispose()


def test_a_won_answered_late_at_night_thanks_the_introducer_in_her_morning(tmp_path, database_url, clock):
    from models import Referral
    from worker.mail.commands import parse_command

    app = night_app(tmp_path, database_url, clock)
    try:
        clock.current = written_at("14:00 -0500")
        app.pipeline.process(intro(1, clock), FILE)  # Carol writes from New York
        clock.current = written_at("23:30 -0500")
        with app.sessions.begin() as s:  # Dana marks it WON before bed
            app.desk.apply(s, s.get(Referral, 1), parse_command("WON"), DANA[1], "", via="by hand")
        [closed] = [r for r in rows(app) if r.kind == "closed_business"]
        assert closed.not_before == written_at("08:00 -0500") + timedelta(days=1)
        [confirmation] = [r for r in rows(app) if r.kind == "status_confirmation"]
        assert confirmation.not_before == clock.current  # Dana's own answer is confirmed at once
    finally:
        app.engine.dispose()


def test_a_stranger_introducing_himself_under_an_intro_subject_is_thanked_by_no_one(app, clock):
    """QA trial: "Subject: Quick intro" + "let me introduce myself - I run LeadGen" to two members
    was logged as a double intro from the subject's word; the spammer got a thank-you."""
    raw = (b"From: Bob Sales <bob@leadgen.example>\nTo: Dana Whitfield <dana@danabooks.example>, "
           b"Marco Rossi <marco@rossi-marketing.example>\nCc: intros@example.com\nSubject: Quick intro\n"
           b"Message-ID: <self@leadgen.example>\nDate: Mon, 02 Nov 2026 09:00:00 -0600\n\n"
           b"Hi both, let me introduce myself - I run LeadGen and we get small businesses 30 leads a month.\n\n"
           b"Bob\n")
    outcome = app.pipeline.process(raw, FILE)
    assert outcome.referral_id is None, outcome
    assert rows(app) == []


def test_an_intro_forwarded_days_later_is_thanked_from_the_forward(app, clock):
    """Dana forwards on Monday what Carol wrote on Thursday: forwarding is her habit, not a backfill;
    a forward of an intro as old as a backfill's still is not thanked."""
    def forward(n: int, written: str, forwarded: datetime) -> bytes:
        return (f"From: Dana Whitfield <dana@danabooks.example>\nTo: intros@example.com\n"
                f"Subject: Fwd: Intro: Alice <> Dana\nMessage-ID: <fwd{n}@danabooks.example>\n"
                f"Date: {forwarded:%a, %d %b %Y %H:%M:%S} +0000\n\n"
                f"Logging this one.\n\n---------- Forwarded message ---------\n"
                f"From: Carol Jensen <carol@x.example>\nDate: {written}\n"
                f"Subject: Intro: Alice <> Dana\nTo: Alice Brook <alice@y.example>, Dana Whitfield "
                f"<dana@danabooks.example>\n\nAlice, meet Dana. Dana is the bookkeeper I told you about.\n").encode()

    clock.current = datetime(2026, 10, 5, 15, 0, tzinfo=UTC)
    assert app.pipeline.process(forward(1, "Thu, Oct 1, 2026 at 9:40 AM", clock.current), FILE).kind == \
        "forwarded_intro"
    [row] = rows(app)
    assert (row.kind, row.to_addr, row.status) == ("thank_you", "carol@x.example", "queued")
    old = forward(2, "Tue, Sep 1, 2026 at 9:40 AM", datetime(2026, 9, 2, 9, 0, tzinfo=UTC))
    assert app.pipeline.process(old, FILE).kind == "forwarded_intro"
    assert len(rows(app)) == 1
