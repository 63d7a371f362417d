"""One table of allowed transitions: final answers stay final, states never go backwards, only
the member closes a referral or corrects a final answer, and timers never override a person."""
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models import FollowUp, OutboxMessage, Referral, ReferralEvent
from tests import mailgen
from tests.cli.test_cli import cli
from worker.core import lifecycle
from worker.core.lifecycle import HAND, MEMBER, PARTY, TIMER, decide
from worker.inbound.pipeline import Origin

DANA = "dana@danabooks.example"
ALL_STATES = {"introduced", "connected", "qualified", "won", "lost", "no_fit", "stale", "needs_review", "rejected",
              "merged"}


@pytest.mark.parametrize("final", ["won", "lost", "no_fit"])
@pytest.mark.parametrize("answer", ["met", "qualified", "won", "lost", "no_fit"])
def test_a_final_answer_is_never_replaced_by_another_answer(final, answer):
    decision = decide(final, answer, MEMBER)
    assert (decision.allowed, decision.to_state) == (False, final)
    assert "CORRECTION" in decision.reason and "mark --correct" in decision.reason


def test_a_final_lost_does_not_go_back_to_connected():
    assert decide("lost", "met", PARTY).to_state == "lost"
    assert decide("lost", "met", MEMBER).to_state == "lost"


@pytest.mark.parametrize("current, answer", [("qualified", "met"), ("connected", "met"), ("qualified", "qualified")])
def test_states_never_go_backwards_and_a_repeat_changes_nothing(current, answer):
    decision = decide(current, answer, MEMBER)
    assert decision.to_state == current
    assert "back" in decision.reason or "no change" in decision.reason


@pytest.mark.parametrize("answer", ["won", "lost", "no_fit"])
def test_only_the_member_closes_a_referral_unless_partners_may(answer):
    refused = decide("connected", answer, PARTY)
    assert not refused.allowed and "only the member" in refused.reason
    assert decide("connected", answer, MEMBER).to_state == answer
    assert decide("connected", answer, PARTY, partners_may_close=True).to_state == answer


def test_a_party_may_say_met_or_qualified():
    assert decide("introduced", "met", PARTY).to_state == "connected"
    assert decide("connected", "qualified", PARTY).to_state == "qualified"


def test_a_partys_reply_in_the_thread_is_evidence_that_changes_no_status():
    """Was: thread_reply moved introduced → connected, on a mail with no token whose From anyone on
    the Cc can write. The rule now leaves every status as it is and carries its reason as data."""
    for state in ALL_STATES:
        d = decide(state, None, PARTY, "thread_reply")
        assert d.to_state == state
        if d.allowed:
            assert d.reason == lifecycle.THREAD_REPLY_WHY and "evidence only, status unchanged" in d.reason
    assert decide("introduced", None, PARTY, "thread_reply").allowed
    assert [r.why for r in lifecycle.TRANSITIONS if r.event == "thread_reply"] == [lifecycle.THREAD_REPLY_WHY]


def test_a_correction_is_the_members_alone_and_may_go_anywhere():
    assert decide("no_fit", "won", MEMBER, "correction").to_state == "won"
    assert decide("won", "qualified", MEMBER, "correction").to_state == "qualified"
    refused = decide("no_fit", "won", PARTY, "correction", partners_may_close=False)
    assert not refused.allowed and "only its member" in refused.reason
    # Nothing final yet: a correction is an ordinary answer.
    assert decide("connected", "won", MEMBER, "correction").to_state == "won"


def test_the_stale_timer_fires_only_on_quiet_open_referrals():
    assert lifecycle.sources("stale") == {"introduced"}  # connected: a person spoke; no timer overrides that
    for state in ALL_STATES:
        assert decide(state, None, TIMER, "stale").allowed == (state == "introduced")
    assert not decide("introduced", None, MEMBER, "stale").allowed  # only the timer makes it stale


def test_a_late_answer_beats_the_stale_timer():
    assert decide("stale", "won", MEMBER).to_state == "won"
    assert decide("stale", "met", PARTY).to_state == "connected"


def test_snooze_after_a_final_answer_is_refused():
    assert not decide("won", None, MEMBER, "snooze").allowed
    snoozed = decide("connected", None, PARTY, "snooze")
    assert (snoozed.allowed, snoozed.to_state, snoozed.reason) == (True, "connected", "snooze")


def test_review_decides_only_candidates():
    assert decide("needs_review", None, HAND, "review_accept").to_state == "introduced"
    assert decide("needs_review", None, HAND, "review_reject").to_state == "rejected"
    assert not decide("won", None, HAND, "review_reject").allowed
    # A clear intro by its introducer logs a candidate; once logged or rejected, it changes nothing.
    assert decide("needs_review", None, lifecycle.INTRODUCER, "clear_intro").to_state == "introduced"
    assert not decide("rejected", None, lifecycle.INTRODUCER, "clear_intro").allowed
    assert not decide("needs_review", None, PARTY, "clear_intro").allowed


def test_every_rule_leads_to_a_known_state():
    for rule in lifecycle.TRANSITIONS:
        assert rule.sources <= ALL_STATES
        assert rule.to in ALL_STATES | {None, lifecycle.UNCHANGED}
        assert rule.answers <= set(lifecycle.ANSWER_STATE)


# ---- the same table, end to end -----------------------------------------------------------

def _status(workdir, env) -> dict:
    [row] = json.loads(cli("referrals", "--json", cwd=workdir, env=env).stdout)
    return row


def test_mark_cannot_replace_a_final_answer_but_mark_correct_can(logged):
    workdir, env = logged
    cli("mark", "1", "NO_FIT", cwd=workdir, env=env)
    refused = cli("mark", "1", "WON", "--amount", "$4,500", cwd=workdir, env=env, ok=False)
    assert refused.returncode == 1 and "not changed" in refused.stderr and "--correct" in refused.stderr
    assert _status(workdir, env)["status"] == "no_fit"
    out = cli("mark", "1", "WON", "--amount", "$4,500", "--correct", cwd=workdir, env=env).stdout
    assert "referral #1 is now won" in out
    row = _status(workdir, env)
    assert row["status"] == "won" and row["value"] == {"amount_cents": 450000, "currency": "USD"}
    cli("mark", "1", "LOST", "--correct", cwd=workdir, env=env)
    row = _status(workdir, env)
    assert (row["status"], row["value"], row["won_at"]) == ("lost", None, None)  # the WON no longer holds


def test_every_status_change_leaves_an_event_naming_what_happened(logged):
    from sqlalchemy.orm import Session

    from models.db import make_engine

    workdir, env = logged
    cli("mark", "1", "QUALIFIED", cwd=workdir, env=env)
    cli("mark", "1", "MET", cwd=workdir, env=env, ok=False)
    cli("mark", "1", "WON", cwd=workdir, env=env)
    cli("mark", "1", "LOST", "--correct", cwd=workdir, env=env)
    engine = make_engine(env["INTROLEDGER_DATABASE_URL"])
    with Session(engine) as s:
        rows = [(e.event, e.old_status, e.new_status, e.accepted) for e in
                s.scalars(select(ReferralEvent).order_by(ReferralEvent.id))]
        assert s.get(Referral, 1).status == "lost"
    engine.dispose()
    assert rows == [("answer", "introduced", "qualified", True), ("answer", "qualified", "qualified", False),
                    ("answer", "qualified", "won", True), ("correction", "won", "lost", True)]


def test_history_from_before_the_event_kinds_is_kept_and_many_rows_have_no_answer_key(database_url):
    from sqlalchemy import text

    from models.db import make_engine, upgrade

    engine = make_engine(database_url)
    upgrade(engine, "0008")
    with engine.begin() as conn:
        conn.execute(text("insert into people (email, name, created_at) values ('a@x', 'A', '2026-01-01')"))
        conn.execute(text(
            "insert into referrals (dedupe_key, kind, status, direction, confidence, reason, introduced_at,"
            " introducer_id, source_message_id, subject, subject_key, excerpt, created_at, updated_at,"
            " currency, outcome_note) values ('k', 'double_intro', 'won', 'partner', 0.9, '', '2026-01-01', 1,"
            " '', '', '', '', '2026-01-01', '2026-01-01', '', '')"))
        for _ in range(2):
            conn.execute(text(
                "insert into referral_events (referral_id, old_status, new_status, actor_email, message_id,"
                " reason, currency, accepted, at) values (1, 'introduced', 'won', 'd@x', '', 'WON', '', true,"
                " '2026-01-01')"))
    upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("select event, step, answer_key from referral_events")).all()
    engine.dispose()
    assert rows == [("", None, None), ("", None, None)]


def test_the_stale_timer_goes_through_the_table_and_never_touches_a_persons_answer(tmp_path, database_url, clock):
    from tests.conftest import build_app
    from worker.mail.commands import parse_command

    app = build_app(tmp_path, database_url, {"INTROLEDGER_TOKEN_SECRET": "k"}, now=clock,
                    outbound={"quiet_hours": None})
    for n, who in ((1, "alice@y.example"), (2, "bob@z.example"), (3, "eve@w.example")):
        app.pipeline.process(mailgen.intro(n, introducer=("Carol Jensen", "carol@x.example"), a=("P", who),
                                           b=("Dana Whitfield", "dana@danabooks.example"), when=clock.current),
                             Origin("file", str(n)))
    with app.sessions.begin() as s:
        app.desk.apply(s, s.get(Referral, 2), parse_command("WON"), "dana@danabooks.example", "", via="by hand")
        app.desk.apply(s, s.get(Referral, 3), parse_command("MET"), "dana@danabooks.example", "", via="by hand")
    clock.advance(days=61)
    with app.sessions.begin() as s:
        app.followups.materialize(s)
    with app.sessions() as s:
        assert [r.status for r in s.scalars(select(Referral).order_by(Referral.id))] == ["stale", "won", "connected"]
        [stale] = s.scalars(select(ReferralEvent).where(ReferralEvent.new_status == "stale")).all()
        assert (stale.event, stale.referral_id, stale.old_status) == ("stale", 1, "introduced")
    app.engine.dispose()


# ---- what an event cancels, in the same transaction ----------------------------------------

def test_every_event_says_what_it_cancels():
    def cancels(event, answer=None):
        return {r.cancels for r in lifecycle.TRANSITIONS
                if r.event == event and (answer is None or answer in r.answers)}

    everything = frozenset({lifecycle.STEPS, "follow_up", "clarification", "promise_nudge"})
    for final in ("won", "lost", "no_fit"):
        assert cancels("answer", final) == {everything}  # nothing left to ask
    assert cancels("answer", "met") == {everything - {lifecycle.STEPS}}  # asked afresh later
    assert cancels("stop") == cancels("opt_out") == cancels("stale") == {everything}
    assert cancels("correction") == {everything | {"closed_business"}}  # it told of the old answer
    assert cancels("thread_reply") == {frozenset({"promise_nudge"})}  # "did they get in touch?" is answered
    assert cancels("review_accept") == {frozenset()}
    assert cancels("merge") == {everything | {"closed_business"}}  # the copy folded away asks nothing more
    for rule in lifecycle.TRANSITIONS:
        assert rule.cancels <= set(lifecycle.CANCELLED)
    assert decide("introduced", "won", MEMBER).cancels == cancels("answer", "won").pop()
    assert decide("won", "met", MEMBER).cancels == frozenset()  # refused: cancels nothing


def _queued(app, kind):
    with app.sessions() as s:
        return [(m.status, m.reason) for m in s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind))]


def test_a_final_answer_withdraws_a_queued_clarification_at_once(tmp_path, database_url, clock):
    from tests.followups.test_outcomes import FILE, answer

    app = _outcomes_app(tmp_path, database_url, clock)
    app.pipeline.process(answer(clock, "Hmm, we had coffee and will see what happens."), FILE)
    assert _queued(app, "clarification") == [("queued", "")]
    app.pipeline.process(answer(clock, "WON $900", n=2), FILE)
    assert _queued(app, "clarification") == [("cancelled", "clarification withdrawn: answered WON")]
    [event] = [e for e in _events(app) if e.event == "answer"]
    assert "1 queued clarification withdrawn" in event.reason and "2 pending follow-ups cancelled" in event.reason
    app.engine.dispose()


def test_a_correction_withdraws_the_closed_business_note_not_yet_sent(tmp_path, database_url, clock):
    from worker.mail.commands import parse_command

    app = _outcomes_app(tmp_path, database_url, clock)
    with app.sessions.begin() as s:
        app.desk.apply(s, s.get(Referral, 1), parse_command("WON $4,500"), DANA, "", via="by hand")
    assert _queued(app, "closed_business") == [("queued", "")]
    with app.sessions.begin() as s:
        app.desk.apply(s, s.get(Referral, 1), parse_command("LOST"), DANA, "", via="by hand", correction=True)
    assert _queued(app, "closed_business") == [("cancelled", "closed-business note withdrawn: corrected to LOST")]
    app.engine.dispose()


def test_an_answer_withdraws_a_reminder_waiting_for_the_members_morning(tmp_path, database_url, clock):
    """"Did Bob get in touch?" is queued at night for Dana's morning; she answers MET before it goes."""
    from tests.conftest import build_app
    from tests.ledger.test_reminders import ALICE, HEADS_UP, MEMBERS, History, at, sweep
    from tests.ledger.test_reminders import DANA as DANA_
    from worker.mail.commands import parse_command

    clock.current = at("2026-11-03 04:00")
    app = build_app(tmp_path, database_url, {"INTROLEDGER_TOKEN_SECRET": "k"}, now=clock, members=MEMBERS,
                    reminders={"coffee": {"enabled": False}}, thank_you={"enabled": False})  # default quiet hours
    heads_up = History(app).note(ALICE, DANA_, "Heads-up: Bob Stone", HEADS_UP.format(name="Bob Stone"), clock.current)
    clock.current = at("2026-11-17 04:00")
    assert sweep(app) == 1 and _queued(app, "promise_nudge") == [("queued", "")]
    with app.sessions.begin() as s:
        app.desk.apply(s, s.get(Referral, heads_up.referral_id), parse_command("MET"), DANA_[1], "", via="by hand")
    assert _queued(app, "promise_nudge") == [("cancelled", "reminder withdrawn: answered MET")]
    app.engine.dispose()


def test_after_stop_a_later_met_is_recorded_and_confirmed_but_asks_nothing_again(tmp_path, database_url, clock):
    from tests.followups.test_outcomes import FILE, answer

    app = _outcomes_app(tmp_path, database_url, clock)
    app.pipeline.process(answer(clock, "STOP"), FILE)
    clock.advance(days=2)
    app.pipeline.process(answer(clock, "MET", n=2), FILE)
    app.pipeline.process(answer(clock, "QUALIFIED", n=3), FILE)
    app.pipeline.process(answer(clock, "SNOOZE 2 weeks", n=4), FILE)
    with app.sessions() as s:
        assert s.get(Referral, 1).status == "qualified"  # the answers count
        steps = s.scalars(select(FollowUp.status)).all()
        confirmations = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "status_confirmation")).all()
    assert steps and set(steps) == {"cancelled"}  # nothing scheduled: no new question
    assert len(confirmations) == 2  # the member hears each answer was taken
    snooze = _events(app)[-1]
    assert (snooze.event, snooze.accepted) == ("snooze", False) and "STOP was said for it" in snooze.reason
    clock.advance(days=60)
    with app.sessions.begin() as s:
        assert app.followups.materialize(s) == 0
    assert _queued(app, "follow_up") == []
    app.engine.dispose()


def _outcomes_app(tmp_path, database_url, clock):
    from tests.conftest import build_app
    from tests.followups.test_outcomes import FILE, SECRET

    app = build_app(tmp_path, database_url, {"INTROLEDGER_TOKEN_SECRET": SECRET}, now=clock,
                    thank_you={"delay_seconds": 0}, follow_ups={"steps": ["7d", "21d"]},
                    outbound={"quiet_hours": None})
    app.pipeline.process(mailgen.intro(1, introducer=("Carol Jensen", "carol@x.example"),
                                       a=("Alice Brook", "alice@y.example"), b=("Dana Whitfield", DANA),
                                       when=clock.current), FILE)
    return app


def _events(app) -> list[ReferralEvent]:
    with app.sessions() as s:
        return s.scalars(select(ReferralEvent).order_by(ReferralEvent.id)).all()


# ---- a snooze holds the stale timer -----------------------------------------------------------

def test_silence_counts_from_the_end_of_a_snooze():
    day = datetime(2026, 11, 2, tzinfo=UTC)
    after = timedelta(days=60)

    def quiet(on, until=None):
        return lifecycle.gone_quiet(day, until, day + timedelta(days=on), after, "60d")

    assert quiet(61) == (True, "no answer 60d after the intro")
    assert quiet(59) == (False, "quiet for less than 60d since the intro")
    snoozed = day + timedelta(days=63)
    assert quiet(61, snoozed) == (False, "snoozed until 2027-01-04")
    assert quiet(100, snoozed) == (False, "quiet for less than 60d since the snooze ended on 2027-01-04")
    assert quiet(124, snoozed) == (True, "no answer 60d after the snooze ended on 2027-01-04")


def test_a_snoozed_referral_does_not_go_stale_while_the_snooze_runs(tmp_path, database_url, clock):
    from tests.followups.test_outcomes import FILE, answer
    from worker.ledger import balance as ledger

    app = _outcomes_app(tmp_path, database_url, clock)
    start = clock.current
    clock.advance(days=7)
    app.pipeline.process(answer(clock, "SNOOZE 8 weeks"), FILE)  # ask again on day 63
    clock.current = start + timedelta(days=61)  # past stale_after (60d), the snooze still running
    with app.sessions.begin() as s:
        assert app.followups.materialize(s) == 0
    with app.sessions() as s:
        assert s.get(Referral, 1).status == "introduced"
        [carol] = ledger.build(s, None, None, clock.current)
        assert (carol.received.referrals, carol.received.went_nowhere) == (1, 0)
        assert "went nowhere" not in " ".join(carol.flags)
    clock.current = start + timedelta(days=63, seconds=1)  # the snooze is over: the question goes
    with app.sessions.begin() as s:
        assert app.followups.materialize(s) == 1
    assert _queued(app, "follow_up") == [("queued", "")]
    clock.current = start + timedelta(days=124)  # 60 quiet days after the snooze ended
    with app.sessions.begin() as s:
        app.followups.materialize(s)
    with app.sessions() as s:
        assert s.get(Referral, 1).status == "stale"
    stale = _events(app)[-1]
    assert stale.event == "stale"
    assert stale.reason.startswith("no answer 60 days after the snooze ended on 2027-01-04; ")
    app.engine.dispose()


# ---- the README draws the same table --------------------------------------------------------

def test_the_readme_shows_the_lifecycle_as_the_table_has_it():
    from pathlib import Path

    from worker.core import lifecycle_doc

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert lifecycle_doc.diagram() in readme, "regenerate: python -m worker.core.lifecycle --diagram"
    assert lifecycle_doc.cancels_table() in readme, "regenerate: python -m worker.core.lifecycle --diagram"
    assert lifecycle_doc.decisions() in readme, "regenerate: python -m worker.core.lifecycle --diagram"
    assert "docs/sending.md" in readme.split("## The referral lifecycle")[1].split("\n## ")[0]


def test_the_diagrams_arrows_are_exactly_the_moves_decide_allows():
    """Read back from the drawing, checked against decide() — not against the code that drew it."""
    from worker.core import lifecycle_doc

    drawn = set()
    for line in lifecycle_doc.diagram().splitlines():
        if "-->" in line and "[*]" not in line:
            arrow, _, labels = line.strip().partition(": ")
            source, target = arrow.split(" --> ")
            drawn |= {(source, target, label) for label in labels.split(", ")}
    allowed = set()
    for rule in lifecycle.TRANSITIONS:
        for actor in rule.actors:
            for answer in rule.answers or [None]:
                for source in ALL_STATES:
                    d = decide(source, answer, actor, "correction" if rule.event == "correction" else rule.event)
                    if d.allowed and d.to_state != source:
                        allowed.add((source, d.to_state))
    assert {(a, b) for a, b, _ in drawn} == allowed
    assert ("won", "lost", "correction to LOST") in drawn and ("introduced", "stale", "stale_after of silence") in drawn
    assert not any(a in lifecycle.TERMINAL and not label.startswith("correction") for a, _, label in drawn)
