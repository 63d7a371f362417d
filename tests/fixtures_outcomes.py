"""One logged intro (Carol introduces Alice and Dana), the start of the tests of answers and
status changes in several modules (a pytest plugin: conftest.py loads it).

  one_intro_app  an app with the intro logged, follow-ups at 7 and 21 days, reply tokens signed
                 with SECRET, no quiet hours (the modules that use it name it `app`)
  logged         the intro ingested by the command line in a working directory: (workdir, env)
"""
from datetime import UTC, datetime

import pytest

from tests import mailgen
from tests.cli.test_cli import cli
from tests.conftest import build_app
from worker.inbound.pipeline import Origin

FILE = Origin("file", "t")
SECRET = "s3cret"
DANA = "dana@danabooks.example"


@pytest.fixture
def one_intro_app(tmp_path, database_url, clock):
    built = build_app(tmp_path, database_url, {"INTROLEDGER_TOKEN_SECRET": SECRET}, now=clock,
                      thank_you={"delay_seconds": 0}, follow_ups={"steps": ["7d", "21d"]},
                      outbound={"quiet_hours": None})
    built.pipeline.process(mailgen.intro(1, introducer=("Carol Jensen", "carol@x.example"),
                                         a=("Alice Brook", "alice@y.example"), b=("Dana Whitfield", DANA),
                                         when=clock.current), FILE)
    yield built
    built.engine.dispose()


@pytest.fixture
def logged(tmp_path, database_url):
    (tmp_path / "config.yaml").write_text(
        "tracking: {address: intros@example.com}\n"
        "members:\n  - {name: Dana Whitfield, emails: [dana@danabooks.example]}\n")
    env = {"INTROLEDGER_DATABASE_URL": database_url}
    cli("db", "upgrade", cwd=tmp_path, env=env)
    (tmp_path / "i.eml").write_bytes(mailgen.intro(
        1, introducer=("Carol Jensen", "carol@x.example"), a=("Alice Brook", "alice@y.example"),
        b=("Dana Whitfield", "dana@danabooks.example"), when=datetime.now(UTC)))
    cli("ingest", "i.eml", cwd=tmp_path, env=env)
    return tmp_path, env
