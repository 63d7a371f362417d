"""Benchmark: an intro from a sender whose history holds a few mails to 10,000 people each.

    python bench/matching.py [--recipients 10000] [--mails 3] [--intros 30] [--postgres URL | --no-postgres]

For SQLite and PostgreSQL, in the same run and on the same database, prints per intro (median):
  - a whole intro through the pipeline from a known sender with only ordinary intros behind
    them (the floor for an intro),
  - the same from the sender with the wide history (ours; aim: the floor),
  - `matching.same_parties` alone, and the old way (every party of every earlier referral by
    the sender within the window loaded), for the same input,
  - the machine's raw limit: one bare indexed SELECT on the same connection.
"""
import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402

from models import Person, Referral, ReferralParty  # noqa: E402
from models.db import make_engine, upgrade  # noqa: E402
from tests import mailgen  # noqa: E402
from worker.app import bootstrap  # noqa: E402
from worker.core.config import from_dict  # noqa: E402
from worker.inbound import matching  # noqa: E402
from worker.inbound.pipeline import Origin  # noqa: E402

SENDER = ("Carol Jensen", "carol@wide.example")
ORDINARY = ("Nora Quist", "nora@narrow.example")  # known too, with only ordinary intros behind her
WHEN = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def build(url: str, workdir: Path):
    config = from_dict({"tracking": {"address": "intros@example.com"}}, workdir / "config.yaml",
                       env={"INTROLEDGER_DATABASE_URL": url})
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return bootstrap.build(config)


def wide_history(app, mails: int, recipients: int) -> list[int]:
    """`mails` referrals by SENDER within the window, each to the same `recipients` people."""
    with app.sessions.begin() as s:
        s.execute(insert(Person), [{"email": e, "name": name} for name, e in (SENDER, ORDINARY)])
        emails = [f"guest.{k}@wide.example" for k in range(recipients)]
        for chunk in range(0, len(emails), 5000):
            s.execute(insert(Person), [{"email": e, "name": f"Guest {k}"} for k, e in
                                       enumerate(emails[chunk:chunk + 5000], start=chunk)])
        sender_id = s.scalar(select(Person.id).where(Person.email == SENDER[1]))
        ids = s.scalars(select(Person.id).where(Person.email.like("guest.%")).order_by(Person.id)).all()
        for m in range(mails):
            referral_id = s.scalar(insert(Referral).returning(Referral.id), {
                "dedupe_key": f"wide:{m}", "kind": "double_intro", "status": "needs_review", "direction": "unknown",
                "confidence": 0.4, "introduced_at": WHEN - timedelta(hours=m + 1), "introducer_id": sender_id})
            for chunk in range(0, len(ids), 5000):
                s.execute(insert(ReferralParty), [{"referral_id": referral_id, "person_id": i, "role": "unknown"}
                                                  for i in ids[chunk:chunk + 5000]])
    return ids


def old_same_intro(session, introducer, parties, when, window=matching.WINDOW):
    """The loop matching.same_parties replaced, kept here only as the 'before' figure."""
    wanted = {matching.identity(p) for p in parties}
    for referral in session.scalars(select(Referral).where(
            Referral.introducer_id == introducer.id, Referral.introduced_at.between(when - window, when + window))):
        if wanted and {matching.identity(p.person) for p in referral.parties} == wanted:
            return referral.id
    return None


def per_call_ms(fn, repeat: int) -> float:
    times = []
    for i in range(repeat):
        started = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(label: str, url: str, args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = build(url, Path(tmp))
        ids = wide_history(app, args.mails, args.recipients)

        def intro(sender, n):
            a = (f"Guest {2 * n}", f"guest.{2 * n}@wide.example")
            b = (f"Guest {2 * n + 1}", f"guest.{2 * n + 1}@wide.example")
            raw = mailgen.intro(50_000 + n, introducer=sender, a=a, b=b,
                                when=WHEN + timedelta(minutes=n))
            outcome = app.pipeline.process(raw, Origin("file", f"{sender[1]}:{n}"))
            assert outcome.referral_id is not None, outcome

        intro(ORDINARY, 2 * args.intros)  # warm-up: templates, statement caches
        fresh, wide = [], []
        for n in range(args.intros):  # alternated, so the machine's noise falls on both alike
            fresh.append(per_call_ms(lambda _, n=n: intro(ORDINARY, n), 1))
            wide.append(per_call_ms(lambda _, n=n: intro(SENDER, n + args.intros), 1))
        fresh, wide = statistics.median(fresh), statistics.median(wide)
        with app.sessions() as s:
            sender = s.scalar(select(Person).where(Person.email == SENDER[1]))
            people = s.scalars(select(Person).where(Person.id.in_(ids[-4:]))).all()

            def ours(i):
                matching.same_parties(s, sender, people[i % 2:i % 2 + 2], WHEN)
            query = per_call_ms(ours, args.intros)
            before = per_call_ms(lambda i: old_same_intro(s, sender, people[:2], WHEN), args.old_repeat)
            bare_select = text("SELECT id FROM referrals WHERE dedupe_key = :k")
            bare = per_call_ms(lambda i: s.execute(bare_select, {"k": f"wide:{i % args.mails}"}).all(), 200)
        app.engine.dispose()
    print(f"\n{label}: sender with {args.mails} earlier mails x {args.recipients:,} recipients")
    print(f"  intro, sender with ordinary past: {fresh:9.1f} ms  (the floor for a whole intro)")
    print(f"  intro, sender with wide history : {wide:9.1f} ms  (ours; aim: the floor)")
    print(f"  same_parties query alone        : {query:9.2f} ms")
    print(f"  old way, every party loaded     : {before:9.1f} ms  (before; median of {args.old_repeat})")
    print(f"  bare indexed SELECT (raw limit) : {bare:9.3f} ms")


def postgres_schema(url: str):
    admin = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in url else "?"
    return admin, schema, f"{url}{sep}options=-csearch_path%3D{schema}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--recipients", type=int, default=10_000)
    p.add_argument("--mails", type=int, default=3)
    p.add_argument("--intros", type=int, default=30, help="intros measured per case")
    p.add_argument("--old-repeat", type=int, default=3, help="runs of the old way (seconds each)")
    p.add_argument("--postgres", default=PG_DEFAULT)
    p.add_argument("--no-postgres", action="store_true")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        measure("SQLite (WAL)", f"sqlite:///{tmp}/bench.db", args)
    if args.no_postgres:
        return
    admin, schema, url = postgres_schema(args.postgres)
    try:
        measure("PostgreSQL", url, args)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


if __name__ == "__main__":
    main()
