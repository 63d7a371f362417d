"""The weekly digest: what it says on a known week, once per week, received over real SMTP."""
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

from sqlalchemy import func, select, update

from models import OutboxMessage, Referral, ReferralEvent
from tests import mailgen
from tests.conftest import build_app
from worker.app import bootstrap
from worker.inbound.pipeline import Origin

DANA = ("Dana Whitfield", "dana@danabooks.example")


def test_weekly_digest_is_rendered_queued_once_and_delivered(tmp_path, sqlite_url, clock, smtp_sink):
    clock.current = datetime(2026, 11, 4, 12, 0, tzinfo=UTC)  # a Wednesday
    app = build_app(tmp_path, sqlite_url, now=clock, thank_you={"enabled": False},
                    outbound={"transport": "smtp", "quiet_hours": None,
                              "smtp": {"host": smtp_sink.host, "port": smtp_sink.port, "security": "none"}})
    for i, introducer in enumerate((("Carol Jensen", "carol@x.example"),) * 3 + (("Raj Mehta", "raj@m.example"),)):
        app.pipeline.process(mailgen.intro(i, introducer=introducer, a=(f"Client {i}", f"c{i}@c.example"), b=DANA,
                                           when=clock.current + timedelta(hours=i)), Origin("file", str(i)))
    app.pipeline.process(mailgen.intro(9, introducer=DANA, a=("Client 9", "c9@c.example"),
                                       b=("Raj Mehta", "raj@m.example"), when=clock.current), Origin("file", "9"))
    with app.sessions.begin() as s:
        s.execute(update(Referral).where(Referral.id == 1).values(status="won", value_cents=450000, currency="USD",
                                                                   won_at=clock.current))
    with app.sessions.begin() as s:
        assert app.digests.queue_due(s) == 0  # last week was empty: no mail about nothing
    clock.current = datetime(2026, 11, 9, 8, 30, tzinfo=UTC)  # the next Monday, 08:30
    with app.sessions.begin() as s:
        assert app.digests.queue_due(s) == 1
    with app.sessions.begin() as s:
        assert app.digests.queue_due(s) == 0  # once per week
    with app.sessions() as s:
        row = s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "digest"))
    assert row.to_addr == "dana@danabooks.example"
    assert row.subject == "Your referrals this week (2 – 8 Nov): 4 in, 1 out, $4,500 won"
    assert "Here is your week in referrals (2 – 8 Nov)." in row.text_body.replace("\u2009", " ")  # thin spaces
    # mail to Dana herself: not "sent by introledger on Dana's behalf"
    assert row.text_body.endswith("--\nDana Whitfield\n") and "behalf" not in row.html_body
    assert "Carol Jensen introduced you to Client 0" in row.text_body
    assert "you introduced Client 9 and Raj Mehta" in row.text_body
    assert "Carol Jensen: gave you 3, got 0 from you" in row.text_body
    assert 'width:160px' in row.html_body  # the bar chart: Carol's 3 is the longest bar
    outbound = bootstrap.build_outbound(app)
    assert outbound.deliverer.deliver(row.id) == "sent"
    [got] = smtp_sink.wait_for(1)
    msg = message_from_bytes(got.raw, policy=policy.default)
    assert msg["Subject"] == row.subject and msg["List-Unsubscribe"]
    assert msg.get_body(("html",)) is not None and msg.get_body(("plain",)) is not None


def test_the_coordinator_digest_shows_the_group_and_members_see_only_their_own(tmp_path, sqlite_url, clock):
    from tests.conftest import MEMBERS

    clock.current = datetime(2026, 11, 4, 12, 0, tzinfo=UTC)
    members = [*MEMBERS, {"name": "Gina Chair", "emails": ["gina@group.example"], "coordinator": True}]
    app = build_app(tmp_path, sqlite_url, now=clock, members=members, thank_you={"enabled": False},
                    outbound={"quiet_hours": None})
    marco = ("Marco Rossi", "marco@rossi-marketing.example")
    app.pipeline.process(mailgen.intro(1, introducer=("Carol Jensen", "carol@x.example"),
                                       a=("Client 1", "c1@c.example"), b=DANA, when=clock.current), Origin("file", "1"))
    app.pipeline.process(mailgen.intro(2, introducer=DANA, a=("Client 2", "c2@c.example"), b=marco,
                                       when=clock.current), Origin("file", "2"))
    clock.current = datetime(2026, 11, 9, 8, 30, tzinfo=UTC)
    with app.sessions.begin() as s:
        assert app.digests.queue_due(s) == 3  # Dana, Marco (received from Dana) and the coordinator
    with app.sessions() as s:
        rows = {r.to_addr: r for r in s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "digest"))}
    gina = rows["gina@group.example"]
    assert "The group (this week in / out" in gina.text_body
    assert "Dana Whitfield: 1 / 1 this week; 1 / 1 in all, balance +0" in gina.text_body
    assert "Marco Rossi: 1 / 0 this week; 1 / 0 in all, balance -1" in gina.text_body
    assert "Gina Chair: 0 / 0 this week" in gina.text_body
    assert "<h3 style=\"font-size:15px\">The group</h3>" in gina.html_body
    assert "The group" not in rows["dana@danabooks.example"].text_body  # a member sees their own
    assert "Dana Whitfield: gave you 1, got 0 from you" in rows["marco@rossi-marketing.example"].text_body


def test_review_decisions_are_not_news_in_the_digest(tmp_path, sqlite_url, clock):
    from worker.ledger import review

    clock.current = datetime(2026, 11, 4, 12, 0, tzinfo=UTC)
    app = build_app(tmp_path, sqlite_url, now=clock, thank_you={"enabled": False})
    rids = [app.pipeline.for_review().process(
        mailgen.intro(i, introducer=("Carol Jensen", "carol@x.example"), a=(f"Client {i}", f"c{i}@c.example"),
                      b=DANA, when=clock.current - timedelta(days=40)), Origin("file", str(i))).referral_id
        for i in (1, 2)]
    with app.sessions.begin() as s:
        review.reject(s, s.get(Referral, rids[0]), clock.current)
        review.accept(s, s.get(Referral, rids[1]), clock.current)
    with app.sessions.begin() as s:  # decided that week, by the app's clock
        assert s.scalar(select(func.count()).select_from(ReferralEvent)) == 2
    clock.current = datetime(2026, 11, 9, 8, 30, tzinfo=UTC)
    with app.sessions.begin() as s:
        assert app.digests.queue_due(s) == 0  # an old intro accepted, another rejected: no news this week


def test_day_one_sends_no_digest_for_a_week_that_ended_before_the_member_joined(tmp_path, sqlite_url, clock):
    """A fresh deployment on a Thursday, a week-old intro forwarded at once: last Monday's digest is
    not sent three days late; the next Monday's is sent on time."""
    clock.current = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)  # a Thursday, the first run
    app = build_app(tmp_path, sqlite_url, now=clock, thank_you={"enabled": False}, outbound={"quiet_hours": None})
    carol = ("Carol Jensen", "carol@x.example")
    app.pipeline.process(mailgen.intro(1, introducer=carol, a=("Client 1", "c1@c.example"), b=DANA,
                                       when=datetime(2026, 11, 26, 15, 0, tzinfo=UTC)), Origin("file", "1"))
    with app.sessions.begin() as s:
        assert app.digests.queue_due(s) == 0
    app.pipeline.process(mailgen.intro(2, introducer=carol, a=("Client 2", "c2@c.example"), b=DANA,
                                       when=clock.current), Origin("file", "2"))
    clock.current = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)  # Monday: this week's digest, on time
    with app.sessions.begin() as s:
        assert app.digests.queue_due(s) == 1
        assert s.scalar(select(OutboxMessage.subject).where(OutboxMessage.kind == "digest")).startswith(
            "Your referrals this week (30 Nov – 6 Dec): 1 in")


def test_a_digest_names_its_week_in_the_readers_dates_and_language(tmp_path, sqlite_url, clock):
    """QA trial: "Deine Empfehlungen diese Woche (2026-W49)" to Klaus, ending "(gesendet von
    introledger im Auftrag von Klaus)" — a mail to Klaus himself."""
    klaus = {"name": "Klaus Becker", "emails": ["k.becker@becker-steuer.example"], "language": "de",
             "timezone": "Europe/Berlin", "currency": "EUR"}
    clock.current = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    app = build_app(tmp_path, sqlite_url, now=clock, members=[klaus], thank_you={"enabled": False},
                    outbound={"quiet_hours": None})
    app.pipeline.process(mailgen.intro(1, introducer=("Ingrid Sommer", "ingrid@x.example"),
                                       a=("Anna Schmidt", "anna@c.example"), b=("Klaus Becker", klaus["emails"][0]),
                                       when=clock.current), Origin("file", "1"))
    clock.current = datetime(2026, 12, 7, 7, 30, tzinfo=UTC)  # Monday 08:30 in Berlin
    with app.sessions.begin() as s:
        assert app.digests.queue_due(s) == 1
    with app.sessions() as s:
        row = s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "digest"))
    # formal: nothing known of Klaus's register yet
    assert row.subject == "Ihre Empfehlungen diese Woche (30. Nov. – 6. Dez.): 1 erhalten, 0 gegeben"
    assert row.text_body.endswith("--\nKlaus Becker\n"), row.text_body
    assert "im Auftrag" not in row.html_body


def test_an_intro_to_another_member_names_that_member_in_the_givers_digest(tmp_path, sqlite_url, clock):
    """Tom introduced his client Rachel to Claire (both members): his digest said 'you introduced
    Rachel Adams', Claire dropped as if she were the reader."""
    from tests.conftest import MEMBERS

    clock.current = datetime(2026, 11, 4, 12, 0, tzinfo=UTC)
    app = build_app(tmp_path, sqlite_url, now=clock, members=MEMBERS, thank_you={"enabled": False},
                    outbound={"quiet_hours": None})
    marco = ("Marco Rossi", "marco@rossi-marketing.example")
    app.pipeline.process(mailgen.intro(2, introducer=DANA, a=("Client 2", "c2@c.example"), b=marco,
                                       when=clock.current), Origin("file", "2"))
    clock.current = datetime(2026, 11, 9, 8, 30, tzinfo=UTC)
    with app.sessions.begin() as s:
        app.digests.queue_due(s)
    with app.sessions() as s:
        rows = {r.to_addr: r.text_body for r in s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "digest"))}
    assert "you introduced Client 2 and Marco Rossi" in rows["dana@danabooks.example"]
    assert "Dana Whitfield introduced you to Client 2" in rows["marco@rossi-marketing.example"]
