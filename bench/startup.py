"""How fast `introledger` starts: `--help`, `--version` and `referrals` on a small database, beside
`python -c pass` (the machine's floor: an interpreter that starts and does nothing).

    python bench/startup.py [--runs 15] [--compare OTHER_CHECKOUT]

Each command runs as its own process (`python -m worker.cli.main`, the console script's entry
point, with this checkout on PYTHONPATH), its modules' bytecode cached as in an installed copy
(`pip install` compiles it): PYTHONDONTWRITEBYTECODE, set on our test machines, is dropped, so
the warm-up run writes each checkout's __pycache__ (git ignores it). With it, every run compiled
our ~40 modules again. Prints the median and best wall time and the median CPU
time (user + system; steadier than wall time on a shared machine). The small database is the
demo's (`introledger demo`: 8 sample intros, a few mails), made once in a temporary folder.
`--compare DIR` times another checkout's code (e.g. `git archive OLD | tar -x -C DIR`) in the same
run, interleaved, so a busy machine slows both alike; its migrations must match this one's.
Aims (issue 11): --help and --version ≤ 0.3 s, referrals ≤ 0.6 s; `report --group` is the fixed
cost every report pays (issue 12: the whole report at 100k referrals ≤ 1 s).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AIMS = {"--help": 0.3, "--version": 0.3, "referrals": 0.6, "referrals --json": 0.6}


def timed(argv: list[str], env: dict[str, str], cwd: Path = ROOT) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) for one run; the command must succeed."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.read().decode()}")
    proc.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--compare", type=Path, metavar="DIR", help="another checkout to time beside this one")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    for key in ("INTROLEDGER_CONFIG", "INTROLEDGER_DATABASE_URL", "PYTHONDONTWRITEBYTECODE"):
        env.pop(key, None)
    cli = [sys.executable, "-m", "worker.cli.main"]
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo"
        subprocess.run([*cli, "demo", "--dir", str(demo)], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        config = str(demo / "config.yaml")
        commands = {
            "--help": ["--help"],
            "--version": ["--version"],
            "referrals": ["--config", config, "referrals"],
            "referrals --json": ["--config", config, "referrals", "--json"],
            "report --group": ["--config", config, "report", "--group"],
        }
        cases = {"python -c pass": ([sys.executable, "-c", "pass"], env, ROOT)}
        checkouts = {"": ROOT, **({f" [{args.compare}]": args.compare.resolve()} if args.compare else {})}
        for suffix, root in checkouts.items():
            for name, argv in commands.items():
                # -m puts the working directory first on sys.path: run each checkout from its own
                cases[name + suffix] = ([*cli, *argv], {**env, "PYTHONPATH": str(root)}, root)
        for argv, case_env, cwd in cases.values():  # warm the page cache and the bytecode cache
            timed(argv, case_env, cwd)
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        for _ in range(args.runs):  # interleaved, so a burst of load hits every case alike
            for name, (argv, case_env, cwd) in cases.items():
                results[name].append(timed(argv, case_env, cwd))
    width = max(len(name) for name in results) + 1
    print(f"{'command':<{width}} {'median wall':>12} {'best wall':>10} {'median cpu':>11}  aim")
    for name, runs in results.items():
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        aim = f"≤ {AIMS[name]:.1f} s" if name in AIMS else "(floor)" if name.startswith("python") else ""
        print(f"{name:<{width}} {statistics.median(walls):>10.3f} s {min(walls):>8.3f} s "
              f"{statistics.median(cpus):>9.3f} s  {aim}")
    print(f"({args.runs} runs each; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
