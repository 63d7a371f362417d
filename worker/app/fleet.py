"""The mailboxes one `run` process watches: leases taken, renewed and handed over (worker/sources/leases.py).

Every `run` process looks at the leases each second: it renews its own with a heartbeat (a
third of a lease), takes free or expired ones up to its fair share, hands its surplus to a
newcomer, and stops watching a mailbox whose lease another process took. Each mailbox it holds
is watched on a thread of its own (IMAP IDLE or the Maildir, as config.yaml or the mailbox
says); a mailbox in the database also has its due work (follow-ups, digests, reminders) done by
its holder, on one more thread, so a long duty never delays a heartbeat or a message.
"""
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from worker.app import mailboxes
from worker.app.bootstrap import App, build_group
from worker.app.live import runner_for, watching
from worker.app.mailboxes import Group
from worker.core.outages import describe, is_outage
from worker.inbound.pipeline import Outcome
from worker.sources import leases

log = logging.getLogger("introledger.fleet")
LOOK_SECONDS = 1.0          # how often free and expired leases are looked for
RETRY_SECONDS = 60.0        # a mailbox whose watcher failed is left to others this long
STOP_JOIN_SECONDS = 30.0    # a watcher finishes the message at hand


class Watch:
    """One mailbox watched on its own thread."""

    def __init__(self, group: Group, app: App, on_outcome: Callable[[Outcome], None]):
        self.group, self.app = group, app
        self.runner, _once, forever = runner_for(app, on_outcome=on_outcome)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(forever,), daemon=True,
                                       name=f"introledger-watch {group.label}")
        self.thread.start()

    def _run(self, forever: Callable[[], None]) -> None:
        try:
            forever()
        except BaseException as exc:  # noqa: BLE001 - kept for the fleet to say (or to stop `run` with)
            self.error = exc

    def stop(self) -> None:
        self.runner.stop()


@dataclass
class Plan:
    """What one look decided, done after its transaction committed (stopping a watcher waits
    for its message, which must not wait for our own transaction's lock)."""

    drop: dict[str, str] = field(default_factory=dict)   # lease → why
    release: set[str] = field(default_factory=set)       # handed over once its watcher stopped
    start: list[Group] = field(default_factory=list)
    addresses: frozenset[str] = frozenset()


@dataclass
class Fleet:
    app: App                                 # config.yaml's mailbox and the process's engine
    stopping: threading.Event
    say: Callable[[str], None]
    due_work: Callable[[App], int]           # one round of a group's duties (worker/app/service.py)
    on_outcome: Callable[[Outcome], None] = lambda o: None
    me: leases.Holder = field(default_factory=leases.Holder.me)
    watches: dict[str, Watch] = field(default_factory=dict)
    apps: dict[int, tuple[str, App]] = field(default_factory=dict)  # mailbox id → (stamp, its app)
    resting: dict[str, float] = field(default_factory=dict)  # lease → when this process may take it again
    loads: dict[str, int] = field(default_factory=dict)  # live processes → mailboxes each watches
    _beat_at: float = -1e9
    _outage_said: bool = False
    _told_held: bool = False

    def __post_init__(self) -> None:
        self.lease = timedelta(seconds=self.app.config.settings.leases.seconds)
        self.started = leases.wall_clock()

    # --- the loop ---------------------------------------------------------------------------

    def run(self) -> None:
        """Until `stopping`: look at the leases each second. A failure of config.yaml's own
        mailbox (a refused login, a folder the server refuses) ends it, as `run` always did."""
        duties = threading.Thread(target=self._duties, name="introledger-mailbox-duties", daemon=True)
        duties.start()
        try:
            while not self.stopping.is_set():
                try:
                    self.carry_out(self.look())
                    self._outage_said = False
                except Exception as exc:  # outages wait; anything else is our bug
                    if not is_outage(exc):
                        raise
                    if not self._outage_said:
                        log.warning("error: %s; leases not renewed until it is back", describe(exc))
                        self._outage_said = True
                self._reap()
                self.stopping.wait(LOOK_SECONDS)
        finally:
            self.stop_all()
            duties.join(STOP_JOIN_SECONDS)

    def look(self) -> Plan:
        """One transaction: heartbeat and renewals (every third of a lease), then what to hand
        over and what to take."""
        now, plan = leases.wall_clock(), Plan()
        beat = time.monotonic() - self._beat_at >= self.lease.total_seconds() / 3
        ours = set(self.watches)
        with self.app.sessions.begin() as session:
            if beat:
                self.loads = leases.heartbeat(session, self.me, self.started, now, self.lease)
                ours = leases.renew(session, self.me, ours, now, self.lease)
                plan.drop.update(dict.fromkeys(set(self.watches) - ours, "its lease was taken over by another process"))
                self._beat_at = time.monotonic()
            known = {g.lease: g for g in mailboxes.groups(session, self.app.config)}
            for name, watch in self.watches.items():
                if name not in known:
                    plan.drop.setdefault(name, "removed (`introledger mailboxes remove`)")
                elif watch.group.stamp != known[name].stamp and name not in plan.drop:
                    plan.drop[name] = "its settings changed: watching it again with the new ones"
                    plan.start.append(known[name])
            kept_now = [n for n in sorted(self.watches) if n not in plan.drop]
            surplus = leases.to_hand_over(len(kept_now), len(known), self.loads) if beat else 0
            if surplus:
                handed = f"handed over: {len(self.loads)} processes share {len(known)} mailboxes"
                plan.drop.update(dict.fromkeys(kept_now[len(kept_now) - surplus:], handed))
                kept_now = kept_now[:len(kept_now) - surplus]
            restarted = {g.lease for g in plan.start}
            plan.release = {n for n in plan.drop if n in ours and n not in restarted}
            room = leases.room(len(kept_now), len(known), self.loads, str(self.me))
            wanted = [n for n in known if n not in self.watches and self.resting.get(n, 0) <= time.monotonic()]
            for name in leases.free(session, self.me, wanted, now)[:room]:
                if leases.take(session, self.me, name, now, self.lease):
                    plan.start.append(known[name])
            self._tell_held(session, known, plan, now)
            if any(g.mailbox_id is not None for g in plan.start):
                plan.addresses = mailboxes.addresses(session, self.app.config)
        return plan

    def carry_out(self, plan: Plan) -> None:
        """Watchers stop before their leases are handed over: two never read one mailbox at once."""
        dropped = [(self.watches.pop(name), why) for name, why in plan.drop.items() if name in self.watches]
        for watch, _why in dropped:
            watch.stop()  # all at once: each finishes its message meanwhile
        for watch, why in dropped:
            watch.thread.join(STOP_JOIN_SECONDS)
            self.say(f"stopped watching mailbox {watch.group.label}: {why}")
        if plan.release:
            with self.app.sessions.begin() as session:
                leases.release(session, self.me, plan.release, leases.wall_clock())
        for group in plan.start:
            try:
                self._watch(group, plan.addresses)
            except Exception as exc:  # one mailbox's trouble is not the others'
                if group.mailbox_id is None:
                    raise
                self._rest(group, exc)

    def _tell_held(self, session, known: dict[str, Group], plan: Plan, now) -> None:
        """Once: config.yaml's mailbox is watched by another process (this one stands by)."""
        default = mailboxes.default_group(self.app.config).lease
        if self._told_held or default in self.watches or any(g.lease == default for g in plan.start):
            return
        holder = leases.holders(session, now).get(default)
        if holder:
            self.say(f"mailbox {known[default].label} is watched by {holder}; this process takes it over "
                     f"if that one stops renewing its lease ({self.lease.total_seconds():g} s)")
            self._told_held = True

    def watching(self) -> list[str]:
        """The addresses of the mailboxes watched now (for metrics and health; read from another thread)."""
        return sorted(name.removeprefix("mailbox:") for name in list(self.watches))

    # --- watchers ---------------------------------------------------------------------------

    def _watch(self, group: Group, addresses: frozenset[str]) -> None:
        app = self.app if group.mailbox_id is None else self._group_app(group, addresses)
        self.watches[group.lease] = Watch(group, app, self.on_outcome)
        line = f"watching mailbox {group.label}: {self._where(app)}"
        if group.mailbox_id is None and not self._told_held:
            log.info("%s", line)  # `run`'s first line said it already
        else:
            self.say(line)

    def _group_app(self, group: Group, addresses: frozenset[str]) -> App:
        assert group.mailbox_id is not None
        cached = self.apps.get(group.mailbox_id)
        if cached is None or cached[0] != group.stamp:
            config = mailboxes.group_config(self.app.config, group, addresses)
            cached = (group.stamp, build_group(self.app, config, group.mailbox_id))
            self.apps[group.mailbox_id] = cached
        return cached[1]

    @staticmethod
    def _where(app: App) -> str:
        return watching(app.config).removeprefix("watching ")

    def _reap(self) -> None:
        """A watcher that ended by itself failed: config.yaml's stops `run` (exit 1, the problem
        named), another's is logged and left to other processes for a while."""
        for name, watch in list(self.watches.items()):
            if watch.thread.is_alive() or self.stopping.is_set():
                continue
            del self.watches[name]
            error = watch.error or RuntimeError("its watcher ended")
            if watch.group.mailbox_id is None:
                raise error
            self._rest(watch.group, error)

    def _rest(self, group: Group, error: BaseException) -> None:
        log.error("mailbox %s failed: %s; left to other processes for %.0f s", group.label,
                  describe(error), RETRY_SECONDS, exc_info=not is_outage(error))
        self.resting[group.lease] = time.monotonic() + RETRY_SECONDS
        try:
            with self.app.sessions.begin() as session:
                leases.release(session, self.me, {group.lease}, leases.wall_clock())
        except Exception as exc:  # noqa: BLE001 - the database is down: the lease expires by itself
            log.warning("lease of mailbox %s not handed over: %s", group.label, describe(exc))

    def stop_all(self) -> None:
        """Stop every watcher (each finishes its message) and hand the leases over at once."""
        for watch in self.watches.values():
            watch.stop()
        for watch in self.watches.values():
            watch.thread.join(STOP_JOIN_SECONDS)
        held, self.watches = set(self.watches), {}
        try:
            with self.app.sessions.begin() as session:
                leases.release(session, self.me, held, leases.wall_clock())
                leases.forget(session, self.me)
        except Exception as exc:  # noqa: BLE001 - the database is down: the leases expire by themselves
            log.warning("leases not handed over (%s); they expire in %.0f s", describe(exc),
                        self.lease.total_seconds())

    # --- due work of the database's mailboxes ----------------------------------------------

    def _duties(self) -> None:
        every = self.app.config.settings.outbound.sweep_seconds
        while not self.stopping.wait(every):
            for watch in list(self.watches.values()):
                if watch.group.mailbox_id is None:
                    continue  # config.yaml's own: `run`'s sweep does it, in every process, as before
                try:
                    self.due_work(watch.app)
                except Exception as exc:  # noqa: BLE001 - e.g. the database is down: next round
                    log.warning("due work of mailbox %s failed: %s", watch.group.label, describe(exc))

    # --- `run --once` -----------------------------------------------------------------------

    def once(self) -> list[Outcome]:
        """Every mailbox in the database caught up once, and its due work done (no lease: a
        catch-up beside a running `run` reads nothing twice, dedupe sees to it)."""
        outcomes: list[Outcome] = []
        with self.app.sessions() as session:
            found = [g for g in mailboxes.groups(session, self.app.config) if g.mailbox_id is not None]
            addresses = mailboxes.addresses(session, self.app.config)
        for app in [self._group_app(g, addresses) for g in found]:
            _runner, catch_up, _forever = runner_for(app, on_outcome=self.on_outcome)
            outcomes.extend(catch_up())
            self.due_work(app)
        return outcomes
