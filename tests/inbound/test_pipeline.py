"""One message through parse → classify → act: exactly once, never lost, never raising."""
from datetime import UTC

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, func, select

from models import InboundMessage, Quarantined, Referral, ReferralEvent
from models.db import session_factory
from tests import mailgen
from worker.core import lifecycle
from worker.inbound.pipeline import InfrastructureError, Origin, Pipeline

FILE = Origin("file", "test")


def count(app, model, *where) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_intro_is_logged_with_introducer_parties_roles_and_source(app):
    raw = mailgen.intro(1, introducer=("Carol Jensen", "carol@gmail.example"),
                        a=("Alice Brook", "alice@brightkitchens.example"),
                        b=("Dana Whitfield", "dana@danabooks.example"))
    outcome = app.pipeline.process(raw, FILE)
    assert outcome.kind == "double_intro"
    with app.sessions() as s:
        r = s.get(Referral, outcome.referral_id)
        assert (r.status, r.direction) == ("introduced", "received")
        assert r.introducer.email == "carol@gmail.example"
        roles = {p.person.email: p.role for p in r.parties}
        assert roles == {"alice@brightkitchens.example": "prospect", "dana@danabooks.example": "provider"}
        assert r.source_message_id == "gen1.gmail@mail.gmail.example"
        assert r.subject == "Intro: Alice <> Dana" and "Alice, meet Dana" in r.excerpt


def test_member_introducer_has_given_the_referral(app):
    raw = mailgen.intro(2, introducer=("Marco Rossi", "marco@rossi-marketing.example"))
    outcome = app.pipeline.process(raw, FILE)
    with app.sessions() as s:
        assert s.get(Referral, outcome.referral_id).direction == "given"


def test_same_message_again_is_a_duplicate_not_a_second_referral(app):
    raw = mailgen.intro(3)
    first, again = app.pipeline.process(raw, FILE), app.pipeline.process(raw, Origin("imap:x", "9"))
    assert (first.kind, again.kind) == ("double_intro", "duplicate")
    assert again.referral_id == first.referral_id
    assert count(app, Referral) == 1 and count(app, InboundMessage) == 1


def test_people_are_deduplicated_by_address_across_intros(app):
    alice = ("Alice Brook", "Alice@BrightKitchens.example")
    app.pipeline.process(mailgen.intro(4, a=alice), FILE)
    app.pipeline.process(mailgen.intro(5, a=("", "alice@brightkitchens.example")), FILE)
    from models import Person
    with app.sessions() as s:
        people = s.scalars(select(Person).where(Person.email == "alice@brightkitchens.example")).all()
        assert [p.name for p in people] == ["Alice Brook"]


def _alice_and_bob(app, n: int, body: bytes, cc: bytes = b"") -> tuple[int, bytes]:
    """Intro n of Alice and Bob, logged; and Bob's reply-all in its thread saying `body`."""
    intro = mailgen.intro(n, a=("Alice Brook", "alice@x.example"), b=("Bob Stone", "bob@y.example"))
    rid = app.pipeline.process(intro, FILE).referral_id
    return rid, (b"From: Bob Stone <bob@y.example>\nTo: Alice Brook <alice@x.example>\n"
                 b"Cc: " + cc + b"intros@example.com\nSubject: Re: Intro: Alice <> Bob\n"
                 b"Message-ID: <reply%d@y>\nIn-Reply-To: <gen%d.gmail@mail.gmail.example>\n" % (n, n)
                 + b"Date: Fri, 02 Oct 2026 10:00:00 +0000\n\n" + body)


def test_a_partys_reply_all_in_the_thread_is_recorded_as_evidence_and_changes_no_status(app):
    """Was: Bob's "great to meet you" to Alice (the tracking address still on Cc) marked the
    referral connected — no token, and anyone on that Cc can write From: Bob. Now it is an event
    with the lifecycle's written-down reason, once per party, and the status stays the member's."""
    rid, reply = _alice_and_bob(app, 6, b"Thanks! Alice, great to meet you - I'd love to introduce you to our team.\n")
    outcome = app.pipeline.process(reply, FILE)
    assert (outcome.kind, outcome.referral_id) == ("thread_reply", rid)
    assert count(app, Referral) == 1
    again = reply.replace(b"<reply6@y>", b"<reply6b@y>").replace(b"Thanks!", b"Also:")
    assert app.pipeline.process(again, FILE).kind == "thread_reply"
    with app.sessions() as s:
        assert s.get(Referral, rid).status == "introduced"
        [event] = s.scalars(select(ReferralEvent)).all()  # Bob's second mail adds nothing new
        assert (event.event, event.old_status, event.new_status, event.actor_email, event.accepted) == (
            "thread_reply", "introduced", "introduced", "bob@y.example", True)
        assert event.reason == f"bob@y.example replied in the intro thread: {lifecycle.THREAD_REPLY_WHY}"


def test_a_party_bringing_a_newcomer_into_the_thread_has_replied_in_it_too(app):
    """Bob's "Looping in Judith…" in Alice's intro thread is a new intro (Judith is none of its
    people) and Bob's reply in the first thread all the same: its evidence is recorded there, so
    the first referral is not treated as one nobody answered."""
    rid, reply = _alice_and_bob(app, 7, b"Thanks Alice! Looping in Judith, who runs the books at our studio and "
                                         b"has questions for you.\n\nBob\n", cc=b"Judith Ames <judith@ames.example>, ")
    outcome = app.pipeline.process(reply, FILE)
    assert outcome.kind == "double_intro" and outcome.referral_id != rid, outcome.reason
    with app.sessions() as s:
        [event] = s.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == rid)).all()
        assert (event.event, event.actor_email) == ("thread_reply", "bob@y.example")
        assert s.get(Referral, rid).status == "introduced"


def test_a_reply_all_intro_in_a_thread_has_the_newcomer_and_no_one_else_of_the_thread(app):
    """User trial 2: Mike put Dana and Raj in touch; Raj's reply-all, To Dana, Mike and his cousin Amit,
    introduces Amit to Dana. The new referral was Dana with Mike *and* Amit as prospects, and Raj was
    thanked "for the introduction to Mike Olsen and Amit Patel". Mike made the first intro: he is no
    party of this one."""
    intro = mailgen.intro(8, introducer=("Mike Olsen", "mike@olsenlaw.example"),
                          a=("Raj Patel", "raj@patelcafe.example"), b=("Dana Whitfield", "dana@danabooks.example"))
    rid = app.pipeline.process(intro, FILE).referral_id
    reply = (b"From: Raj Patel <raj@patelcafe.example>\nTo: dana@danabooks.example, Mike Olsen "
             b"<mike@olsenlaw.example>, Amit Patel <amit@amitsfoodtruck.example>\nCc: intros@example.com\n"
             b"Subject: Re: Intro: Raj <> Dana\nMessage-ID: <reply8@patelcafe.example>\n"
             b"In-Reply-To: <gen8.gmail@mail.gmail.example>\nDate: Fri, 02 Oct 2026 10:00:00 +0000\n\n"
             b"Dana - adding my cousin Amit (cc). Amit, meet Dana, the bookkeeper I told you about; Dana,\n"
             b"Amit runs a food truck and his receipts live in a shoebox. You two should talk!\n\nRaj\n")
    outcome = app.pipeline.process(reply, FILE)
    assert outcome.kind == "double_intro" and outcome.referral_id != rid, outcome.reason
    with app.sessions() as s:
        new = s.get(Referral, outcome.referral_id)
        assert new.introducer.email == "raj@patelcafe.example"
        assert {p.person.email: p.role for p in new.parties} == {
            "dana@danabooks.example": "provider", "amit@amitsfoodtruck.example": "prospect"}


def test_unparseable_mail_is_quarantined_with_reason_and_bytes(app):
    outcome = app.pipeline.process(b"\x00\x01garbage", FILE)
    assert outcome.kind == "quarantined" and "cannot parse" in outcome.reason
    with app.sessions() as s:
        q = s.scalar(select(Quarantined))
        assert q.raw == b"\x00\x01garbage" and q.raw_size == 9
    assert app.pipeline.process(b"\x00\x01garbage", FILE).kind == "duplicate"
    assert count(app, Quarantined) == 1


def test_a_bug_in_a_stage_quarantines_and_the_next_message_goes_on(app, monkeypatch):
    import worker.inbound.pipeline as pipeline_module

    def broken(msg, ctx):
        raise RuntimeError("classifier exploded")

    monkeypatch.setattr(pipeline_module, "classify", broken)
    outcome = app.pipeline.process(mailgen.intro(7), FILE)
    assert outcome.kind == "quarantined" and "classifier exploded" in outcome.reason
    monkeypatch.undo()
    assert app.pipeline.process(mailgen.intro(8), FILE).kind == "double_intro"


def test_quarantined_raw_bytes_are_capped(tmp_path, sqlite_url):
    from tests.conftest import build_app
    app = build_app(tmp_path, sqlite_url, quarantine_max_bytes=2048)
    app.pipeline.process(b"\x00" * 10_000, FILE)
    with app.sessions() as s:
        q = s.scalar(select(Quarantined))
        assert (len(q.raw), q.raw_size) == (2048, 10_000)


def test_database_down_raises_infrastructure_error_not_quarantine(sqlite_app):
    dead = session_factory(create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none",
                                         connect_args={"connect_timeout": 2}))
    pipeline = Pipeline(dead, sqlite_app.pipeline.context, 1024)
    with pytest.raises(InfrastructureError, match="database error"):
        pipeline.process(mailgen.intro(9), Origin("imap:x", "1", 1, 1))
    with pytest.raises(InfrastructureError):
        pipeline.process(b"\x00garbage", FILE)  # not even quarantine can be written: retry later
    assert count(sqlite_app, Quarantined) == 0


def _mutate(raw: bytes, cuts: list[tuple[int, int, bytes]]) -> bytes:
    data = bytearray(raw)
    for pos, length, insert in cuts:
        pos %= max(len(data), 1)
        data[pos:pos + length] = insert
    return bytes(data)


MESSAGES = [mailgen.intro(10), mailgen.intro(11, lang="de", client="outlook"), mailgen.noise(12)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(base=st.sampled_from(MESSAGES),
       cuts=st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 40), st.binary(max_size=40)), max_size=6))
def test_mutated_messages_never_raise_out_of_the_pipeline(app, base, cuts):
    outcome = app.pipeline.process(_mutate(base, cuts), FILE)
    assert outcome.kind  # every message ends with a recorded verdict, duplicate or quarantine


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=3000) | st.text(max_size=3000).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_random_bytes_never_raise_out_of_the_pipeline(app, raw):
    outcome = app.pipeline.process(raw, FILE)
    assert outcome.kind in {"quarantined", "duplicate", "not_intro", "auto_reply", "bounce",
                            "mailing_list", "newsletter", "own_mail", "needs_review",
                            "double_intro", "heads_up", "forwarded_intro", "thread_reply"}


def test_intro_seen_cc_and_later_forwarded_is_one_referral(app):
    carol, alice = ("Carol Jensen", "carol@x.example"), ("Alice Brook", "alice@y.example")
    bob = ("Bob Stone", "bob@z.example")
    original = mailgen.intro(40, introducer=carol, a=alice, b=bob)
    forward = (
        b"From: Bob Stone <bob@z.example>\nTo: intros@example.com\nSubject: Fwd: Intro: Alice <> Bob\n"
        b"Message-ID: <fwd40@z>\nDate: Mon, 05 Oct 2026 08:00:00 +0000\n\n"
        b"Logging this one.\n\n---------- Forwarded message ---------\n"
        b"From: Carol Jensen <carol@x.example>\nDate: Thu, Oct 1, 2026 at 9:40 AM\n"
        b"Subject: Intro: Alice <> Bob\nTo: Alice Brook <alice@y.example>, Bob Stone <bob@z.example>\n\n"
        b"Alice, meet Bob. Bob is the accountant I told you about.\n"
    )
    first = app.pipeline.process(original, FILE)
    second = app.pipeline.process(forward, FILE)
    assert (first.kind, second.kind) == ("double_intro", "forwarded_intro")
    assert second.referral_id == first.referral_id
    assert count(app, Referral) == 1


def test_a_batch_of_plain_mail_on_a_new_mailbox_moves_one_checkpoint(app):
    from models import Checkpoint

    items = [(mailgen.noise(i), Origin("imap:x", str(i), 7, i)) for i in range(1, 4)]
    assert [o.kind for o in app.pipeline.process_batch(items)] == ["not_intro"] * 3
    with app.sessions() as s:
        assert [(c.uidvalidity, c.last_uid) for c in s.scalars(select(Checkpoint))] == [(7, 3)]


def test_two_heads_ups_about_different_prospects_are_two_referrals(app):
    from datetime import datetime

    alice, dana = ("Alice Moreno", "alice@moreno.example"), ("Dana Whitfield", "dana@danabooks.example")
    body = "Hi Dana,\n\nQuick heads-up: {} will be in touch this week about his books. I recommended you.\n\nAlice\n"
    when = datetime(2026, 11, 3, 15, 0, tzinfo=UTC)
    ids = []
    for i, name in enumerate(("Bob Stone", "Tom Reyes")):
        raw = mailgen.message(900 + i, alice, [dana], [("", "intros@example.com")], f"Heads-up: {name}",
                              body.format(name), "gmail", when)
        outcome = app.pipeline.process(raw, Origin("file", f"h{i}"))
        assert outcome.kind == "heads_up"
        ids.append(outcome.referral_id)
    assert ids[0] != ids[1]
    # The first heads-up again, by another route (a new Message-ID): still the same referral.
    again = mailgen.message(902, alice, [dana], [("", "intros@example.com")], "Fwd: Heads-up: Bob Stone",
                            body.format("Bob Stone"), "gmail", when)
    assert app.pipeline.process(again, Origin("file", "h2")).referral_id == ids[0]


def test_what_a_message_writes_is_stamped_by_the_apps_clock_not_the_wall_clock(tmp_path, sqlite_url):
    """Simulated time (`run --now`, a test's clock): a party's reply and a review decision are
    recorded at the app's now, so the digest's week and the stale timer read them where they belong."""
    from datetime import datetime

    from tests.conftest import Clock, build_app
    from worker.app import review

    clock = Clock(datetime(2031, 3, 4, 10, 0, tzinfo=UTC))
    app = build_app(tmp_path, sqlite_url, now=clock, thank_you={"enabled": False})
    try:
        intro = mailgen.intro(7, a=("Alice Brook", "alice@x.example"), b=("Bob Stone", "bob@y.example"),
                              when=clock.current)
        rid = app.pipeline.process(intro, FILE).referral_id
        clock.advance(hours=5)
        reply = (b"From: Bob Stone <bob@y.example>\nTo: Alice Brook <alice@x.example>\nCc: intros@example.com\n"
                 b"Subject: Re: Intro: Alice <> Bob\nMessage-ID: <reply7@y>\n"
                 b"In-Reply-To: <gen7.gmail@mail.gmail.example>\n\nThanks! Alice, great to meet you.\n")
        assert app.pipeline.process(reply, FILE).kind == "thread_reply"
        offered = app.pipeline.for_review().process(mailgen.intro(8, when=clock.current), FILE).referral_id
        clock.advance(days=2)
        review.decide(app, [offered], review.accept)
        with app.sessions() as s:
            at = {(e.referral_id, e.event): e.at for e in s.scalars(select(ReferralEvent))}
        assert at == {(rid, "thread_reply"): datetime(2031, 3, 4, 15, 0, tzinfo=UTC),
                      (offered, "review_accept"): datetime(2031, 3, 6, 15, 0, tzinfo=UTC)}
    finally:
        app.engine.dispose()


def test_an_outlook_forwards_sent_time_without_a_zone_is_read_in_the_forwarders_zone(tmp_path, sqlite_url):
    """QA trial: "Sent: Thursday, November 26, 2026 10:14 AM" forwarded from a -0600 mailbox was
    logged as 10:14 UTC (04:14 for the member)."""
    from datetime import UTC, datetime

    from models import Referral
    from tests.conftest import build_app
    from worker.inbound.pipeline import Origin

    app = build_app(tmp_path, sqlite_url)
    raw = (b"From: Dana Whitfield <dana@danabooks.example>\nTo: intros@example.com\n"
           b"Subject: FW: Alice meet Dana\nMessage-ID: <fw-outlook@danabooks.example>\n"
           b"Date: Thu, 26 Nov 2026 11:02:00 -0600\n\nFor the ledger.\n\n"
           b"________________________________\nFrom: Carol Jensen <carol@x.example>\n"
           b"Sent: Thursday, November 26, 2026 10:14 AM\n"
           b"To: Alice Brook <alice@y.example>; Dana Whitfield <dana@danabooks.example>\n"
           b"Subject: Alice meet Dana\n\nAlice, meet Dana - she does my books and is great. Dana, Alice needs a "
           b"bookkeeper for her bakery.\n\nCarol\n")
    outcome = app.pipeline.process(raw, Origin("file", "fw"))
    assert outcome.kind == "forwarded_intro", outcome
    with app.sessions() as s:
        introduced = s.get(Referral, outcome.referral_id).introduced_at
    assert introduced.astimezone(UTC) == datetime(2026, 11, 26, 16, 14, tzinfo=UTC)
    app.engine.dispose()
