"""The heads-up reminder and the follow-up sweep racing for one referral: one question is asked,
never two. The reminder sweep decides in a read-only session and queues later in its own
transaction; a follow-up another worker queued in between used to go out beside it. Real threads,
each on its own connection, against SQLite and PostgreSQL."""
import threading
from datetime import timedelta

from sqlalchemy import select

from models import OutboxMessage
from models.db import reading
from tests.app.test_concurrency import _in_thread
from tests.followups.test_one_ask import asking, make
from tests.ledger.test_reminders import ALICE, DANA, HEADS_UP, History, at
from worker.core.statuses import Mail
from worker.ledger.reminders import promise_nudges

AFTER = timedelta(days=14)


def heads_up_due(tmp_path, database_url, clock):
    """Bob's heads-up of 3 Nov, unanswered: its reminder and the follow-up step fall due on the 17th."""
    clock.current = at("2026-11-03 15:00")
    app = make(tmp_path, database_url, clock, ["14d"])
    History(app).note(ALICE, DANA, "Heads-up: Bob Stone", HEADS_UP.format(name="Bob Stone"), clock.current)
    clock.current = at("2026-11-17 15:00")
    return app


def test_a_follow_up_queued_while_the_reminder_was_decided_is_not_asked_beside_it(tmp_path, database_url, clock):
    app = heads_up_due(tmp_path, database_url, clock)
    with reading(app.sessions) as s:
        [decided] = promise_nudges(s, clock.current, AFTER, {})
    assert decided.send and decided.withdraw == ()  # nothing had asked yet
    # Meanwhile another worker's follow-up sweep queues the step's mail, on its own thread.
    thread, result = _in_thread(app.followups.run_due, app.sessions)
    thread.join(60)
    assert "error" not in result and [kind for kind, _ in asking(app)] == ["follow_up"]

    app.reminders._queue_all(app.sessions, [decided])
    assert [kind for kind, _ in asking(app)] == ["promise_nudge"]  # the queued follow-up gave way
    with app.sessions() as s:
        follow_up = s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "follow_up"))
        assert follow_up.status == Mail.CANCELLED and "heads-up reminder asks instead" in follow_up.reason


def test_a_follow_up_that_went_meanwhile_settles_the_reminder_decided_before_it(tmp_path, database_url, clock):
    app = heads_up_due(tmp_path, database_url, clock)
    with reading(app.sessions) as s:
        [decided] = promise_nudges(s, clock.current, AFTER, {})
    app.followups.run_due(app.sessions)
    with app.sessions.begin() as s:  # handed to the server before the reminder's transaction
        s.execute(OutboxMessage.__table__.update().values(status=Mail.SENT, sent_at=clock.current))
    assert app.reminders._queue_all(app.sessions, [decided]) == 0
    assert [kind for kind, _ in asking(app)] == ["follow_up"]


def test_sweeps_running_at_once_ask_one_question(tmp_path, database_url, clock):
    app = heads_up_due(tmp_path, database_url, clock)
    sweeps = [app.reminders.run_due, app.reminders.run_due, app.followups.run_due, app.followups.run_due]
    start = threading.Barrier(len(sweeps))

    def together(sweep):
        start.wait(timeout=30)
        return sweep(app.sessions)

    running = [_in_thread(together, sweep) for sweep in sweeps]
    for thread, result in running:
        thread.join(60)
        assert not thread.is_alive() and "error" not in result, result
    asked = asking(app)
    assert len(asked) == 1, asked
    with app.sessions() as s:
        assert len(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "promise_nudge")).all()) <= 1
