"""The ledger's hand-built history with known answers, shared by the ledger's test modules
(a pytest plugin: conftest.py loads it)."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from models import Referral
from tests import mailgen
from tests.conftest import build_app
from worker.inbound.pipeline import Origin

DANA = ("Dana Whitfield", "dana@danabooks.example")
CAROL = ("Carol Jensen", "carol@x.example")     # sends Dana work, gets none back
RAJ = ("Raj Mehta", "raj@mehta.example")        # Dana sends him work, he never returns any
START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def client(i):
    return (f"Client {i}", f"client{i}@c.example")


@pytest.fixture
def history(tmp_path, database_url):
    app = build_app(tmp_path, database_url)
    n = 0

    def log(introducer, a, b, days, status=None, value=None):
        nonlocal n
        n += 1
        raw = mailgen.intro(n, introducer=introducer, a=a, b=b, when=START + timedelta(days=days))
        rid = app.pipeline.process(raw, Origin("file", str(n))).referral_id
        if status:
            with app.sessions.begin() as s:
                s.execute(update(Referral).where(Referral.id == rid).values(
                    status=status, value_cents=value, currency="USD" if value else ""))
        return rid

    log(CAROL, client(1), DANA, 0, "won", 450000)    # Carol → Dana, won $4,500
    log(CAROL, client(2), DANA, 10, "connected")     # Carol → Dana
    for i, days in enumerate((5, 20, 40, 60), start=3):   # Dana → Raj, four times
        log(DANA, client(i), RAJ, days, "stale" if i < 6 else None)
    yield app
    app.engine.dispose()
