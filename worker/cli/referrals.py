"""`introledger referrals [--status S] [--json]` and `referrals merge KEEP OTHER`."""
import click

from worker.cli import paging
from worker.cli.context import Group, Invocation, json_option, pass_invocation, print_json, print_json_array


@click.group(cls=Group, invoke_without_command=True)
@click.option("--status", help="only this status (introduced, connected, needs_review, …; rejected ones show "
                               "only when asked)")
@paging.options
@json_option("JSON array (keys in README)")
@click.pass_context
def referrals(ctx: click.Context, status: str | None, since, until, after: int | None, limit: int | None,
              as_json: bool) -> int | None:
    """List logged referrals, oldest first (rejected and merged ones only with --status). Long
    histories page: --limit N, then --after the last ID shown."""
    if ctx.invoked_subcommand is not None:
        return None
    from worker.cli import views
    from worker.ledger import queries

    inv = ctx.ensure_object(Invocation)
    rows = queries.listing(inv.sessions, queries.Page(status, since, until, after, limit))
    try:
        if as_json:
            print_json_array(views.referral_json(r) for r in rows)
        else:
            views.referrals_table(list(rows), inv.out)
    except LookupError as exc:
        inv.fail(f"introledger: {exc}")
        return 1
    return 0


@referrals.command()
@click.argument("keep", type=int)
@click.argument("other", type=int)
@json_option()
@pass_invocation
def merge(inv: Invocation, keep: int, other: int, as_json: bool) -> int:
    """OTHER is the same intro as KEEP (logged twice): fold it into KEEP."""
    from worker.ledger.merge import NotMerged
    from worker.ledger.merge import merge as fold

    app = inv.app
    try:
        with app.sessions.begin() as session:
            did = fold(session, keep, other, app.now())
    except NotMerged as exc:
        inv.fail(f"referral #{other} not merged: {exc}")
        return 1
    if as_json:
        print_json({"kept": keep, "merged": other, "did": did})
    else:
        inv.out.print(f"referral #{other} merged into #{keep}: {did}")
    return 0
