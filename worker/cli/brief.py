"""`introledger brief show|set MEMBER`: the member's ideal-referral brief (great referral, not a fit,
the words clients use), which rides along in partner mail and answers a partner's BRIEF."""
from pathlib import Path

import click

from models.db import reading
from worker.cli.context import Group, Invocation, json_option, pass_invocation, print_json


@click.group(cls=Group)
def brief() -> None:
    """A member's ideal-referral brief: who is a great referral, who is not, the words clients use."""


def member_row(inv: Invocation, session, who: str):
    """The member row `who` (a name or an address, any case) names; None after saying so on stderr."""
    from sqlalchemy import select

    from models import Member
    from worker.ledger.balance import names

    found = next((m for m in session.scalars(select(Member).order_by(Member.id)) if names(who, m)), None)
    if found is None:
        inv.fail(f"{who}: no member by that name or address in {inv.config.path}")
    return found


def _json(member, shown, updated) -> dict:
    return {"member": member.name, **shown.as_dict(), "updated_at": updated.isoformat() if updated else None}


@brief.command()
@click.argument("member")
@json_option("the brief as JSON: {member, great, not_fit, words, updated_at}")
@pass_invocation
def show(inv: Invocation, member: str, as_json: bool) -> int:
    """Print MEMBER's brief (a name or an address)."""
    from worker.outbound import briefs

    with reading(inv.app.sessions) as session:
        row = member_row(inv, session, member)
        if row is None:
            return 1
        shown, updated = briefs.get(session, row.id), briefs.updated_at(session, row.id)
        data = _json(row, shown, updated)
    if as_json:
        print_json(data)
    elif shown.empty:
        inv.out.print(f"{row.name} has no brief yet: introledger brief set '{row.name}' --great … --not … --words …")
    else:
        inv.out.print(briefs.to_text(shown), end="")
    return 0


@brief.command("set")
@click.argument("member")
@click.option("--great", help="who is a great referral (\"homeowners planning a kitchen under $40k\")")
@click.option("--not", "not_fit", help="who is not a fit (\"commercial work\")")
@click.option("--words", help="the words clients use when they need you (\"our cabinets look tired\")")
@click.option("--file", "path", type=click.Path(dir_okay=False, allow_dash=True),
              help="read the brief from a file ('-': stdin), as `brief show` prints it")
@click.option("--edit", is_flag=True, help="edit the brief in $EDITOR")
@json_option("print the brief after the change as JSON")
@pass_invocation
def set_(inv: Invocation, member: str, great: str | None, not_fit: str | None, words: str | None, path: str | None,
         edit: bool, as_json: bool) -> int:
    """Set MEMBER's brief: the fields given (an empty value clears one), or all of them from a file or the editor."""
    from worker.outbound import briefs

    given = {k: v for k, v in (("great", great), ("not_fit", not_fit), ("words", words)) if v is not None}
    if not given and not path and not edit:
        raise click.UsageError("say what to set: --great, --not, --words, --file PATH or --edit")
    try:
        with inv.app.sessions.begin() as session:
            row = member_row(inv, session, member)
            if row is None:
                return 1
            if path or edit:
                given = {**_read(path, briefs.to_text(briefs.get(session, row.id))), **given}
            shown = briefs.save(session, row.id, inv.app.now(), **given)
            data = _json(row, shown, inv.app.now())
    except (ValueError, OSError) as exc:  # nothing saved: the transaction rolled back
        inv.fail(f"brief of {member}: {exc}")
        return 1
    if as_json:
        print_json(data)
    else:
        inv.out.print(f"brief of {row.name} saved")
        inv.out.print(briefs.to_text(shown), end="")
    return 0


def _read(path: str | None, current: str) -> dict[str, str]:
    from worker.outbound import briefs

    if path is None:
        edited = click.edit(current + "# One line each; a line starting with # is ignored.\n", extension=".txt")
        if edited is None:
            raise ValueError("the editor was closed without saving: nothing changed")
        return briefs.from_text(edited)
    text = click.get_text_stream("stdin").read() if path == "-" else Path(path).read_text(encoding="utf-8")
    try:
        return briefs.from_text(text)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
