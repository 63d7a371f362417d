"""The referral search (`/referrals?q=`) finds through a trigram index exactly whom reading every
person finds: SQLite's FTS5 trigram table (kept by triggers as people are added, renamed and
removed), PostgreSQL's pg_trgm indexes (migration 0029). Names in other alphabets and cases,
LIKE's wildcards, quotes, text under three letters and addresses are asked both ways."""
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import delete, select, text, update

from models import Person, Referral, ReferralParty
from tests.conftest import build_app
from worker.web import referrals

NAMES = [("Zoë Ärger", "ZOE@Umlaut.example"), ("ZOË", None), ("Anna_Smith", "anna@x.example"),
         ("100% Real", "real@x.example"), ('He said "hi"', "hi@x.example"), ("José Núñez", "JOSE@x.example"),
         ("Old Name", "old@x.example"), ("Gone Person", "gone@x.example"), ("İstanbul Ltd", "ist@x.example"),
         ("Client 12", "c12@clients.example"), ("Client 120", "c120@clients.example")]
ASKED = ["zoë", "ZOË", "zo", "ärger", "ÄRGER", "anna_", "_", "100%", "% real", '"hi"', 'said "', "jo", "josé",
         "JOSÉ", "núñez", "x.example", "@umlaut", "new name", "old name", "gone", "istanbul", "i̇stanbul",
         "client 12", "CLIENT 120", "lient 1", "nobody"]


@contextmanager
def reading_every_person(session):
    """The search as it was: no index asked (SQLite's table passed over, PostgreSQL's planner told
    not to use one)."""
    if session.get_bind().dialect.name == "sqlite":
        found, referrals._people_search = referrals._people_search, lambda s: False
        try:
            yield
        finally:
            referrals._people_search = found
    else:
        session.execute(text("SET LOCAL enable_indexscan = off"))
        session.execute(text("SET LOCAL enable_bitmapscan = off"))
        yield


def test_the_search_finds_through_its_index_whom_reading_every_person_finds(tmp_path, database_url):
    app = build_app(tmp_path, database_url)
    with app.sessions.begin() as s:
        people = [Person(name=name, email=email) for name, email in NAMES]
        s.add_all(people)
        s.flush()
        for i, person in enumerate(people):  # each an introducer once and a party once
            r = Referral(dedupe_key=f"<{i}@search>", kind="double_intro", status="introduced", direction="given",
                         confidence=0.9, introduced_at=datetime(2026, 11, 1, tzinfo=UTC), introducer_id=person.id)
            s.add(r)
            s.flush()
            s.add(ReferralParty(referral_id=r.id, person_id=people[(i + 1) % len(people)].id, role="provider"))
    with app.sessions.begin() as s:  # renamed and removed after the index took them in
        s.execute(update(Person).where(Person.name == "Old Name").values(name="New Name"))
        gone = s.scalar(select(Person.id).where(Person.name == "Gone Person"))
        s.execute(update(Referral).where(Referral.introducer_id == gone).values(
            introducer_id=s.scalar(select(Person.id).where(Person.name == "ZOË"))))
        s.execute(delete(ReferralParty).where(ReferralParty.person_id == gone))
        s.execute(delete(Person).where(Person.id == gone))
    with app.sessions() as s:
        sqlite = s.get_bind().dialect.name == "sqlite"
        if sqlite:
            assert referrals._people_search(s), "migration 0029 made SQLite's trigram table"
        else:
            indexes = set(s.scalars(text("SELECT indexname FROM pg_indexes WHERE tablename = 'people' "
                                         "AND schemaname = current_schema()")))
            assert {"ix_people_name_trigram", "ix_people_email_trigram"} <= indexes
        found = {q: sorted(referrals.matching(s, q)) for q in ASKED}
    with app.sessions() as s, s.begin(), reading_every_person(s):
        assert found == {q: sorted(referrals.matching(s, q)) for q in ASKED}
    # What a user sees: the renamed under their new name only, the removed not at all, a name in
    # another case and alphabet, an address, and LIKE's wildcards as the search always read them.
    assert found["new name"] and not found["old name"] and not found["gone"]
    assert found["zoë"] and found["josé"] == found["JOSÉ"] and found["@umlaut"] and found["client 12"]
    assert len(found["client 12"]) > len(found["CLIENT 120"]) > 0 and found["_"] and not found["nobody"]
    if sqlite:  # the index was asked: a person it no longer holds is not found (the scan would)
        with app.sessions.begin() as s:
            s.execute(text("INSERT INTO people_search(people_search, rowid, name, email) "
                           "SELECT 'delete', id, name, email FROM people WHERE name = 'New Name'"))
        with app.sessions() as s:
            assert referrals.matching(s, "new name") == []
    app.engine.dispose()
