"""How introledger grows with its history: 1k, 10k and 100k referrals, each command a whole process.

    python bench/scale.py [--sizes 1000,10000,100000] [--database sqlite|postgres] [--code DIR]
                          [--only report-group,run-once] [--runs 1] [--cache DIR]

The history (seeded, built once per size and kept under --cache, default $TMPDIR/introledger-scale):
20 members in five time zones (one a coordinator), ~6,000 partners (some with a second address,
merged), a new client per intro; intros given, received, between members, with roles the mail did
not tell, between partners, heads-ups; over 24 months up to Monday 1 June 2026 16:00 UTC; statuses
as a season leaves them (old ones won, lost, no fit, stale or connected, recent ones still open),
won values in USD, EUR, GBP and JPY, the events that moved them, the intro messages, follow-up steps,
the mail that went (thank-yous, follow-ups, past digests and check-ins), promises. Written with
bulk inserts (not the pipeline) at the schema of BASE_REVISION, then upgraded, in a copy, to the
head of the code measured.

Each operation runs as its own process (`python -m worker.cli.main`, the console script's entry
point, PYTHONPATH the code measured, its bytecode cached as an installed copy's) and is timed with
its peak memory (ru_maxrss from wait4):
`report --group`, `report`, `report --json`, `report --by-month`, one member's `report --member` and
`report --as` (what that member may see),
`referrals --json`, `export slips`, and `run --once` at the history's end — a Monday the 1st,
16:00 UTC: every member's digest and monthly check-in is due, nothing else (no follow-up step,
no stale referral, no mail in the mailbox), on a fresh copy each time. The simulated clock is
INTROLEDGER_CLOCK_FILE (models/base.py).

Beside each, the database's own limit: a process that only runs the bare SQL such an answer needs
over the same tables (a GROUP BY over referrals ⋈ parties ⋈ people, or reading every listed row),
with its wall time, its peak memory and the query's own time. The growth column is the time at the
largest size over the time at the one before it (×10 history: linear is ×10, flat is ×1).
`--code DIR` measures another checkout (e.g. `git worktree add /tmp/old main`) on the same histories.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE_REVISION = "0013"   # the schema the inserts below are written for
HISTORY_VERSION = 1      # bump when the history's shape changes: the cache is keyed by it
END = datetime(2026, 6, 1, 16, 0, tzinfo=UTC)  # a Monday the 1st: digests and check-ins due
SPAN = timedelta(days=730)
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

FIRST = ("Dana", "Marco", "Aiko", "Lena", "Omar", "Priya", "Tom", "Sofia", "Jonas", "Maya", "Raj", "Elena",
         "Chen", "Laura", "Pablo", "Ines", "Karl", "Nora", "Sam", "Yara", "Ben", "Clara", "Hugo", "Zoe")
LAST = ("Whitfield", "Rossi", "Tanaka", "Berg", "Haddad", "Nair", "Keller", "Costa", "Lind", "Ortiz", "Mehta",
        "Novak", "Wei", "Fischer", "Ruiz", "Moreau", "Brandt", "Jensen", "Park", "Sato", "Adler", "Dumas")
TRADES = ("books", "law", "dental", "kitchens", "realty", "insure", "design", "print", "chiro", "roofing",
          "wealth", "it", "movers", "vets", "spa", "hr", "solar", "tax")
ZONES = ("America/Chicago", "America/New_York", "Europe/Rome", "Europe/London", "UTC")
CURRENCIES = (("USD", 70, 100), ("EUR", 15, 100), ("GBP", 10, 100), ("JPY", 5, 1))
N_MEMBERS, N_PARTNERS = 20, 6000


# ---- the history -------------------------------------------------------------------------------

def members() -> list[dict]:
    out = []
    for i in range(N_MEMBERS):
        first, last, trade = FIRST[i], LAST[i], TRADES[i % len(TRADES)]
        domain = f"{last.lower()}{trade}.example"
        out.append({"name": f"{first} {last}", "emails": [f"{first.lower()}@{domain}"], "domains": [domain],
                    "timezone": ZONES[i % len(ZONES)], "coordinator": i == 0})
    return out


def config_text(url: str, workdir: Path) -> str:
    lines = ["tracking: {address: intros@group.example}", f"database_url: {json.dumps(url)}",
             "broker_url: memory://",
             f"source: {{kind: maildir, maildir: {{path: {json.dumps(str(workdir / 'mail'))}}}}}",
             f"outbound: {{transport: folder, folder: {json.dumps(str(workdir / 'outgoing'))}}}", "members:"]
    for m in members():
        lines.append(f"  - {{name: {m['name']}, emails: {json.dumps(m['emails'])}, domains: {json.dumps(m['domains'])},"
                     f" timezone: {m['timezone']}, coordinator: {str(m['coordinator']).lower()}}}")
    return "\n".join(lines) + "\n"


class History:
    """The rows of one history, made in memory in insert order (ids assigned here)."""

    def __init__(self, size: int, seed: int = 12):
        self.rnd = random.Random(seed)
        self.size = size
        self.rows: dict[str, list[dict]] = {t: [] for t in (
            "members", "partners", "people", "referrals", "referral_parties", "referral_events",
            "inbound_messages", "outbox", "follow_ups", "promises")}  # in foreign-key order
        self.ids = {t: 0 for t in self.rows}

    def add(self, table: str, **row) -> int:
        self.ids[table] += 1
        row["id"] = self.ids[table]
        self.rows[table].append(row)
        return row["id"]

    def person(self, email: str | None, name: str, partner_id: int | None = None, at: datetime = END - SPAN) -> int:
        return self.add("people", email=email, name=name, member_id=None, partner_id=partner_id, created_at=at)

    def build(self) -> "History":
        rnd = self.rnd
        self.member_ids, self.member_people = [], []
        for m in members():
            mid = self.add("members", name=m["name"], emails=m["emails"], domains=m["domains"], share_value=False,
                           footer=True, timezone=m["timezone"], created_at=END - SPAN)
            self.member_ids.append(mid)
            self.member_people.append(self.person(m["emails"][0], m["name"]))
        self.partner_people: list[int] = []
        self.partner_person_name: dict[int, tuple[str, str]] = {}
        for i in range(N_PARTNERS):
            first, last, trade = rnd.choice(FIRST), rnd.choice(LAST), rnd.choice(TRADES)
            name, company = f"{first} {last}", f"{last} {trade.title()} {i}"
            domain = f"{last.lower()}-{trade}-{i}.example"
            pid = self.add("partners", name=name, company=company, domain=domain, partner_type=rnd.choice(
                ("same_trade", "related_offer", "same_market", "referral_org", "other")), notes="", referral_fee="",
                is_customer=rnd.random() < 0.1, created_at=END - SPAN)
            email = f"{first.lower()}@{domain}"
            person = self.person(email, name, pid)
            self.partner_people.append(person)
            self.partner_person_name[person] = (name, email)
            if rnd.random() < 0.03:  # a second address, merged into the same partner
                other = self.person(f"{first.lower()}.{last.lower()}{i}@gmail.example", name, pid)
                self.partner_people.append(other)
                self.partner_person_name[other] = (name, f"{first.lower()}.{last.lower()}{i}@gmail.example")
        # Each member works with a few hundred partners, some much more than others.
        self.pools = [rnd.sample(self.partner_people, 450) for _ in self.member_ids]
        for i in range(self.size):
            self.referral(i)
        self.past_member_mail()
        return self

    def pick_partner(self, m: int) -> int:
        pool = self.pools[m]
        return pool[min(int(self.rnd.paretovariate(1.2)) - 1, len(pool) - 1)]

    def referral(self, i: int) -> None:
        rnd = self.rnd
        at = END - SPAN + SPAN * (i + rnd.random()) / self.size - timedelta(minutes=5)
        m = rnd.randrange(N_MEMBERS)
        member_id, member_person = self.member_ids[m], self.member_people[m]
        client_name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
        shape = rnd.random()
        kind = "forwarded_intro" if rnd.random() < 0.1 else "double_intro"
        if shape < 0.02:  # a heads-up: the prospect has no address yet
            kind, direction, introducer = "heads_up", "received", self.pick_partner(m)
            client = self.person(None, client_name, at=at)
            parties = [(member_person, "provider"), (client, "prospect")]
        else:
            client = self.person(f"client{i}@mail{i % 97}.example", client_name, at=at)
            if shape < 0.47:
                direction, introducer = "received", self.pick_partner(m)
                parties = [(client, "prospect"), (member_person, "provider")]
            elif shape < 0.85:
                direction, introducer = "given", member_person
                parties = [(client, "prospect"), (self.pick_partner(m), "provider")]
            elif shape < 0.90:  # between members: the giver introduces a client to another member
                giver = rnd.randrange(N_MEMBERS - 1)
                giver += giver >= m
                direction, introducer = "received", self.member_people[giver]
                parties = [(client, "prospect"), (member_person, "provider")]
            elif shape < 0.95:  # the mail did not say who provides
                direction, introducer = "received", self.pick_partner(m)
                parties = [(member_person, "party"), (client, "party")]
            else:  # between partners: no member in it
                direction, introducer, member_id = "partner", self.pick_partner(m), None
                other = self.pick_partner(m)
                parties = [(client, "prospect")] + ([(other, "provider")] if other != introducer else [])
        status = self.status(END - at, member_id is not None)
        value, currency, won_at, qualified_at = None, "", None, None
        if status == "won":
            code, _, unit = rnd.choices(CURRENCIES, weights=[c[1] for c in CURRENCIES])[0]
            value = rnd.randrange(5, 400) * 50 * (unit if unit > 1 else 150)
            currency = code
            won_at = min(at + timedelta(days=rnd.uniform(5, 40)), END - timedelta(hours=1))
        if status in ("qualified", "won"):
            qualified_at = min(at + timedelta(days=rnd.uniform(2, 10)), won_at or END - timedelta(hours=2))
        intro_name = self.name_of(introducer)
        others = " and ".join(self.name_of(p)[0] for p, _ in parties)
        subject = f"Intro: {others}"
        msgid = f"<scale-{i}@{intro_name[1].partition('@')[2] or 'x.example'}>"
        rid = self.add(
            "referrals", dedupe_key=msgid, kind=kind, status=status, direction=direction,
            confidence=round(rnd.uniform(0.75, 0.99), 2), reason="introduction language in the new text",
            introduced_at=at, introducer_id=introducer, member_id=member_id, source_message_id=msgid,
            subject=subject, subject_key=subject.lower(), excerpt=f"{others}, meet each other.",
            introducer_utc_offset=rnd.choice((None, -360, -300, 0, 60, 120)), value_cents=value,
            currency=currency, outcome_note="", qualified_at=qualified_at, snoozed_until=None, won_at=won_at,
            created_at=at, updated_at=won_at or at)
        for person, role in parties:
            self.add("referral_parties", referral_id=rid, person_id=person, role=role)
        self.add("inbound_messages", dedupe_key=msgid, message_id=msgid, source="maildir:/var/mail/intros",
                 source_ref=f"{i}.eml", kind=kind, rule=kind, reason="introduction language in the new text",
                 sender=intro_name[1], subject=subject, sent_at=at, referral_id=rid, processed_at=at)
        self.events(rid, status, at, value, currency, won_at)
        if member_id is not None and status not in ("needs_review", "rejected", "merged"):
            self.mail_for(rid, m, status, at, direction, introducer)

    def name_of(self, person: int) -> tuple[str, str]:
        row = self.rows["people"][person - 1]
        return row["name"], row["email"] or ""

    def status(self, age: timedelta, has_member: bool) -> str:
        r = self.rnd.random()
        if r < 0.01:
            return "needs_review"
        if r < 0.015:
            return "rejected"
        if r < 0.02:
            return "merged"
        if age > timedelta(days=60):
            table = (("connected", 22), ("qualified", 8), ("won", 15), ("lost", 10), ("no_fit", 8),
                     ("stale" if has_member else "introduced", 37))
        elif age > timedelta(days=21):
            table = (("introduced", 35), ("connected", 30), ("qualified", 10), ("won", 10), ("lost", 8),
                     ("no_fit", 7))
        else:
            table = (("introduced", 60), ("connected", 25), ("qualified", 8), ("won", 4), ("lost", 3))
        return self.rnd.choices([s for s, _ in table], weights=[w for _, w in table])[0]

    PATHS = {"connected": ("connected",), "qualified": ("connected", "qualified"),
             "won": ("connected", "qualified", "won"), "lost": ("connected", "lost"), "no_fit": ("no_fit",),
             "stale": ("stale",), "rejected": ("rejected",), "merged": ("merged",)}

    def events(self, rid: int, status: str, at: datetime, value, currency, won_at) -> None:
        old = "needs_review" if status == "rejected" else "introduced"
        when = at
        for new in self.PATHS.get(status, ()):
            when = won_at if new == "won" else min(when + timedelta(days=self.rnd.uniform(1, 6)),
                                                   END - timedelta(minutes=30))
            if new == "stale":
                when = min(at + timedelta(days=60, hours=1), END - timedelta(minutes=30))
            event = {"stale": "stale", "rejected": "review", "merged": "merge"}.get(  # connected: a MET
                new, "answer")
            self.add("referral_events", referral_id=rid, old_status=old, new_status=new, actor_email="",
                     message_id="", reason=f"{event}: {old} → {new}", amount_cents=value if new == "won" else None,
                     currency=currency if new == "won" else "", accepted=True, at=when, event=event, step=None,
                     answer_key=f"scale:{rid}:{new}" if event == "answer" else None)
            old = new

    def mail_for(self, rid: int, m: int, status: str, at: datetime, direction: str, introducer: int) -> None:
        member_email = members()[m]["emails"][0]
        if direction == "received" and introducer not in self.member_people:
            self.mail(f"thank-you:{member_email}:{self.name_of(introducer)[1]}:{at:%Y-%m-%d}:{rid}", "thank_you",
                      self.name_of(introducer)[1], at + timedelta(minutes=10), [rid], m)
        open_ = status in ("introduced", "connected", "qualified")
        for step, days in ((1, 7), (2, 21)):
            due = at + timedelta(days=days)
            if due <= END:
                box = self.mail(f"follow-up:{rid}:{step}", "follow_up", member_email, due, [rid], m)
                self.add("follow_ups", referral_id=rid, step=step, due_at=due, status="done", outbox_id=box)
            else:
                self.add("follow_ups", referral_id=rid, step=step, due_at=due,
                         status="scheduled" if open_ else "cancelled", outbox_id=None)

    def mail(self, key: str, kind: str, to: str, at: datetime, referral_ids: list[int], m: int | None) -> int:
        body = (f"Hello,\n\nthis is introledger writing about referral {referral_ids or ''}. " * 4)[:420]
        return self.add("outbox", dedupe_key=key, kind=kind, status="sent", referral_ids=referral_ids,
                        member_id=self.member_ids[m] if m is not None else None,
                        from_addr="introledger <intros@group.example>", to_addr=to, reply_to="",
                        subject=f"{kind.replace('_', ' ')} {key[-24:]}", text_body=body, html_body="",
                        in_reply_to="", references="", message_id=f"<{key}@group.example>", reason="",
                        last_error="", attempts=1, not_before=at, queued_at=at, nudged_at=at, claimed_at=at,
                        handed_over_at=at, job_id=None, sent_at=at)

    def past_member_mail(self) -> None:
        """Past weeks' digests and months' check-ins went (this week's and month's have not), promises
        were made (none in the nudge window), and heads-ups in the window were already nudged."""
        week = END - SPAN
        while week < END - timedelta(days=7):
            for m, mid in enumerate(self.member_ids):
                self.mail(f"digest:{mid}:{week - timedelta(days=7):%G-W%V}", "digest", members()[m]["emails"][0],
                          week + timedelta(hours=8), [], m)
            week += timedelta(days=7)
        month = (END - SPAN).replace(day=1)
        while month < END.replace(day=1):
            for m, mid in enumerate(self.member_ids):
                self.mail(f"coffee:{mid}:{month:%Y-%m}", "coffee_check_in", members()[m]["emails"][0],
                          month + timedelta(hours=9), [], m)
            month = (month + timedelta(days=32)).replace(day=1)
        for r in self.rows["referrals"]:
            if r["kind"] == "heads_up" and r["status"] == "introduced" and r["introduced_at"] > END - timedelta(28):
                self.mail(f"heads-up:{r['id']}", "promise_nudge", "x@x.example", r["introduced_at"] + timedelta(14),
                          [r["id"]], None)
        for _ in range(self.size // 50):
            m = self.rnd.randrange(N_MEMBERS)
            made = END - SPAN + (SPAN - timedelta(days=30)) * self.rnd.random()
            self.add("promises", member_id=self.member_ids[m], partner_person_id=self.pick_partner(m), made_at=made,
                     message_id="", subject="coffee?", said="I might have someone for you", created_at=made)


def build_history(size: int, url: str) -> None:
    """Migrate to BASE_REVISION, then insert the history's rows in batches (Core, reflected tables)."""
    from sqlalchemy import MetaData, insert

    from models.db import make_engine, upgrade

    started = time.perf_counter()
    history = History(size).build()
    engine = make_engine(url)
    upgrade(engine, BASE_REVISION)
    meta = MetaData()
    meta.reflect(engine)
    with engine.begin() as conn:
        for table, rows in history.rows.items():
            for at in range(0, len(rows), 5000):
                conn.execute(insert(meta.tables[table]), rows[at:at + 5000])
        if engine.dialect.name == "postgresql":
            for table in history.rows:  # ids were given: the sequences must follow
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))")
    engine.dispose()
    if url.startswith("sqlite:///"):  # statistics for the planner, and one file to copy
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
    else:
        from sqlalchemy import create_engine

        plain = create_engine(url, isolation_level="AUTOCOMMIT")
        with plain.connect() as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        plain.dispose()
    total = sum(len(r) for r in history.rows.values())
    print(f"  built {size:,} referrals ({total:,} rows) in {time.perf_counter() - started:.1f} s", file=sys.stderr)


# ---- where histories live ----------------------------------------------------------------------

class Store:
    """A built history per size, and copies of it at the schema of the code measured."""

    def __init__(self, database: str, cache: Path, code: Path):
        self.database, self.cache, self.code = database, cache, code

    def env(self) -> dict[str, str]:
        # Bytecode cached as in an installed copy (pip compiles it): PYTHONDONTWRITEBYTECODE, set
        # on our test machines, made every process compile our ~40 modules again.
        env = {**os.environ, "PYTHONPATH": str(self.code), "COLUMNS": "200", "NO_COLOR": "1"}
        for key in ("INTROLEDGER_CONFIG", "INTROLEDGER_DATABASE_URL", "INTROLEDGER_CLOCK_FILE",
                    "PYTHONDONTWRITEBYTECODE"):
            env.pop(key, None)
        return env

    def compile(self) -> None:
        """The measured code's bytecode, written before anything is timed (__pycache__, ignored by git)."""
        subprocess.run([sys.executable, "-m", "compileall", "-q", "worker", "models"], env=self.env(),
                       cwd=self.code, check=True, stdout=subprocess.DEVNULL)

    def base(self, size: int) -> str:
        name = f"v{HISTORY_VERSION}-{size}"
        if self.database == "sqlite":
            path = self.cache / f"{name}.db"
            if not path.exists():
                tmp = path.with_suffix(".building")
                tmp.unlink(missing_ok=True)
                build_history(size, f"sqlite:///{tmp}")
                tmp.rename(path)
            return f"sqlite:///{path}"
        db = f"scale_{name}".replace("-", "_")
        if not self._pg_exists(db):
            self._pg(f"DROP DATABASE IF EXISTS {db}_building")
            self._pg(f"CREATE DATABASE {db}_building")
            build_history(size, _pg_url(f"{db}_building"))
            self._pg(f"ALTER DATABASE {db}_building RENAME TO {db}")
        return _pg_url(db)

    def measured(self, size: int, fresh: str = "") -> str:
        """A copy of the history at the measured code's head (`fresh`: another, throwaway copy)."""
        base = self.base(size)
        head = self._head()
        if self.database == "sqlite":
            dst = self.cache / f"v{HISTORY_VERSION}-{size}-at-{head}{fresh}.db"
            if fresh:
                shutil.copyfile(self.measured(size).removeprefix("sqlite:///"), dst)
            elif not dst.exists():
                staged = dst.with_suffix(".copying")
                shutil.copyfile(base.removeprefix("sqlite:///"), staged)
                self._upgrade(f"sqlite:///{staged}")
                staged.rename(dst)
            return f"sqlite:///{dst}"
        db = f"scale_v{HISTORY_VERSION}_{size}_at_{head}{fresh}".lower().replace("-", "_")
        if fresh:
            self._pg(f"DROP DATABASE IF EXISTS {db}")
            self._pg(f"CREATE DATABASE {db} TEMPLATE {self.measured(size).rpartition('/')[2]}")
        elif not self._pg_exists(db):
            self._pg(f"CREATE DATABASE {db} TEMPLATE {base.rpartition('/')[2]}")
            self._upgrade(_pg_url(db))
        return _pg_url(db)

    def drop(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            for suffix in ("", "-wal", "-shm"):
                Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        else:
            self._pg(f"DROP DATABASE IF EXISTS {url.rpartition('/')[2]}")

    def _upgrade(self, url: str) -> None:
        subprocess.run([sys.executable, "-c", "import sys; from models.db import make_engine, upgrade; "
                        "upgrade(make_engine(sys.argv[1]))", url], env=self.env(), cwd=self.code, check=True)

    def _head(self) -> str:
        return subprocess.run([sys.executable, "-c", "from models.db import script_head; print(script_head())"],
                              env=self.env(), cwd=self.code, check=True, capture_output=True,
                              text=True).stdout.strip()

    def _pg(self, sql: str) -> None:
        from sqlalchemy import create_engine

        engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(sql)
        engine.dispose()

    def _pg_exists(self, db: str) -> bool:
        from sqlalchemy import create_engine, text

        engine = create_engine(PG_ADMIN)
        with engine.connect() as conn:
            found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": db}).first()
        engine.dispose()
        return found is not None


def _pg_url(db: str) -> str:
    return PG_ADMIN.rpartition("/")[0] + "/" + db


# ---- the operations and the database's own figure for each -------------------------------------

MEMBER = members()[3]["name"]
OPERATIONS = {  # name → (introledger arguments, the bare SQL beside it)
    "report --group": (["report", "--group"], "ledger"),
    "report": (["report"], "ledger"),
    "report --json": (["report", "--json"], "ledger"),
    "report --by-month": (["report", "--by-month"], "months"),
    "report --member": (["report", "--member", MEMBER], "member"),
    "report --as": (["report", "--as", MEMBER], "member"),  # what that member may see: their own ledger
    "referrals --json": (["referrals", "--json"], "listing"),
    "export slips": (["export", "slips"], "listing"),
    "run --once (digests, check-ins)": (["run", "--once"], "ledger"),
}
_PEOPLE = ("FROM referrals r JOIN referral_parties p ON p.referral_id = r.id JOIN people pp ON pp.id = p.person_id "
           "JOIN people i ON i.id = r.introducer_id")
RAW = {
    # One pass over the ledger's join, grouped by member, partner, way and currency.
    "ledger": f"SELECT r.member_id, coalesce(pp.partner_id, i.partner_id), r.direction, r.currency, count(*), "
              f"sum(r.value_cents), max(r.introduced_at) {_PEOPLE} WHERE r.status NOT IN "
              f"('needs_review', 'rejected', 'merged') GROUP BY 1, 2, 3, 4",
    "months": "SELECT r.member_id, {month}, r.direction, count(*) " + _PEOPLE + " WHERE r.status NOT IN "
              "('needs_review', 'rejected', 'merged') GROUP BY 1, 2, 3",
    "member": f"SELECT coalesce(pp.partner_id, i.partner_id), r.direction, r.currency, count(*), sum(r.value_cents) "
              f"{_PEOPLE} WHERE r.member_id = 4 AND r.status NOT IN ('needs_review', 'rejected', 'merged') "
              f"GROUP BY 1, 2, 3",
    # Every listed row and its people, read to the end.
    "listing": f"SELECT r.id, r.status, r.kind, r.introduced_at, r.value_cents, r.currency, i.name, i.email, "
               f"pp.name, pp.email, p.role {_PEOPLE} WHERE r.status NOT IN ('rejected', 'merged') "
               f"ORDER BY r.introduced_at, r.id, p.id",
}


def probe(name: str, url: str) -> None:
    """The bare SQL alone (run in its own process by `measure`): prints the query's seconds."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    month = "substr(r.introduced_at, 1, 7)" if engine.dialect.name == "sqlite" else \
        "to_char(r.introduced_at AT TIME ZONE 'UTC', 'YYYY-MM')"
    sql = RAW[name].replace("{month}", month)
    with engine.connect() as conn:
        start = time.perf_counter()
        rows = sum(1 for _ in conn.execution_options(stream_results=True).exec_driver_sql(sql))
        print(f"{time.perf_counter() - start:.6f} {rows}")


# ru_maxrss counts what a process held before its exec too: a child forked from this bench (which
# holds a history in memory) would report the bench's size. A small interpreter starts each command
# and reports the command's own figures.
_LAUNCH = """import os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(f"{time.perf_counter() - start} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)} "
            f"{usage.ru_utime + usage.ru_stime}")
"""


def timed(argv: list[str], env: dict, cwd: Path) -> tuple[float, float, float, str]:
    """(wall seconds, CPU seconds, peak RSS MB, the start of stdout) of one process; it must succeed."""
    with tempfile.NamedTemporaryFile("r", suffix=".rusage") as report, \
            tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-S", "-c", _LAUNCH, report.name, *argv], cwd=cwd, env=env,
                                stdout=subprocess.PIPE, stderr=err)
        assert proc.stdout is not None
        head = proc.stdout.read(65536)
        while proc.stdout.read(1 << 20):  # drained as it comes: a listing may be large
            pass
        proc.wait()
        wall, rss_kb, code, cpu = report.read().split()
        if proc.returncode or int(code):
            err.seek(0)
            raise SystemExit(f"{' '.join(argv)} failed ({code}): {err.read().decode(errors='replace')[-2000:]}")
    return float(wall), float(cpu), int(rss_kb) / 1024, head.decode(errors="replace")


def measure(store: Store, size: int, op: str, runs: int, workdir: Path) -> dict:
    args, raw = OPERATIONS[op]
    env = store.env()
    cli = [sys.executable, "-m", "worker.cli.main"]
    ours: list[tuple[float, float, float]] = []
    tick = None
    for _ in range(runs):
        url = store.measured(size, fresh="-run") if op.startswith("run") else store.measured(size)
        run_dir = workdir / f"{size}-{len(ours)}"
        shutil.rmtree(run_dir, ignore_errors=True)
        (run_dir / "mail" / "new").mkdir(parents=True)
        for sub in ("cur", "tmp"):
            (run_dir / "mail" / sub).mkdir()
        config = run_dir / "config.yaml"
        config.write_text(config_text(url, run_dir))
        clock = run_dir / "clock"
        # The clock stands just after the history's end (it moves on with the real one from here).
        clock.write_text(f"{(END + timedelta(seconds=1) - datetime.now(UTC)).total_seconds():.3f}")
        wall, cpu, rss, out = timed([*cli, "--config", str(config), *args],
                               {**env, "INTROLEDGER_CLOCK_FILE": str(clock)}, store.code)
        if op.startswith("run"):
            sent = len(list((run_dir / "outgoing").glob("*.eml"))) if (run_dir / "outgoing").exists() else 0
            if sent < N_MEMBERS:
                raise SystemExit(f"run --once at {size:,} sent {sent} mails, expected a digest and a check-in "
                                 f"per member: {out[:500]}")
            tick = _tick(store, config, clock) if not ours else tick
            store.drop(url)
        ours.append((wall, cpu, rss))
    probe_argv = [sys.executable, str(Path(__file__).resolve()), "--probe", raw, store.measured(size)]
    p_wall, p_cpu, p_rss, p_out = timed(probe_argv, env, store.code)
    wall, cpu, rss = sorted(ours)[len(ours) // 2]
    return {"op": op, "size": size, "wall": wall, "cpu": cpu, "rss": rss, "raw": raw, "raw_wall": p_wall,
            "raw_cpu": p_cpu, "raw_rss": p_rss, "raw_query": float(p_out.split()[0]), "tick": tick}


def _tick(store: Store, config: Path, clock: Path) -> tuple[float, int]:
    """(milliseconds, statements) of the sweep's duties right after `run --once` did what was due:
    a tick with nothing due, as `run` does every few seconds (median of 5, in one process)."""
    argv = [sys.executable, str(Path(__file__).resolve()), "--tick", str(config), str(clock)]
    _, _, _, out = timed(argv, {**store.env(), "INTROLEDGER_CLOCK_FILE": str(clock)}, store.code)
    ms, statements = out.split()
    return float(ms), int(statements)


def tick(config: str) -> None:
    """The duties once to warm up, then five ticks timed (run with --tick, in the measured code)."""
    import statistics

    from sqlalchemy import event

    from worker.app import bootstrap
    from worker.core.config import load

    app = bootstrap.build(load(config))
    try:
        from worker.app.service import due_work
    except ImportError:  # code from before the duties ran in batches: Service.due_follow_ups' body
        def due_work(app) -> int:
            with app.sessions.begin() as session:
                return sum(f(session) for f in (app.followups.materialize, app.digests.queue_due,
                                                app.reminders.queue_due))
    due_work(app)
    count = [0]
    event.listen(app.engine, "before_cursor_execute", lambda *_: count.__setitem__(0, count[0] + 1))
    times = []
    for _ in range(5):
        count[0] = 0
        start = time.perf_counter()
        due_work(app)
        times.append(time.perf_counter() - start)
    print(f"{statistics.median(times) * 1000:.1f} {count[0]}")


def _s(seconds: float) -> str:
    return f"{seconds:.2f}" if seconds < 10 else f"{seconds:.0f}"


def fmt(seconds: float, cpu: float, mb: float) -> str:
    """Wall time (CPU time: steadier when the machine is shared), peak memory."""
    return f"{_s(seconds)} s ({_s(cpu)} cpu), {mb:.0f} MB"


def table(results: list[dict], sizes: list[int]) -> str:
    def k(n):
        return f"{n // 1000}k" if n >= 1000 else str(n)

    biggest = sizes[-1]
    growth = f"growth {k(sizes[-2])}→{k(biggest)}" if len(sizes) > 1 else "growth"
    head = ["operation", *(k(s) for s in sizes), growth, f"database's own at {k(biggest)}: a bare SQL process; "
            "its query alone"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for op in OPERATIONS:
        got = {r["size"]: r for r in results if r["op"] == op}
        if not got:
            continue
        cells = [fmt(got[s]["wall"], got[s]["cpu"], got[s]["rss"]) if s in got else "" for s in sizes]
        last = got.get(biggest)
        prev = got.get(sizes[-2]) if len(sizes) > 1 else None
        factor = f"×{last['wall'] / prev['wall']:.1f}" if last and prev else ""
        raw = (f"{fmt(last['raw_wall'], last['raw_cpu'], last['raw_rss'])}; query {last['raw_query'] * 1000:.0f} ms"
               if last else "")
        lines.append(f"| `{op}` | " + " | ".join(cells) + f" | {factor} | {raw} |")
        if any(r.get("tick") for r in got.values()):
            ticks = [f"{got[s]['tick'][0]:.0f} ms, {got[s]['tick'][1]} statements" if s in got else "" for s in sizes]
            lines.append("| then a sweep with nothing due (`run`'s duties every few seconds) | " + " | ".join(ticks)
                         + " | | |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout to measure (default: this one)")
    parser.add_argument("--only", help="comma-separated operations (e.g. 'report --group,run --once')")
    parser.add_argument("--runs", type=int, default=1, help="runs per figure (the median is shown)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "introledger-scale")
    parser.add_argument("--probe", nargs=2, metavar=("SQL", "URL"), help=argparse.SUPPRESS)
    parser.add_argument("--tick", nargs=2, metavar=("CONFIG", "CLOCK"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe(*args.probe)
        return
    if args.tick:
        tick(args.tick[0])
        return
    sizes = sorted(int(s.replace("_", "").replace("k", "000")) for s in args.sizes.split(","))
    ops = [op for op in OPERATIONS if not args.only or any(op.startswith(w.strip()) for w in args.only.split(","))]
    cache = args.cache / args.database
    cache.mkdir(parents=True, exist_ok=True)
    store = Store(args.database, cache, args.code.resolve())
    store.compile()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            print(f"{size:,} referrals ({args.database}):", file=sys.stderr)
            store.measured(size)
            for op in ops:
                result = measure(store, size, op, args.runs, Path(tmp))
                print(f"  {op:<34} {fmt(result['wall'], result['cpu'], result['rss']):>30}   bare SQL "
                      f"{fmt(result['raw_wall'], result['raw_cpu'], result['raw_rss'])}; "
                      f"query {result['raw_query'] * 1000:.0f} ms", file=sys.stderr)
                if result["tick"]:
                    print(f"  {'then a tick with nothing due':<34} {result['tick'][0]:.0f} ms, "
                          f"{result['tick'][1]} statements", file=sys.stderr)
                results.append(result)
    print(table(results, sizes))
    print(f"\n({args.database}; {args.runs} run(s) each; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs; code {args.code})")


if __name__ == "__main__":
    main()
