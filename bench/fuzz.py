"""Benchmark: mutated real mail through `introledger ingest` and through IMAP, on SQLite and PostgreSQL.

    python bench/fuzz.py [--count 2000] [--seed 0] [--databases sqlite postgres] [--paths ingest imap]
    python bench/fuzz.py --big 8       # memory: 8 mails of 30 MB and 8 of 12 MB through IMAP

Mutants of the corpus (tests/mutate.py: truncation, bad encoded words, NULs, bad boundaries,
nested multiparts, huge headers, random bytes, ...), each with its own Message-ID, go through the
real commands: `introledger ingest DIR --json`, and `introledger run --once` against a real
Dovecot they were APPENDed to. Prints, for each path and database, how many messages were
accounted for (recorded in the database: logged, ignored with a reason or quarantined; or a
duplicate of one that was) out of how many were sent, and the rate; beside it, the raw parse rate
of this machine (the standard library's policy.default parse of the same bytes) and of our parser.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from email import policy
from email.parser import BytesParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import mutate  # noqa: E402

PG_URL = os.environ.get("INTROLEDGER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def generate(count: int, seed: int, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (raw, _names) in enumerate(mutate.stream(count, seed)):
        path = folder / f"fuzz-{i:05d}.eml"
        path.write_bytes(raw)
        paths.append(path)
    return paths


def parse_rates(paths: list[Path]) -> dict:
    """Messages/s of a bare stdlib parse (policy.default, the four headers read) and of ours."""
    from worker.mail.parse import parse

    raws = [p.read_bytes() for p in paths]
    stdlib, failed = BytesParser(policy=policy.default), 0
    started = time.perf_counter()
    for raw in raws:
        try:
            msg = stdlib.parsebytes(raw)
            for name in ("from", "to", "cc", "subject"):
                msg.get(name)
        except Exception:  # noqa: BLE001 - counted: the stdlib alone does not survive every mutant
            failed += 1
    stdlib_s = time.perf_counter() - started
    ours_failed = 0
    started = time.perf_counter()
    for raw in raws:
        try:
            parse(raw)
        except Exception:  # noqa: BLE001 - ParseError for mail with no headers: quarantined
            ours_failed += 1
    ours_s = time.perf_counter() - started
    return {"stdlib_rate": len(raws) / stdlib_s, "stdlib_raised": failed,
            "ours_rate": len(raws) / ours_s, "ours_refused": ours_failed}


class Database:
    """A fresh SQLite file or PostgreSQL schema for one run."""

    def __init__(self, kind: str, workdir: Path):
        self.kind = kind
        if kind == "sqlite":
            self.url = f"sqlite:///{workdir / 'fuzz.db'}"
            self.schema = None
        else:
            self.schema = f"fuzz_{uuid.uuid4().hex[:12]}"
            self._admin("CREATE SCHEMA " + self.schema)
            sep = "&" if "?" in PG_URL else "?"
            self.url = f"{PG_URL}{sep}options=-csearch_path%3D{self.schema}"

    def _admin(self, sql: str) -> None:
        from sqlalchemy import create_engine

        engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(sql)
        engine.dispose()

    def counts(self) -> dict:
        from sqlalchemy import create_engine, func, select

        from models import Checkpoint, InboundMessage, Quarantined

        engine = create_engine(self.url)
        with engine.connect() as conn:
            rows = conn.scalar(select(func.count()).select_from(InboundMessage.__table__))
            quarantined = conn.scalar(select(func.count()).select_from(Quarantined.__table__))
            last_uid = conn.scalar(select(func.max(Checkpoint.__table__.c.last_uid)))
        engine.dispose()
        return {"rows": rows, "quarantined": quarantined, "last_uid": last_uid}

    def drop(self) -> None:
        if self.schema:
            self._admin(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")


def introledger(args: list[str], cwd: Path, env: dict, timeout: float = 3600) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": str(ROOT), "INTROLEDGER_TOKEN_SECRET": "fuzz" * 8, "COLUMNS": "400", **env}
    return subprocess.run([sys.executable, "-m", "worker.cli.main", *args], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=timeout)


def _config(workdir: Path, source: str = "") -> None:
    (workdir / "config.yaml").write_text(
        "tracking: {address: intros@example.com}\n"
        "members:\n  - {name: Dana Whitfield, emails: [dana@danabooks.example], domains: [danabooks.example]}\n"
        + source)


def via_ingest(paths: list[Path], db: Database, workdir: Path) -> dict:
    _config(workdir)
    env = {"INTROLEDGER_DATABASE_URL": db.url}
    introledger(["db", "upgrade"], workdir, env).check_returncode()
    started = time.perf_counter()
    done = introledger(["ingest", str(paths[0].parent), "--json"], workdir, env)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        return {"error": done.stderr[-2000:]}
    summary = json.loads(done.stdout)
    return {"sent": len(paths), "outcomes": sum(summary.values()), "duplicates": summary.get("duplicate", 0),
            "seconds": seconds, **db.counts()}


def via_imap(paths: list[Path], db: Database, workdir: Path, dovecot) -> dict:
    dovecot.clear()
    client = dovecot.client()
    refused = []
    for path in paths:
        try:
            client.append("INBOX", path.read_bytes())
        except Exception as exc:  # noqa: BLE001 - Dovecot refuses some bytes (e.g. an empty message)
            refused.append((path.name, str(exc)[:80]))
            client = _reconnect(client, dovecot)
    client.select_folder("INBOX")
    stored = len(client.search(["ALL"]))
    max_uid = max(client.search(["ALL"]) or [0])
    client.logout()
    _config(workdir, f"source: {{kind: imap, imap: {{host: {dovecot.host}, port: {dovecot.port}, "
                     f"security: none, username: {dovecot.user}, password_env: FUZZ_IMAP_PASSWORD}}}}\n")
    env = {"INTROLEDGER_DATABASE_URL": db.url, "FUZZ_IMAP_PASSWORD": dovecot.password}
    introledger(["db", "upgrade"], workdir, env).check_returncode()
    started = time.perf_counter()
    done = introledger(["run", "--once"], workdir, env)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        return {"error": done.stderr[-2000:]}
    # "N messages: … K already seen, …"
    summary = re.search(r"(\d+) messages: .*?(\d+) already seen", done.stdout, re.S)
    if summary is None:
        return {"error": "no summary in: " + done.stdout[-500:]}
    outcomes, duplicates = int(summary.group(1)), int(summary.group(2))
    return {"sent": stored, "refused_by_dovecot": len(refused), "outcomes": outcomes, "duplicates": duplicates,
            "seconds": seconds, "max_uid": max_uid, **db.counts()}


def big_mail(workdir: Path, count: int, dovecot) -> None:
    """Peak memory of `run --once` reading huge mail over IMAP: `count` intros of 30 MB (above
    the 25 MB cap: headers only) and `count` of 12 MB (read whole, a few at a time)."""
    import base64
    import resource

    from tests import mailgen

    dovecot.clear()
    client = dovecot.client()
    sizes = []
    for i in range(count * 2):
        mb = 30 if i % 2 else 12
        raw = mailgen.intro(50_000 + i)
        boundary = raw.split(b'boundary="', 1)[1].split(b'"', 1)[0]
        blob = base64.encodebytes(os.urandom(mb * 1024 * 1024 * 3 // 4)).replace(b"\n", b"\r\n")
        part = (b"--" + boundary + b"\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; "
                b"filename=deck.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + blob)
        raw = raw.replace(b"--" + boundary + b"--", part + b"--" + boundary + b"--")
        client.append("INBOX", raw)
        sizes.append(len(raw))
        del raw, blob, part
    client.logout()
    db = Database("sqlite", workdir)
    _config(workdir, f"source: {{kind: imap, imap: {{host: {dovecot.host}, port: {dovecot.port}, "
                     f"security: none, username: {dovecot.user}, password_env: FUZZ_IMAP_PASSWORD}}}}\n")
    env = {"INTROLEDGER_DATABASE_URL": db.url, "FUZZ_IMAP_PASSWORD": dovecot.password}
    introledger(["db", "upgrade"], workdir, env).check_returncode()
    started = time.perf_counter()
    done = introledger(["run", "--once"], workdir, env)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    line = next((ln for ln in done.stdout.splitlines() if "messages:" in ln), done.stderr[-300:])
    print(f"big mail over IMAP: {len(sizes)} messages, {sum(sizes) / 1e6:.0f} MB in the mailbox; "
          f"run --once: {line.strip()}; {db.counts()['quarantined']} set aside above the cap; "
          f"{seconds:.1f} s; peak memory of the process {peak:.0f} MB")


def _reconnect(client, dovecot):
    try:
        client.logout()
    except Exception:  # noqa: BLE001
        pass
    return dovecot.client()


def report(path: str, database: str, r: dict) -> None:
    if "error" in r:
        print(f"{path:7s} {database:9s} FAILED: {r['error']}")
        return
    accounted = r["rows"] + r["duplicates"]
    extra = ""
    if path == "imap":
        extra = (f"; checkpoint {r['last_uid']}/{r['max_uid']}"
                 f"; {r['refused_by_dovecot']} refused by Dovecot's APPEND")
    said = "" if r["outcomes"] == r["sent"] else f" [the command reported {r['outcomes']} outcomes]"
    print(f"{path:7s} {database:9s} accounted {accounted}/{r['sent']}{said} "
          f"({r['rows']} recorded, {r['duplicates']} duplicates, {r['quarantined']} quarantined){extra}; "
          f"{r['seconds']:.1f} s, {r['sent'] / r['seconds']:.0f} msg/s")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=2000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--databases", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"])
    p.add_argument("--paths", nargs="+", default=["ingest", "imap"], choices=["ingest", "imap"])
    p.add_argument("--big", type=int, help="instead: peak memory with N mails of 30 MB and N of 12 MB over IMAP")
    args = p.parse_args()
    if args.big:
        from tests.servers import Dovecot

        with tempfile.TemporaryDirectory() as tmp, Dovecot() as dovecot:
            return big_mail(Path(tmp), args.big, dovecot)
    with tempfile.TemporaryDirectory() as tmp:
        paths = generate(args.count, args.seed, Path(tmp) / "mutants")
        size = sum(path.stat().st_size for path in paths)
        print(f"{args.count} mutants of {len(mutate.seeds())} corpus messages (seed {args.seed}), "
              f"{size / 1e6:.1f} MB")
        rates = parse_rates(paths)
        print(f"raw parse, this machine: stdlib policy.default {rates['stdlib_rate']:.0f} msg/s "
              f"({rates['stdlib_raised']} raised); ours {rates['ours_rate']:.0f} msg/s "
              f"({rates['ours_refused']} refused as not mail)")
        dovecot = None
        try:
            for path in args.paths:
                if path == "imap" and dovecot is None:
                    from tests.servers import Dovecot
                    dovecot = Dovecot().start()
                for database in args.databases:
                    workdir = Path(tempfile.mkdtemp(dir=tmp))
                    db = Database(database, workdir)
                    try:
                        r = (via_ingest(paths, db, workdir) if path == "ingest"
                             else via_imap(paths, db, workdir, dovecot))
                    finally:
                        db.drop()
                    report(path, database, r)
        finally:
            if dovecot is not None:
                dovecot.stop()


if __name__ == "__main__":
    main()
