"""Leases: one holder per mailbox at a time, renewed by heartbeats, taken over once expired."""
from datetime import timedelta

from tests.conftest import build_app
from worker.sources import leases
from worker.sources.leases import Holder

LEASE = timedelta(seconds=10)
NAME = "mailbox:intros@example.com"


def test_one_holder_at_a_time_and_taken_over_only_once_expired(tmp_path, database_url):
    app = build_app(tmp_path, database_url)
    a, b = Holder("host-a", 101, "aa"), Holder("host-b", 202, "bb")
    t0 = leases.wall_clock()
    with app.sessions.begin() as s:
        assert leases.take(s, a, NAME, t0, LEASE)
    with app.sessions.begin() as s:
        assert not leases.take(s, b, NAME, t0 + timedelta(seconds=9), LEASE)  # A's, and alive
        assert leases.free(s, b, [NAME], t0 + timedelta(seconds=9)) == []
        assert leases.renew(s, a, {NAME}, t0 + timedelta(seconds=9), LEASE) == {NAME}  # until t0 + 19 s
    with app.sessions.begin() as s:
        assert not leases.take(s, b, NAME, t0 + timedelta(seconds=18), LEASE)
        assert leases.take(s, b, NAME, t0 + timedelta(seconds=20), LEASE)  # A went silent: B's now
        assert leases.holders(s, t0 + timedelta(seconds=20)) == {NAME: str(b)}
    with app.sessions.begin() as s:
        assert leases.renew(s, a, {NAME}, t0 + timedelta(seconds=21), LEASE) == set()  # A learns it lost it
        leases.release(s, b, {NAME}, t0 + timedelta(seconds=22))  # B stops: handed over at once
    with app.sessions.begin() as s:
        assert leases.free(s, a, [NAME], t0 + timedelta(seconds=22)) == [NAME]
        assert leases.take(s, a, NAME, t0 + timedelta(seconds=22), LEASE)
    app.engine.dispose()


def test_a_dead_process_on_this_machine_needs_no_expiry(tmp_path, sqlite_url):
    """kill -9 then a restart: the new process takes the dead one's leases at once."""
    import subprocess
    import sys

    app = build_app(tmp_path, sqlite_url)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    me = Holder.me()
    gone, alive = Holder(me.host, int(dead.stdout), f"{me.place}-old"), Holder(me.host, 1, f"{me.place}-init")
    now = leases.wall_clock()
    with app.sessions.begin() as s:
        assert leases.take(s, gone, NAME, now, LEASE)
        assert leases.take(s, alive, "mailbox:other@example.com", now, LEASE)
        assert leases.heartbeat(s, gone, now, now, LEASE) == {str(gone): 1}
        assert leases.heartbeat(s, me, now, now, LEASE) == {str(me): 0}  # the dead one shares nothing
        assert leases.free(s, me, [NAME, "mailbox:other@example.com"], now) == [NAME]
        assert leases.take(s, me, NAME, now, LEASE)
        assert not leases.take(s, me, "mailbox:other@example.com", now, LEASE)  # pid 1 lives
    # a holder with this very pid that this process did not make: a process before it had the pid
    assert me.gone(str(Holder(me.host, me.pid, f"{me.place}-before"))) and not me.gone(str(Holder.me()))
    assert Holder.parse(str(me)) == me
    app.engine.dispose()


def test_holders_made_alike_are_told_apart(tmp_path, database_url):
    """Two holders made in one place (one host, one pid) have instance ids of their own: neither
    renews, takes nor frees the other's live lease."""
    app = build_app(tmp_path, database_url)
    a, b = Holder.me(), Holder.me()
    assert (a.host, a.pid) == (b.host, b.pid) and str(a) != str(b) and not a.gone(str(b))
    t0 = leases.wall_clock()
    with app.sessions.begin() as s:
        assert leases.take(s, a, NAME, t0, LEASE)
    with app.sessions.begin() as s:
        assert leases.renew(s, b, {NAME}, t0 + timedelta(seconds=5), LEASE) == set()
        assert not leases.take(s, b, NAME, t0 + timedelta(seconds=5), LEASE)
        assert leases.free(s, b, [NAME], t0 + timedelta(seconds=5)) == []
        assert leases.holders(s, t0 + timedelta(seconds=5)) == {NAME: str(a)}
        assert not leases.take(s, b, NAME, t0 + timedelta(seconds=9), LEASE)  # b's renewal did not extend it
    app.engine.dispose()


def test_two_containers_with_one_host_name_and_pid_1_keep_their_own_leases(tmp_path, sqlite_url):
    """Containers of one image, host name `worker`, each `run` pid 1 in a pid namespace of its
    own: neither may think the other a dead process of its own and take its mailbox. Only the
    lease running out hands it over."""
    app = build_app(tmp_path, sqlite_url)
    one, two = Holder("worker", 1, "aaaa1111-5d2c9e0f17a4b3c8"), Holder("worker", 1, "bbbb2222-0e9f8a7b6c5d4e3f")
    t0 = leases.wall_clock()
    with app.sessions.begin() as s:
        assert leases.take(s, one, NAME, t0, LEASE)
        assert leases.take(s, two, "mailbox:other@example.com", t0, LEASE)
    with app.sessions.begin() as s:
        assert leases.heartbeat(s, one, t0, t0, LEASE) == {str(one): 1}
        assert leases.heartbeat(s, two, t0, t0, LEASE) == {str(one): 1, str(two): 1}  # both count
        assert leases.free(s, two, [NAME], t0 + timedelta(seconds=5)) == []
        assert not leases.take(s, two, NAME, t0 + timedelta(seconds=5), LEASE)
        assert not leases.take(s, one, "mailbox:other@example.com", t0 + timedelta(seconds=5), LEASE)
        assert leases.take(s, two, NAME, t0 + timedelta(seconds=11), LEASE)  # one went silent
    app.engine.dispose()


def test_processes_split_mailboxes_evenly():
    assert [leases.fair_share(4, n) for n in (1, 2, 3, 4, 5)] == [4, 2, 2, 1, 1]
    assert leases.fair_share(0, 3) == 0
    # Four mailboxes, a newcomer beside two processes holding two each: each hands one over.
    assert leases.to_hand_over(2, 4, {"a": 2, "b": 2, "new": 0}) == 1
    assert leases.to_hand_over(2, 4, {"a": 2, "b": 1, "c": 1}) == 0  # 2, 1, 1: as even as it gets
    assert leases.to_hand_over(4, 4, {"a": 4, "b": 0}) == 2
    assert leases.to_hand_over(1, 4, {"a": 1, "b": 1, "c": 1, "d": 1, "new": 0}) == 0
    # Two handed over: the newcomer's turn first (one each, the newcomer two), not a race for them.
    assert leases.room(1, 4, {"a": 1, "b": 1, "new": 0}, "b") == 0
    assert leases.room(0, 4, {"a": 1, "b": 1, "new": 0}, "new") == 2
    assert leases.room(1, 4, {"a": 2, "b": 1}, "b") == 1  # a dead third: its mailbox is the survivors'
