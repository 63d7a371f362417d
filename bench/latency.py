"""Benchmark: APPEND → referral committed, with `run` IDLE-ing on a real Dovecot.

    python bench/latency.py [--count 100]

Beside it, in the same run, the bare floor: a plain imapclient IDLE waking on the same APPEND
(Dovecot holds IDLE notifications ~0.5 s). Our overhead is our figure minus that floor.
"""
import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import mailgen  # noqa: E402
from tests.servers import Dovecot  # noqa: E402


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def bare_idle(server: Dovecot, count: int) -> list[float]:
    watcher, writer = server.client(), server.client()
    watcher.select_folder("INBOX")
    delays = []
    for i in range(count):
        watcher.idle()
        started = time.perf_counter()
        writer.append("INBOX", mailgen.noise(100_000 + i))
        while not any(r[1] == b"EXISTS" for r in watcher.idle_check(timeout=5)):
            pass
        delays.append(time.perf_counter() - started)
        watcher.idle_done()
    watcher.logout()
    writer.logout()
    return delays


def ours(server: Dovecot, count: int, workdir: Path) -> list[float]:
    from models.db import make_engine, upgrade
    from worker.app import bootstrap
    from worker.app.live import imap_account, runner_for
    from worker.core.config import from_dict

    config = from_dict({
        "tracking": {"address": "intros@example.com"},
        "source": {"kind": "imap", "imap": {
            "host": server.host, "port": server.port, "security": "none",
            "username": server.user, "password_env": "BENCH_PW"}},
    }, workdir / "config.yaml", env={"BENCH_PW": server.password,
                                     "INTROLEDGER_DATABASE_URL": f"sqlite:///{workdir / 'lat.db'}"})
    upgrade(make_engine(config.database_url))
    app = bootstrap.build(config)
    committed: dict[str, float] = {}
    arrived = threading.Event()

    def on_outcome(outcome):
        committed[outcome.message_id] = time.perf_counter()
        arrived.set()

    runner, _once, forever = runner_for(app, on_outcome=on_outcome)
    thread = threading.Thread(target=forever, daemon=True)
    thread.start()
    time.sleep(1.0)  # connected, caught up, IDLE-ing
    writer, delays = server.client(), []
    for i in range(count):
        raw = mailgen.intro(200_000 + i)
        mid = raw.split(b"Message-ID: <", 1)[1].split(b">", 1)[0].decode()
        arrived.clear()
        started = time.perf_counter()
        writer.append("INBOX", raw)
        while mid not in committed:
            arrived.wait(5)
            arrived.clear()
        delays.append(committed[mid] - started)
    writer.logout()
    runner.stop()
    thread.join(10)
    assert imap_account(app)  # config was really IMAP
    return delays


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=100)
    args = p.parse_args()
    server = Dovecot().start()
    try:
        floor = bare_idle(server, args.count)
        server.clear()
        with tempfile.TemporaryDirectory() as tmp:
            ours_delays = ours(server, args.count, Path(tmp))
    finally:
        server.stop()
    ms = lambda s: s * 1000
    f50, f99 = ms(pct(floor, 50)), ms(pct(floor, 99))
    o50, o99 = ms(pct(ours_delays, 50)), ms(pct(ours_delays, 99))
    print(f"messages: {args.count} intros APPENDed one at a time")
    print(f"bare imapclient IDLE wake-up : p50 {f50:7.1f} ms   p99 {f99:7.1f} ms")
    print(f"APPEND → referral committed  : p50 {o50:7.1f} ms   p99 {o99:7.1f} ms")
    print(f"our overhead above the floor : p50 {o50 - f50:7.1f} ms   p99 {o99 - f99:7.1f} ms"
          f"   (aim ≤ 50 / ≤ 200)")
    print(f"ratio ours/floor             : p50 {o50 / f50:7.2f}     p99 {o99 / f99:7.2f}")


if __name__ == "__main__":
    main()
