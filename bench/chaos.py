"""Chaos bench: intros into a real Dovecot while processes are SIGKILLed and every server misbehaves.

    python bench/chaos.py --quick [--database sqlite|postgres] [--seed 1] [--window-status unconfirmed]

What runs, all on 127.0.0.1, each in its own process:

- Dovecot (tests/servers.py), the mailbox `introledger run` watches over IMAP IDLE;
- a private ``redis-server`` on a free port (the broker; never the shared one on 6379);
- an SMTP sink (bench/_sink.py) recording every mail it takes by Message-ID;
- for PostgreSQL, a TCP proxy (bench/_proxy.py) between the workers and the server, in a schema
  of our own (dropped at the end); for SQLite, a file in a temp dir;
- one ``introledger run`` and two ``introledger send`` (bench/_procs.py; ``--runs``, ``--senders``).

The storm: N intros (quick 200, full 1,000; English double intros, each from its own introducer
to a member and a prospect, Date = now) are delivered over LMTP and IMAP APPEND, alternately,
while every 2-5 s a random worker gets ``kill -9`` and is started again, and the fault schedule
runs: Redis killed (every queued job lost) and restarted, SMTP answering 451, SMTP down, SMTP
slow (the mail is taken, the reply comes after the client's timeout), IMAP connections kicked,
Redis connections cut (data kept), SMTP answering 550, Dovecot restarted, the database refusing
connections (PostgreSQL: the proxy cuts and refuses; SQLite: an exclusive lock held 35 s), Redis
killed again. Then the storm stops and everything
is left to recover.

What one intro must cause (this config): exactly one thank-you to the introducer and exactly
one follow-up to the member (one step, a few seconds after the intro; digests and reminders
off). Rows a 550 failed on purpose are retried once the fault is over, as an operator would
(``outbox retry``): a 5xx is final by design.

Figures:
- lost: expected mail never received, and its outbox row is settled or missing (or the intro
  was never logged);
- stuck: expected mail not received whose row is still open (queued/sending) at the deadline;
- duplicated: expected mail received more than once, except the mail the outbox marks as being
  in the documented at-most-once window (rows whose status is ``--window-status``), shown apart;
- recovery: from the end of the last fault to the last expected mail received;
- database: every intro recorded once in inbound_messages and logged as exactly one referral.
The raw limits measured in the same run are printed beside ours (APPEND, LMTP, SMTP rates).
"""
import argparse
import json
import random
import re
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._procs import Redis, Worker, restart_dovecot  # noqa: E402
from bench._proxy import ProxyControl  # noqa: E402
from bench._sink import SinkControl  # noqa: E402
from tests import mailgen  # noqa: E402
from tests.servers import Dovecot, free_port  # noqa: E402

TRACKING = "intros@example.com"
MEMBERS = (("Dana Whitfield", "dana@danabooks.example"), ("Marco Rossi", "marco@rossi-marketing.example"))
SMTP_TIMEOUT = 5.0  # the client's, for every command but the end of DATA
DATA_TIMEOUT = 15.0  # the client's wait for the end-of-DATA answer; the slow fault answers after it
OPEN = ("queued", "sending")
OUTBOX_ID = re.compile(r"(?:^|\.)ol(\d+)[.@]")  # make_msgid(idstring=ol{id}) or <ol{id}.{hash}@…>


# ---- the mail -----------------------------------------------------------------------------------


def recipients(i: int) -> dict[str, str]:
    """Who intro i's mail must go to: the thank-you to its introducer, the follow-up to its member."""
    return {"thank_you": f"introducer{i}@partner{i % 13}.example", "follow_up": MEMBERS[i % 2][1]}


def intro(i: int, seed: int) -> tuple[str, bytes]:
    """Intro i: its own introducer (so its own thank-you), a prospect, and a member."""
    first, last = mailgen.FIRST, mailgen.LAST
    introducer = (f"{first[i % 20]} {last[i % 16]}", f"introducer{i}@partner{i % 13}.example")
    prospect = (f"{first[(i + 7) % 20]} {last[(i + 5) % 16]}", f"prospect{i}@client{i % 11}.example")
    member = MEMBERS[i % 2]
    raw = mailgen.intro(i, random.Random(seed * 100_003 + i), "en", ("gmail", "outlook", "apple")[i % 3],
                        TRACKING, introducer, prospect, member, datetime.now(UTC))
    mid = raw.split(b"Message-ID: <", 1)[1].split(b">", 1)[0].decode()
    return mid, raw


def config_yaml(dovecot: Dovecot, redis_url: str, smtp_port: int) -> str:
    members = "\n".join(f"  - {{name: {n}, emails: [{e}]}}" for n, e in MEMBERS)
    return f"""\
tracking: {{address: {TRACKING}}}
broker_url: {redis_url}
source:
  kind: imap
  imap: {{host: 127.0.0.1, port: {dovecot.port}, security: none, username: {dovecot.user},
         password_env: CHAOS_IMAP_PASSWORD, timeout_seconds: 10}}
members:
{members}
outbound:
  transport: smtp
  smtp: {{host: 127.0.0.1, port: {smtp_port}, security: none, timeout_seconds: {SMTP_TIMEOUT},
         data_timeout_seconds: {DATA_TIMEOUT}}}
  quiet_hours: null
  per_recipient_per_day: 1000000
  sending_timeout_seconds: {DATA_TIMEOUT + 2 * SMTP_TIMEOUT + 5}
  sweep_seconds: 2
thank_you: {{delay_seconds: 0}}
follow_ups: {{steps: [10s]}}
digest: {{enabled: false}}
reminders: {{coffee: {{enabled: false}}, promises: {{enabled: false}}}}
"""


# ---- raw limits, measured in the same run -------------------------------------------------------


def raw_limits(dovecot: Dovecot, smtp_port: int, count: int, seed: int) -> dict:
    import smtplib

    mails = [intro(900_000 + i, seed)[1] for i in range(count)]
    # Before any worker starts; the mailbox is emptied afterwards.
    c = dovecot.client()
    started = time.perf_counter()
    for raw in mails:
        c.append("INBOX", raw)
    append = count / (time.perf_counter() - started)
    c.logout()
    with smtplib.LMTP(dovecot.host, dovecot.lmtp_port, timeout=10) as lmtp:
        started = time.perf_counter()
        for raw in mails:
            lmtp.sendmail("raw@bench.example", [dovecot.user], raw)
        lmtp_rate = count / (time.perf_counter() - started)
    dovecot.clear()
    body = b"".join(b"Thank you for the introduction, it means a lot to us here. %d\r\n" % k for k in range(50))
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:
        started = time.perf_counter()
        for i in range(count):
            head = (f"From: raw@bench.example\r\nTo: raw@bench.example\r\nMessage-ID: <raw-{i}@bench.example>\r\n"
                    "Subject: raw\r\n\r\n")
            smtp.sendmail("raw@bench.example", ["raw@bench.example"], head.encode() + body)
        smtp_rate = count / (time.perf_counter() - started)
    return {"append": append, "lmtp": lmtp_rate, "smtp": smtp_rate}


# ---- the storm ----------------------------------------------------------------------------------


class Deliveries(threading.Thread):
    """The MTA's side: every intro reaches Dovecot in the end (retried while it is down)."""

    def __init__(self, dovecot: Dovecot, mails: list[tuple[str, bytes]], seconds: float) -> None:
        super().__init__(name="deliveries", daemon=True)
        self.dovecot, self.mails, self.seconds = dovecot, mails, seconds
        self.retries = 0
        self.done_at = None

    def run(self) -> None:
        started = time.monotonic()
        for n, (_mid, raw) in enumerate(self.mails):
            wait = started + n * self.seconds / len(self.mails) - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            while True:
                try:
                    if n % 2:
                        self.dovecot.append(raw)
                    else:
                        self.dovecot.deliver_lmtp(raw)
                    break
                except Exception:  # noqa: BLE001 - Dovecot is restarting: try again, as an MTA would
                    self.retries += 1
                    time.sleep(0.5)
        self.done_at = time.monotonic()


class Storm(threading.Thread):
    """kill -9 of a random worker every 2-5 s, started again 0.3-1.5 s later; crashes restarted too."""

    def __init__(self, workers: list[Worker], rng: random.Random) -> None:
        super().__init__(name="storm", daemon=True)
        self.workers, self.rng = workers, rng
        self.stopping = threading.Event()
        self.last_kill = None

    def run(self) -> None:
        while not self.stopping.wait(self.rng.uniform(2, 5)):
            victim = self.rng.choice(self.workers)
            victim.kill9()
            self.last_kill = time.monotonic()
            if self.stopping.wait(self.rng.uniform(0.3, 1.5)):
                break
            self.keep_alive()
        self.keep_alive()

    def keep_alive(self) -> None:
        for w in self.workers:
            if not w.alive():
                w.start()


class Database:
    """The bench's own database: a SQLite file, or a PostgreSQL schema behind the proxy."""

    def __init__(self, kind: str, workdir: Path) -> None:
        self.kind, self.proxy, self.schema = kind, None, None
        if kind == "sqlite":
            self.path = workdir / "chaos.db"
            self.direct_url = self.worker_url = f"sqlite:///{self.path}"
            return
        from sqlalchemy import create_engine, make_url

        from tests.fixtures_servers import POSTGRES_URL

        self.schema = f"chaos_{uuid.uuid4().hex[:12]}"
        self.admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{self.schema}"')
        base = make_url(POSTGRES_URL)
        query = {"application_name": self.schema, "options": f"-csearch_path={self.schema}"}
        self.direct_url = base.update_query_dict(query).render_as_string(hide_password=False)
        self.proxy = ProxyControl(free_port(), (base.host or "127.0.0.1", base.port or 5432))
        self.worker_url = base.set(host="127.0.0.1", port=self.proxy.port).update_query_dict(query) \
            .render_as_string(hide_password=False)

    def outage(self, seconds: float) -> None:
        if self.proxy is not None:
            self.proxy.set("refuse")
            time.sleep(seconds)
            self.proxy.set("pass")
            return
        lock = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
        time.sleep(seconds)
        lock.execute("ROLLBACK")
        lock.close()

    def close(self, keep: bool) -> None:
        if self.proxy is not None:
            self.proxy.close()
        if self.schema is not None:
            if not keep:
                with self.admin.connect() as conn:
                    conn.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                         "WHERE application_name = %(s)s AND pid <> pg_backend_pid()",
                                         {"s": self.schema})
                    conn.exec_driver_sql(f'DROP SCHEMA "{self.schema}" CASCADE')
            self.admin.dispose()


def schedule(redis: Redis, sink: SinkControl, dovecot: Dovecot, db: Database, sqlite: bool):
    """(start second, what, action): one cycle of every fault, about 80 s."""
    def redis_down(seconds):
        def act():
            redis.kill9()
            time.sleep(seconds)
            redis.start()
        return act

    def smtp(mode, seconds, slow=0.0):
        def act():
            sink.set(mode, slow)
            time.sleep(seconds)
            sink.set("up")
        return act

    db_seconds = 35 if sqlite else 20
    db_what = f"database locked {db_seconds} s (exclusive lock)" if sqlite else \
        f"database refusing connections {db_seconds} s (proxy)"
    return [
        (4, "Redis kill -9, back after 5 s", redis_down(5)),
        (11, "SMTP 451 for 6 s", smtp("451", 6)),
        (18, "SMTP down for 6 s", smtp("down", 6)),
        (25, f"SMTP slow for 10 s (mail taken, reply {DATA_TIMEOUT + 3:.0f} s after DATA; "
             f"client waits {DATA_TIMEOUT:.0f} s)", smtp("slow", 10, DATA_TIMEOUT + 3)),
        (31, "IMAP connections kicked (doveadm kick)", dovecot.kick),
        (34, "Redis connections cut (CLIENT KILL, data kept)", redis.cut),
        (37, "SMTP 550 for 3 s", smtp("550", 3)),
        (41, "Dovecot restart (2 s down)", lambda: restart_dovecot(dovecot, 2)),
        (45, db_what, lambda: db.outage(db_seconds)),
        (45 + db_seconds + 2, "Redis kill -9, back after 3 s", redis_down(3)),
    ]


# ---- the count ----------------------------------------------------------------------------------


def snapshot(url: str):
    """(outbox rows by id, source Message-ID by referral id, referral count by Message-ID,
    inbound record count by Message-ID, quarantined count)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = {r.id: r for r in conn.execute(text(
                "SELECT id, kind, status, referral_ids, to_addr, last_error, reason FROM outbox"))}
            refs = dict(conn.execute(text("SELECT id, source_message_id FROM referrals")).all())
            inbound = Counter(m for (m,) in conn.execute(text("SELECT message_id FROM inbound_messages")))
            quarantined = conn.execute(text("SELECT count(*) FROM quarantine")).scalar()
    finally:
        engine.dispose()
    return rows, refs, inbound, quarantined


def _ids(value) -> list[int]:
    return json.loads(value) if isinstance(value, str) else list(value or [])


def mail_key(row, refs: dict) -> tuple[str, frozenset]:
    return row.kind, frozenset(refs.get(r, f"?{r}") for r in _ids(row.referral_ids))


def count(received: list[dict], url: str, intro_ids: list[str], window_status: str) -> dict:
    rows, refs, inbound, quarantined = snapshot(url)
    expected = {(kind, frozenset([mid])) for mid in intro_ids for kind in ("thank_you", "follow_up")}
    rcpt = {(kind, frozenset([mid])): to for i, mid in enumerate(intro_ids) for kind, to in recipients(i).items()}
    got: dict[tuple, list[dict]] = defaultdict(list)
    carriers: dict[tuple, set[int]] = defaultdict(set)
    unknown = []
    for mail in received:
        if mail["message_id"].startswith("raw-"):
            continue
        m = OUTBOX_ID.search(mail["message_id"])
        row = rows.get(int(m.group(1))) if m else None
        if row is None:
            unknown.append(mail)
            continue
        key = mail_key(row, refs)
        got[key].append(mail)
        carriers[key].add(row.id)
    rows_for: dict[tuple, list] = defaultdict(list)
    for row in rows.values():
        rows_for[mail_key(row, refs)].append(row)
    lost, lost_window, stuck, dup, dup_window = [], [], [], [], []
    for key in sorted(expected, key=lambda k: (sorted(k[1]), k[0])):
        mails = got.get(key, [])
        if not mails:
            mine = rows_for.get(key, [])
            if any(r.status in OPEN for r in mine):
                stuck.append((key, mine))
            elif any(r.status == window_status for r in mine):
                lost_window.append((key, mine))  # at most once: listed for a person, not resent
            else:
                lost.append((key, mine))
        elif len(mails) > 1:
            in_window = any(rows[i].status == window_status for i in carriers[key])
            (dup_window if in_window else dup).append((key, mails, [rows[i] for i in carriers[key]]))
    extra = {k: v for k, v in got.items() if k not in expected}
    misaddressed = [(k, m) for k, v in got.items() if k in rcpt for m in v if m["rcpt"] != [rcpt[k]]]
    window_rows = [r for r in rows.values() if r.status == window_status]
    window_arrived = sum(bool(got.get(mail_key(r, refs))) for r in window_rows)
    logged = Counter(refs.values())
    return {
        "expected": len(expected), "received": sum(len(v) for v in got.values()),
        "lost": lost, "lost_window": lost_window, "stuck": stuck, "dup": dup, "dup_window": dup_window,
        "unknown": unknown, "extra": extra, "misaddressed": misaddressed, "window_rows": len(window_rows),
        "window_arrived": window_arrived, "open_rows": sum(r.status in OPEN for r in rows.values()),
        "status": Counter(r.status for r in rows.values()),
        "not_logged": [m for m in intro_ids if logged[m] == 0],
        "logged_twice": [m for m in intro_ids if logged[m] > 1],
        "recorded_twice": [m for m in intro_ids if inbound[m] > 1],
        "not_recorded": [m for m in intro_ids if inbound[m] == 0],
        "quarantined": quarantined,
        "last_expected_at": max((m["t"] for k, v in got.items() if k in expected for m in v), default=None),
    }


def retry_refused(url: str) -> int:
    """The operator's step after the 550 fault: `outbox retry` of the mail it refused."""
    from sqlalchemy import select

    from models import OutboxMessage
    from models.base import utcnow
    from models.db import make_engine, session_factory
    from worker.outbound import outbox

    engine = make_engine(url)
    try:
        with session_factory(engine).begin() as session:
            ids = session.scalars(select(OutboxMessage.id).where(
                OutboxMessage.status == "failed", OutboxMessage.last_error.like("%chaos: refused%"))).all()
            return sum(outbox.retry(session, i, utcnow()) for i in ids)
    finally:
        engine.dispose()


# ---- main ---------------------------------------------------------------------------------------


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="200 intros, one fault cycle (default: 1,000, two)")
    p.add_argument("--intros", type=int, help="override the number of intros")
    p.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--window-status", default="unconfirmed",
                   help="outbox status marking mail in the documented at-most-once window")
    p.add_argument("--recovery", type=float, help="seconds to wait after the last fault (quick 200, full 420)")
    p.add_argument("--runs", type=int, default=1, help="`introledger run` processes watching the mailbox (default 1)")
    p.add_argument("--senders", type=int, default=2, help="`introledger send` processes (default 2)")
    p.add_argument("--keep", action="store_true", help="keep the work dir (logs) and the PostgreSQL schema")
    args = p.parse_args()
    n = args.intros or (200 if args.quick else 1000)
    cycles = 1 if args.quick else 2
    recovery_limit = args.recovery or (200 if args.quick else 420)
    rng = random.Random(args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="introledger-chaos-"))
    print(f"chaos: {n} intros, {cycles} fault cycle(s), {args.database}, seed {args.seed}, "
          f"{args.runs} run + {args.senders} send, work dir {workdir}",
          flush=True)

    with ExitStack() as stack:
        dovecot = Dovecot().start()
        stack.callback(dovecot.stop)
        sink = SinkControl(free_port(), str(workdir / "received.jsonl"))
        stack.callback(sink.close)
        redis = Redis(free_port(), workdir / "redis.log")
        redis.start()
        stack.callback(redis.stop)
        db = Database(args.database, workdir)
        stack.callback(db.close, args.keep)

        raw = raw_limits(dovecot, sink.port, 200 if args.quick else 500, args.seed)
        print(f"raw limits: IMAP APPEND {raw['append']:.0f} msg/s, LMTP {raw['lmtp']:.0f} msg/s, "
              f"SMTP (one connection) {raw['smtp']:.0f} msg/s", flush=True)

        cfg = workdir / "config.yaml"
        cfg.write_text(config_yaml(dovecot, redis.url, sink.port))
        env = {"CHAOS_IMAP_PASSWORD": dovecot.password, "INTROLEDGER_TOKEN_SECRET": "chaos-" + uuid.uuid4().hex}
        upgrade = Worker("db", ["db", "upgrade"], cfg, workdir / "upgrade.log",
                         {**env, "INTROLEDGER_DATABASE_URL": db.direct_url})
        upgrade.start()
        if upgrade.proc.wait(120) != 0:
            print((workdir / "upgrade.log").read_text())
            return 1
        wenv = {**env, "INTROLEDGER_DATABASE_URL": db.worker_url}
        workers = [
            Worker(f"run{k}" if args.runs > 1 else "run", ["run"], cfg, workdir / f"run{k}.log", wenv)
            for k in range(1, args.runs + 1)] + [
            Worker(f"send{k}", ["send", "--threads", "2"], cfg, workdir / f"send{k}.log", wenv)
            for k in range(1, args.senders + 1)]
        for w in workers:
            w.start()
        stack.callback(lambda: [w.stop() for w in workers])

        mails = [intro(i, args.seed) for i in range(n)]
        intro_ids = [mid for mid, _ in mails]
        faults = schedule(redis, sink, dovecot, db, args.database == "sqlite")
        cycle_seconds = faults[-1][0] + 5
        t0 = time.monotonic()
        deliveries = Deliveries(dovecot, mails, seconds=cycle_seconds * cycles - 10)
        deliveries.start()
        storm = Storm(workers, rng)
        storm.start()
        refused = 0
        for c in range(cycles):
            for at, what, act in faults:
                wait = t0 + c * cycle_seconds + at - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                print(f"  {time.monotonic() - t0:6.1f} s  {what}", flush=True)
                act()
                if "550" in what:
                    refused += retry_refused(db.direct_url)
        storm.stopping.set()
        storm.join()
        deliveries.join()
        last_fault = time.monotonic()
        refused += retry_refused(db.direct_url)
        print(f"  {last_fault - t0:6.1f} s  faults over: {sum(w.kills for w in workers)} kill -9 "
              f"({', '.join(f'{w.name} {w.kills}' for w in workers)}), Redis killed {redis.kills}x, "
              f"{refused} mail(s) refused by 550 retried; waiting up to {recovery_limit:.0f} s", flush=True)
        wall_last_fault = time.time()

        deadline = last_fault + recovery_limit
        result = None
        while time.monotonic() < deadline:
            time.sleep(3)
            storm.keep_alive()  # a crash after the storm is restarted too (and counted)
            try:
                result = count(sink.received(), db.direct_url, intro_ids, args.window_status)
            except Exception as exc:  # noqa: BLE001 - e.g. a lock: try again
                print(f"  (count failed: {exc})", flush=True)
                continue
            if not result["lost"] and not result["stuck"] and result["open_rows"] == 0:
                break
            if not result["stuck"] and result["open_rows"] == 0 and time.monotonic() > last_fault + 60:
                break  # nothing left that could still arrive
        for w in workers:
            w.stop()
        time.sleep(1)
        result = count(sink.received(), db.direct_url, intro_ids, args.window_status)
        report(result, workers, raw, wall_last_fault, t0, last_fault, args, n, deliveries)
        if args.keep:
            print(f"kept: {workdir}" + (f", schema {db.schema}" if db.schema else ""))
    if not args.keep:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if not (result["lost"] or result["dup"] or result["stuck"] or result["misaddressed"]) else 3


def report(r: dict, workers, raw, wall_last_fault, t0, last_fault, args, n, deliveries) -> None:
    print()
    print(f"intros delivered: {n} (LMTP/APPEND retries while Dovecot was down: {deliveries.retries})")
    print(f"expected mail: {r['expected']} (1 thank-you + 1 follow-up per intro); received {r['received']}; "
          f"outbox: {dict(r['status'])}")
    rec = f"{r['last_expected_at'] - wall_last_fault:.1f} s" if r["last_expected_at"] else "-"
    if r["lost"] or r["stuck"]:
        rec = f"not recovered (last expected mail at {rec})"
    print(f"LOST {len(r['lost'])} (+{len(r['lost_window'])} {args.window_status}, never arrived)   "
          f"DUPLICATED {len(r['dup'])} (+{len(r['dup_window'])} {args.window_status})   "
          f"STUCK {len(r['stuck'])} (open rows {r['open_rows']})   "
          f"RECOVERY {rec}")
    if r["window_rows"]:
        print(f"{args.window_status} (listed for a person, never resent by itself): {r['window_rows']} rows, "
              f"{r['window_arrived']} of them arrived once")
    print(f"recipients: {len(r['misaddressed'])} mail(s) to the wrong address")
    print(f"database: not logged {len(r['not_logged'])}, logged twice {len(r['logged_twice'])}, "
          f"recorded twice {len(r['recorded_twice'])}, not recorded {len(r['not_recorded'])}, "
          f"quarantined {r['quarantined']}")
    crashes = {w.name: w.exits for w in workers if w.exits}
    print(f"workers: {', '.join(f'{w.name} started {w.starts}x, {w.tracebacks()} tracebacks' for w in workers)}"
          + (f"; exited on their own: {crashes}" if crashes else ""))
    sent = r["received"]
    if r["last_expected_at"]:
        span = r["last_expected_at"] - (wall_last_fault - (last_fault - t0))
        print(f"ours under chaos: {sent} mails in {span:.0f} s from the first intro ({sent / span:.1f} mail/s); "
              f"raw in the same run: APPEND {raw['append']:.0f}/s, LMTP {raw['lmtp']:.0f}/s, SMTP {raw['smtp']:.0f}/s")
    for label, items in (("lost", r["lost"]), ("stuck", r["stuck"]), (args.window_status, r["lost_window"])):
        for key, rows in items[:15]:
            what = ("; ".join(f"#{x.id} {x.status} {(x.last_error or x.reason)[:120]!r}" for x in rows)
                    or "no outbox row")
            print(f"  {label}: {key[0]} for {sorted(key[1])}: {what}")
    for label, items in (("duplicated", r["dup"]), ("in window", r["dup_window"])):
        for key, mails, rows in items[:15]:
            times = ", ".join(f"{m['t'] - wall_last_fault:+.1f}s/{m['mode']}" for m in mails)
            rs = "; ".join(f"#{x.id} {x.status}" for x in rows)
            print(f"  {label}: {key[0]} for {sorted(key[1])} x{len(mails)} at {times} (rows {rs})")
    for mid in r["logged_twice"][:10]:
        print(f"  logged twice: {mid}")
    for mid in r["not_logged"][:10]:
        print(f"  not logged: {mid}")
    for key, mail in r["misaddressed"][:10]:
        print(f"  misaddressed: {key[0]} for {sorted(key[1])} went to {mail['rcpt']}")
    if r["extra"]:
        print(f"  other mail: {Counter(k[0] for k in r['extra'])}")
    if r["unknown"]:
        print(f"  mail with no outbox row: {len(r['unknown'])}")


if __name__ == "__main__":
    sys.exit(main())
