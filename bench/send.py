"""Benchmark: queued thank-yous drained through dramatiq + Redis to SMTP, beside bare smtplib.

    python bench/send.py [--count 10000] [--threads 8] [--prefetch 64] [--processes 0] [--repeat 3]

Both sides send the same messages to the same in-process aiosmtpd sink (tests/servers.py):

- raw limit: ``smtplib.SMTP`` over ONE reused connection, ``send_message`` of messages built
  beforehand with ``worker.outbound.mailer.build`` (building is not timed; flattening to bytes is, as it
  happens inside ``send_message`` on both sides).
- ours: ``count`` rows queued in the outbox (SQLite, Core bulk insert, not timed); timed from the
  first ``outbound.sweep()`` (which enqueues up to 500 ids per call, looped until every row is
  nudged) until every row is ``sent`` in the database AND the sink holds ``count`` messages.
  The dramatiq worker (``worker.outbound.broker.start_worker``, ``--threads`` threads) runs
  ``Deliverer.deliver`` for each id: claim (one transaction), build, send over the thread's
  reused SMTP connection, mark sent (a second transaction). By default it runs in this process,
  beside the sink, as ``introledger run`` does; ``--processes N`` runs it instead in N child
  processes, each ``introledger send`` (worker.app.service.send_forever), sharing the database and
  the queue. Workers start before the first run and stop after the last: each
  timed run begins with them idle (an idle worker polls the queue every <= 100 ms).

Redis is redis://127.0.0.1:6379/14, flushed before and after; two runs on one machine take turns
(a lock file), or they would flush and drain each other's queue. ``--prefetch N`` sets
``dramatiq_queue_prefetch`` (read by dramatiq when it is imported) because the default, two per
thread, starves a few threads (shared/TESTING.md); 0 keeps dramatiq's default.

The two are alternated ``--repeat`` times and each one's best run counts (this machine is
shared and noisy). Prints messages/s for both and the ratio ours/raw (aim >= 0.5), best against
best and the median of the back-to-back pairs.
"""
import argparse
import contextlib
import fcntl
import logging
import os
import smtplib
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REDIS_URL = "redis://127.0.0.1:6379/14"
TRACKING = "intros@example.com"
FIRST_NAMES = ("Alice", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas")


def _not_results_nag(record: logging.LogRecord) -> bool:
    return "Results middleware" not in record.msg


def flush_redis() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    finally:
        client.close()


def exclusive_redis_db():
    """Two runs at once would flush and drain each other's queue in db 14: take turns."""
    lock = open(Path(tempfile.gettempdir()) / "introledger-bench-send.lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("another bench/send.py is using Redis db 14; waiting for it to finish", file=sys.stderr)
        fcntl.flock(lock, fcntl.LOCK_EX)
    return lock  # held until it is closed or this process exits


@contextlib.contextmanager
def database(kind: str, folder: Path):
    """A fresh outbox: a SQLite file, or a PostgreSQL schema of its own (dropped afterwards)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'send.db'}"
        return
    from sqlalchemy import create_engine

    from tests.fixtures_servers import POSTGRES_URL

    schema = f"bench_send_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}application_name={schema}&options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE application_name = %(s)s AND pid <> pg_backend_pid()", {"s": schema})
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def settings(host: str, port: int) -> dict:
    return {
        "tracking": {"address": TRACKING},
        "broker_url": REDIS_URL,
        "outbound": {"transport": "smtp", "smtp": {"host": host, "port": port, "security": "none"},
                     "per_recipient_per_day": 1_000_000,
                     # The timed run's sweeps are the parent's: the workers' own would only add noise.
                     "sweep_seconds": 3600},
    }


def open_outbound(url: str, folder: Path, host: str, port: int):
    from worker.app import bootstrap
    from worker.core.config import from_dict

    config = from_dict(settings(host, port), folder / "config.yaml", env={"INTROLEDGER_DATABASE_URL": url})
    app = bootstrap.build(config)
    return app, bootstrap.build_outbound(app)


def child_worker(url: str, folder: str, host: str, port: int, threads: int, prefetch: int,
                 ready, stop) -> None:
    """One `--processes` worker: `introledger send` (worker.app.service.send_forever) until told to stop."""
    if prefetch:
        os.environ["dramatiq_queue_prefetch"] = str(prefetch)
    logging.getLogger("dramatiq.worker.WorkerThread").addFilter(_not_results_nag)
    from worker.app import bootstrap
    from worker.app.service import send_forever
    from worker.core.config import from_dict

    config = from_dict(settings(host, port), Path(folder) / "config.yaml", env={"INTROLEDGER_DATABASE_URL": url})
    app = bootstrap.build(config)
    try:
        send_forever(app, threads, stop, on_ready=ready.set)
    finally:
        app.engine.dispose()


class ChildWorkers:
    """`count` worker processes (spawned: the parent has threads), ready before the clock starts."""

    def __init__(self, count: int, args: tuple):
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        self.stop = ctx.Event()
        self.procs, readies = [], []
        for _ in range(count):
            ready = ctx.Event()
            proc = ctx.Process(target=child_worker, args=(*args, ready, self.stop), daemon=True)
            proc.start()
            self.procs.append(proc)
            readies.append(ready)
        for ready, proc in zip(readies, self.procs, strict=True):
            while not ready.wait(0.5):
                if not proc.is_alive():
                    self.close()
                    raise SystemExit(f"worker process {proc.pid} exited with {proc.exitcode}")

    def close(self) -> None:
        self.stop.set()
        for proc in self.procs:
            proc.join(30)
            if proc.is_alive():
                proc.terminate()
                proc.join(5)


def make_rows(count: int, now) -> list[dict]:
    """Thank-you rows shaped like the ones worker/followups/thanks.py queues (a few hundred bytes each)."""
    rows = []
    for i in range(count):
        name = FIRST_NAMES[i % len(FIRST_NAMES)]
        other = f"{FIRST_NAMES[(i * 7 + 3) % len(FIRST_NAMES)]} Moreau-{i % 97}"
        text = (
            f"Hi {name},\n\n"
            f"Thank you for introducing me to {other} \u2014 I really appreciate you thinking of me. "
            "I'll reach out shortly and let you know how it goes.\n\n"
            "Warmly,\nDana\n\n--\nDana Reyes\n(sent by introledger on Dana's behalf)\n"
        )
        html = (
            '<html><body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;'
            'font-size:15px;line-height:1.5;color:#222">\n'
            f"<p>Hi {name},</p>\n<p>Thank you for introducing me to {other} \u2014 I really "
            "appreciate you thinking of me. I'll be in touch and will let you know how it goes.</p>\n"
            "<p>Warmly,<br>Dana</p>\n"
            '<p style="color:#666;font-size:13px;margin-top:24px">Dana Reyes<br>'
            '<span style="font-size:12px">Sent by introledger on Dana\'s behalf.</span></p>\n'
            "</body></html>\n"
        )
        rows.append({
            "dedupe_key": f"thank-you:introducer{i}@example.test:2026-11-02:1",
            "kind": "thank_you", "status": "queued", "referral_ids": [i + 1], "member_id": None,
            "from_addr": f"Dana Reyes via introledger <{TRACKING}>",
            "to_addr": f"introducer{i}@example.test", "reply_to": "dana@reyes-bookkeeping.example",
            "subject": f"Thank you for the introduction to {other}",
            "text_body": text, "html_body": html, "in_reply_to": "", "references": "",
            "message_id": "", "reason": "", "last_error": "", "attempts": 0,
            "not_before": now - timedelta(minutes=1), "queued_at": now - timedelta(minutes=11),
            "nudged_at": None, "claimed_at": None, "sent_at": None,
        })
    return rows


def raw_smtp(sink, messages) -> float:
    """Seconds to send the prebuilt messages over one reused smtplib connection."""
    sink.clear()
    conn = smtplib.SMTP(sink.host, sink.port, timeout=30)
    try:
        started = time.perf_counter()
        for msg in messages:
            conn.send_message(msg)
        seconds = time.perf_counter() - started
    finally:
        conn.quit()
    sink.wait_for(len(messages), timeout=5)
    return seconds


def reset_outbox(engine) -> None:
    from sqlalchemy import update

    from models import OutboxMessage

    with engine.begin() as conn:
        conn.execute(update(OutboxMessage).values(
            status="queued", nudged_at=None, claimed_at=None, sent_at=None, attempts=0, message_id=""))


def count_sent(engine) -> int:
    from sqlalchemy import func, select

    from models import OutboxMessage

    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(OutboxMessage)
                           .where(OutboxMessage.status == "sent"))


def ours(app, outbound, sink, reader, count: int, timeout: float) -> float:
    """Seconds from the first sweep until every row is sent and the sink has every message.

    The workers are already running, idle (they poll the empty queue every <= 100 ms)."""
    reset_outbox(app.engine)
    flush_redis()
    sink.clear()
    started = time.perf_counter()
    deadline = started + timeout
    nudged = 0
    while nudged < count:
        n = outbound.sweep()
        nudged += n
        if n == 0:  # the queue refused (the sweep logged why): try again until the deadline
            if time.perf_counter() > deadline:
                raise SystemExit(f"timed out nudging: {nudged}/{count}")
            time.sleep(0.01)
    sink.wait_for(count, timeout=max(1.0, deadline - time.perf_counter()))
    # mark_sent commits just after the sink accepted the message: wait for the last ones.
    while (sent := count_sent(reader)) < count:
        if time.perf_counter() > deadline:
            raise SystemExit(f"timed out: {sent}/{count} rows sent")
        time.sleep(0.002)
    return time.perf_counter() - started


class InProcessWorker:
    """The worker in this process, beside the sink, as `introledger run` has it."""

    def __init__(self, broker, threads: int):
        from worker.outbound.broker import start_worker

        self.worker = start_worker(broker, threads=threads)

    def close(self) -> None:
        self.worker.stop()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=10_000)
    p.add_argument("--threads", type=int, default=8, help="dramatiq worker threads per process")
    p.add_argument("--prefetch", type=int, default=64,
                   help="dramatiq_queue_prefetch (0: dramatiq's default, 2 x threads)")
    p.add_argument("--processes", type=int, default=0,
                   help="worker processes; 0: the worker runs in this process, beside the sink")
    p.add_argument("--repeat", type=int, default=3, help="runs of each, alternated; the best counts")
    p.add_argument("--timeout", type=float, default=300, help="seconds one run of ours may take")
    p.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite",
                   help="the outbox in SQLite (the embedded default) or PostgreSQL on 127.0.0.1:5432")
    args = p.parse_args()
    if args.prefetch:
        os.environ["dramatiq_queue_prefetch"] = str(args.prefetch)  # before dramatiq is imported

    import dramatiq.worker
    from sqlalchemy import create_engine, insert, select

    from models import OutboxMessage
    from models.base import utcnow
    from models.db import make_engine, upgrade
    from tests.servers import SmtpSink
    from worker.outbound import mailer

    # Deliverer.deliver returns its outcome ("sent"), and dramatiq warns once per message that the
    # value is discarded; keep the report readable (the record is still made, so the cost stays).
    logging.getLogger("dramatiq.worker.WorkerThread").addFilter(_not_results_nag)
    prefetch = dramatiq.worker.QUEUE_PREFETCH or 2 * args.threads
    where = (f"{args.processes} worker process(es)" if args.processes
             else "1 worker process (this one, beside the sink)")
    setting = f"{args.database}; {where} x {args.threads} threads, queue prefetch {prefetch}"
    lock = exclusive_redis_db()
    sink = SmtpSink().start()
    outbound = app = reader = workers = None
    raw_runs, our_runs = [], []
    flush_redis()
    try:
        with tempfile.TemporaryDirectory() as tmp, database(args.database, Path(tmp)) as url:
            upgrade(make_engine(url))
            app, outbound = open_outbound(url, Path(tmp), sink.host, sink.port)
            # A plain reader for the progress check: no BEGIN IMMEDIATE, so it never takes the
            # write lock the workers need (WAL readers do not block writers).
            reader = create_engine(url)

            rows = make_rows(args.count, utcnow())
            with app.engine.begin() as conn:
                for i in range(0, len(rows), 500):
                    conn.execute(insert(OutboxMessage), rows[i:i + 500])
            with app.sessions() as session:
                messages = [mailer.build(row, TRACKING)
                            for row in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
            size = sum(len(bytes(m)) for m in messages) / len(messages)
            if args.processes:
                workers = ChildWorkers(args.processes, (url, tmp, sink.host, sink.port, args.threads,
                                                        args.prefetch))
            else:
                workers = InProcessWorker(outbound.broker, args.threads)

            print(f"{args.count} thank-yous (~{size:.0f} bytes each); {setting}", file=sys.stderr)
            # Alternate the two and keep each one's best run: this machine is shared and noisy.
            for i in range(args.repeat):
                raw_runs.append(raw_smtp(sink, messages))
                our_runs.append(ours(app, outbound, sink, reader, args.count, args.timeout))
                print(f"  run {i + 1}: raw {args.count / raw_runs[-1]:6.0f} msg/s   "
                      f"ours {args.count / our_runs[-1]:6.0f} msg/s   "
                      f"ratio {raw_runs[-1] / our_runs[-1]:.2f}", file=sys.stderr)
    finally:
        if workers is not None:
            workers.close()
        if outbound is not None:
            outbound.close()
        if reader is not None:
            reader.dispose()
        if app is not None:
            app.engine.dispose()
        sink.stop()
        flush_redis()
        lock.close()

    n, base, best = args.count, min(raw_runs), min(our_runs)
    print(f"messages: {n} thank-yous (~{size:.0f} bytes each), best of {args.repeat}; {setting}")
    print(f"raw smtplib, one reused connection (prebuilt): {n / base:8.0f} msg/s")
    print(f"introledger outbox -> dramatiq/Redis -> SMTP : {n / best:8.0f} msg/s")
    print(f"ratio ours/raw, best of each                 : {base / best:8.2f}  (aim >= 0.5)")
    # Each pair ran back to back under the same background load: their ratios vary less than
    # either side's speed does on a shared machine.
    paired = sorted(r / o for r, o in zip(raw_runs, our_runs, strict=True))
    print(f"ratio ours/raw, median of the paired runs    : {paired[len(paired) // 2]:8.2f}  "
          f"(runs: {', '.join(f'{x:.2f}' for x in paired)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
