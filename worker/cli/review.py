"""`introledger review [accept|reject]`, and the summary of `introledger ingest --review`."""
from collections import Counter
from functools import partial

import click

from models.db import reading
from worker.app import review as reviewing
from worker.cli import views
from worker.cli.context import Group, Invocation, json_option, pass_invocation, print_json
from worker.ledger import queries, review


@click.group("review", cls=Group, invoke_without_command=True)
@json_option("JSON array (keys in README)")
@click.pass_context
def candidates(ctx: click.Context, as_json: bool) -> int | None:
    """Intros waiting for a yes or no: review imports and low-confidence ones, oldest first."""
    if ctx.invoked_subcommand is not None:
        return None
    inv = ctx.ensure_object(Invocation)
    with reading(inv.sessions) as session:
        rows = queries.candidates(session)
        found = queries.found_in(session, [r.id for r in rows])
        if as_json:
            print_json([views.review_json(r, found.get(r.id)) for r in rows])
        else:
            views.review_table(rows, found, inv.out)
    return 0


@candidates.command("accept")
@click.argument("ids", nargs=-1, type=int, metavar="[ID]...")
@click.option("--all", "every", is_flag=True, help="every candidate waiting for review")
@json_option("print [{id, status}] as JSON")
@pass_invocation
def accept_command(inv: Invocation, ids: tuple[int, ...], every: bool, as_json: bool) -> int:
    """Log them as referrals (old mail is not thanked). All or nothing: an ID not waiting for review
    changes none of them (exit 1)."""
    if bool(ids) == every:
        raise click.UsageError("name the IDs to accept, or --all (not both)")
    app = inv.app
    return decide(app, None if every else list(ids), partial(accept, app), inv, as_json)


@candidates.command("reject")
@click.argument("ids", nargs=-1, required=True, type=int, metavar="ID...")
@json_option("print [{id, status}] as JSON")
@pass_invocation
def reject_command(inv: Invocation, ids: tuple[int, ...], as_json: bool) -> int:
    """Not intros: keep them out of every ledger and listing. All or nothing, as accept."""
    app = inv.app
    return decide(app, list(ids), partial(reject, app), inv, as_json)


def accept(app, session, referral) -> None:
    reviewing.accept(app, session, referral)


def reject(app, session, referral) -> None:
    reviewing.reject(app, session, referral)


def decide(app, ids: list[int] | None, decision, inv: Invocation | None = None, as_json: bool = False) -> int:
    """All or nothing: one ID that is not waiting for review changes none of them."""
    inv = inv or Invocation()
    try:
        done = reviewing.decide(app, ids, lambda _app, session, referral: decision(session, referral))
    except review.NotPending as exc:
        inv.fail(f"error: {exc}")
        return 1
    if as_json:
        print_json([{"id": referral_id, "status": status} for referral_id, status in done])
        return 0
    for referral_id, status in done:
        inv.out.print(f"referral #{referral_id} is now {status}")
    if not done:
        inv.out.print("nothing is waiting for review")
    return 0


def print_import(inv: Invocation, counts: Counter, candidate_ids: set[int], as_json: bool) -> None:
    """`ingest --review`: the usual counts, and how many intros now wait for a person."""
    from worker.cli.ingest import print_summary

    with reading(inv.app.sessions) as session:
        offered = len(queries.still_pending(session, candidate_ids))
    if as_json:
        print_json(dict(sorted({**counts, "offered_for_review": offered}.items())))
        return
    print_summary(counts, inv.out)
    inv.out.print(f"{offered} intros offered for review — run `introledger review`")
