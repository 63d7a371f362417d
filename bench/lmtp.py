"""Benchmark: an intro handed over by LMTP → referral committed, as the MTA sees it.

    python bench/lmtp.py [--count 500] [--db sqlite|postgres|both] [--new-connection]

Ours: a real `introledger lmtp` process on a unix socket, an smtplib.LMTP client playing the
MTA (one connection reused, as Postfix's connection cache does; --new-connection opens one per
message). Its 250 comes only after the commit, so the round trip from MAIL FROM to the 250 is
"email → referral committed". Each message is an intro to a member: a referral, its people, a
thank-you queued in the outbox, follow-ups scheduled — the most writing a message causes.

Beside it, in the same run, the raw limit: the same client against a no-op aiosmtpd LMTP server
(in its own process, answering 250 at once) — the cost of LMTP itself on this machine.
"""
import argparse
import os
import smtplib
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import mailgen  # noqa: E402

DANA = ("Dana Whitfield", "dana@danabooks.example")
POSTGRES = os.environ.get("INTROLEDGER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
NOOP_SERVER = """
import asyncio, sys
from aiosmtpd.lmtp import LMTP
class Lenient(LMTP):
    line_length_limit = 1024 * 1024  # as ours: HTML mail with long lines is taken
class Noop:
    async def handle_DATA(self, server, session, envelope):
        return "\\r\\n".join("250 2.0.0 OK" for _ in envelope.rcpt_tos)
async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_unix_server(lambda: Lenient(Noop(), enable_SMTPUTF8=True), sys.argv[1])
    print("ready", flush=True)
    await server.serve_forever()
asyncio.run(main())
"""


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def wait_for_socket(path: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the server did not start (exit {proc.poll()})")
        time.sleep(0.05)


def drive(path: Path, messages: list[bytes], new_connection: bool) -> list[float]:
    """Seconds from MAIL FROM to the (last) 250 after DATA, per message."""
    delays, client = [], None
    for raw in messages:
        if client is None:
            client = smtplib.LMTP(str(path))
            client.ehlo_or_helo_if_needed()
        started = time.perf_counter()
        client.mail("carol@z.example")
        client.rcpt("intros@example.com")
        code, text = client.data(raw)
        delays.append(time.perf_counter() - started)
        if code != 250:
            raise SystemExit(f"LMTP answered {code} {text!r}")
        if new_connection:
            client.quit()
            client = None
    if client is not None:
        client.quit()
    return delays


def bare(workdir: Path, messages: list[bytes], new_connection: bool) -> list[float]:
    path = workdir / "noop.sock"
    proc = subprocess.Popen([sys.executable, "-c", NOOP_SERVER, str(path)], stdout=subprocess.PIPE)
    try:
        wait_for_socket(path, proc)
        return drive(path, messages, new_connection)
    finally:
        proc.terminate()
        proc.wait(10)


def database(kind: str, workdir: Path) -> tuple[str, Callable[[], None]]:
    """A fresh migrated database and a function that drops it."""
    from models.db import make_engine, upgrade

    if kind == "sqlite":
        url = f"sqlite:///{workdir / 'bench.db'}"
        drop = lambda: None
    else:
        import sqlalchemy as sa

        schema = f"bench_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = f"{POSTGRES}?options=-csearch_path%3D{schema}"

        def drop():
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            admin.dispose()
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url, drop


def ours(kind: str, workdir: Path, messages: list[bytes], new_connection: bool) -> list[float]:
    url, drop = database(kind, workdir)
    config = workdir / f"{kind}.yaml"
    config.write_text("tracking: {address: intros@example.com}\n"
                      "members:\n  - {name: Dana Whitfield, emails: [dana@danabooks.example]}\n")
    path = workdir / f"{kind}.sock"
    env = {**os.environ, "INTROLEDGER_DATABASE_URL": url, "INTROLEDGER_TOKEN_SECRET": "b" * 32,
           "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "worker.cli.main", "--config", str(config), "lmtp",
                             "--socket", str(path)], env=env, stderr=subprocess.DEVNULL)
    try:
        wait_for_socket(path, proc)
        drive(path, messages[:20], new_connection)  # warm: imports done, connections pooled
        return drive(path, messages[20:], new_connection)
    finally:
        proc.terminate()
        proc.wait(30)
        drop()


def line(name: str, delays: list[float]) -> str:
    ms = [d * 1000 for d in delays]
    return (f"{name:<34} p50 {pct(ms, 50):6.1f} ms   p99 {pct(ms, 99):6.1f} ms   max {max(ms):6.1f} ms   "
            f"{len(ms) / sum(delays):6.0f} msg/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--new-connection", action="store_true", help="one LMTP connection per message")
    args = parser.parse_args()
    messages = [mailgen.intro(300_000 + i, b=DANA) for i in range(args.count + 20)]
    how = "a connection per message" if args.new_connection else "one connection"
    print(f"{args.count} intros over LMTP on a unix socket, {how}; {os.cpu_count()} CPUs", flush=True)
    with tempfile.TemporaryDirectory(prefix="lmtpbench") as folder:
        workdir = Path(folder)
        print(line("raw limit: no-op aiosmtpd LMTP", bare(workdir, messages[20:], args.new_connection)), flush=True)
        for kind in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
            print(line(f"ours: introledger lmtp, {kind}", ours(kind, workdir, messages, args.new_connection)),
                  flush=True)


if __name__ == "__main__":
    main()
