"""Benchmark: the dashboard's pages with a real history, timed from a real HTTP client.

    python bench/web.py [--referrals 100000] [--members 20] [--partners 2000] [--requests 20]
                        [--database sqlite|URL] [--budget 60]

Builds a database (SQLite by default) with that history — intros both ways over three years, their
parties, status changes, thank-yous and follow-ups in the outbox, the messages they came in —
starts `introledger web` in its own process (uvicorn), signs in a member and the group's
coordinator with one-time links, and requests each page and /api listing N times over one
keep-alive connection (httpx) — searches by name, by address and for text nobody has among them;
then the overviews and the partners pages N times each right after a write (a status change
committed by this process, as the worker's would be; on the member's own referrals for theirs),
and says what the first ledger page after the import cost (every member's stored sums computed).
Prints per page the median and p95 round trip beside the raw limit
measured in the same run: the same server answering a static file (/static/favicon.svg). A page
that takes longer than --budget seconds in all stops early and says how many it timed.
"""
import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402

from models import (  # noqa: E402
    FollowUp,
    InboundMessage,
    Member,
    OutboxMessage,
    Partner,
    Person,
    Quarantined,
    Referral,
    ReferralEvent,
    ReferralParty,
)
from models.db import make_engine, upgrade  # noqa: E402
from tests.servers import free_port  # noqa: E402
from worker.app import bootstrap  # noqa: E402
from worker.core.config import load  # noqa: E402
from worker.web.signin import login_link  # noqa: E402

SECRET = "bench-web-secret-0123456789abcdef"
NOW = datetime.now(UTC)
STATUSES = (["introduced"] * 20 + ["connected"] * 15 + ["qualified"] * 5 + ["won"] * 20 + ["lost"] * 10
            + ["no_fit"] * 5 + ["stale"] * 24 + ["needs_review"] * 1)
BATCH = 5000


def config_text(workdir: Path, database: str, members: int, port: int) -> str:
    url = f"sqlite:///{workdir / 'bench.db'}" if database == "sqlite" else database
    lines = ["tracking: {address: intros@bench.example}", f"database_url: {url}",
             f'web: {{base_url: "http://127.0.0.1:{port}"}}', "members:"]
    for m in range(members):
        coordinator = ", coordinator: true" if m == 0 else ""
        lines.append(f"  - {{name: Member {m:02d}, emails: [member{m:02d}@m{m:02d}.example]{coordinator}}}")
    return "\n".join(lines) + "\n"


def build_history(app, n: int, partners: int, seed: int = 1) -> dict:
    """Core inserts in batches: ~one row per thing a real season leaves behind."""
    rng = random.Random(seed)
    engine = app.engine
    with app.sessions() as s:
        members = [(m.id, m.emails[0]) for m in s.scalars(select(Member).order_by(Member.name))]
    t0 = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(Partner), [{"name": f"Partner {p:04d}", "company": f"Firm {p:04d}", "domain": "",
                                        "partner_type": "other", "notes": "", "referral_fee": "",
                                        "is_customer": False} for p in range(partners)])
        partner_ids = list(conn.scalars(select(Partner.id).order_by(Partner.id)))
        conn.execute(insert(Person), [{"email": e, "name": f"Member {i:02d}", "member_id": mid}
                                      for i, (mid, e) in enumerate(members)])
        conn.execute(insert(Person), [{"email": f"p{p:04d}@partner{p:04d}.example", "name": f"Partner {p:04d}",
                                       "partner_id": pid} for p, pid in enumerate(partner_ids)])
        conn.execute(insert(Person), [{"email": f"client{i}@clients.example", "name": f"Client {i}"}
                                      for i in range(n)])
        person = dict(conn.execute(select(Person.email, Person.id)).all())
    # Each member works with ~a tenth of the partners, so a member's ledger has ~200 lines.
    circles = {mid: rng.sample(range(partners), max(1, partners // 10)) for mid, _ in members}
    rows, parties, events, outbox, follow_ups, inbound = [], [], [], [], [], []
    for i in range(1, n + 1):
        mid, memail = members[rng.randrange(len(members))]
        p = rng.choice(circles[mid])
        pemail = f"p{p:04d}@partner{p:04d}.example"
        given = rng.random() < 0.45
        when = NOW - timedelta(days=rng.uniform(0, 3 * 365))
        status = rng.choice(STATUSES)
        won = status == "won"
        introducer, provider = (memail, pemail) if given else (pemail, memail)
        rows.append({"id": i, "dedupe_key": f"<bench-{i}@x>", "kind": "double_intro", "status": status,
                     "direction": "given" if given else "received", "confidence": 0.95, "reason": "bench",
                     "introduced_at": when, "introducer_id": person[introducer], "member_id": mid,
                     "source_message_id": f"<bench-{i}@x>", "subject": f"Intro: Client {i} <> {provider}",
                     "subject_key": f"client {i}", "excerpt": "Client, meet our friend. " * 8,
                     "value_cents": rng.randrange(50_000, 2_000_000) if won else None,
                     "currency": "USD" if won else "", "outcome_note": "", "won_at": when + timedelta(days=20)
                     if won else None, "qualified_at": None, "created_at": when, "updated_at": when})
        parties.append({"referral_id": i, "person_id": person[f"client{i - 1}@clients.example"], "role": "prospect"})
        parties.append({"referral_id": i, "person_id": person[provider], "role": "provider"})
        inbound.append({"dedupe_key": f"<bench-{i}@x>", "message_id": f"<bench-{i}@x>", "source": "file",
                        "source_ref": f"{i}.eml", "kind": "double_intro", "rule": "double_intro", "reason": "bench",
                        "sender": introducer, "subject": rows[-1]["subject"], "sent_at": when, "referral_id": i,
                        "processed_at": when})
        if status not in ("introduced", "needs_review"):
            events.append({"referral_id": i, "old_status": "introduced", "new_status": status, "actor_email": memail,
                           "message_id": "", "reason": f"{status.upper()} (bench)", "accepted": True,
                           "at": when + timedelta(days=10), "event": "answer", "currency": ""})
        base = {"status": "sent", "member_id": mid, "from_addr": "intros@bench.example", "reply_to": "",
                "html_body": "<p>Hi</p>", "in_reply_to": "", "references": "", "message_id": "", "reason": "",
                "last_error": "", "attempts": 1, "referral_ids": [i]}
        if not given and status != "needs_review":
            outbox.append({**base, "dedupe_key": f"thank-you:{i}", "kind": "thank_you", "to_addr": introducer,
                           "subject": f"Thank you for the introduction to Client {i}", "text_body": "Thank you",
                           "not_before": when, "queued_at": when, "sent_at": when + timedelta(minutes=10)})
        if status != "needs_review":
            outbox.append({**base, "dedupe_key": f"follow-up:{i}:1", "kind": "follow_up", "to_addr": memail,
                           "subject": f"How did the intro to Client {i} go? [ref R{i}]", "text_body": "How?",
                           "not_before": when + timedelta(days=7), "queued_at": when,
                           "sent_at": when + timedelta(days=7)})
            follow_ups.append({"referral_id": i, "step": 1, "due_at": when + timedelta(days=7), "status": "done",
                               "outbox_key": f"follow-up:{i}:1"})
    with engine.begin() as conn:
        for table, data in ((Referral, rows), (ReferralParty, parties), (InboundMessage, inbound),
                            (ReferralEvent, events), (OutboxMessage, outbox)):
            for start in range(0, len(data), BATCH):
                conn.execute(insert(table), data[start:start + BATCH])
        mail_id = dict(conn.execute(select(OutboxMessage.dedupe_key, OutboxMessage.id)
                                    .where(OutboxMessage.kind == "follow_up")).all())
        steps = [{**{k: v for k, v in f.items() if k != "outbox_key"}, "outbox_id": mail_id[f["outbox_key"]]}
                 for f in follow_ups]
        for start in range(0, len(steps), BATCH):
            conn.execute(insert(FollowUp), steps[start:start + BATCH])
        conn.execute(insert(Quarantined), [{"source": "file", "source_ref": f"bad{q}.eml", "message_id": "",
                                            "reason": "not mail: bench", "raw": b"x" * 2000, "raw_size": 2000,
                                            "created_at": NOW} for q in range(50)])
    took = time.perf_counter() - t0
    with app.sessions() as s:
        counts = {m.__tablename__: s.scalar(select(func.count()).select_from(m)) for m in
                  (Referral, ReferralParty, Person, Partner, ReferralEvent, OutboxMessage, FollowUp, InboundMessage)}
    return {"counts": counts, "seconds": took, "members": members}


def start_server(workdir: Path, port: int, env: dict) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "worker.cli.main", "web", "--port", str(port)], env=env,
                              stdout=open(workdir / "server.log", "w"), stderr=subprocess.STDOUT, cwd=workdir)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/static/favicon.svg", timeout=1)
            return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("introledger web did not start")


def signed_in(app, base: str, who: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=120)
    link = login_link(app, who).url
    page = client.get(link)
    token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    done = client.post(link, data={"csrf": token})
    assert done.status_code in (200, 303), done.text[:300]
    return client


def timed(client: httpx.Client, url: str, n: int, budget: float,
          before: Callable[[int], None] | None = None) -> list[float]:
    """n timed GETs (fewer once budget seconds are spent); before(i), if given, runs untimed first."""
    client.get(url)  # warm: templates compiled, the connection open
    took, spent = [], 0.0
    for i in range(n):
        if before is not None:
            before(i)
        t0 = time.perf_counter()
        answer = client.get(url)
        took.append(time.perf_counter() - t0)
        spent += took[-1]
        assert answer.status_code == 200, f"{url}: {answer.status_code} {answer.text[:200]}"
        if spent > budget:
            break
    return took


def after_writes(app, client: httpx.Client, url: str, n: int, budget: float, referrals: list[int],
                 rng: random.Random) -> list[float]:
    """Each request right after a write as the worker makes it (a status change, every other one a
    WON with a value, on a random one of `referrals`, committed from this process): the page must
    show it, so the write is applied to the stored sums of the members it touched on that very
    request."""
    def write(i: int) -> None:
        with app.sessions.begin() as s:
            r = s.get(Referral, rng.choice(referrals))
            if r is not None:
                r.status, r.value_cents, r.currency = (("won", rng.randrange(50_000, 2_000_000), "USD") if i % 2
                                                       else (rng.choice(["connected", "lost", "no_fit"]), None, ""))

    return timed(client, url, n, budget, before=write)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--referrals", type=int, default=100_000)
    ap.add_argument("--members", type=int, default=20)
    ap.add_argument("--partners", type=int, default=2_000)
    ap.add_argument("--requests", type=int, default=20)
    ap.add_argument("--database", default="sqlite", help="sqlite, or a PostgreSQL URL (an empty database)")
    ap.add_argument("--budget", type=float, default=60.0, help="seconds per page at most")
    args = ap.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-web-"))
    port = free_port()
    (workdir / "config.yaml").write_text(config_text(workdir, args.database, args.members, port))
    env = {**os.environ, "INTROLEDGER_WEB_SECRET": SECRET, "INTROLEDGER_CONFIG": str(workdir / "config.yaml"),
           "PYTHONPATH": str(ROOT)}
    env.pop("INTROLEDGER_DATABASE_URL", None)
    config = load(str(workdir / "config.yaml"), env=env)
    upgrade(make_engine(config.database_url))
    app = bootstrap.build(config)
    made = build_history(app, args.referrals, args.partners)
    if app.engine.dialect.name == "postgresql":
        # What autovacuum does within a minute of a bulk load: without statistics the planner takes
        # 100,000 rows for a few hundred, and a page waits on a plan made for those; and (PostgreSQL
        # 13 on, insert-only tables too) a vacuum, which merges the search's trigram indexes' list
        # of pending entries (GIN's fastupdate): before it, they cost a search 60 ms, after it 2.
        with app.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    print(f"history: {made['counts']} in {made['seconds']:.1f} s ({args.database})")
    server = start_server(workdir, port, env)
    base = f"http://127.0.0.1:{port}"
    try:
        member = signed_in(app, base, "Member 05")
        coordinator = signed_in(app, base, "Member 00")
        with app.sessions() as s:  # (closed before asking the server: a SQLite session holds the write lock)
            own = list(s.scalars(select(Referral.id).where(Referral.member_id == made["members"][5][0])))
            mine = own[0]
            mail = s.scalar(select(OutboxMessage.id).where(OutboxMessage.member_id == made["members"][5][0]).limit(1))
        # The first ledger question after the import: the bulk insert's logged writes are read as
        # "every member out of date", and this member's sums computed; then the coordinator's first
        # overview computes the other members'. Once, after an import or a migration.
        t0 = time.perf_counter()
        answer = member.get("/api/partners")
        first_member = time.perf_counter() - t0
        assert answer.status_code == 200, (answer.status_code, answer.text[:500])
        t0 = time.perf_counter()
        assert coordinator.get("/api/overview").status_code == 200
        print(f"first ledger page after the import: a member's {first_member:.2f} s, then the coordinator's "
              f"{time.perf_counter() - t0:.2f} s (every member's stored sums computed)")
        partner = answer.json()[0]["id"]
        raw = timed(member, "/static/favicon.svg", max(args.requests, 50), args.budget)
        pages = [("member", member, "/"), ("member", member, "/referrals"),
                 ("member", member, "/referrals?status=won&direction=received"),
                 ("member", member, "/referrals?q=client%2012"), ("member", member, "/referrals?q=p0123%40partner"),
                 ("member", member, "/referrals?q=nobody%20has%20this"), ("member", member, f"/referrals/{mine}"),
                 ("member", member, "/review"), ("member", member, "/partners"),
                 ("member", member, f"/partners/{partner}"), ("member", member, "/outbox"),
                 ("member", member, f"/outbox/{mail}"), ("member", member, "/api/overview"),
                 ("member", member, "/api/referrals"),
                 ("member", member, "/referrals?status=unanswered"),
                 ("coordinator", coordinator, "/"), ("coordinator", coordinator, "/referrals"),
                 ("coordinator", coordinator, "/review"), ("coordinator", coordinator, "/partners"),
                 ("coordinator", coordinator, "/partners?page=2"), ("coordinator", coordinator, "/partners?flagged=1"),
                 ("coordinator", coordinator, "/referrals?status=unanswered"),
                 ("coordinator", coordinator, "/referrals?q=client%2012"),
                 ("coordinator", coordinator, "/outbox"), ("coordinator", coordinator, "/quarantine"),
                 ("coordinator", coordinator, "/health")]
        print(f"\nraw limit: GET /static/favicon.svg on the same server: median "
              f"{statistics.median(raw) * 1000:.1f} ms, p95 {p95(raw) * 1000:.1f} ms\n")
        print(f"{'who':<12} {'page':<44} {'n':>3} {'median ms':>10} {'p95 ms':>9} {'p95/raw':>8}")
        for who, client, url in pages:
            took = timed(client, url, args.requests, args.budget)
            print(f"{who:<12} {url:<44} {len(took):>3} {statistics.median(took) * 1000:>10.1f} "
                  f"{p95(took) * 1000:>9.1f} {p95(took) / p95(raw):>8.0f}", flush=True)
        print("\neach right after the worker wrote (a status change on a random referral: the member's own for "
              "the member's pages):")
        rng = random.Random(2)
        everyone = list(range(1, args.referrals + 1))
        for who, client, url, among in [("member", member, "/", own), ("member", member, "/partners", own),
                                        ("coordinator", coordinator, "/", everyone),
                                        ("coordinator", coordinator, "/partners", everyone)]:
            took = after_writes(app, client, url, args.requests, args.budget, among, rng)
            print(f"{who:<12} {url + ' after a write':<44} {len(took):>3} {statistics.median(took) * 1000:>10.1f} "
                  f"{p95(took) * 1000:>9.1f} {p95(took) / p95(raw):>8.0f}", flush=True)
        print(f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    finally:
        server.terminate()
        server.wait(10)
        app.engine.dispose()


if __name__ == "__main__":
    main()
