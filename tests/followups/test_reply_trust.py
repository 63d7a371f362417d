"""Replies prove who and when: an answer is applied once per follow-up token and step, a final
answer is changed only by the member's explicit correction, a token copied to others on a
reply-all proves nothing for them, and only the receiving server's Authentication-Results count."""
from email.utils import parseaddr

import pytest
from sqlalchemy import select

from models import OutboxMessage, Referral, ReferralEvent
from tests import mailgen
from tests.conftest import build_app
from worker.inbound.pipeline import Origin
from worker.mail import tokens
from worker.mail.authres import failures, ours
from worker.outbound import mailer

pytestmark = pytest.mark.sqlite_only(reason=(
    "who may answer is policy; the lifecycle's SQL is held to PostgreSQL in tests/core"
))

FILE = Origin("file", "t")
SECRET = "s3cret"
DANA = "Dana Whitfield <dana@danabooks.example>"
ALICE = "Alice Brook <alice@y.example>"


def make_app(tmp_path, database_url, clock, **follow_ups):
    app = build_app(tmp_path, database_url, {"INTROLEDGER_TOKEN_SECRET": SECRET}, now=clock,
                    thank_you={"delay_seconds": 0}, follow_ups={"steps": ["7d", "21d"], **follow_ups},
                    outbound={"quiet_hours": None})
    app.pipeline.process(mailgen.intro(1, introducer=("Carol Jensen", "carol@x.example"),
                                       a=("Alice Brook", "alice@y.example"),
                                       b=("Dana Whitfield", "dana@danabooks.example"), when=clock.current), FILE)
    return app


@pytest.fixture
def app(tmp_path, database_url, clock):
    built = make_app(tmp_path, database_url, clock)
    yield built
    built.engine.dispose()


def token(clock, to: str, step: int = 1) -> str:
    """The reply address the follow-up of `step` carried, sent to `to`."""
    return tokens.reply_address("intros@example.com", SECRET, 1, clock.current, step=step, to=parseaddr(to)[1])


def answer(body: str, n: int, sender: str, to: str, cc: str = "", extra: str = "") -> bytes:
    cc_line = f"Cc: {cc}\n" if cc else ""
    return (f"From: {sender}\nTo: {to}\n{cc_line}Subject: Re: How did the intro to Alice Brook go? [ref R1]\n"
            f"Message-ID: <answer{n}@x>\n{extra}\n{body}\n").encode()


def status(app) -> str:
    with app.sessions() as s:
        return s.get(Referral, 1).status


def events(app) -> list[ReferralEvent]:
    with app.sessions() as s:
        return s.scalars(select(ReferralEvent).order_by(ReferralEvent.id)).all()


def mails(app, kind: str) -> list[OutboxMessage]:
    with app.sessions() as s:
        return s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)).all()


# ---- Why 5: replays and states going backwards --------------------------------------------

def test_the_same_answer_under_a_new_message_id_is_applied_once(app, clock):
    to = token(clock, DANA)
    app.pipeline.process(answer("QUALIFIED - good lead", 1, DANA, to), FILE)
    clock.advance(hours=3)
    app.pipeline.process(answer("QUALIFIED - good lead", 2, DANA, to), FILE)  # resent, or replayed
    applied = [e for e in events(app) if e.accepted]
    assert [(e.event, e.new_status, e.step) for e in applied] == [("answer", "qualified", 1)]
    assert "already applied" in events(app)[-1].reason and not events(app)[-1].accepted
    assert len(mails(app, "status_confirmation")) == 1 and len(mails(app, "closed_business")) == 1


def test_the_same_answer_to_the_next_follow_up_is_a_new_answer(app, clock):
    app.pipeline.process(answer("SNOOZE 1 week", 1, DANA, token(clock, DANA, step=1)), FILE)
    app.pipeline.process(answer("SNOOZE 1 week", 2, DANA, token(clock, DANA, step=2)), FILE)
    assert [e.step for e in events(app) if e.accepted and e.event == "snooze"] == [1, 2]


def test_a_final_lost_does_not_go_back_to_connected(app, clock):
    app.pipeline.process(answer("LOST - went with someone cheaper", 1, DANA, token(clock, DANA)), FILE)
    app.pipeline.process(answer("MET", 2, ALICE, token(clock, ALICE, step=2)), FILE)
    app.pipeline.process(answer("We met last week", 3, DANA, token(clock, DANA, step=2)), FILE)
    assert status(app) == "lost"
    assert [e.accepted for e in events(app)] == [True, False, False]
    assert "final answer" in events(app)[-1].reason


def test_a_prospects_reply_does_not_turn_no_fit_into_won(app, clock):
    app.pipeline.process(answer("NO FIT", 1, DANA, token(clock, DANA)), FILE)
    app.pipeline.process(answer("WON! we signed", 2, ALICE, token(clock, ALICE, step=2)), FILE)
    assert status(app) == "no_fit" and mails(app, "closed_business") == []


def test_a_party_cannot_close_a_referral(app, clock):
    app.pipeline.process(answer("WON $9,000", 1, ALICE, token(clock, ALICE)), FILE)
    assert status(app) == "introduced"
    assert "only the member" in events(app)[-1].reason


def test_partners_may_close_when_the_config_says_so(tmp_path, database_url, clock):
    app = make_app(tmp_path, database_url, clock, partners_may_close=True)
    app.pipeline.process(answer("WON $9,000", 1, ALICE, token(clock, ALICE)), FILE)
    assert status(app) == "won"
    app.engine.dispose()


def test_the_member_corrects_a_final_answer_by_reply_and_it_is_an_event(app, clock):
    app.pipeline.process(answer("NO FIT", 1, DANA, token(clock, DANA)), FILE)
    [confirmation] = mails(app, "status_confirmation")
    assert "CORRECTION:" in confirmation.text_body
    body = "CORRECTION: WON $4,500 - they came back\n\nOn Mon, introledger wrote:\n> NO FIT\n"
    app.pipeline.process(answer(body, 2, DANA, confirmation.reply_to), FILE)
    with app.sessions() as s:
        r = s.get(Referral, 1)
        assert (r.status, r.value_cents) == ("won", 450000)
    last = events(app)[-1]
    assert (last.event, last.old_status, last.new_status, last.accepted) == ("correction", "no_fit", "won", True)
    app.pipeline.process(answer("CORRECTION: WON $4,500", 3, ALICE, token(clock, ALICE)), FILE)
    assert events(app)[-1].accepted is False  # a party cannot correct


def test_one_clarification_per_referral_and_step(app, clock):
    to = token(clock, DANA)
    app.pipeline.process(answer("Hmm, we had coffee.", 1, DANA, to), FILE)
    app.pipeline.process(answer("Hmm, we had coffee. Again.", 2, DANA, to), FILE)
    assert len(mails(app, "clarification")) == 1


# ---- Why 6: a leaked token, a forged From, a second Authentication-Results header ---------

def test_a_token_copied_to_a_cc_on_reply_all_proves_nothing_for_them(app, clock):
    dana_token = token(clock, DANA)
    # Dana answers with reply-all: Alice, on Cc, now holds Dana's reply address.
    app.pipeline.process(answer("MET - talking next week", 1, DANA, dana_token, cc=ALICE), FILE)
    app.pipeline.process(answer("QUALIFIED", 2, ALICE, dana_token), FILE)
    assert status(app) == "connected"
    assert "sent to someone else" in events(app)[-1].reason


def test_a_reply_in_our_thread_from_someone_we_did_not_write_to_changes_nothing(app, clock):
    clock.advance(days=7, seconds=1)
    with app.sessions.begin() as s:
        app.followups.materialize(s)
    [follow_up] = mails(app, "follow_up")
    assert follow_up.reply_to == token(clock, DANA)  # bound to Dana, step 1
    raw = (f"From: {ALICE}\nTo: intros@example.com\nSubject: Re: {follow_up.subject}\nMessage-ID: <c@x>\n"
           f"In-Reply-To: <{follow_up.message_id}>\n\nWON\n").encode()
    app.pipeline.process(raw, FILE)
    assert status(app) == "introduced" and not events(app)[-1].accepted


@pytest.mark.parametrize("kind", ["unbound", "sent_before_binding"])
def test_an_unbound_or_old_token_counts_for_the_member_only(app, clock, kind):
    day = int(clock.current.timestamp() // 86400)
    unbound = {"unbound": tokens.reply_address("intros@example.com", SECRET, 1, clock.current),  # no recipient
               "sent_before_binding": f"intros+r1d{day}{tokens._sign(SECRET, 1, day, None)}@example.com"}[kind]
    app.pipeline.process(answer("MET", 1, ALICE, unbound), FILE)
    assert status(app) == "introduced" and "member only" in events(app)[-1].reason
    app.pipeline.process(answer("MET", 2, DANA, unbound), FILE)
    assert status(app) == "connected"


def test_a_cc_writing_as_the_member_with_the_copied_token_is_refused_and_the_member_told(app, clock):
    dana_token = token(clock, DANA)
    app.pipeline.process(answer("MET - talking next week", 1, DANA, dana_token, cc=ALICE), FILE)
    assert status(app) == "connected"
    # Alice now holds Dana's reply address and writes "as Dana"; the server adds no verdict.
    app.pipeline.process(answer("LOST", 2, DANA, dana_token), FILE)
    assert status(app) == "connected"
    assert "copied to alice@y.example" in events(app)[-1].reason and not events(app)[-1].accepted
    [told] = mails(app, "answer_not_applied")
    assert told.to_addr == "dana@danabooks.example" and "alice@y.example" in told.text_body
    assert "next follow-up" in told.text_body


def test_after_a_reply_all_the_member_answers_through_the_fresh_address_we_mail_them(app, clock):
    dana_token = token(clock, DANA)  # the follow-up, sent on day 0
    clock.advance(days=1)
    app.pipeline.process(answer("MET", 1, DANA, dana_token, cc=ALICE), FILE)  # copied to Alice on day 1
    app.pipeline.process(answer("LOST", 2, DANA, dana_token), FILE)  # Alice, or Dana? nobody can tell
    [told] = mails(app, "answer_not_applied")
    assert told.reply_to != dana_token and "reply to this mail" in told.text_body
    app.pipeline.process(answer("LOST - they hired in-house", 3, DANA, told.reply_to), FILE)
    assert status(app) == "lost"


def test_our_servers_dmarc_pass_vouches_for_the_member_after_a_reply_all(tmp_path, database_url, clock):
    app = make_app(tmp_path, database_url, clock, authserv_id="mx.example.com")
    dana_token = token(clock, DANA)
    app.pipeline.process(answer("MET", 1, DANA, dana_token, cc=ALICE), FILE)
    passed = "Authentication-Results: mx.example.com; dkim=pass; dmarc=pass header.from=danabooks.example\n"
    forged_pass = "Authentication-Results: evil.example; dmarc=pass\n"
    app.pipeline.process(answer("WON", 2, DANA, dana_token, extra=forged_pass), FILE)
    assert status(app) == "connected"  # a pass the sender wrote is no pass
    app.pipeline.process(answer("WON", 3, DANA, dana_token, extra=passed), FILE)
    assert status(app) == "won"
    app.engine.dispose()


def test_the_member_is_told_when_an_answer_meets_a_final_one(app, clock):
    app.pipeline.process(answer("LOST", 1, DANA, token(clock, DANA)), FILE)
    app.pipeline.process(answer("WON $4,500", 2, DANA, token(clock, DANA, step=2)), FILE)
    [told] = mails(app, "answer_not_applied")
    assert "CORRECTION: WON" in told.text_body and "still lost" in told.subject
    app.pipeline.process(answer("CORRECTION: WON $4,500", 3, DANA, told.reply_to), FILE)
    assert status(app) == "won"


AUTH_DMARC_FAIL = ("Authentication-Results: mx.example.com; dkim=pass header.d=danabooks.example\n"
                   "Authentication-Results: mx.example.com; dmarc=fail header.from=danabooks.example\n")


def test_dmarc_fail_in_a_second_authentication_results_header_refuses(app, clock):
    app.pipeline.process(answer("WON", 1, DANA, token(clock, DANA), extra=AUTH_DMARC_FAIL), FILE)
    assert status(app) == "introduced"
    assert "dmarc=fail" in events(app)[-1].reason


def test_only_the_configured_receiving_servers_verdicts_count(tmp_path, database_url, clock):
    app = make_app(tmp_path, database_url, clock, authserv_id="mx.example.com")
    # A sender's own "fail" header (another authserv-id) does not count; our server's does.
    theirs = "Authentication-Results: evil.example; dmarc=fail\n"
    app.pipeline.process(answer("MET", 1, DANA, token(clock, DANA), extra=theirs), FILE)
    assert status(app) == "connected"
    app.pipeline.process(answer("WON", 2, DANA, token(clock, DANA), extra=AUTH_DMARC_FAIL), FILE)
    assert status(app) == "connected"
    app.engine.dispose()


def test_authentication_results_are_read_per_server():
    headers = ("mx.example.com 1; dkim=pass", "other.example; dkim=fail", "MX.example.com; dmarc=fail")
    trace = tuple(("authentication-results", h) for h in headers)
    assert failures(ours(trace, "mx.example.com").headers) == ["dmarc=fail"]
    assert sorted(failures(headers)) == ["dkim=fail", "dmarc=fail"]
    assert failures(ours((("authentication-results", "; garbage"), ("authentication-results", "")),
                         "mx.example.com").headers) == []


def test_doctor_warns_when_no_receiving_server_is_named(tmp_path):
    from tests.cli.test_cli import cli

    config = "tracking: {address: intros@example.com}\nmembers:\n  - {name: Dana, emails: [dana@danabooks.example]}\n"
    (tmp_path / "config.yaml").write_text(config)
    cli("db", "upgrade", cwd=tmp_path)
    out = cli("doctor", cwd=tmp_path).stdout  # a warning, not a failure: exit code 0
    [warning] = [line for line in out.splitlines() if line.startswith("!")]
    assert "follow_ups.authserv_id is not set" in warning and "all answer" in out
    (tmp_path / "config.yaml").write_text(config + "follow_ups: {authserv_id: mx.example.com}\n")
    assert not [line for line in cli("doctor", cwd=tmp_path).stdout.splitlines() if line.startswith("!")]


def test_the_not_applied_mail_can_be_previewed(tmp_path):
    from tests.cli.test_cli import cli

    (tmp_path / "config.yaml").write_text("tracking: {address: intros@example.com}\n")
    out = cli("templates", "preview", "answer_not_applied", cwd=tmp_path).stdout
    assert "still lost" in out and "CORRECTION: WON" in out


def test_two_workers_given_two_copies_of_one_answer_apply_it_once(app, clock):
    import threading

    from worker.app import bootstrap

    other = bootstrap.build(app.config, now=clock)  # a second `run`, its own connections
    to = token(clock, DANA)
    copies = [answer("WON $4,500", n, DANA, to) for n in (1, 2)]
    start = threading.Barrier(2)
    kinds = []

    def work(worker, raw):
        start.wait()
        kinds.append(worker.pipeline.process(raw, FILE).kind)

    threads = [threading.Thread(target=work, args=pair) for pair in zip((app, other), copies, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.engine.dispose()
    assert kinds == ["status_reply", "status_reply"]  # both recorded, neither quarantined
    assert [e.new_status for e in events(app) if e.accepted] == ["won"]
    assert len(mails(app, "status_confirmation")) == 1 and len(mails(app, "closed_business")) == 1


def test_the_trust_settings_are_validated(tmp_path):
    from worker.core.config import ConfigError, from_dict

    bad = {"tracking": {"address": "intros@example.com"},
           "follow_ups": {"authserv_id": "mx.example.com; dmarc=pass", "partners_may_close": "sometimes"}}
    with pytest.raises(ConfigError) as exc:
        from_dict(bad, tmp_path / "config.yaml", env={})
    assert "follow_ups.authserv_id" in str(exc.value) and "follow_ups.partners_may_close" in str(exc.value)


def test_an_out_of_office_after_a_final_answer_schedules_nothing(app, clock):
    from models import FollowUp

    app.pipeline.process(answer("LOST", 1, DANA, token(clock, DANA)), FILE)
    ooo = answer("I am out of the office until 30 November 2026 with no access to email.", 2, DANA,
                 token(clock, DANA), extra="Auto-Submitted: auto-replied\n")
    assert app.pipeline.process(ooo, FILE).kind == "auto_reply"
    with app.sessions() as s:
        assert s.scalars(select(FollowUp).where(FollowUp.status == "scheduled")).all() == []


@pytest.mark.parametrize("to", ["intros@example.com", "intros+r99s1d20394abcdefghij@example.com"])
def test_a_reply_naming_a_referral_that_does_not_exist_is_recorded_not_quarantined(app, clock, to):
    raw = (f"From: {DANA}\nTo: {to}\nSubject: Re: How did it go? [ref R99]\nMessage-ID: <ghost@x>\n\nWON\n").encode()
    outcome = app.pipeline.process(raw, FILE)
    assert outcome.kind not in ("quarantined", "status_reply")
    assert status(app) == "introduced" and events(app) == []


def _reply_by_thread(app, clock, body: str, extra: str = "") -> OutboxMessage:
    """Dana's answer with our follow-up's Message-ID in In-Reply-To, sent to the tracking address
    itself (not through the follow-up's signed reply address), as a forger would write it."""
    clock.advance(days=7, seconds=1)
    with app.sessions.begin() as s:
        app.followups.materialize(s)
    [follow_up] = mails(app, "follow_up")
    assert follow_up.to_addr == "dana@danabooks.example"
    mid = mailer.build(follow_up, "intros@example.com")["Message-ID"].strip("<>")
    with app.sessions.begin() as s:  # marked sent with its Message-ID, as delivery does
        stored = s.get(OutboxMessage, follow_up.id)
        stored.status, stored.message_id = "sent", mid
        follow_up.message_id = mid
    raw = (f"From: {DANA}\nTo: intros@example.com\nSubject: Re: {follow_up.subject}\nMessage-ID: <forged@x>\n"
           f"In-Reply-To: <{follow_up.message_id}>\n{extra}\n{body}\n").encode()
    app.pipeline.process(raw, FILE)
    return follow_up


def test_an_answer_by_in_reply_to_alone_changes_nothing_and_the_member_hears_how_to_answer(app, clock):
    _reply_by_thread(app, clock, "WON $4,500")
    assert status(app) == "introduced"
    refused = events(app)[-1]
    assert not refused.accepted and "not through the signed reply address" in refused.reason
    [told] = mails(app, "answer_not_applied")
    assert told.to_addr == "dana@danabooks.example"
    assert "signed reply address" in told.text_body and "introledger mark 1 WON" in told.text_body


def test_an_answer_by_in_reply_to_counts_when_our_receiving_server_vouches_for_the_sender(
        tmp_path, database_url, clock):
    app = make_app(tmp_path, database_url, clock, authserv_id="mx.example.com")
    forged_pass = "Authentication-Results: evil.example; dmarc=pass header.from=danabooks.example\n"
    _reply_by_thread(app, clock, "MET", extra=forged_pass)
    assert status(app) == "introduced"  # a pass the sender wrote is no pass
    passed = "Authentication-Results: mx.example.com; dkim=pass; dmarc=pass header.from=danabooks.example\n"
    [follow_up] = mails(app, "follow_up")
    raw = (f"From: {DANA}\nTo: intros@example.com\nSubject: Re: {follow_up.subject}\nMessage-ID: <real@x>\n"
           f"In-Reply-To: <{follow_up.message_id}>\n{passed}\nWON $4,500\n").encode()
    app.pipeline.process(raw, FILE)
    assert status(app) == "won"
    app.engine.dispose()


def test_our_servers_dmarc_pass_for_another_domain_does_not_vouch_for_the_member(tmp_path, sqlite_url, clock):
    """Was: our server's `dmarc=pass header.from=evil.example` (the forger's own domain passing)
    counted for a From: dana@danabooks.example, so an In-Reply-To-only WON was applied."""
    app = make_app(tmp_path, sqlite_url, clock, authserv_id="mx.example.com")
    unaligned = "Authentication-Results: mx.example.com; dkim=pass header.d=evil.example; dmarc=pass " \
                "header.from=evil.example\n"
    _reply_by_thread(app, clock, "WON $4,500", extra=unaligned)
    assert status(app) == "introduced"
    assert "no DMARC pass from mx.example.com" in events(app)[-1].reason
    app.engine.dispose()


def test_a_forgery_our_server_failed_is_logged_and_answered_by_no_mail(tmp_path, sqlite_url, clock):
    """Was: From: the member plus our follow-up's Message-ID in In-Reply-To, with our server's
    dmarc=fail for the member's domain, mailed the real member a "Not changed" note: our mail sent
    on a forger's say-so. Now the event says why, and nothing is queued."""
    app = make_app(tmp_path, sqlite_url, clock, authserv_id="mx.example.com")
    failed = "Authentication-Results: mx.example.com; dkim=none; dmarc=fail (p=reject) header.from=danabooks.example\n"
    _reply_by_thread(app, clock, "WON $4,500", extra=failed)
    assert status(app) == "introduced"
    assert mails(app, "answer_not_applied") == [] and mails(app, "clarification") == []
    refused = events(app)[-1]
    assert not refused.accepted and "dmarc=fail for dana@danabooks.example: likely forged" in refused.reason
    # From another address on the member's domain (counted as the member's when genuine): the same.
    raw = answer("LOST", 9, "Office <office@danabooks.example>", token(clock, DANA, step=1), extra=failed)
    app.pipeline.process(raw, FILE)
    assert status(app) == "introduced" and "likely forged" in events(app)[-1].reason
    assert mails(app, "answer_not_applied") == []
    app.engine.dispose()
