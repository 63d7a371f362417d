"""A referral's status set by hand (`introledger mark`, the dashboard): the words of a reply, the
same rules (worker/followups/status.py StatusDesk.apply) and the same mails."""
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Member, Referral, ReferralEvent
from worker.app.bootstrap import App
from worker.core.addresses import is_address
from worker.mail.commands import Command, parse_command

WORDS = "MET, QUALIFIED, WON, LOST, NO_FIT, SNOOZE, STOP or 'STOP ALL'"


class Unusable(ValueError):
    """The request cannot be an answer (a usage mistake: exit 2 on the command line); `param` names
    the part at fault."""

    def __init__(self, message: str, param: str):
        super().__init__(message)
        self.param = param


class FollowUpsOff(RuntimeError):
    """Outcomes are not tracked: no reply-token secret, or follow-ups disabled."""


@dataclass(frozen=True)
class Marked:
    referral: int
    status: str        # the status after it
    applied: bool
    reason: str        # the rule's reason when refused, else what was done
    verb: str          # the answer's verb: stop, stop_all and snooze leave the status as it is

    def as_json(self) -> dict:
        return {"referral": self.referral, "status": self.status, "applied": self.applied, "reason": self.reason}


def words_of(status: str, amount: str | None, note: str) -> str:
    # The note after a dash, so "not paid yet" is a note, not a negated answer.
    words = " ".join(w for w in (status.replace("_", " "), amount or "") if w)
    return words + (f" - {note}" if note else "")


def command_for(app: App, status: str, amount: str | None = None, note: str = "") -> Command:
    if app.desk is None:
        raise FollowUpsOff(f"follow-ups are off: set ${app.config.settings.token_secret_env} "
                           "(and follow_ups.enabled) to track outcomes")
    command = parse_command(words_of(status, amount, note), app.desk.vocabulary)
    if command is None:
        raise Unusable(f"{status!r} is not an answer I know: use {WORDS}", "STATUS")
    return command


def check_by(by: str) -> None:
    if by and not is_address(by):
        raise Unusable(f"{by!r} is not an email address", "--by")


def mark(app: App, session: Session, referral: Referral, status: str, amount: str | None = None, note: str = "",
         by: str = "", correct: bool = False) -> Marked:
    """Apply the answer in the caller's transaction; refused changes come back with applied False."""
    command = command_for(app, status, amount, note)
    assert app.desk is not None  # command_for refused otherwise
    check_by(by)
    member = session.get(Member, referral.member_id) if referral.member_id else None
    actor = by or (member.emails[0] if member and member.emails else "")
    if not actor:  # the answer, its confirmation and a STOP ALL all belong to someone
        raise Unusable(f"referral #{referral.id} has no member to speak for: say who you are, "
                       "e.g. --by carol@example.com", "--by")
    words = words_of(status, amount, note)
    new = app.desk.apply(session, referral, command, actor, "", via=f"by hand: {words}", correction=correct)
    last = _last_event(session, referral.id)
    refused = last.reason if last is not None and not last.accepted else ""
    did = last.reason if last is not None else ""
    return Marked(referral.id, new, not refused, refused or did, command.verb)


def _last_event(session: Session, referral_id: int) -> ReferralEvent | None:
    session.flush()
    return session.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == referral_id)
                           .order_by(ReferralEvent.id.desc()).limit(1)).first()
