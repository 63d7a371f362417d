"""`introledger quarantine [--json]` (messages set aside, with the reason) and `quarantine retry ID…`."""
import click

from models.db import reading
from worker.cli.context import Group, Invocation, json_option, pass_invocation, print_json
from worker.core.statuses import Unread


@click.group(cls=Group, invoke_without_command=True)
@json_option("JSON array (keys in README)")
@click.pass_context
def quarantine(ctx: click.Context, as_json: bool) -> int | None:
    """List messages set aside, with the reason."""
    if ctx.invoked_subcommand is not None:
        return None
    from worker.cli import views
    from worker.ledger import queries

    inv = ctx.ensure_object(Invocation)
    with reading(inv.sessions) as session:
        rows = queries.quarantined(session)
        if as_json:
            print_json([views.quarantine_json(q) for q in rows])
        else:
            views.quarantine_table(rows, inv.out)
    return 0


@quarantine.command()
@click.argument("ids", nargs=-1, required=True, type=int, metavar="ID...")
@json_option()
@pass_invocation
def retry(inv: Invocation, ids: tuple[int, ...], as_json: bool) -> int:
    """Handle a quarantined message again, once its cause is fixed. Exit 1 if one was not found or was
    quarantined again."""
    app = inv.app
    failed, results = 0, []
    for quarantine_id in ids:
        try:
            outcome = app.pipeline.retry_quarantined(quarantine_id)
        except LookupError as exc:
            inv.fail(f"error: {exc}")
            failed += 1
            results.append({"id": quarantine_id, "kind": None, "referral_id": None, "reason": str(exc)})
            continue
        results.append({"id": quarantine_id, "kind": outcome.kind, "referral_id": outcome.referral_id,
                        "reason": outcome.reason})
        if outcome.kind == Unread.QUARANTINED:
            failed += 1
            inv.fail(f"quarantine #{quarantine_id}: quarantined again: {outcome.reason}")
        elif not as_json:
            referral = f" (referral #{outcome.referral_id})" if outcome.referral_id else ""
            inv.out.print(f"quarantine #{quarantine_id}: {outcome.kind}{referral}: {outcome.reason}")
    if as_json:
        print_json(results)
    return 1 if failed else 0
