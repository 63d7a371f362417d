"""Intro phrasings people write that we used to miss (found trying the product as a user)."""
import pytest

from tests import mailgen
from tests.conftest import build_app
from worker.inbound.pipeline import Origin

LUCY, DANA, KAREL = ("Lucie Janssen", "lucie@janssen.example"), ("Dana Whitfield", "dana@danabooks.example"), (
    "Karel de Wit", "karel@dewit.example")


@pytest.mark.parametrize("body", [
    "Lucy - meet Dana! Dana - meet Lucy!\n\nLucy needs a bookkeeper.\n\nKarel\n",
    "Lucy: meet Dana. Dana, Lucy is the one I told you about.\n\nKarel\n",
    "Hoi Lucie en Dana,\n\nIk wil jullie graag aan elkaar voorstellen. Lucie zoekt een boekhouder.\n\nGroet,\nKarel\n",
    "Hoi allebei,\n\nIk breng jullie graag met elkaar in contact. Lucie zoekt een boekhouder.\n\nGroet,\nKarel\n",
])
def test_intros_written_this_way_are_logged(tmp_path, sqlite_url, body):
    app = build_app(tmp_path, sqlite_url)
    raw = mailgen.message(1, KAREL, [LUCY, DANA], [("", "intros@example.com")], "Lucie / Dana", body, "gmail", None)
    outcome = app.pipeline.process(raw, Origin("file", "1"))
    assert outcome.kind in ("intro", "double_intro") and outcome.referral_id, outcome
    app.engine.dispose()


def test_a_plan_to_meet_is_still_no_intro(tmp_path, sqlite_url):
    app = build_app(tmp_path, sqlite_url)
    raw = mailgen.message(1, KAREL, [LUCY], [("", "intros@example.com")], "Tuesday",
                          "Hi Lucie,\n\nCan meet Tuesday at 10 if that works.\n\nKarel\n", "gmail", None)
    assert app.pipeline.process(raw, Origin("file", "1")).referral_id is None
    app.engine.dispose()
