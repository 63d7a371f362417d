"""The periodic duties (follow-ups, the stale timer, digests, reminders) as `run` does them: what
fell due at once is all done in one sweep, a bounded batch per transaction, and mail goes on
being read while they work."""
import threading
from datetime import UTC, datetime

from sqlalchemy import func, select

from models import FollowUp, OutboxMessage, Referral
from tests import mailgen
from tests.conftest import build_app
from worker.app.service import due_work
from worker.inbound.pipeline import Origin

DANA = ("Dana Whitfield", "dana@danabooks.example")
MARCO = ("Marco Rossi", "marco@rossi-marketing.example")
CAROL = ("Carol Jensen", "carol@x.example")


def _intro(app, n, b, when):
    return app.pipeline.process(mailgen.intro(n, introducer=CAROL, a=(f"Client {n}", f"c{n}@c.example"), b=b,
                                              when=when), Origin("file", str(n)))


def test_an_intro_is_logged_while_the_digests_are_being_worked_out(tmp_path, database_url, clock):
    clock.current = datetime(2026, 11, 4, 12, 0, tzinfo=UTC)  # a Wednesday
    app = build_app(tmp_path, database_url, now=clock, thank_you={"enabled": False}, outbound={"quiet_hours": None},
                    reminders={"coffee": {"enabled": False}, "promises": {"enabled": False}})
    _intro(app, 1, DANA, clock.current)
    _intro(app, 2, MARCO, clock.current)
    clock.current = datetime(2026, 11, 9, 8, 30, tzinfo=UTC)  # Monday 08:30: both digests due
    render, logged = app.digests.render, []

    def render_while_mail_arrives(session, member, *args):
        if not logged:  # the first digest: an intro arrives meanwhile and is committed before it is done
            arrival = threading.Thread(target=lambda: logged.append(_intro(app, 3, DANA, clock.current)))
            arrival.start()
            arrival.join(10)
            assert not arrival.is_alive(), "the intro waited for the digests"
        return render(session, member, *args)

    app.digests.render = render_while_mail_arrives
    assert due_work(app) == 2
    assert [o.kind for o in logged] == ["double_intro"]
    with app.sessions() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "digest")) == 2
    assert due_work(app) == 0  # once per week
    app.engine.dispose()


def test_what_fell_due_at_once_is_done_in_one_sweep_a_batch_at_a_time(tmp_path, database_url, clock, monkeypatch):
    app = build_app(tmp_path, database_url, {"INTROLEDGER_TOKEN_SECRET": "k"}, now=clock,
                    thank_you={"enabled": False}, outbound={"quiet_hours": None}, digest={"enabled": False},
                    reminders={"coffee": {"enabled": False}, "promises": {"enabled": False}})
    monkeypatch.setattr(app.followups, "STEPS_AT_ONCE", 2)
    monkeypatch.setattr(app.followups, "STALE_AT_ONCE", 2)
    for n in range(1, 6):
        _intro(app, n, DANA, clock.current)
    clock.advance(days=8)  # the first step of all five is due: five questions, in three transactions
    assert due_work(app) == 5
    with app.sessions() as s:
        assert s.scalar(select(func.count()).select_from(FollowUp).where(FollowUp.status == "done")) == 5
    clock.advance(days=60)  # nobody answered: all five go stale, two at a time, in the same sweep
    due_work(app)
    with app.sessions() as s:
        assert set(s.scalars(select(Referral.status))) == {"stale"}
    assert due_work(app) == 0
    app.engine.dispose()
