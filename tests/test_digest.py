"""The weekly digest: what it says on a known week, once per week, received over real SMTP."""
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy

from sqlalchemy import select, update

from models import OutboxMessage, Referral
from tests import mailgen
from tests.conftest import build_app
from worker import bootstrap
from worker.pipeline import Origin

DANA = ("Dana Whitfield", "dana@danabooks.example")


def test_weekly_digest_is_rendered_queued_once_and_delivered(tmp_path, sqlite_url, clock, smtp_sink):
    clock.current = datetime(2026, 11, 4, 12, 0, tzinfo=timezone.utc)  # a Wednesday
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
    clock.current = datetime(2026, 11, 9, 8, 30, tzinfo=timezone.utc)  # the next Monday, 08:30
    with app.sessions.begin() as s:
        assert app.digests.queue_due(s) == 1
    with app.sessions.begin() as s:
        assert app.digests.queue_due(s) == 0  # once per week
    with app.sessions() as s:
        row = s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "digest"))
    assert row.to_addr == "dana@danabooks.example"
    assert row.subject == "Your referrals this week (2026-W45): 4 in, 1 out, $4,500 won"
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
