"""Benchmark: copies a slow SMTP server receives of ONE mail, before and after the at-most-once fix.

    python bench/slow_smtp.py [--seconds 30] [--answer-after 5] [--timeout 1] [--before REF]

The server is a real aiosmtpd (tests/servers.py SmtpSink) in this process that takes every mail
at once (the copy is counted when the final dot arrives) but answers the end of DATA only
`--answer-after` seconds later — longer than the client's `smtp.timeout_seconds` (`--timeout`).
One thank-you is queued and `introledger`'s own send path runs for `--seconds` in a child
process (outbox → sweep every second → in-process dramatiq worker → SMTP), on a fresh SQLite:

- before: the code at REF (default: the commit before the fix, fd1af6f~1), extracted with
  `git archive` to a temporary directory (skipped when git or the ref is missing);
- after: this checkout, with the defaults (data_timeout_seconds 600: the late answer is awaited);
- after, silent server: this checkout against a server that never answers within
  `data_timeout_seconds` (set to 3 s here): the mail must end `unconfirmed`, one copy.

Beside it, the machine's raw SMTP rate: smtplib over one connection to a prompt aiosmtpd, so the
waits above read as what they are (seconds of deliberate server slowness, not a slow machine).
Issue 9 reported 12 copies in 30 s before the fix.
"""
import argparse
import json
import os
import smtplib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import SmtpSink  # noqa: E402

# Runs in the child with PYTHONPATH=<code root>; uses only what both versions have.
SCENARIO = r'''
import json, sys, tempfile, time, logging
from datetime import datetime, timezone
from pathlib import Path
logging.disable(logging.CRITICAL)
from sqlalchemy import select
from models import OutboxMessage
from tests import mailgen
from tests.conftest import build_app
from worker.app import bootstrap
from worker.outbound.broker import start_worker
from worker.inbound.pipeline import Origin

host, port, timeout, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
extra = json.loads(sys.argv[5])
tmp = Path(tempfile.mkdtemp(prefix="slow-smtp-"))
smtp = {"host": host, "port": port, "security": "none", "timeout_seconds": timeout, **extra}
app = build_app(tmp, f"sqlite:///{tmp / 'bench.db'}", thank_you={"delay_seconds": 0},
                outbound={"transport": "smtp", "quiet_hours": None, "smtp": smtp})
raw = mailgen.intro(1, introducer=("Carol Jensen", "carol@x.example"), a=("Alice Moreno", "alice@y.example"),
                    b=("Dana Whitfield", "dana@danabooks.example"), when=datetime.now(timezone.utc))
app.pipeline.process(raw, Origin("file", "bench"))
outbound = bootstrap.build_outbound(app)
worker = start_worker(outbound.broker)
end = time.monotonic() + seconds
while time.monotonic() < end:
    outbound.sweep()
    time.sleep(1)
worker.stop()
with app.sessions() as s:
    row = s.scalars(select(OutboxMessage)).one()
    print(json.dumps({"status": row.status, "attempts": row.attempts}))
'''


def run(code_root: Path, sink: SmtpSink, timeout: float, seconds: float, extra: dict) -> dict:
    env = {**os.environ, "PYTHONPATH": str(code_root)}
    done = subprocess.run([sys.executable, "-c", SCENARIO, sink.host, str(sink.port), str(timeout), str(seconds),
                           json.dumps(extra)], cwd=code_root, env=env, capture_output=True, text=True,
                          timeout=seconds + 120)
    if done.returncode != 0:
        raise SystemExit(f"scenario failed in {code_root}:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def scenario(name: str, code_root: Path, answer_after: float, args, extra: dict | None = None) -> None:
    with SmtpSink() as sink:
        sink.answer_late(answer_after)
        result = run(code_root, sink, args.timeout, args.seconds, extra or {})
        copies = len(sink.messages)
    print(f"{name:<34} {copies:>3} cop{'y' if copies == 1 else 'ies'} received   "
          f"row: {result['status']}, {result['attempts']} attempt(s)")


def old_code(ref: str) -> Path | None:
    try:
        commit = subprocess.run(["git", "rev-parse", ref], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    target = Path(tempfile.mkdtemp(prefix="slow-smtp-before-"))
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def raw_rate(count: int = 500) -> float:
    """Messages/s of bare smtplib over one connection to a prompt aiosmtpd (the machine's limit)."""
    body = b"From: a@x.example\r\nTo: b@y.example\r\nSubject: raw\r\n\r\n" + (b"x" * 75 + b"\r\n") * 20
    with SmtpSink() as sink:
        client = smtplib.SMTP(sink.host, sink.port, timeout=10)
        start = time.perf_counter()
        for _ in range(count):
            client.sendmail("a@x.example", ["b@y.example"], body)
        elapsed = time.perf_counter() - start
        client.quit()
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30, help="how long the send path runs (default 30)")
    parser.add_argument("--answer-after", type=float, default=5, help="server's delay before answering DATA")
    parser.add_argument("--timeout", type=float, default=1, help="client's smtp.timeout_seconds (default 1)")
    parser.add_argument("--before", default="fd1af6f~1", help="git ref of the code before the fix")
    args = parser.parse_args()
    print(f"one mail; server takes it at once, answers end of DATA after {args.answer_after:g} s; "
          f"client timeout {args.timeout:g} s; send path runs {args.seconds:g} s")
    before = old_code(args.before)
    if before is None:
        print(f"{'before (' + args.before + ')':<34} skipped: no git or no such ref")
    else:
        scenario(f"before ({args.before})", before, args.answer_after, args)
    scenario("after (data_timeout 600 s)", ROOT, args.answer_after, args)
    scenario("after, server never answers", ROOT, 3600, args, {"data_timeout_seconds": 3})
    print(f"raw SMTP on this machine: {raw_rate():,.0f} msg/s (smtplib, one connection, prompt aiosmtpd)")


if __name__ == "__main__":
    main()
