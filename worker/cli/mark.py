"""`introledger mark REF STATUS`: a referral's status set by hand, under the same rules and mails as a reply."""
import click

from worker.cli.context import Command, Invocation, json_option, pass_invocation, print_json

WORDS = "MET, QUALIFIED, WON, LOST, NO_FIT, SNOOZE, STOP or 'STOP ALL'"


@click.command(cls=Command)
@click.argument("ref", type=int, metavar="REF")
@click.argument("status", metavar="STATUS")
@click.option("--amount", help='for WON, e.g. "$4,500" or "EUR 3 000"')
@click.option("--note", default="", help="why (kept with the event; for LOST, the reason)")
@click.option("--by", default="", help="who is making the change (default: the referral's member)")
@click.option("--correct", is_flag=True,
              help="change a final answer (won, lost, no fit); kept in the history as a correction")
@json_option("print {referral, status, applied, reason} as JSON")
@pass_invocation
def mark(inv: Invocation, ref: int, status: str, amount: str | None, note: str, by: str, correct: bool,
         as_json: bool) -> int:
    """Set referral REF's status: MET, QUALIFIED, WON, LOST, NO_FIT, SNOOZE, STOP (this referral's
    follow-ups) or 'STOP ALL' (all mail to the member) — any word a reply may use. Exit 1 if the rules
    refuse it (the message says why), 2 for a word that is not an answer."""
    from models import Member, Referral
    from worker.core.addresses import is_address
    from worker.mail.commands import parse_command

    app = inv.app
    if app.desk is None:
        inv.fail(f"follow-ups are off: set ${app.config.settings.token_secret_env} "
                 "(and follow_ups.enabled) to track outcomes")
        return 1
    # The note after a dash, so "not paid yet" is a note, not a negated answer.
    words = " ".join(w for w in (status.replace("_", " "), amount or "") if w)
    words += f" - {note}" if note else ""
    command = parse_command(words, app.desk.vocabulary)
    if command is None:
        raise click.BadParameter(f"{status!r} is not an answer I know: use {WORDS}", param_hint="STATUS")
    if by and not is_address(by):
        raise click.BadParameter(f"{by!r} is not an email address", param_hint="--by")
    with app.sessions.begin() as session:
        referral = session.get(Referral, ref)
        if referral is None:
            inv.fail(f"referral #{ref}: no such referral")
            return 1
        member = session.get(Member, referral.member_id) if referral.member_id else None
        actor = by or (member.emails[0] if member and member.emails else "")
        if not actor:  # the answer, its confirmation and a STOP ALL all belong to someone
            raise click.BadParameter(f"referral #{ref} has no member to speak for: say who you are, "
                                     "e.g. --by carol@example.com", param_hint="--by")
        new = app.desk.apply(session, referral, command, actor, "", via=f"by hand: {words}", correction=correct)
        last = _last_event(session, referral.id)
        refused = last.reason if last is not None and not last.accepted else ""
        did = last.reason if last is not None else ""
    if as_json:
        print_json({"referral": ref, "status": new, "applied": not refused, "reason": refused or did})
    if refused:
        inv.fail(f"referral #{ref} not changed: {refused}")
        return 1
    if as_json:
        return 0
    if command.verb in ("stop", "stop_all", "snooze"):  # not an outcome: say what it did, not a status
        inv.out.print(f"referral #{ref} stays {new}: {did}")
        return 0
    inv.out.print(f"referral #{ref} is now {new}")
    return 0


def _last_event(session, referral_id: int):
    from sqlalchemy import select

    from models import ReferralEvent

    session.flush()
    return session.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == referral_id)
                           .order_by(ReferralEvent.id.desc()).limit(1)).first()
