"""A report about mail we sent marks its row `bounced` and pauses the address; later mail to it
is held with the reason until a person resumes it. Through the real pipeline and deliverer
(the folder transport keeps the mail exactly as it went out; tests/outbound/test_bounce_e2e.py sends for real)."""
import pytest
from sqlalchemy import select

from models import OutboxMessage, PausedAddress
from tests import dsn, mailgen
from tests.conftest import build_app
from worker.app import bootstrap
from worker.inbound.pipeline import Origin
from worker.outbound import pauses

pytestmark = pytest.mark.sqlite_only(reason=(
    "pauses are policy; the outbox's SQL is held to PostgreSQL in test_at_most_once/test_delivery"
))

CAROL = ("Carol Jensen", "carol@x.example")
DANA = ("Dana Whitfield", "dana@danabooks.example")


@pytest.fixture
def app(tmp_path, database_url, clock):
    built = build_app(tmp_path, database_url, now=clock, thank_you={"delay_seconds": 0},
                      outbound={"quiet_hours": None})
    yield built
    built.engine.dispose()


def thank_carol(app, clock, i: int = 1) -> tuple[int, str]:
    """An intro Carol made, its thank-you sent: (outbox id, delivery result)."""
    raw = mailgen.intro(i, introducer=CAROL, a=(f"Alice {i}", f"alice{i}@y.example"), b=DANA, when=clock.current)
    assert app.pipeline.process(raw, Origin("file", f"intro{i}")).kind == "double_intro"
    with app.sessions() as s:
        oid = s.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()))
    return oid, bootstrap.build_outbound(app).deliverer.deliver(oid)


def as_sent(app, oid) -> bytes:
    row = get(app, oid)
    return (app.config.outgoing_path / f"{row.message_id}.eml").read_bytes()


def get(app, oid) -> OutboxMessage:
    with app.sessions() as s:
        return s.get(OutboxMessage, oid)


def paused(app) -> dict[str, PausedAddress]:
    with app.sessions() as s:
        return {p.email: p for p in s.scalars(select(PausedAddress))}


def test_a_report_bounces_the_mail_and_holds_the_next_one(app, clock):
    oid, result = thank_carol(app, clock)
    assert result == "sent"
    clock.advance(minutes=3)
    outcome = app.pipeline.process(dsn.postfix(as_sent(app, oid)), Origin("file", "dsn"))
    assert outcome.kind == "bounce"
    assert "carol@x.example failed: 550 5.1.1 <carol@x.example>: Recipient address rejected" in outcome.reason
    row = get(app, oid)
    assert row.status == "bounced"
    assert row.last_error == ("550 5.1.1 <carol@x.example>: Recipient address rejected: User unknown in virtual "
                              "mailbox table")
    assert row.reason == "bounced; mail to carol@x.example paused (the address does not exist)"
    pause = paused(app)["carol@x.example"]
    assert (pause.outbox_id, pause.how, pause.reason) == (oid, "report", row.last_error)
    assert app.config.outgoing_path.exists() and len(list(app.config.outgoing_path.iterdir())) == 1  # never answered

    clock.advance(days=1)  # Carol makes another intro: its thank-you is held, with the reason
    second, result = thank_carol(app, clock, 2)
    assert result == "suppressed"
    assert get(app, second).reason == (f"not sent: mail to carol@x.example is paused since "
                                       f"{pause.created_at:%Y-%m-%d}: {row.last_error}")
    assert len(list(app.config.outgoing_path.iterdir())) == 1


def test_unpause_resumes_and_names_the_mail_held_meanwhile(app, clock):
    oid, _ = thank_carol(app, clock)
    app.pipeline.process(dsn.postfix(as_sent(app, oid)), Origin("file", "dsn"))
    clock.advance(days=1)
    held, _ = thank_carol(app, clock, 2)
    with app.sessions.begin() as s:
        ended, suppressed = pauses.unpause(s, "Carol@X.example")
    assert ended.email == "carol@x.example" and suppressed == [held]
    assert paused(app) == {}
    with app.sessions.begin() as s:
        assert pauses.unpause(s, "carol@x.example") == (None, [])
    clock.advance(days=1)
    _, result = thank_carol(app, clock, 3)
    assert result == "sent"


def test_a_delayed_report_changes_nothing(app, clock):
    oid, _ = thank_carol(app, clock)
    outcome = app.pipeline.process(dsn.postfix(as_sent(app, oid), action="delayed", status="4.4.1",
                                               diagnostic="451 4.4.1 connect to mx: Connection timed out",
                                               headers_only=True), Origin("file", "dsn"))
    assert outcome.kind == "bounce" and "delayed, still being retried" in outcome.reason
    assert get(app, oid).status == "sent" and paused(app) == {}


def test_a_refusal_of_our_mail_bounces_it_but_does_not_pause_the_address(app, clock):
    """Gmail refusing unauthenticated mail is about our set-up (doctor says so), not Carol."""
    oid, _ = thank_carol(app, clock)
    app.pipeline.process(dsn.postfix(as_sent(app, oid), status="5.7.26", diagnostic=(
        "550-5.7.26 This mail has been blocked because the sender is unauthenticated. 550-5.7.26 Gmail requires "
        "all senders to authenticate with either SPF or DKIM. 550 5.7.26 - gsmtp")), Origin("file", "dsn"))
    row = get(app, oid)
    assert row.status == "bounced" and row.last_error.startswith("550 5.7.26 This mail has been blocked")
    assert row.reason == "bounced; not paused: the refusal is about our mail or our server, not the address"
    assert paused(app) == {}
    clock.advance(days=1)
    assert thank_carol(app, clock, 2)[1] == "sent"


def test_a_report_about_someone_elses_mail_changes_nothing(app, clock):
    """A member's own mail that bounced names its own Message-ID: not ours, even though we
    wrote to the same address recently."""
    oid, _ = thank_carol(app, clock)
    theirs = as_sent(app, oid).replace(get(app, oid).message_id.encode(), b"CAF3x9qV2t7bQe0k@mail.gmail.com")
    outcome = app.pipeline.process(dsn.postfix(theirs), Origin("file", "dsn"))
    assert outcome.kind == "bounce"
    assert get(app, oid).status == "sent" and paused(app) == {}


def test_a_forged_message_id_of_ours_is_not_trusted(app, clock):
    """Our Message-IDs carry the row id and a hash of the row: the id alone matches nothing."""
    oid, _ = thank_carol(app, clock)
    mid = get(app, oid).message_id
    forged = as_sent(app, oid).replace(mid.encode(), f"ol{oid}.0123456789abcdef@example.com".encode())
    app.pipeline.process(dsn.postfix(forged), Origin("file", "dsn"))
    assert get(app, oid).status == "sent" and paused(app) == {}


def test_a_report_without_the_mail_matches_our_recent_send_to_that_recipient(app, clock):
    oid, _ = thank_carol(app, clock)
    clock.advance(hours=2)
    app.pipeline.process(dsn.sendmail_without_copy("carol@x.example"), Origin("file", "dsn"))
    assert get(app, oid).status == "bounced" and "carol@x.example" in paused(app)


def test_a_report_without_the_mail_older_than_a_week_of_sending_matches_nothing(app, clock):
    oid, _ = thank_carol(app, clock)
    clock.advance(days=8)
    app.pipeline.process(dsn.sendmail_without_copy("carol@x.example"), Origin("file", "dsn"))
    assert get(app, oid).status == "sent" and paused(app) == {}


def test_a_second_report_for_the_same_mail_keeps_the_first(app, clock):
    oid, _ = thank_carol(app, clock)
    sent = as_sent(app, oid)
    app.pipeline.process(dsn.postfix(sent), Origin("file", "dsn1"))
    first = paused(app)["carol@x.example"]
    outcome = app.pipeline.process(dsn.postfix(sent, queue_id="7C20EA0C99", diagnostic="550 5.1.1 gone"),
                                   Origin("file", "dsn2"))
    assert outcome.kind == "bounce"
    assert get(app, oid).last_error.endswith("User unknown in virtual mailbox table")
    assert paused(app)["carol@x.example"].created_at == first.created_at


def test_review_imports_never_act_on_reports(app, clock):
    """`ingest --review` of past mail runs no hook: an old report there pauses nobody."""
    oid, _ = thank_carol(app, clock)
    outcome = app.pipeline.for_review().process(dsn.postfix(as_sent(app, oid)), Origin("file", "dsn"))
    assert outcome.kind == "bounce"
    assert get(app, oid).status == "sent" and paused(app) == {}


def test_one_log_line_says_what_the_report_did(app, clock, caplog):
    oid, _ = thank_carol(app, clock)
    with caplog.at_level("WARNING", logger="introledger.bounces"):
        app.pipeline.process(dsn.postfix(as_sent(app, oid)), Origin("file", "dsn"))
    [line] = caplog.messages
    assert line == (f"report <20261203061241.2F6B1A0C51@mail.example.com>: outbox #{oid} to carol@x.example bounced "
                    f"(matched by Message-ID <{get(app, oid).message_id}>): 550 5.1.1 <carol@x.example>: Recipient "
                    "address rejected: User unknown in virtual mailbox table; mail to carol@x.example paused")
