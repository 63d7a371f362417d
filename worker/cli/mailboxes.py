"""`introledger mailboxes add NAME FILE | list | remove NAME`: tracking mailboxes kept in the database."""
from pathlib import Path

import click

from models.db import reading
from worker.cli.context import Group, Invocation, json_option, pass_invocation, print_json


@click.group(cls=Group)
def mailboxes() -> None:
    """Tracking mailboxes beside config.yaml's, each a group with its own members and ledger.
    Every `run` process watches its share of them (leases in the database)."""


@mailboxes.command()
@click.argument("name")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option("print the mailbox as in `mailboxes list --json`, with `added` (false: changed)")
@pass_invocation
def add(inv: Invocation, name: str, file: Path, as_json: bool) -> int:
    """Add the mailbox NAME (or change it) from FILE: YAML with config.yaml's keys `tracking`,
    `source` and `members` for this mailbox alone, checked as config.yaml is."""
    import yaml

    from worker.app import mailboxes as registry

    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        inv.fail(f"error: {file}: not valid YAML: {exc}")
        return 2
    try:
        with inv.sessions.begin() as session:
            row, added = registry.add(session, inv.config, name, data, str(file))
            shown = _row(inv, row, {})
    except registry.MailboxProblem as exc:
        inv.fail(f"error: mailbox {name}: {exc}")
        return 1
    if as_json:
        print_json({**shown, "added": added})
    else:
        inv.out.print(f"{'added' if added else 'changed'} mailbox {name} ({row.address}): {shown['source']}, "
                      f"{len(shown['members'])} member(s); running `run` processes take it within a second")
    return 0


@mailboxes.command("list")
@click.option("--all", "everything", is_flag=True, help="removed mailboxes too")
@json_option("JSON array of {name, address, source, members, active, watched_by}")
@pass_invocation
def listing(inv: Invocation, everything: bool, as_json: bool) -> int:
    """List the tracking mailboxes (config.yaml's first) and which process watches each."""
    from sqlalchemy import select

    from models import Mailbox
    from worker.sources import leases

    with reading(inv.sessions) as session:
        held = leases.holders(session, leases.wall_clock())
        query = select(Mailbox).order_by(Mailbox.name)
        rows = session.scalars(query if everything else query.where(Mailbox.active.is_(True))).all()
        shown = [_config_row(inv, held)] + [_row(inv, r, held) for r in rows]
    if as_json:
        print_json(shown)
        return 0
    for m in shown:
        state = "" if m["active"] else " [removed]"
        inv.out.print(f"{m['name'] or '(config.yaml)'}  {m['address']}{state}  {m['source']}  "
                      f"{len(m['members'])} member(s)  watched by {m['watched_by'] or 'nobody'}")
    return 0


@mailboxes.command()
@click.argument("name")
@json_option("{name, address, removed}")
@pass_invocation
def remove(inv: Invocation, name: str, as_json: bool) -> int:
    """Stop watching the mailbox NAME; its members and referrals stay (add it again to resume)."""
    from worker.app import mailboxes as registry

    try:
        with inv.sessions.begin() as session:
            row = registry.remove(session, name)
            address = row.address
    except registry.MailboxProblem as exc:
        inv.fail(f"error: {exc}")
        return 1
    if as_json:
        print_json({"name": name, "address": address, "removed": True})
    else:
        inv.out.print(f"removed mailbox {name} ({address}): no longer watched; its referrals stay")
    return 0


def _row(inv: Invocation, row, held: dict[str, str]) -> dict:
    from worker.app.mailboxes import lease_name
    from worker.core.config import MailboxSettings

    settings = MailboxSettings.model_validate(row.settings)
    maildir = inv.config.path.parent / settings.source.maildir.path  # relative to config.yaml, as its own
    return {"name": row.name, "address": row.address, "source": _source(settings.source, maildir),
            "members": [m.name for m in settings.members], "active": row.active,
            "watched_by": held.get(lease_name(row.address))}


def _config_row(inv: Invocation, held: dict[str, str]) -> dict:
    from worker.app.mailboxes import lease_name

    s = inv.config.settings
    return {"name": None, "address": s.tracking.address, "source": _source(s.source, inv.config.maildir_path),
            "members": [m.name for m in s.members], "active": True,
            "watched_by": held.get(lease_name(s.tracking.address))}


def _source(source, maildir: Path) -> str:
    if source.kind == "imap":
        i = source.require_imap()
        return f"IMAP {i.username}@{i.host}:{i.port} {i.folder}"
    if source.kind == "lmtp":
        return "LMTP (`introledger lmtp`)"
    return f"Maildir {maildir.resolve()}"
