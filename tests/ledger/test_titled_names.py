"""The mail a member gets about people written with a title (user trial): the heads-up reminder named a
prospect "Herrn" ("Hat sich Herrn gemeldet?") and the coffee check-in greeted a partner by his title
("Du hast RA 1 Empfehlung geschickt … Frag RA:"). Real pipeline, SQLite, a frozen clock."""
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from models import OutboxMessage
from tests.conftest import build_app
from tests.ledger.test_reminders import QUIET, History, sweep

pytestmark = pytest.mark.sqlite_only  # what the mail says, not how it is stored

KLAUS = ("Klaus Becker", "k.becker@becker-steuer.example")
INGRID = ("Ingrid Sommer", "i.sommer@sommer-versicherung.example")
RICHTER = ("RA Thomas Richter", "richter@richter-arbeitsrecht.example")
MEMBERS = [{"name": KLAUS[0], "emails": [KLAUS[1]], "domains": ["becker-steuer.example"],
            "timezone": "Europe/Berlin", "language": "de"}]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def make(tmp_path, url, clock, **reminders):
    return build_app(tmp_path, url, now=clock, members=MEMBERS, reminders=reminders, **QUIET)


def sent(app, kind: str) -> OutboxMessage:
    with app.sessions() as s:
        [row] = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)).all()
        return row


def test_the_heads_up_reminder_names_the_prospect_not_his_title(tmp_path, sqlite_url, clock):
    clock.current = at("2026-12-03 15:00")
    app = make(tmp_path, sqlite_url, clock, coffee={"enabled": False})
    v = History(app).note(INGRID, KLAUS, "Herr Albrecht", "Sehr geehrter Herr Becker,\n\nich habe Herrn Jürgen "
                          "Albrecht Ihre Kontaktdaten gegeben. Er wird sich in den nächsten Tagen bei Ihnen "
                          "melden.\n\nMit freundlichen Grüßen\nIngrid Sommer\n", at("2026-12-03 15:00"))
    assert v.kind == "heads_up"
    clock.current = at("2026-12-17 15:00")
    assert sweep(app) == 1
    body = sent(app, "promise_nudge").text_body
    assert "Jürgen Albrecht" in body and "hat sich Jürgen gemeldet?" in body
    assert "Herrn" not in body


def test_the_coffee_check_in_calls_a_partner_by_his_given_name_not_his_title(tmp_path, sqlite_url, clock):
    clock.current = at("2026-11-20 12:00")
    app = make(tmp_path, sqlite_url, clock)
    History(app).intro(RICHTER, KLAUS, at("2026-11-10 15:00"))
    clock.current = at("2026-12-01 09:00")  # 10:00 in Berlin, past the check-in's hour
    assert sweep(app) == 1
    body = sent(app, "coffee_check_in").text_body
    # his name without the title (kept from his From: line until the second user trial), then his given name
    assert "Zeit für einen Kaffee mit Thomas Richter: " in body
    assert "Thomas 0 Empfehlungen geschickt, Thomas" in body  # (in either register)
    assert re.search(r"\bRA\b", body) is None, body
