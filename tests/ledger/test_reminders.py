"""Reminders as mail, on hand-built histories and a frozen clock: each fires exactly when due in the
member's zone, once; not for quiet partners or kept promises; the daily prompt is opt-in and on
weekdays; "I might have someone for you" is recognised in five languages; received over SMTP."""
from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select, update

from models import OutboxMessage, Promise, Referral, ReferralParty
from tests import mailgen
from tests.conftest import TRACKING, build_app
from worker.app.service import Service
from worker.core import lifecycle
from worker.inbound.pipeline import Origin

UTC = UTC
DANA = ("Dana Whitfield", "dana@danabooks.example")
MARCO = ("Marco Rossi", "marco@rossi-marketing.example")
CAROL = ("Carol Jensen", "carol@jensen.example")
RAJ = ("Raj Mehta", "raj@mehta.example")
ALICE = ("Alice Moreno", "alice@moreno.example")
ZOE = ("Zoe Park", "zoe@park.example")
MEMBERS = [  # Dana in New York (UTC-5 in winter), Marco in Rome (UTC+1)
    {"name": DANA[0], "emails": [DANA[1]], "domains": ["danabooks.example"], "timezone": "America/New_York"},
    {"name": MARCO[0], "emails": [MARCO[1]], "domains": ["rossi-marketing.example"], "timezone": "Europe/Rome"},
]
QUIET = {"thank_you": {"enabled": False}, "digest": {"enabled": False}, "outbound": {"quiet_hours": None}}


def make(tmp_path, url, clock, coffee=None, promises=None, daily=None, **overrides):
    reminders = {"coffee": coffee or {}, "promises": promises or {}, "daily": daily or {}}
    return build_app(tmp_path, url, now=clock, members=MEMBERS, reminders=reminders, **{**QUIET, **overrides})


class History:
    """Mail fed through the real pipeline, one message per call, dated by hand."""

    def __init__(self, app):
        self.app, self.n = app, 0

    def intro(self, introducer, provider, when: datetime):
        self.n += 1
        client = (f"Client {self.n}", f"client{self.n}@clients.example")
        return self._feed(mailgen.intro(self.n, introducer=introducer, a=client, b=provider, when=when))

    def note(self, sender, to, subject: str, body: str, when: datetime, **headers):
        self.n += 1
        raw = mailgen.message(self.n, sender, [to], [("", TRACKING)], subject, body, "gmail", when)
        extra = "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items()).encode()
        return self._feed(extra + raw)

    def _feed(self, raw: bytes):
        return self.app.pipeline.process(raw, Origin("file", str(self.n)))


def sweep(app) -> int:
    with app.sessions.begin() as s:
        return app.reminders.queue_due(s)


def outbox(app, kind: str) -> list[OutboxMessage]:
    with app.sessions() as s:
        return s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)).all()


def reasons(app) -> dict[str, str]:
    with app.sessions() as s:
        return {d.key: d.reason for d in app.reminders.due(s)}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# ---- the monthly coffee check-in ---------------------------------------------------------------

def test_an_intro_forwarded_after_the_check_in_time_counts_next_month(tmp_path, database_url, clock):
    """Day one (a Thursday): a week-old intro forwarded now is not this month's check-in (README:
    counted as of the 1st, 09:00, so a referral logged later counts next month)."""
    clock.current = at("2026-12-03 15:00")
    app = make(tmp_path, database_url, clock)
    History(app).intro(CAROL, DANA, at("2026-11-26 15:00"))
    assert sweep(app) == 0 and outbox(app, "coffee_check_in") == []
    clock.current = at("2027-01-01 14:00")  # 09:00 in New York: it counts now
    assert sweep(app) == 1


def test_coffee_check_in_on_its_day_in_the_members_zone_once_a_month(tmp_path, database_url, clock):
    clock.current = at("2026-11-20 12:00")
    app = make(tmp_path, database_url, clock)
    h = History(app)
    h.intro(CAROL, DANA, at("2026-10-20 15:00"))                 # Carol sent Dana 1
    for day in (3, 10, 17, 24):                                   # Dana sent Carol 4
        h.intro(DANA, CAROL, at(f"2026-10-{day:02d} 15:00"))
    h.intro(RAJ, DANA, at("2026-06-01 15:00"))                    # Raj: nothing for months

    clock.current = at("2026-12-01 09:00")  # 09:00 in UTC, but 04:00 in Dana's New York
    assert sweep(app) == 0
    clock.current = at("2026-12-01 13:59")  # 08:59 in New York: not a minute early
    assert sweep(app) == 0
    clock.current = at("2026-12-01 14:00")  # 09:00 in New York
    assert sweep(app) == 1
    for minutes in (0, 1, 60 * 24 * 10):     # the sweep runs every few seconds, all month
        clock.advance(minutes=minutes)
        assert sweep(app) == 0
    [row] = outbox(app, "coffee_check_in")
    assert row.to_addr == DANA[1] and row.dedupe_key.endswith(":2026-12")
    assert row.subject == "Time for a coffee with Carol Jensen?"
    assert ("Time for a coffee with Carol Jensen: you've sent Carol 4 referrals, "
            "Carol has sent you 1 (last: 24 Oct)") in row.text_body
    assert "Referral figures are for the last 90 days." in row.text_body  # the one period it names
    assert "out of balance: you gave 4, got 1" in row.text_body  # the app's ledger thresholds
    assert "Raj" not in row.text_body and "Raj" not in row.html_body  # not an active partner
    assert "<b>Carol Jensen</b>" in row.html_body
    marco = next(r for k, r in reasons(app).items() if k.startswith("coffee:2:"))
    assert marco.startswith("no partner with a referral either way")  # Marco has none: no mail

    clock.current = at("2027-01-01 14:00")  # next month, same local time: the next check-in
    assert sweep(app) == 1 and sweep(app) == 0
    assert [r.dedupe_key[-7:] for r in outbox(app, "coffee_check_in")] == ["2026-12", "2027-01"]


def test_a_referral_after_the_check_in_time_counts_next_month(tmp_path, sqlite_url, clock):
    clock.current = at("2026-12-01 15:00")
    app = make(tmp_path, sqlite_url, clock, coffee={"day_of_month": 1, "hour": 9})
    History(app).intro(CAROL, DANA, clock.current)  # after 09:00 New York on the 1st
    assert sweep(app) == 0
    said = reasons(app)["coffee:1:2026-12"]
    assert said.startswith("no partner with a referral either way in the 90 days before 1 Dec")


# ---- nudges about promised referrals -----------------------------------------------------------

HEADS_UP = ("Hi Dana,\n\nQuick heads-up: {name} will be in touch this week about his books. "
            "I recommended you.\n\nAlice\n")


def test_heads_up_nudge_when_nobody_got_in_touch_once(tmp_path, database_url, clock):
    clock.current = at("2026-11-03 15:00")
    app = make(tmp_path, database_url, clock, coffee={"enabled": False})
    h = History(app)
    waiting = h.note(ALICE, DANA, "Heads-up: Bob Stone", HEADS_UP.format(name="Bob Stone"), at("2026-11-03 15:00"))
    answered = h.note(CAROL, DANA, "Heads-up: Tom Reyes", HEADS_UP.format(name="Tom Reyes"), at("2026-11-03 16:00"))
    assert waiting.kind == answered.kind == "heads_up"
    wrote = h.note(CAROL, DANA, "Heads-up: Eve Lane", HEADS_UP.format(name="Eve Lane"), at("2026-11-03 17:00"))
    with app.sessions.begin() as s:  # Tom called Dana: the heads-up connected
        s.execute(update(Referral).where(Referral.id == answered.referral_id).values(status="connected"))
        # Eve wrote in its thread: recorded as evidence, the status stays introduced — and no nudge
        eve = s.get(Referral, wrote.referral_id)
        lifecycle.record(s, eve, "thread_reply", lifecycle.decide(eve.status, None, lifecycle.PARTY, "thread_reply"),
                         clock.current, actor_email="eve@lane.example")
        assert eve.status == "introduced"

    clock.current = at("2026-11-17 14:59")  # 14 days less a minute
    assert sweep(app) == 0
    clock.current = at("2026-11-17 15:00")
    assert sweep(app) == 1
    clock.advance(hours=2)
    assert sweep(app) == 0
    [row] = outbox(app, "promise_nudge")
    assert row.to_addr == DANA[1] and row.dedupe_key == f"heads-up:{waiting.referral_id}"
    assert row.subject == "Did Bob Stone get in touch? (Alice Moreno's heads-up of 3 Nov)"
    assert ("Alice Moreno gave you a heads-up about Bob Stone on 3 Nov; nothing since — did Bob get in touch?"
            in row.text_body)
    assert "Tom" not in row.text_body and "Eve" not in row.text_body


PROMISE = "Hi {to},\n\nI might have someone for you — a café owner who needs help soon. More next week.\n\n{sender}\n"


def test_promise_nudge_unless_the_referral_arrived_in_time(tmp_path, database_url, clock):
    clock.current = at("2026-11-03 10:00")
    app = make(tmp_path, database_url, clock, coffee={"enabled": False})
    h = History(app)
    raj = h.note(RAJ, DANA, "Quick one", PROMISE.format(to="Dana", sender="Raj"), at("2026-11-03 10:00"))
    zoe = h.note(ZOE, MARCO, "Quick one", PROMISE.format(to="Marco", sender="Zoe"), at("2026-11-03 10:00"))
    assert raj.kind == zoe.kind == "promise" and raj.referral_id is None
    with app.sessions() as s:
        promises = s.scalars(select(Promise).order_by(Promise.id)).all()
        assert [(p.partner.email, p.member_id, p.made_at) for p in promises] == [
            (RAJ[1], 1, at("2026-11-03 10:00")), (ZOE[1], 2, at("2026-11-03 10:00"))]
        assert promises[0].said == "I might have someone for you — a café owner who needs help soon."
    h.intro(ZOE, MARCO, at("2026-11-12 09:00"))  # Zoe kept her word
    h.intro(CAROL, DANA, at("2026-11-12 09:00"))  # a referral to Dana, but not from Raj

    clock.current = at("2026-11-17 09:59")
    assert sweep(app) == 0
    clock.current = at("2026-11-17 10:00")
    assert sweep(app) == 1 and sweep(app) == 0
    [row] = outbox(app, "promise_nudge")
    assert row.to_addr == DANA[1] and row.dedupe_key == "promise:1"
    assert row.subject == "Raj Mehta might have someone for you (3 Nov): nothing since"
    assert '"I might have someone for you — a café owner who needs help soon."' in row.text_body
    assert "Nothing from Raj has been logged in the 14 days since" in row.text_body
    assert reasons(app)["promise:2"] == "kept: Zoe Park sent referral #1 on 12 Nov"


def test_a_nudge_found_at_night_waits_for_the_members_morning(tmp_path, sqlite_url, clock):
    clock.current = at("2026-11-03 04:00")  # 23:00 in New York
    app = make(tmp_path, sqlite_url, clock, coffee={"enabled": False}, outbound={})  # default quiet hours
    History(app).note(RAJ, DANA, "Quick one", PROMISE.format(to="Dana", sender="Raj"), clock.current)
    clock.current = at("2026-11-17 04:00")
    assert sweep(app) == 1
    [row] = outbox(app, "promise_nudge")
    assert row.not_before == at("2026-11-17 13:00")  # 08:00 in New York
    assert row.subject == "Raj Mehta might have someone for you (2 Nov): nothing since"  # Dana's date, not UTC's


# ---- the daily prompt --------------------------------------------------------------------------

def _givers(app):
    h = History(app)
    for when in ("2026-09-01", "2026-09-08", "2026-10-01"):
        h.intro(CAROL, DANA, at(f"{when} 15:00"))
    h.intro(DANA, CAROL, at("2026-10-02 15:00"))
    h.intro(RAJ, DANA, at("2026-10-05 15:00"))
    h.intro(DANA, ZOE, at("2026-10-06 15:00"))  # Dana gave Zoe one; Zoe never gave back


def test_daily_prompt_is_off_by_default(tmp_path, sqlite_url, clock):
    clock.current = at("2026-11-30 15:00")  # a Monday, 10:00 in New York
    app = make(tmp_path, sqlite_url, clock, coffee={"enabled": False})
    _givers(app)
    assert app.config.settings.reminders.daily.enabled is False
    assert sweep(app) == 0 and outbox(app, "daily_prompt") == []


def test_daily_prompt_on_weekdays_at_its_hour_with_the_top_givers(tmp_path, database_url, clock):
    clock.current = at("2026-11-28 15:00")  # Saturday, 10:00 in New York
    app = make(tmp_path, database_url, clock, coffee={"enabled": False}, daily={"enabled": True, "hour": 8, "top": 2})
    _givers(app)
    assert sweep(app) == 0
    assert reasons(app)["daily:1:2026-11-28"] == "Saturday: weekdays only"
    clock.current = at("2026-11-30 12:59")  # Monday 07:59 in New York
    assert sweep(app) == 0
    clock.current = at("2026-11-30 13:00")  # 08:00
    assert sweep(app) == 1 and sweep(app) == 0
    clock.current = at("2026-12-01 13:00")  # Tuesday: the next one
    assert sweep(app) == 1
    rows = outbox(app, "daily_prompt")
    assert [r.dedupe_key for r in rows] == ["daily:1:2026-11-30", "daily:1:2026-12-01"]  # Marco gave nothing
    assert rows[0].to_addr == DANA[1]
    assert rows[0].subject == "Who could you refer today? Carol Jensen, Raj Mehta"
    assert "Carol Jensen: sent you 3 referrals, got 1 from you" in rows[0].text_body
    assert "Raj Mehta: sent you 1 referral, got 0 from you" in rows[0].text_body
    assert "Zoe" not in rows[0].text_body
    assert reasons(app)["daily:2:2026-12-01"].startswith("nobody to suggest")


def test_daily_prompt_lists_the_promoted_partners(tmp_path, sqlite_url, clock):
    clock.current = at("2026-11-30 13:00")
    app = make(tmp_path, sqlite_url, clock, coffee={"enabled": False},
               daily={"enabled": True, "weekdays_only": False,
                      "promote": ["zoe@PARK.example", "raj mehta", "Ola Berg"]})
    _givers(app)
    assert sweep(app) == 2  # the promoted partners go to every member
    row = outbox(app, "daily_prompt")[0]
    assert row.to_addr == DANA[1]
    assert row.subject == "Who could you refer today? Zoe Park, Raj Mehta, Ola Berg"
    assert "Zoe Park: sent you 0 referrals, got 1 from you" in row.text_body
    assert "Raj Mehta: sent you 1 referral, got 0 from you" in row.text_body
    assert "  - Ola Berg\n" in row.text_body  # not known yet: listed as written
    assert "Carol" not in row.text_body


# ---- recognising "I might have someone for you" ------------------------------------------------

PROMISES = {
    "en": "Hi Dana,\n\nI might have someone for you, a dentist opening a second practice.\n\nRaj\n",
    "en_send": "Dana - I'll send someone your way next week, a landscaper who needs a bookkeeper.\n\nRaj\n",
    "en_lead": "Hi Dana, may have a lead for you soon. Will let you know.\n",
    "de": "Hallo Dana,\n\nich hätte vielleicht jemanden für dich, eine Zahnärztin mit eigener Praxis.\n\nRaj\n",
    "fr": "Bonjour Dana,\n\nJ'ai peut-être quelqu'un pour vous : un architecte qui ouvre son cabinet.\n\nRaj\n",
    "es": "Hola Dana,\n\nPuede que tenga a alguien para ti, una clienta que abre una tienda.\n\nRaj\n",
    "nl": "Hoi Dana,\n\nIk heb misschien iemand voor je, een tandarts die een tweede praktijk opent.\n\nRaj\n",
}
ORDINARY = {
    "thanks": "Hi Dana,\n\nThanks for sending someone my way last month, it worked out well.\n\nRaj\n",
    "question": "Hi Dana,\n\nDo you have someone for me? I need a photographer.\n\nRaj\n",
    "invoice": "Hi Dana,\n\nWe will send the invoice your way on Friday.\n\nRaj\n",
    "lunch": "Hi Dana,\n\nAre we still on for Thursday? I booked the usual table at noon.\n\nRaj\n",
    "de": "Hallo Dana,\n\nhast du jemanden für mich? Ich suche eine Fotografin.\n\nRaj\n",
}


@pytest.fixture(scope="module")
def corpus_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("promises")
    app = build_app(tmp, f"sqlite:///{tmp / 'p.db'}", members=MEMBERS)
    yield app, History(app)
    app.engine.dispose()


@pytest.mark.parametrize("lang", PROMISES)
def test_might_have_someone_for_you_is_a_promise(corpus_app, lang):
    _, h = corpus_app
    outcome = h.note(RAJ, DANA, "Hello", PROMISES[lang], at("2026-11-03 10:00"))
    assert outcome.kind == "promise", outcome.reason
    assert outcome.referral_id is None


@pytest.mark.parametrize("name", ORDINARY)
def test_ordinary_mail_is_not_a_promise(corpus_app, name):
    _, h = corpus_app
    assert h.note(RAJ, DANA, "Hello", ORDINARY[name], at("2026-11-03 10:00")).kind == "not_intro"


@pytest.mark.parametrize("headers, kind", [
    ({"Auto_Submitted": "auto-replied"}, "auto_reply"),
    ({"List_Id": "<chapter.lists.example>", "List_Post": "<mailto:chapter@lists.example>"}, "mailing_list"),
    ({"X_Introledger_Loop": TRACKING}, "own_mail"),
])
def test_robots_lists_and_our_own_mail_are_never_promises(corpus_app, headers, kind):
    _, h = corpus_app
    assert h.note(RAJ, DANA, "Hello", PROMISES["en"], at("2026-11-03 10:00"), **headers).kind == kind


def test_only_a_partner_promising_a_member_counts(corpus_app):
    _, h = corpus_app
    assert h.note(DANA, RAJ, "Hello", PROMISES["en"].replace("Dana", "Raj"), at("2026-11-03 10:00")).kind != "promise"
    assert h.note(RAJ, CAROL, "Hello", PROMISES["en"], at("2026-11-03 10:00")).kind == "not_intro"  # no member told


# ---- received over real SMTP -------------------------------------------------------------------

def test_a_promise_nudge_is_received_over_smtp(tmp_path, sqlite_url, clock, smtp_sink):
    clock.current = at("2026-11-03 15:00")
    app = make(tmp_path, sqlite_url, clock, coffee={"enabled": False},
               outbound={"transport": "smtp", "quiet_hours": None,
                         "smtp": {"host": smtp_sink.host, "port": smtp_sink.port, "security": "none"}})
    History(app).note(RAJ, DANA, "Quick one", PROMISE.format(to="Dana", sender="Raj"), clock.current)
    clock.current = at("2026-11-17 15:00")
    Service(app).once()  # `introledger run --once`: periodic duties, then the outbox is sent
    [row] = outbox(app, "promise_nudge")
    assert row.status == "sent"
    [got] = smtp_sink.wait_for(1)
    assert got.rcpt_tos == [DANA[1]]
    msg = message_from_bytes(got.raw, policy=policy.default)
    assert msg["Subject"] == "Raj Mehta might have someone for you (3 Nov): nothing since"
    assert msg["To"] == DANA[1] and msg["Auto-Submitted"] == "auto-generated"
    text = msg.get_body(("plain",)).get_content()
    assert "On 3 Nov, Raj Mehta mentioned a possible referral" in text and "café owner" in text
    assert "Raj Mehta" in msg.get_body(("html",)).get_content()


def test_a_promise_in_past_mail_imported_for_review_is_not_recorded(tmp_path, sqlite_url, clock):
    clock.current = at("2026-11-03 10:00")
    app = make(tmp_path, sqlite_url, clock, coffee={"enabled": False})
    raw = mailgen.message(1, RAJ, [DANA], [("", TRACKING)], "Quick one", PROMISE.format(to="Dana", sender="Raj"),
                          "gmail", at("2026-11-03 10:00"))
    outcome = app.pipeline.for_review().process(raw, Origin("file", "1"))
    assert outcome.kind == "promise"
    clock.current = at("2026-11-18 10:00")
    with app.sessions() as s:
        assert s.scalars(select(Promise)).all() == []
    assert sweep(app) == 0  # nothing to nudge about


def test_a_heads_up_whose_prospect_nobody_named_is_nudged_in_the_mails_own_words(tmp_path, database_url, clock):
    """Accepted from review with no prospect (user trial): the French nudge read 'Des nouvelles de
    someone ?' — the English word came from here, not from the words file."""
    clock.current = at("2026-11-03 15:00")
    app = build_app(tmp_path, database_url, now=clock, members=[{**MEMBERS[0], "language": "fr"}],
                    reminders={"coffee": {"enabled": False}}, **QUIET)
    said = ("Bonjour Dana,\n\nPetite annonce : Bob Stone va vous contacter cette semaine pour sa comptabilité. "
            "Je vous ai recommandée.\n\nAlice\n")
    waiting = History(app).note(ALICE, DANA, "Bob Stone va vous contacter", said, at("2026-11-03 15:00"))
    assert waiting.kind == "heads_up"
    with app.sessions.begin() as s:  # the prospect unknown: nobody named beside Dana
        for party in s.scalars(select(ReferralParty).where(ReferralParty.referral_id == waiting.referral_id,
                                                     ReferralParty.role == "prospect")):
            s.delete(party)
    clock.current = at("2026-11-17 15:00")
    assert sweep(app) == 1
    [row] = outbox(app, "promise_nudge")
    assert "someone" not in f"{row.subject}\n{row.text_body}"
    assert row.subject == "Des nouvelles de quelqu'un ? (annoncé par Alice Moreno le 3 nov.)"
    assert "Avez-vous eu des nouvelles ?" in row.text_body
