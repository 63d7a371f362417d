"""`introledger optout add|remove ADDRESS` and `optout list`: addresses that get no mail from us."""
import click

from models.db import reading
from worker.cli.context import Group, Invocation, json_option, pass_invocation, print_json
from worker.core.addresses import is_address


@click.group(cls=Group)
def optout() -> None:
    """Addresses that get no mail from us."""


@optout.command()
@click.argument("address")
@json_option()
@pass_invocation
def add(inv: Invocation, address: str, as_json: bool) -> int:
    """Add an address: it gets no mail from us."""
    return _change(inv, "add", address, as_json)


@optout.command()
@click.argument("address")
@json_option()
@pass_invocation
def remove(inv: Invocation, address: str, as_json: bool) -> int:
    """Remove an address: it may get our mail again."""
    return _change(inv, "remove", address, as_json)


def _change(inv: Invocation, action: str, given: str, as_json: bool) -> int:
    from sqlalchemy import select

    from models import OptOut

    address = given.strip().lower()
    if not is_address(address):
        raise click.BadParameter(f"{given!r} is not an email address", param_hint="ADDRESS")
    with inv.app.sessions.begin() as session:
        row = session.scalar(select(OptOut).where(OptOut.email == address))
        if action == "add" and row is None:
            session.add(OptOut(email=address, reason="added by hand"))
        elif action == "remove" and row is not None:
            session.delete(row)
    if as_json:
        print_json({"email": address, "opted_out": action == "add"})
        return 0
    verb = "will get no mail from us" if action == "add" else "may get our mail again"
    inv.out.print(f"{address} {verb}")
    return 0


@optout.command("list")
@json_option("JSON array of {email, reason, created_at}")
@pass_invocation
def listing(inv: Invocation, as_json: bool) -> int:
    """List opted-out addresses."""
    from sqlalchemy import select

    from models import OptOut

    with reading(inv.sessions) as session:
        rows = session.scalars(select(OptOut).order_by(OptOut.email)).all()
    if as_json:
        print_json([{"email": r.email, "reason": r.reason, "created_at": r.created_at.isoformat()} for r in rows])
    else:
        for r in rows:
            inv.out.print(f"{r.email}  ({r.reason}, {r.created_at:%Y-%m-%d})")
    return 0
