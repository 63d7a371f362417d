"""Names as people write them: Outlook's "Last, First", titles after a comma, bare addresses."""
from datetime import UTC

import pytest

from worker.mail.names import display, first_name


@pytest.mark.parametrize("written, shown, greeted", [
    ("Delaney, Mark", "Mark Delaney", "Mark"),
    ("  Delaney ,  Mark ", "Mark Delaney", "Mark"),
    ("van der Berg, Anna Maria", "Anna Maria van der Berg", "Anna"),
    ("Müller, Jürgen", "Jürgen Müller", "Jürgen"),
    ("O'Brien, Seán", "Seán O'Brien", "Seán"),
    ("Mark Delaney", "Mark Delaney", "Mark"),
    ("Mark Delaney, CPA", "Mark Delaney, CPA", "Mark"),
    ("Delaney, Mark, Jr.", "Delaney, Mark, Jr.", "Delaney"),
    ("Smith, Inc.", "Smith, Inc.", "Smith"),
    ("Acme 2000, Sales", "Acme 2000, Sales", "Acme"),
    ('"Delaney, Mark"', "Mark Delaney", "Mark"),
])
def test_last_comma_first_reads_first_last_and_greets_the_given_name(written, shown, greeted):
    assert display(written) == shown
    assert first_name(written) == greeted


def test_no_name_greets_by_the_address_and_never_leaves_a_trailing_comma():
    assert first_name("", "carol.jensen@x.example") == "Carol"
    assert first_name("") == "There"
    assert first_name("Delaney,") == "Delaney"


def test_an_outlook_style_introducer_is_greeted_by_first_name_in_the_thank_you(tmp_path, sqlite_url, clock):
    from sqlalchemy import select

    from models import OutboxMessage
    from tests import mailgen
    from tests.conftest import build_app
    from worker.inbound.pipeline import Origin

    app = build_app(tmp_path, sqlite_url, now=clock)
    raw = mailgen.intro(1, introducer=("Delaney, Mark", "mark@delaney.example"),
                        a=("Alice Brook", "alice@y.example"), b=("Dana Whitfield", "dana@danabooks.example"),
                        when=clock.current)
    app.pipeline.process(raw, Origin("file", "t"))
    with app.sessions() as s:
        [row] = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "thank_you")).all()
    assert row.text_body.startswith("Hi Mark,"), row.text_body[:40]
    assert "Delaney,," not in row.text_body + row.html_body
    app.engine.dispose()


def test_an_outlook_style_name_is_stored_first_last_for_reports_and_greetings(tmp_path, sqlite_url, clock):
    from sqlalchemy import select

    from models import Person
    from tests import mailgen
    from tests.conftest import build_app
    from worker.inbound.pipeline import Origin

    app = build_app(tmp_path, sqlite_url, now=clock)
    raw = mailgen.intro(1, introducer=("Member One", "m1@x.example"),
                        a=("Brook, Alice", "alice@y.example"), b=("Dana Whitfield", "dana@danabooks.example"),
                        when=clock.current)
    app.pipeline.process(raw, Origin("file", "t"))
    with app.sessions() as s:
        names = {p.email: p.name for p in s.scalars(select(Person))}
    assert names["alice@y.example"] == "Alice Brook"
    app.engine.dispose()


def test_an_introducer_named_in_an_unknown_charset_is_greeted_by_name_not_encoded_words(tmp_path, sqlite_url, clock):
    import re

    from sqlalchemy import select

    from models import OutboxMessage
    from tests import mailgen
    from tests.conftest import build_app
    from worker.inbound.pipeline import Origin

    app = build_app(tmp_path, sqlite_url, now=clock)
    raw = mailgen.intro(1, introducer=("Placeholder Name", "jm@mueller.example"),
                        a=("Alice Brook", "alice@y.example"), b=("Dana Whitfield", "dana@danabooks.example"),
                        when=clock.current)
    raw = re.sub(rb"(?m)^From: .*$", b"From: =?x-unknown?Q?J=FCrgen_M=FCller?= <jm@mueller.example>\r", raw, count=1)
    app.pipeline.process(raw, Origin("file", "t"))
    with app.sessions() as s:
        [row] = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "thank_you")).all()
    assert row.text_body.startswith("Hi Jürgen,"), row.text_body[:40]
    assert "=?" not in row.text_body + row.html_body + row.to_addr
    app.engine.dispose()


def test_an_unquoted_last_comma_first_keeps_both_names():
    from worker.mail.names import display
    from worker.mail.parse import addresses

    [yuki, bob] = addresses(["Nakamura, Yuki <yuki@x.example>, Bob Lee <bob@y.example>"])
    assert (display(yuki.name), yuki.email) == ("Yuki Nakamura", "yuki@x.example")
    assert (bob.name, bob.email) == ("Bob Lee", "bob@y.example")
    # A real address before the next one is not a surname.
    assert [a.name for a in addresses(["ann@x.example, Yuki <yuki@x.example>"])] == ["", "Yuki"]


def test_a_name_in_an_unknown_charset_reads_decoded_in_the_digest_and_the_partner_list(tmp_path, sqlite_url, clock):
    """Was: `=?x-unknown?Q?J=FCrgen_M=FCller?=` as written, in the digest and `partners list`."""
    import json
    import re
    from datetime import datetime

    from sqlalchemy import select

    from models import OutboxMessage
    from tests import mailgen
    from tests.cli.test_cli import cli
    from tests.conftest import build_app
    from worker.inbound.pipeline import Origin

    app = build_app(tmp_path, sqlite_url, now=clock, thank_you={"enabled": False}, outbound={"quiet_hours": None})
    raw = mailgen.intro(1, introducer=("Placeholder Name", "jm@mueller.example"),
                        a=("Alice Brook", "alice@y.example"), b=("Dana Whitfield", "dana@danabooks.example"),
                        when=clock.current)
    raw = re.sub(rb"(?m)^From: .*$", b"From: =?x-unknown?Q?J=FCrgen_M=FCller?= <jm@mueller.example>\r", raw, count=1)
    app.pipeline.process(raw, Origin("file", "t"))
    clock.current = datetime(2026, 11, 9, 8, 30, tzinfo=UTC)  # the Monday after
    with app.sessions.begin() as s:
        assert app.digests.queue_due(s) == 1
    with app.sessions() as s:
        digest = s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "digest"))
    assert "Jürgen Müller introduced you to Alice Brook" in digest.text_body
    assert "=?" not in digest.subject + digest.text_body + digest.html_body

    (tmp_path / "config.yaml").write_text("tracking: {address: intros@example.com}\n")
    listed = json.loads(cli("partners", "list", "--json", cwd=tmp_path,
                            env={"INTROLEDGER_DATABASE_URL": sqlite_url}).stdout)
    assert [p["name"] for p in listed] == ["Jürgen Müller"]
    app.engine.dispose()


@pytest.mark.parametrize("written, greeted", [
    ("Dr. Eva Roth", "Eva"), ("Prof. Dr. Eva Roth", "Eva"), ("Mr. John Smith", "John"), ("Mrs Jane Doe", "Jane"),
    ("Ms. Ann Lee", "Ann"), ("Herr Jürgen Müller", "Jürgen"), ("Frau Petra Lang", "Petra"),
    ("M. Paul Martin", "Paul"), ("Mme Claire Dubois", "Claire"), ("Sr. Juan García", "Juan"),
    ("Sra. Ana López", "Ana"), ("Dott. Marco Bianchi", "Marco"), ("Ing. Luca Rossi", "Luca"),
    ("Roth, Dr. Eva", "Eva"), ("Dr. Roth", "Dr. Roth"),  # a title and a surname alone: greeted formally
    ("Drew Barry", "Drew"), ("Frauke Ms", "Frauke"),
])
def test_a_title_before_the_name_is_not_the_name_greeted(written, greeted):
    """QA trial: "Dr. Eva Roth" <eva@…> was thanked "Hi Dr.,"."""
    assert first_name(written) == greeted


def test_a_doctor_introducer_is_greeted_by_her_first_name_in_the_thank_you(tmp_path, sqlite_url, clock):
    from sqlalchemy import select

    from models import OutboxMessage
    from tests import mailgen
    from tests.conftest import build_app
    from worker.inbound.pipeline import Origin

    app = build_app(tmp_path, sqlite_url, now=clock)
    raw = mailgen.intro(1, introducer=("Dr. Eva Roth", "eva@roth.example"),
                        a=("Alice Brook", "alice@y.example"), b=("Dana Whitfield", "dana@danabooks.example"),
                        when=clock.current)
    app.pipeline.process(raw, Origin("file", "t"))
    with app.sessions() as s:
        [row] = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "thank_you")).all()
    assert row.text_body.startswith("Hi Eva,"), row.text_body[:40]
    app.engine.dispose()
