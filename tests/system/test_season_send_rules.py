"""When the season's check expects a follow-up out (bench/season.py asked_at): the product's send
rules (quiet hours in the member's zone, `run` down in the outage, a kill -9 mid-send), not the
step's due time. No servers: the rules alone."""
from datetime import UTC, datetime, timedelta

from bench.season import START, asked_at


def _up(days: int, down: tuple[datetime, datetime] | None = None) -> list[datetime]:
    slots = [START + timedelta(days=d, hours=h) for d in range(days) for h in (9, 17)]
    return [s for s in slots if down is None or not down[0] <= s < down[1]]


def t(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 3, day, hour, minute, tzinfo=UTC)


def test_a_step_due_in_the_members_night_goes_at_the_first_stop_after_her_morning():
    # 04:09 UTC is 23:09 in New York: queued at 09:00 UTC (04:00 there), held to 08:00 (13:00 UTC)
    assert asked_at(t(6, 4, 9), "America/New_York", _up(8)) == t(6, 17)
    # in Berlin 09:00 UTC is 10:00: out at once
    assert asked_at(t(6, 4, 9), "Europe/Berlin", _up(8)) == t(6, 9)


def test_a_step_due_while_run_is_down_goes_when_it_is_back_and_the_member_is_awake():
    # --days 8, seed 1: referral 4, due 03-06 04:09 UTC, `run` down 03-06 09:00 to 03-07 09:00 (04:00
    # in New York): not before 03-07 17:00, so a STOP ALL read at 03-07 09:00 came first
    up = _up(8, (t(6, 9), t(7, 9)))
    assert asked_at(t(6, 4, 9), "America/New_York", up) == t(7, 17)
    assert asked_at(t(6, 4, 9), "Europe/Berlin", up) == t(7, 9)


def test_a_send_a_kill_interrupted_goes_at_the_next_stop_and_nothing_after_the_last_counts():
    up = _up(8, (t(6, 9), t(7, 9)))
    assert asked_at(t(5, 3, 22), "America/New_York", up) == t(5, 17)
    assert asked_at(t(5, 3, 22), "America/New_York", up, held=True) == t(7, 9)
    assert asked_at(t(8, 23), "America/New_York", _up(8)) is None
