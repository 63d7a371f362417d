"""A broken override template holds back only the mail it renders: the periodic sweeps (follow-ups,
weekly digests) go on for everyone else, the held mail stays due with its reason in the log once
per tick (and `doctor` names the file), and it goes out once on the first sweep after the fix.
A mail queued in answer to a message (a confirmation, a clarification) is kept as a failed outbox
row with the reason, as the thank-you is: the answer it confirms stands, the message is not
quarantined. SQLite, a frozen clock, no servers."""
import logging
import os
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from models import FollowUp, Member, OutboxMessage, Quarantined, Referral, ReferralEvent
from tests import mailgen
from tests.cli.test_cli import cli
from tests.conftest import MEMBERS, build_app
from tests.fixtures_outcomes import SECRET
from tests.followups.test_outcomes import answer
from worker.app.service import due_work
from worker.core.statuses import Step
from worker.inbound.pipeline import Origin
from worker.outbound.template_check import check as templates_check
from worker.outbound.templating import BUILTIN

FILE = Origin("file", "t")
CAROL = ("Carol Jensen", "carol@x.example")
DANA = ("Dana Whitfield", "dana@danabooks.example")
MARCO = ("Marco Rossi", "marco@rossi-marketing.example")
BROKEN = "{% set subject %}Wie lief es?{% endset %}{% if others %}Hallo {{ member.first_name }}\n"  # no endif


def make(tmp_path, url, clock):
    """Dana reads German (members[].language), Marco English; the user overrode the German follow-up."""
    (tmp_path / "mytemplates" / "de").mkdir(parents=True)
    return build_app(tmp_path, url, {"INTROLEDGER_TOKEN_SECRET": "s3"}, now=clock,
                     members=[{**MEMBERS[0], "language": "de"}, MEMBERS[1]], follow_ups={"steps": ["7d"]},
                     thank_you={"enabled": False}, outbound={"templates_dir": "mytemplates"})


def follow_ups(app) -> list[tuple[str, str]]:
    """(to, subject) of every follow-up mail queued."""
    with app.sessions() as s:
        return [(r.to_addr, r.subject) for r in s.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "follow_up").order_by(OutboxMessage.id))]


def steps(app) -> dict[str, str]:
    with app.sessions() as s:
        members = {m.id: m.name for m in s.scalars(select(Member))}
        return {members[member_id]: status for status, member_id in s.execute(
            select(FollowUp.status, Referral.member_id).join(Referral, Referral.id == FollowUp.referral_id))}


def held_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "de/follow_up.txt" in r.getMessage()]


def two_due(tmp_path, url, clock):
    """Dana's follow-up (German, the broken override) and Marco's fall due, Dana's first."""
    app = make(tmp_path, url, clock)
    (tmp_path / "mytemplates" / "de" / "follow_up.txt").write_text(BROKEN)
    for i, member in enumerate((DANA, MARCO), start=1):
        app.pipeline.process(mailgen.intro(i, introducer=CAROL, a=("Alice Brook", f"alice{i}@y.example"), b=member,
                                           when=clock.current), FILE)
        clock.advance(minutes=1)
    clock.advance(days=7)
    return app


def test_a_broken_follow_up_override_holds_back_its_own_step_and_no_one_elses(tmp_path, sqlite_url, clock, caplog):
    app = two_due(tmp_path, sqlite_url, clock)
    override = tmp_path / "mytemplates" / "de" / "follow_up.txt"

    with caplog.at_level(logging.INFO, logger="introledger"):
        due_work(app)  # raised TemplateProblem before: nobody's follow-up went out
    assert [to for to, _ in follow_ups(app)] == [MARCO[1]]
    assert steps(app) == {"Dana Whitfield": Step.SCHEDULED, "Marco Rossi": Step.DONE}
    [line] = held_lines(caplog)  # once per tick, naming the file and what is wrong with it
    assert "Unexpected end of template" in line and "#1" in line
    assert any("de/follow_up.txt" in problem for problem in templates_check(tmp_path / "mytemplates", "en"))

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="introledger"):
        due_work(app)  # still broken: still held, said again on this tick
    assert len(held_lines(caplog)) == 1 and len(follow_ups(app)) == 1

    override.write_text((BUILTIN / "follow_up.txt").read_text())  # fixed: the product's own, copied
    os.utime(override, (override.stat().st_mtime + 2,) * 2)  # the cached template sees the change
    clock.advance(minutes=1)
    due_work(app)
    due_work(app)
    assert [to for to, _ in follow_ups(app)] == [MARCO[1], DANA[1]]  # Dana's once, in German
    assert steps(app) == {"Dana Whitfield": Step.DONE, "Marco Rossi": Step.DONE}


def test_a_held_step_is_not_taken_up_again_in_the_same_sweep(tmp_path, sqlite_url, clock, caplog):
    """One step per transaction (a worker back after a week works through thousands): the held step,
    the earliest due, must not fill every batch of the tick (it would never end) nor Marco's wait."""
    app = two_due(tmp_path, sqlite_url, clock)
    app.followups.STEPS_AT_ONCE = 1
    with caplog.at_level(logging.INFO, logger="introledger"):
        assert app.followups.run_due(app.sessions) == 1
    assert [to for to, _ in follow_ups(app)] == [MARCO[1]] and len(held_lines(caplog)) == 1


# --- the weekly digest: the same sweep shape, a member at a time ------------------------------

def test_a_broken_digest_override_holds_back_that_members_digest_and_no_one_elses(tmp_path, sqlite_url, clock,
                                                                                   caplog):
    clock.current = datetime(2026, 11, 4, 12, 0, tzinfo=UTC)  # a Wednesday
    app = make(tmp_path, sqlite_url, clock)
    override = tmp_path / "mytemplates" / "de" / "digest.txt"
    override.write_text(BROKEN)
    app.pipeline.process(mailgen.intro(1, introducer=DANA, a=("Client 1", "c1@c.example"), b=MARCO,
                                       when=clock.current), FILE)  # a week in both their digests
    clock.current = datetime(2026, 11, 9, 8, 30, tzinfo=UTC)  # Monday 08:30

    with caplog.at_level(logging.INFO, logger="introledger"):
        due_work(app)  # raised TemplateProblem before: no member's digest went out
    assert digests(app) == [MARCO[1]]
    [line] = [r.getMessage() for r in caplog.records if "de/digest.txt" in r.getMessage()]
    assert "Dana Whitfield" in line and "Unexpected end of template" in line
    assert any("de/digest.txt" in problem for problem in templates_check(tmp_path / "mytemplates", "en"))

    override.write_text((BUILTIN / "digest.txt").read_text())  # fixed
    os.utime(override, (override.stat().st_mtime + 2,) * 2)
    clock.advance(minutes=5)
    due_work(app)
    due_work(app)
    assert digests(app) == [MARCO[1], DANA[1]]  # Dana's once, the week it was due


def digests(app) -> list[str]:
    with app.sessions() as s:
        return list(s.scalars(select(OutboxMessage.to_addr).where(OutboxMessage.kind == "digest")
                              .order_by(OutboxMessage.id)))


# --- mail queued in answer to a message: the answer stands, the mail is a failed row ----------

def answered(tmp_path, url, clock, caplog, broken: str, words: str):
    """Dana (English) overrode one mail with a broken template and answers her follow-up."""
    (tmp_path / "mytemplates" / "en").mkdir(parents=True)
    (tmp_path / "mytemplates" / "en" / f"{broken}.txt").write_text(BROKEN)
    app = build_app(tmp_path, url, {"INTROLEDGER_TOKEN_SECRET": SECRET}, now=clock, follow_ups={"steps": ["7d"]},
                    thank_you={"enabled": False}, outbound={"templates_dir": "mytemplates", "quiet_hours": None})
    app.pipeline.process(mailgen.intro(1, introducer=CAROL, a=("Alice Brook", "alice@y.example"), b=DANA,
                                       when=clock.current), FILE)
    clock.advance(days=7, seconds=1)
    with app.sessions.begin() as s:
        app.followups.materialize(s)  # "How did it go?"
    with caplog.at_level(logging.INFO, logger="introledger"):
        outcome = app.pipeline.process(answer(clock, words), FILE)  # quarantined before: TemplateProblem
    assert outcome.kind != "quarantined"
    with app.sessions() as s:
        assert s.scalars(select(Quarantined)).all() == []
    return app


def outbox_rows(app) -> dict[str, tuple[str, str]]:
    with app.sessions() as s:
        return {r.kind: (r.status, r.last_error) for r in s.scalars(select(OutboxMessage))
                if r.kind != "follow_up"}


def test_a_won_answer_stands_when_its_confirmation_does_not_render(tmp_path, sqlite_url, clock, caplog):
    app = answered(tmp_path, sqlite_url, clock, caplog, "status_confirmation", "WON $4,500")
    with app.sessions() as s:
        referral = s.get(Referral, 1)
        assert (referral.status, referral.value_cents, referral.currency) == ("won", 450000, "USD")
        assert [e.event for e in s.scalars(select(ReferralEvent).where(ReferralEvent.reason.contains("WON")))] \
            == ["answer"]
    rows = outbox_rows(app)
    status, error = rows["status_confirmation"]
    assert status == "failed" and "en/status_confirmation.txt" in error and "Unexpected end of template" in error
    assert rows["closed_business"][0] == "queued"  # Carol's thanks renders: it goes
    [line] = [r.getMessage() for r in caplog.records if "status_confirmation.txt" in r.getMessage()]
    assert "Unexpected end of template" in line

    (tmp_path / "config.yaml").write_text("tracking: {address: intros@example.com}\n"
                                          "members:\n  - {name: Dana Whitfield, emails: [dana@danabooks.example]}\n")
    listed = cli("outbox", "--status", "failed", cwd=tmp_path,
                 env={"INTROLEDGER_DATABASE_URL": sqlite_url, "COLUMNS": "400"}).stdout
    assert "status_confirmation" in listed and "en/status_confirmation.txt" in listed  # what to fix


@pytest.mark.parametrize("broken, words, kind", [
    ("stop_confirmation", "STOP", "stop_confirmation"),
    ("clarification", "we had a nice chat, will see", "clarification"),
    ("closed_business", "WON $4,500", "closed_business"),
])
def test_other_mail_in_answer_to_a_reply_fails_alone(tmp_path, sqlite_url, clock, caplog, broken, words, kind):
    app = answered(tmp_path, sqlite_url, clock, caplog, broken, words)
    status, error = outbox_rows(app)[kind]
    assert status == "failed" and f"en/{broken}.txt" in error and "Unexpected end of template" in error
    with app.sessions() as s:
        said = [e.event for e in s.scalars(select(ReferralEvent).where(ReferralEvent.message_id == "answer1@x"))]
    assert said == {"STOP": ["stop"], "WON $4,500": ["answer"]}.get(words, [])  # the answer is applied
    assert len([r for r in caplog.records if f"{broken}.txt" in r.getMessage()]) == 1


def test_a_mail_that_never_rendered_is_not_retried_as_an_empty_mail(tmp_path, sqlite_url, clock, caplog):
    """`outbox retry` of the failed confirmation would have queued "(not rendered)" with no text."""
    app = answered(tmp_path, sqlite_url, clock, caplog, "status_confirmation", "WON $4,500")
    with app.sessions() as s:
        failed = s.scalar(select(OutboxMessage.id).where(OutboxMessage.kind == "status_confirmation"))
    (tmp_path / "config.yaml").write_text("tracking: {address: intros@example.com}\n"
                                          "members:\n  - {name: Dana Whitfield, emails: [dana@danabooks.example]}\n")
    env = {"INTROLEDGER_DATABASE_URL": sqlite_url, "COLUMNS": "400"}
    said = cli("outbox", "retry", str(failed), cwd=tmp_path, env=env, ok=False)
    told = " ".join((said.stdout + said.stderr).split())
    assert said.returncode == 1 and "never rendered" in told and "en/status_confirmation.txt" in told, told
    assert "cannot be sent" in told  # not "fix it and retry": nothing renders the row again
    assert "0 failed mail(s) queued again" in cli("outbox", "retry", "--failed", cwd=tmp_path, env=env).stdout
    assert outbox_rows(app)["status_confirmation"][0] == "failed"
