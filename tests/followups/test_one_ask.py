"""One question about one referral a day (worker/outbound/sendrules.py ask_once): a follow-up step
("How did the intro to Bob go?") and the heads-up reminder ("Did Bob get in touch?") falling due
together send one mail, the reminder; the follow-up step counts as done and nothing asks again the
next day. An ordinary intro still gets its follow-up. SQLite, a frozen clock, no servers."""
from datetime import datetime, timedelta

from sqlalchemy import select, update

from models import FollowUp, OutboxMessage, Referral
from tests.conftest import build_app
from tests.ledger.test_reminders import ALICE, CAROL, DANA, HEADS_UP, MEMBERS, QUIET, History, at
from worker.app.marking import mark
from worker.core import lifecycle
from worker.core.statuses import Mail, Step
from worker.outbound.sendrules import Asked, ask_once

DAY = timedelta(days=1)


def make(tmp_path, url, clock, steps: list[str]):
    return build_app(tmp_path, url, {"INTROLEDGER_TOKEN_SECRET": "s3"}, now=clock, members=MEMBERS,
                     follow_ups={"steps": steps},
                     reminders={"coffee": {"enabled": False}, "promises": {"after": "14d"}}, **QUIET)


def due_work(app) -> None:
    """As the service runs it: follow-ups, then reminders (worker/app/service.py due_work)."""
    app.followups.run_due(app.sessions)
    app.reminders.run_due(app.sessions)


def asking(app) -> list[tuple[str, str]]:
    """The asking mail that will go or went: (kind, subject)."""
    with app.sessions() as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.kind.in_(["follow_up", "promise_nudge"]),
                                                     OutboxMessage.status.in_([Mail.QUEUED, Mail.SENT]))
                         .order_by(OutboxMessage.id)).all()
        return [(r.kind, r.subject) for r in rows]


def steps(app) -> list[str]:
    with app.sessions() as s:
        return list(s.scalars(select(FollowUp.status).order_by(FollowUp.step)))


def test_due_together_the_heads_up_reminder_asks_once_and_not_again_the_next_day(tmp_path, sqlite_url, clock):
    clock.current = at("2026-11-03 15:00")
    # Step 1 falls due with the reminder (14 days), step 2 the next morning.
    app = make(tmp_path, sqlite_url, clock, ["14d", "354h"])
    bob = History(app).note(ALICE, DANA, "Heads-up: Bob Stone", HEADS_UP.format(name="Bob Stone"), clock.current)
    assert bob.kind == "heads_up"

    clock.current = at("2026-11-17 15:00")
    due_work(app)
    assert asking(app) == [("promise_nudge", "Did Bob Stone get in touch? (Alice Moreno's heads-up of 3 Nov)")]
    with app.sessions() as s:
        [withdrawn] = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "follow_up")).all()
        assert withdrawn.status == Mail.CANCELLED and "heads-up reminder asks instead" in withdrawn.reason
    assert steps(app) == [Step.DONE, Step.SCHEDULED]  # step 1 counts as done

    for hours in (6, 12, 18, 30):  # step 2 falls due the next morning: the reminder answered for it
        clock.current = at("2026-11-17 15:00") + timedelta(hours=hours)
        due_work(app)
    assert len(asking(app)) == 1 and steps(app) == [Step.DONE, Step.DONE]


def test_a_follow_up_that_went_settles_the_reminder_for_good(tmp_path, sqlite_url, clock):
    clock.current = at("2026-11-03 15:00")
    app = make(tmp_path, sqlite_url, clock, ["332h"])  # the follow-up goes the evening before
    History(app).note(ALICE, DANA, "Heads-up: Bob Stone", HEADS_UP.format(name="Bob Stone"), clock.current)
    clock.current = at("2026-11-17 11:00")
    due_work(app)
    with app.sessions.begin() as s:
        s.execute(update(OutboxMessage).values(status=Mail.SENT, sent_at=clock.current))
    for day in range(0, 6):  # the reminder falls due at 15:00 and stays due for days: not sent
        clock.current = at("2026-11-17 15:00") + day * DAY
        due_work(app)
    assert [kind for kind, _ in asking(app)] == ["follow_up"]
    with app.sessions() as s:
        [why] = [d.reason for d in app.reminders.due(s) if d.key.startswith("heads-up:")]
    assert why.startswith("not sent: a follow-up (outbox #1) asked on 2026-11-17 11:00 UTC")


def test_an_ordinary_intro_still_gets_its_follow_up(tmp_path, sqlite_url, clock):
    clock.current = at("2026-11-03 15:00")
    app = make(tmp_path, sqlite_url, clock, ["14d"])
    History(app).intro(CAROL, DANA, clock.current)
    clock.current = at("2026-11-17 15:00")
    due_work(app)
    [(kind, subject)] = asking(app)
    assert kind == "follow_up" and subject.startswith("How did the intro to")


def test_ask_once_as_a_rule():
    now = datetime.fromisoformat("2026-11-17 15:00+00:00")
    queued_follow_up = Asked(3, lifecycle.FOLLOW_UP, now, waiting=True)
    sent_nudge = Asked(4, lifecycle.NUDGE, now - timedelta(hours=20), waiting=False)
    old_nudge = Asked(4, lifecycle.NUDGE, now - 2 * DAY, waiting=False)
    assert ask_once(lifecycle.NUDGE, [queued_follow_up], now - DAY).withdraw == (3,)
    assert not ask_once(lifecycle.FOLLOW_UP, [sent_nudge], now - DAY).send
    assert ask_once(lifecycle.FOLLOW_UP, [old_nudge], now - DAY).send  # a week apart: the steps' spacing
    assert ask_once(lifecycle.FOLLOW_UP, [queued_follow_up], now - DAY).send  # steps: the schedule's business
    assert ask_once("coffee_check_in", [sent_nudge], now - DAY).send
    # User trial: "How did the intro to Julia Park go?" on 28 Dec, still unanswered, then "Did Julia
    # Park get in touch?" on 5 Jan: a follow-up that went, however long ago, asked it already.
    week_old_follow_up = Asked(5, lifecycle.FOLLOW_UP, now - 8 * DAY, waiting=False)
    settled = ask_once(lifecycle.NUDGE, [week_old_follow_up], now - DAY)
    assert not settled.send and settled.asked_by == 5 and "a follow-up (outbox #5)" in settled.reason
    assert ask_once(lifecycle.NUDGE, [old_nudge], now - DAY).send  # (the reminder's own repeats: its schedule's)


def test_a_reminder_that_cannot_be_written_leaves_the_follow_up_to_ask(tmp_path, sqlite_url, clock):
    """A broken override of the reminder's template fails its row; the follow-up it would have
    replaced still goes (the member is asked once, not never)."""
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "promise_nudge.txt").write_text("{% if %}broken\n")
    clock.current = at("2026-11-03 15:00")
    app = build_app(tmp_path, sqlite_url, {"INTROLEDGER_TOKEN_SECRET": "s3"}, now=clock, members=MEMBERS,
                    follow_ups={"steps": ["14d"]}, outbound={"templates_dir": "mail", **QUIET.get("outbound", {})},
                    reminders={"coffee": {"enabled": False}, "promises": {"after": "14d"}},
                    **{k: v for k, v in QUIET.items() if k != "outbound"})
    History(app).note(ALICE, DANA, "Heads-up: Bob Stone", HEADS_UP.format(name="Bob Stone"), clock.current)
    clock.current = at("2026-11-17 15:00")
    due_work(app)
    with app.sessions() as s:
        rows = {r.kind: r.status for r in s.scalars(select(OutboxMessage))}
    assert rows == {"follow_up": Mail.QUEUED, "promise_nudge": Mail.FAILED}


def _answer(app, status: str) -> None:
    with app.sessions.begin() as s:
        [bob] = s.scalars(select(Referral)).all()
        assert mark(app, s, bob, status).applied


def _heads_up_after_first_step(tmp_path, sqlite_url, clock):
    clock.current = at("2026-11-03 15:00")
    # The follow-up asks after 7 days; the heads-up reminder would ask after 14.
    app = make(tmp_path, sqlite_url, clock, ["7d", "28d"])
    History(app).note(ALICE, DANA, "Heads-up: Bob Stone", HEADS_UP.format(name="Bob Stone"), clock.current)
    clock.current = at("2026-11-10 15:00")
    due_work(app)
    with app.sessions.begin() as s:
        s.execute(update(OutboxMessage).values(status=Mail.SENT, sent_at=clock.current))
    assert [kind for kind, _ in asking(app)] == ["follow_up"]
    return app


def heads_up_reasons(app) -> list[str]:
    with app.sessions() as s:
        return [d.reason for d in app.reminders.due(s) if d.key.startswith("heads-up:")]


def test_a_snooze_holds_back_the_heads_up_reminder_too(tmp_path, sqlite_url, clock):
    # Found trying it as a user: "Später 2 Wochen" was confirmed with "until then you hear nothing
    # about it from me", and the heads-up reminder asked a week later all the same.
    app = _heads_up_after_first_step(tmp_path, sqlite_url, clock)
    clock.current = at("2026-11-11 09:00")
    _answer(app, "snooze 2w")
    for day in range(1, 14):  # the reminder's whole window (14 to 28 days) falls inside the snooze or after
        clock.current = at("2026-11-11 15:00") + day * DAY
        due_work(app)
        assert [kind for kind, _ in asking(app)] == ["follow_up"], clock.current
    clock.current = at("2026-11-20 15:00")
    assert heads_up_reasons(app) == ["not sent: snoozed until 25 Nov"]


def test_a_stop_for_the_referral_ends_the_heads_up_reminder(tmp_path, sqlite_url, clock):
    app = _heads_up_after_first_step(tmp_path, sqlite_url, clock)
    clock.current = at("2026-11-11 09:00")
    _answer(app, "stop")
    for day in range(5, 12):
        clock.current = at("2026-11-11 15:00") + day * DAY
        due_work(app)
        assert [kind for kind, _ in asking(app)] == ["follow_up"], clock.current
    assert heads_up_reasons(app) == ["not sent: STOP was said for it"]


def test_a_reminder_waiting_for_the_members_morning_is_not_sent_after_they_snoozed(tmp_path, sqlite_url, clock):
    from worker.outbound import outbox, sendrules
    clock.current = at("2026-11-03 15:00")
    app = make(tmp_path, sqlite_url, clock, ["21d"])
    History(app).note(ALICE, DANA, "Heads-up: Bob Stone", HEADS_UP.format(name="Bob Stone"), clock.current)
    clock.current = at("2026-11-17 15:00")
    due_work(app)
    assert [kind for kind, _ in asking(app)] == ["promise_nudge"]
    clock.current = at("2026-11-17 15:30")
    _answer(app, "snooze 2w")
    with app.engine.connect() as conn:
        [nudge] = conn.execute(select(OutboxMessage).where(OutboxMessage.kind == "promise_nudge")).all()
        wanted, why = sendrules.still_wanted(nudge.kind, nudge.queued_at,
                                             outbox.referral_facts(conn, nudge.referral_ids))
    assert not wanted and "was snoozed at 2026-11-17 15:30" in why


def follow_ups(app) -> list[tuple[str, str]]:
    """The follow-up mails, oldest first: (subject, first paragraph after the greeting)."""
    with app.sessions() as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "follow_up")
                         .order_by(OutboxMessage.id)).all()
        return [(r.subject, r.text_body.split("\n\n")[1]) for r in rows]


def test_a_second_step_after_no_answer_says_it_asks_again_and_a_heads_up_is_no_intro(tmp_path, sqlite_url, clock):
    # Second user trial: step 2 repeated step 1 word for word (a machine stuck in a loop), and a
    # heads-up's follow-up said Alice "introduced you to Bob", which no mail ever did.
    app = _heads_up_after_first_step(tmp_path, sqlite_url, clock)
    clock.current = at("2026-12-01 15:00")  # step 2 (28 days); step 1 went unanswered
    due_work(app)
    (first_subject, first), (second_subject, second) = follow_ups(app)
    assert first == "On 3 November 2026, Alice Moreno told you Bob Stone would get in touch. How did it go?"
    assert second == ("Just checking in once more — on 3 November 2026, Alice Moreno told you Bob Stone would "
                      "get in touch. How did it go?")
    assert first_subject == second_subject  # it threads with the first


def test_after_an_answer_the_next_step_does_not_say_it_asks_again(tmp_path, sqlite_url, clock):
    app = _heads_up_after_first_step(tmp_path, sqlite_url, clock)
    clock.current = at("2026-11-11 09:00")
    _answer(app, "met")
    clock.current = at("2026-12-01 15:00")
    due_work(app)
    [_, (subject, second)] = follow_ups(app)
    assert subject.startswith("Did the intro to Bob Stone turn into business?")
    assert second.startswith("On 3 November 2026, Alice Moreno told you Bob Stone would get in touch, and you have met")
