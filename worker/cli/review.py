"""`introledger review [accept|reject]`, and the summary of `introledger ingest --review`."""
import json
from collections import Counter
from functools import partial

from rich.console import Console

from worker.app import bootstrap
from worker.cli import views
from worker.ledger import queries, review
from worker.core.config import load

console = Console()
err = Console(stderr=True)


def add_parsers(sub) -> None:
    p = sub.add_parser("review", help="intros waiting for a yes or no: list, accept, reject")
    p.add_argument("--json", action="store_true", help="JSON array (keys in README)")
    p.set_defaults(func=cmd_list)
    actions = p.add_subparsers(dest="review_command", metavar="ACTION")
    accept = actions.add_parser("accept", help="log them as referrals (old mail is not thanked)")
    accept.add_argument("ids", nargs="*", type=int, metavar="ID")
    accept.add_argument("--all", action="store_true", help="every candidate waiting for review")
    accept.set_defaults(func=cmd_accept)
    reject = actions.add_parser("reject", help="not intros: keep them out of every ledger and listing")
    reject.add_argument("ids", nargs="+", type=int, metavar="ID")
    reject.set_defaults(func=cmd_reject)


def cmd_list(args) -> int:
    app = bootstrap.build(load(args.config))
    with app.sessions() as session:
        rows = queries.candidates(session)
        found = queries.found_in(session, [r.id for r in rows])
        if args.json:
            print(json.dumps([views.review_json(r, found.get(r.id)) for r in rows], indent=2, ensure_ascii=False))
        else:
            views.review_table(rows, found, console)
    return 0


def cmd_accept(args) -> int:
    if bool(args.ids) == args.all:
        err.print("error: name the IDs to accept, or --all (not both)", highlight=False)
        return 2
    app = bootstrap.build(load(args.config))
    return decide(app, None if args.all else args.ids, partial(accept, app))


def cmd_reject(args) -> int:
    return decide(bootstrap.build(load(args.config)), args.ids, review.reject)


def accept(app, session, referral) -> None:
    review.accept(session, referral)
    # Logged now, so logging's policy applies: an intro older than thank_you.max_age_days is not
    # thanked, one older than follow_ups.stale_after is not followed up.
    app.pipeline.logged_by_hand(session, referral.id, referral.kind)
    review.connect_if_replied(session, referral)


def decide(app, ids: list[int] | None, decision) -> int:
    """All or nothing: one ID that is not waiting for review changes none of them."""
    try:
        with app.sessions.begin() as session:
            chosen = review.pending(session, ids)
            for referral in chosen:
                decision(session, referral)
            done = [(r.id, r.status) for r in chosen]
    except review.NotPending as exc:
        err.print(f"[red]error[/red]: {exc}", highlight=False)
        return 1
    for referral_id, status in done:
        console.print(f"referral #{referral_id} is now {status}", highlight=False)
    if not done:
        console.print("nothing is waiting for review")
    return 0


def print_import(app, counts: Counter, candidate_ids: set[int], as_json: bool, summary) -> None:
    """`ingest --review`: the usual counts, and how many intros now wait for a person."""
    with app.sessions() as session:
        offered = len(queries.still_pending(session, candidate_ids))
    if as_json:
        print(json.dumps({**counts, "offered_for_review": offered}, indent=2, sort_keys=True))
        return
    summary(counts)
    console.print(f"{offered} intros offered for review — run `introledger review`", highlight=False)
