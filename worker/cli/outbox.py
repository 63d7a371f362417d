"""`introledger outbox`: list outgoing mail; retry, send now, cancel one; unpause an address that bounced."""
from typing import Any

import click

from models.db import reading
from worker.app.shapes import outbox_json
from worker.cli.context import Group, Invocation, json_option, pass_invocation, print_json
from worker.core.statuses import Mail

STATUS_HELP = ("only this status (queued, sending, sent, failed, suppressed, cancelled, unconfirmed: handed to the "
               "server, no answer; may have arrived; bounced: came back or refused for good)")


@click.group(cls=Group, invoke_without_command=True)
@click.option("--status", help=STATUS_HELP)
@json_option("JSON array (keys in README)")
@click.pass_context
def outbox(ctx: click.Context, status: str | None, as_json: bool) -> int | None:
    """Outgoing mail and its state, oldest first."""
    if ctx.invoked_subcommand is not None:
        return None
    from rich.table import Table
    from sqlalchemy import select

    from models import OutboxMessage

    inv = ctx.ensure_object(Invocation)
    with reading(inv.sessions) as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if status:
            query = query.where(OutboxMessage.status == status)
        rows = session.scalars(query).all()
    if as_json:
        print_json([outbox_json(r) for r in rows])
        return 0
    table = Table(title=f"Outbox ({len(rows)})", title_justify="left")
    for col in ("#", "kind", "to", "subject", "status", "tries", "note"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(str(r.id), r.kind, r.to_addr, r.subject, r.status, str(r.attempts), _note(r))
    inv.out.print(table)
    return 0


def _note(r) -> str:
    """What the list says about a row: a sent row says when (a deferral before it is history); a
    bounced one the server's words and whether its address is paused."""
    from worker.outbound import outbox as box

    if r.status == "bounced":
        return f"{r.last_error} — {r.reason.removeprefix('bounced; ')}"
    if r.status == Mail.SENT and r.sent_at:
        return f"{r.sent_at:%Y-%m-%d %H:%M}" + (f" ({r.reason})" if r.reason == box.SEND_NOW else "")
    waiting = f"{r.reason} until {r.not_before:%Y-%m-%d %H:%M} UTC" if r.reason.startswith(box.CAP_DEFERRED) else ""
    return r.last_error or waiting or r.reason or f"after {r.not_before:%Y-%m-%d %H:%M} UTC"


@outbox.command()
@click.argument("id", type=int, required=False)
@click.option("--failed", is_flag=True, help="every failed mail (never the unconfirmed: those may have arrived)")
@json_option()
@pass_invocation
def retry(inv: Invocation, id: int | None, failed: bool, as_json: bool) -> int:
    """Queue a mail again, or every failed one. ID: a failed, suppressed, cancelled, unconfirmed or bounced
    mail; --failed: every failed one, after a server problem is fixed (a lapsed certificate, a wrong
    password)."""
    if (id is None) == (not failed):
        raise click.UsageError("name the mail's ID, or --failed (not both)")
    if id is not None:
        return _act(inv, "retry", id, as_json)
    from worker.outbound import outbox as box

    app = inv.app
    with app.sessions.begin() as session:
        ids = box.retry_failed(session, app.now())
    if as_json:
        print_json({"action": "retry", "queued": ids})
    else:
        listed = f": {', '.join(f'#{i}' for i in ids)}" if ids else ""
        inv.out.print(f"{len(ids)} failed mail(s) queued again{listed}")
    return 0


@outbox.command("send-now")
@click.argument("id", type=int)
@json_option()
@pass_invocation
def send_now(inv: Invocation, id: int, as_json: bool) -> int:
    """Send a queued mail now. One held back by the daily cap or quiet hours, or waiting for its next retry,
    goes with the next sweep of a running `run` or `send`."""
    return _act(inv, "send-now", id, as_json)


@outbox.command()
@click.argument("id", type=int)
@json_option()
@pass_invocation
def cancel(inv: Invocation, id: int, as_json: bool) -> int:
    """Cancel a queued mail, or settle an unconfirmed one. Either is not sent again."""
    return _act(inv, "cancel", id, as_json)


def _act(inv: Invocation, action: str, outbox_id: int, as_json: bool) -> int:
    from models import OutboxMessage
    from worker.outbound import outbox as box
    from worker.outbound import pauses

    app = inv.app
    actions = {"retry": box.retry, "send-now": box.send_now, "cancel": lambda s, i, _now: box.cancel(s, i)}
    with app.sessions.begin() as session:
        row = session.get(OutboxMessage, outbox_id)
        waiting = _waiting(row) if row is not None and row.status == Mail.QUEUED else ""
        done = actions[action](session, outbox_id, app.now())
        if row is not None:
            session.refresh(row)
    if row is None:
        inv.fail(f"outbox #{outbox_id}: no such mail")
        return 1
    pause = None
    if done and action == "retry":
        with reading(app.sessions) as session:
            pause = pauses.paused(session, row.to_addr)
    if as_json:
        print_json({"action": action, "changed": bool(done), "mail": outbox_json(row),
                    "paused": None if pause is None else {"email": pause.email, "since": pause.created_at.isoformat(),
                                                          "reason": pause.reason}})
    if not done:
        if action == "retry" and waiting:  # it is not lost, only waiting: say how to send it now
            inv.fail(f"outbox #{outbox_id} is queued, {waiting}: `introledger outbox send-now {outbox_id}` "
                     "sends it now")
        elif action == "retry" and box.unsendable(row):
            inv.fail(box.unsendable(row))
        else:
            inv.fail(f"outbox #{outbox_id} is {row.status}: nothing to {action}")
        return 1
    if as_json:
        return 0
    if action == "send-now":
        inv.out.print(f"outbox #{outbox_id} goes out now (outside the daily cap), with the next sweep of a running "
                      "`introledger run` or `introledger send`")
        return 0
    inv.out.print(f"outbox #{outbox_id} is now {row.status}")
    if pause is not None:
        inv.out.print(f"  but mail to {pause.email} is paused since {pause.created_at:%Y-%m-%d} ({pause.reason}): "
                      f"it will be held; `introledger outbox unpause {pause.email}` first")
    return 0


def _waiting(row) -> str:
    """Why a queued mail has not gone yet, in words."""
    from worker.outbound import outbox as box

    when = f"{row.not_before:%Y-%m-%d %H:%M} UTC"
    if row.reason.startswith(box.CAP_DEFERRED):
        return f"{row.reason} until {when}"
    if row.last_error:
        return f"waiting to retry after {when} ({row.last_error})"
    return f"due after {when}"


@outbox.command()
@click.argument("address")
@json_option()
@pass_invocation
def unpause(inv: Invocation, address: str, as_json: bool) -> int:
    """Mail an address again after it bounced. `doctor` lists the paused ones; mail held meanwhile is
    listed, to send with `outbox retry ID`."""
    from worker.outbound import pauses

    app = inv.app
    address = address.strip().lower()
    ended: Any  # the pause that ended: a row with PausedAddress's columns
    with app.sessions.begin() as session:
        ended, held = pauses.unpause(session, address)
    if ended is None:
        inv.fail(f"mail to {address} is not paused")
        return 1
    if as_json:
        print_json({"address": address, "paused_since": ended.created_at.isoformat(), "reason": ended.reason,
                    "held": held})
        return 0
    inv.out.print(f"mail to {address} resumes (paused since {ended.created_at:%Y-%m-%d}: {ended.reason})")
    if held:
        ids = " ".join(str(i) for i in held)
        inv.out.print(f"{len(held)} mail(s) to it were held meanwhile: `introledger outbox retry ID` sends one "
                      f"({ids})")
    return 0
