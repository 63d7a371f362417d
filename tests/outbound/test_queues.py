"""Two deployments on one Redis database: each sends only its own mail (worker/outbound/queues.py)."""
from pathlib import Path

import pytest
from sqlalchemy import select

from models import OutboxMessage
from tests import mailgen
from tests.cli.test_cli import cli
from tests.conftest import build_app
from tests.servers import SmtpSink
from tests.sources.test_imap import wait_until
from worker.app import bootstrap
from worker.core.config import ConfigError, from_dict
from worker.inbound.pipeline import Origin
from worker.outbound import queues
from worker.outbound.broker import start_worker

DANA = ("Dana Whitfield", "dana@danabooks.example")


# --- naming (pure) ------------------------------------------------------------------------


def test_the_queue_is_named_after_the_tracking_address_unless_a_namespace_is_configured(tmp_path):
    plain = from_dict({"tracking": {"address": "Intros@North.Example.com"}}, tmp_path / "c.yaml", env={})
    assert plain.queue_name == "introledger.intros-north-example-com"
    assert plain.queue_name == from_dict({"tracking": {"address": "intros@north.example.com"}},
                                         tmp_path / "other.yaml", env={}).queue_name  # stable
    named = from_dict({"tracking": {"address": "intros@north.example.com"},
                       "outbound": {"queue_namespace": "chapter-north"}}, tmp_path / "c.yaml", env={})
    assert named.queue_name == "introledger.chapter-north"


@pytest.mark.parametrize("bad", ["Chapter North", "north.", "-north", "a" * 64, ""])
def test_a_namespace_that_cannot_name_a_queue_is_refused_with_what_to_use(tmp_path, bad):
    with pytest.raises(ConfigError) as err:
        from_dict({"tracking": {"address": "intros@example.com"}, "outbound": {"queue_namespace": bad}},
                  tmp_path / "c.yaml", env={})
    assert "outbound.queue_namespace" in str(err.value) and "lowercase letters, digits" in str(err.value)


# --- two deployments, one Redis database, real dramatiq workers and SMTP servers -----------


class Deployment:
    """One introledger deployment: its own directory, database, tracking address and SMTP server."""

    def __init__(self, root: Path, tracking: str, introducer: tuple, redis_db: str, clock):
        root.mkdir()
        self.tracking, self.introducer, self.clock = tracking, introducer, clock
        self.sink = SmtpSink().start()
        self.app = build_app(
            root, f"sqlite:///{root / 'db.sqlite'}", now=clock, broker_url=redis_db,
            tracking={"address": tracking}, thank_you={"delay_seconds": 0},
            outbound={"transport": "smtp", "quiet_hours": None,
                      "smtp": {"host": self.sink.host, "port": self.sink.port, "security": "none",
                               "timeout_seconds": 5}})
        self.outbound = bootstrap.build_outbound(self.app)
        self.worker = None

    def intro(self, i: int) -> None:
        """An intro by this deployment's introducer: its thank-you is queued in this database."""
        raw = mailgen.intro(i, tracking=self.tracking, introducer=self.introducer,
                            a=(f"Alice {i}", f"alice{i}@y.example"), b=DANA, when=self.clock.current)
        self.app.pipeline.process(raw, Origin("file", str(i)))

    def statuses(self) -> list[str]:
        with self.app.sessions() as s:
            return list(s.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))

    def recipients(self) -> list[str]:
        return sorted(r for m in self.sink.messages for r in m.rcpt_tos)

    def start(self) -> None:
        self.worker = start_worker(self.outbound.broker)

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.worker = None

    def close(self) -> None:
        self.stop()
        self.outbound.close()
        self.app.engine.dispose()
        self.sink.stop()


@pytest.fixture
def two(tmp_path, redis_db, clock):
    north = Deployment(tmp_path / "north", "intros@north.example", ("Carol Jensen", "carol@x.example"),
                       redis_db, clock)
    south = Deployment(tmp_path / "south", "intros@south.example", ("Omar Haddad", "omar@z.example"),
                       redis_db, clock)
    yield north, south
    north.close()
    south.close()


def test_two_deployments_on_one_redis_database_each_send_only_their_own_mail(two):
    north, south = two
    north.intro(1)
    south.intro(1)  # both databases now hold outbox row #1: a job "1" means a different mail in each
    north.start()  # the south's worker is down for now
    assert north.outbound.sweep() == 1 and south.outbound.sweep() == 1
    assert wait_until(lambda: north.statuses() == ["sent"], 20)
    north.stop()
    # The north's worker never took the south's job: it waits in the south's queue for the
    # south's own worker, which sends it (no re-nudge: the clock stands still).
    assert south.statuses() == ["queued"] and south.sink.messages == []
    south.start()
    assert wait_until(lambda: south.statuses() == ["sent"], 20)

    north.start()  # both running side by side, more mail each
    for i in (2, 3):
        north.clock.advance(days=1)  # one thank-you per introducer a day
        north.intro(i)
        south.intro(i)
        north.outbound.sweep()
        south.outbound.sweep()
        assert wait_until(lambda n=i: north.statuses() == ["sent"] * n and south.statuses() == ["sent"] * n, 30)
    assert north.recipients() == ["carol@x.example"] * 3
    assert south.recipients() == ["omar@z.example"] * 3


# --- doctor ---------------------------------------------------------------------------------


def _config(root: Path, tracking: str, redis_db: str, namespace: str | None = None) -> Path:
    root.mkdir(exist_ok=True)
    outbound = f"outbound: {{queue_namespace: {namespace}}}\n" if namespace else ""
    (root / "config.yaml").write_text(f"tracking: {{address: {tracking}}}\nbroker_url: {redis_db}\n{outbound}")
    cli("db", "upgrade", cwd=root)
    return root


def _broker_warnings(out: str) -> list[str]:
    """The `!` lines about the broker, each unwrapped (rich wraps long lines)."""
    return [" ".join(w.split()) for w in out.split("\n! ") if w.startswith("broker:")]


def _start_sending(root: Path) -> None:
    """What `run` or `send` does first: build the outbound side (it registers the queue)."""
    from worker.core.config import load

    app = bootstrap.build(load(str(root / "config.yaml")))
    bootstrap.build_outbound(app).close()
    app.engine.dispose()


def test_doctor_names_this_deployments_queue_and_warns_of_others_on_the_database(tmp_path, redis_db):
    north = _config(tmp_path / "north", "intros@north.example", redis_db)
    out = cli("doctor", cwd=north).stdout
    assert f"queue: introledger.intros-north-example on {redis_db}" in out
    assert "all answer" in out and _broker_warnings(out) == []  # alone on the database

    south = _config(tmp_path / "south", "intros@south.example", redis_db)
    _start_sending(south)
    out = cli("doctor", cwd=north).stdout  # a warning, not a failure
    [warning] = _broker_warnings(out)
    assert "also holds other introledger queues" in warning
    assert "introledger.intros-south-example (tracking intros@south.example" in warning


def test_doctor_fails_when_another_tracking_address_sends_from_the_same_queue(tmp_path, redis_db):
    north = _config(tmp_path / "north", "intros@north.example", redis_db, namespace="chapter")
    south = _config(tmp_path / "south", "intros@south.example", redis_db, namespace="chapter")
    _start_sending(south)
    result = cli("doctor", cwd=north, ok=False)
    [problem] = [" ".join(p.split()) for p in result.stdout.split("✗")[1:]]  # rich wraps long lines
    assert result.returncode == 1
    assert "broker: queue introledger.chapter is also used by the deployment tracking intros@south.example" in problem
    assert "outbound.queue_namespace" in problem


def test_doctor_names_jobs_left_in_the_old_shared_queue(tmp_path, redis_db):
    import redis

    north = _config(tmp_path / "north", "intros@north.example", redis_db)
    client = redis.Redis.from_url(redis_db)
    client.hset(f"dramatiq:{queues.LEGACY}.msgs", "job-1", "{}")  # a job an older version left behind
    client.close()
    out = cli("doctor", cwd=north).stdout
    [warning] = _broker_warnings(out)
    assert "outbox (the shared queue of older versions" in warning


def test_run_says_which_queue_it_sends_from(tmp_path, redis_db):
    home = _config(tmp_path / "north", "intros@north.example", redis_db)
    first = cli("run", "--once", cwd=home).stderr.splitlines()[0]
    assert first.startswith("introledger run: watching Maildir ")
    assert first.endswith("(Redis queue introledger.intros-north-example)")
