"""Benchmark: the whole ingest pipeline (parse, classify, SQLite) beside a bare policy.default parse.

    python bench/ingest.py [--count 10000] [--memory-counts 10000 50000]

Prints messages/s for both over the same generated messages, their ratio (aim ≥ 1.0), and the
peak memory of a child process ingesting each count (aim: flat as the count grows).
"""
import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import mailgen  # noqa: E402


def generate(count: int, folder: Path) -> Path:
    """A Maildir of `count` realistic messages, written one by one (never all in memory)."""
    for sub in ("new", "cur", "tmp"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    for i, raw in enumerate(mailgen.stream(count)):
        (folder / "cur" / f"{i:07d}.bench:2,S").write_bytes(raw)
    return folder


def bare_parse(folder: Path) -> float:
    parser = BytesParser(policy=policy.default)
    started = time.perf_counter()
    for path in sorted((folder / "cur").iterdir()):
        parser.parsebytes(path.read_bytes())
    return time.perf_counter() - started


def ingest(folder: Path, workdir: Path) -> tuple[float, dict]:
    from models.db import make_engine, upgrade
    from worker.app import bootstrap
    from worker.core.config import from_dict
    from worker.inbound.pipeline import Origin
    from worker.sources import files

    db = workdir / "bench.db"
    db.unlink(missing_ok=True)
    config = from_dict({"tracking": {"address": "intros@example.com"}}, workdir / "config.yaml",
                       env={"INTROLEDGER_DATABASE_URL": f"sqlite:///{db}"})
    upgrade(make_engine(config.database_url))
    app = bootstrap.build(config)
    kinds: dict[str, int] = {}
    started = time.perf_counter()
    for batch in files.batches(files.read([folder])):
        for outcome in app.pipeline.process_batch([(i.raw, Origin("file", i.ref)) for i in batch]):
            kinds[outcome.kind] = kinds.get(outcome.kind, 0) + 1
    return time.perf_counter() - started, kinds


def child(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = generate(count, Path(tmp) / "mail")
        seconds, kinds = ingest(folder, Path(tmp))
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"count": count, "seconds": seconds, "peak_kib": peak_kib, "kinds": kinds}))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=10_000)
    p.add_argument("--memory-counts", type=int, nargs="*", default=[10_000, 50_000])
    p.add_argument("--repeat", type=int, default=3, help="runs of each; the best counts")
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        return child(args.child)
    with tempfile.TemporaryDirectory() as tmp:
        folder = generate(args.count, Path(tmp) / "mail")
        # Alternate the two and keep each one's best run: this machine is shared and noisy.
        base, ours = float("inf"), float("inf")
        for _ in range(args.repeat):
            base = min(base, bare_parse(folder))
            seconds, kinds = ingest(folder, Path(tmp))
            ours = min(ours, seconds)
    n = args.count
    print(f"messages: {n}  ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}), "
          f"best of {args.repeat}")
    print(f"bare policy.default parse : {n / base:8.0f} msg/s")
    print(f"introledger ingest (SQLite): {n / ours:8.0f} msg/s")
    print(f"ratio ours/bare            : {base / ours:8.2f}  (aim >= 1.0)")
    for count in args.memory_counts:
        out = subprocess.run([sys.executable, __file__, "--child", str(count)], check=True,
                             capture_output=True, text=True).stdout
        r = json.loads(out)
        print(f"peak memory ingesting {count:>6}: {r['peak_kib'] / 1024:6.1f} MiB "
              f"({count / r['seconds']:.0f} msg/s)")


if __name__ == "__main__":
    main()
