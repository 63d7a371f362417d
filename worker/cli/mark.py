"""`introledger mark REF STATUS`: a referral's status set by hand, under the same rules and mails as a reply."""
import click

from worker.cli.context import Command, Invocation, json_option, pass_invocation, print_json


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
    from models import Referral
    from worker.app import marking

    app = inv.app
    try:
        marking.command_for(app, status, amount, note)  # usage mistakes first, whatever REF is
        marking.check_by(by)
        with app.sessions.begin() as session:
            referral = session.get(Referral, ref)
            if referral is None:
                inv.fail(f"referral #{ref}: no such referral")
                return 1
            done = marking.mark(app, session, referral, status, amount, note, by, correct)
    except marking.FollowUpsOff as exc:
        inv.fail(str(exc))
        return 1
    except marking.Unusable as exc:
        raise click.BadParameter(str(exc), param_hint=exc.param) from None
    if as_json:
        print_json(done.as_json())
    if not done.applied:
        inv.fail(f"referral #{ref} not changed: {done.reason}")
        return 1
    if as_json:
        return 0
    if done.verb in ("stop", "stop_all", "snooze"):  # not an outcome: say what it did, not a status
        inv.out.print(f"referral #{ref} stays {done.status}: {done.reason}")
        return 0
    inv.out.print(f"referral #{ref} is now {done.status}")
    return 0
