"""Partners who are also clients: a partner introduced to a member as the prospect, or a prospect who
later introduces others — the partner record shows both roles with a date; `partners show` and the
digest say so."""
import json

from sqlalchemy import select

from models import OutboxMessage, Partner, Person
from tests import mailgen
from tests.cli.test_cli import cli
from tests.ledger.test_reminders import CAROL, DANA, MARCO, History, at, make

ALICE = ("Alice Moreno", "alice@moreno.example")
BEN = ("Ben Ode", "ben@ode.example")


def partner(app, email) -> Partner | None:
    with app.sessions() as s:
        pid = s.scalar(select(Person.partner_id).where(Person.email == email))
        return s.get(Partner, pid) if pid else None


def intro(app, n, introducer, client, provider, when):
    raw = mailgen.intro(n, introducer=introducer, a=client, b=provider, when=when)
    from worker.inbound.pipeline import Origin

    return app.pipeline.process(raw, Origin("file", f"{n}")).referral_id


def test_a_partner_introduced_as_the_client_plays_both_roles(tmp_path, database_url, clock):
    clock.current = at("2026-04-01 12:00")
    app = make(tmp_path, database_url, clock)
    intro(app, 1, CAROL, ("Client 1", "c1@clients.example"), DANA, at("2026-02-10 15:00"))  # Carol, a partner
    assert not partner(app, CAROL[1]).is_customer
    intro(app, 2, MARCO, CAROL, DANA, at("2026-03-12 15:00"))  # Marco sends Carol to Dana as a client
    carol = partner(app, CAROL[1])
    assert carol.is_customer and carol.customer_since == at("2026-03-12 15:00")
    intro(app, 3, MARCO, CAROL, DANA, at("2026-03-20 15:00"))  # again later: the first date stays
    assert partner(app, CAROL[1]).customer_since == at("2026-03-12 15:00")


def test_a_client_who_introduces_others_becomes_a_partner_who_is_a_client(tmp_path, sqlite_url, clock):
    clock.current = at("2026-04-01 12:00")
    app = make(tmp_path, sqlite_url, clock)
    intro(app, 1, CAROL, ALICE, DANA, at("2026-01-05 15:00"))  # Alice is Dana's client ...
    assert partner(app, ALICE[1]) is None                      # ... and nobody's partner yet
    intro(app, 2, ALICE, BEN, DANA, at("2026-03-02 15:00"))    # Alice sends Ben to Dana
    alice = partner(app, ALICE[1])
    assert alice.is_customer and alice.customer_since == at("2026-01-05 15:00")
    assert partner(app, BEN[1]) is None  # Ben is a client only


def test_the_digest_says_so(tmp_path, database_url, clock):
    clock.current = at("2026-03-25 12:00")
    app = make(tmp_path, database_url, clock, coffee={"enabled": False}, promises={"enabled": False},
               digest={"enabled": True})
    h = History(app)
    h.intro(CAROL, DANA, at("2026-02-10 15:00"))
    intro(app, 50, MARCO, CAROL, DANA, at("2026-03-12 15:00"))
    h.intro(CAROL, DANA, at("2026-03-24 15:00"))
    clock.current = at("2026-03-30 13:00")  # Monday 09:00 in New York
    with app.sessions.begin() as s:
        app.digests.queue_due(s)
    with app.sessions() as s:
        row = s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "digest", OutboxMessage.to_addr == DANA[1]))
    assert "Carol Jensen is also your client since March 2026." in row.text_body
    assert "Carol Jensen is also your client since March 2026." in row.html_body
    with app.sessions() as s:
        marco = s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "digest",
                                                     OutboxMessage.to_addr == MARCO[1]))
    assert marco is None or "your client" not in marco.text_body  # Dana's client, not Marco's


def test_partners_show_and_list_say_so(tmp_path):
    (tmp_path / "config.yaml").write_text(
        "tracking: {address: intros@example.com}\nmembers:\n"
        "  - {name: Dana Whitfield, emails: [dana@danabooks.example]}\n"
        "  - {name: Marco Rossi, emails: [marco@rossi-marketing.example]}\n")
    cli("db", "upgrade", cwd=tmp_path)
    (tmp_path / "1.eml").write_bytes(mailgen.intro(1, introducer=CAROL, a=("Client 1", "c1@clients.example"),
                                                   b=DANA, when=at("2026-02-10 15:00")))
    (tmp_path / "2.eml").write_bytes(mailgen.intro(2, introducer=MARCO, a=CAROL, b=DANA, when=at("2026-03-12 15:00")))
    cli("ingest", "1.eml", "2.eml", cwd=tmp_path)
    rows = json.loads(cli("partners", "list", "--json", cwd=tmp_path).stdout)
    carol = next(r for r in rows if r["name"] == "Carol Jensen")
    assert carol["is_customer"] and carol["customer_since"].startswith("2026-03-12")
    shown = json.loads(cli("partners", "show", str(carol["id"]), "--json", cwd=tmp_path).stdout)
    assert [(c["member"], c["since"][:10]) for c in shown["client_of"]] == [("Dana Whitfield", "2026-03-12")]
    out = cli("partners", "show", str(carol["id"]), cwd=tmp_path).stdout
    assert "also a client: Carol Jensen is Dana Whitfield's client since 2026-03-12" in out
