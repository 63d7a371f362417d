"""The tracking mailboxes: config.yaml's own, and those kept in the database (`introledger mailboxes`).

Each is a group with its own members and ledger (models/groups.py). A mailbox added here is
checked against config.yaml and the others: its address, its members' names and addresses
belong to one group only.
"""
import json
import re
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from models import Mailbox, Member
from worker.core.config import Config, MailboxSettings, mailbox_settings
from worker.core.queue_names import NAMESPACE_PATTERN

NAME_PATTERN = NAMESPACE_PATTERN  # lowercase letters, digits, inner hyphens: it names a lease and a log line


class MailboxProblem(ValueError):
    """A mailbox that cannot be added or removed as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Group:
    """One tracking mailbox as `run` watches it: its lease, its label, its settings."""

    lease: str                 # "mailbox:<address>"
    name: str | None           # `mailboxes add NAME`; None: config.yaml's
    label: str                 # what a person reads in `run`'s lines
    mailbox_id: int | None     # None: config.yaml's
    settings: MailboxSettings | None  # None: config.yaml's own
    stamp: str                 # changes when its settings do: the watcher is started again


class TrackingByMember:
    """The tracking address mail for a member goes out under: their group's (the outbox row's
    member; config.yaml's address for mail about no member). Read again when a member is new."""

    def __init__(self, engine: Engine, default: str):
        self.engine, self.default = engine, default
        self.known: dict[int, str] = {}

    def __call__(self, member_id: int | None) -> str:
        if member_id is None:
            return self.default
        if member_id not in self.known:
            with self.engine.connect() as conn:
                rows = conn.execute(select(Member.id, Mailbox.address)
                                    .outerjoin(Mailbox, Mailbox.id == Member.mailbox_id)).all()
            self.known = {member: address or self.default for member, address in rows}  # one assignment: atomic
        return self.known.get(member_id, self.default)


def lease_name(address: str) -> str:
    return f"mailbox:{address}"


def default_group(config: Config) -> Group:
    address = config.settings.tracking.address
    return Group(lease_name(address), None, address, None, None, "")


def active(session: Session) -> list[Mailbox]:
    return list(session.scalars(select(Mailbox).where(Mailbox.active.is_(True)).order_by(Mailbox.name)))


def groups(session: Session, config: Config) -> list[Group]:
    """Every mailbox `run` watches: config.yaml's first, then the database's by name."""
    found = [default_group(config)]
    for row in active(session):
        settings = MailboxSettings.model_validate(row.settings)
        found.append(Group(lease_name(row.address), row.name, f"{row.name} ({row.address})", row.id, settings,
                           json.dumps(row.settings, sort_keys=True)))
    return found


def find(session: Session, config: Config, name: str) -> Group:
    """The mailbox NAME's group, or the problem named."""
    for group in groups(session, config):
        if group.name == name:
            return group
    raise MailboxProblem(f"no mailbox named {name!r} (`introledger mailboxes list` shows them)")


def group_config(config: Config, group: Group, all_addresses: frozenset[str]) -> Config:
    assert group.settings is not None, "config.yaml's own group has its config already"
    return config.for_mailbox(group.settings, all_addresses)


def addresses(session: Session, config: Config) -> frozenset[str]:
    """Every group's tracking address: each is never a party in another's intros."""
    return frozenset([config.settings.tracking.address, *(m.address for m in active(session))])


def add(session: Session, config: Config, name: str, data: object, where: str) -> tuple[Mailbox, bool]:
    """Add the mailbox NAME, or change its settings; (its row, whether it was new)."""
    if not re.match(NAME_PATTERN, name):
        raise MailboxProblem(f"{name!r}: a mailbox name is 1-63 lowercase letters, digits and inner hyphens")
    settings = mailbox_settings(data, where)
    row = session.scalar(select(Mailbox).where(Mailbox.name == name))
    _check(session, config, name, settings, row)
    stored = settings.model_dump(mode="json")
    if row is None:
        row = Mailbox(name=name, address=settings.tracking.address, settings=stored, active=True)
        session.add(row)
        session.flush()
        return row, True
    row.address, row.settings, row.active = settings.tracking.address, stored, True
    session.flush()
    return row, False


def remove(session: Session, name: str) -> Mailbox:
    """No longer watched; its members and referrals stay (`mailboxes add` again brings it back)."""
    row = session.scalar(select(Mailbox).where(Mailbox.name == name, Mailbox.active.is_(True)))
    if row is None:
        raise MailboxProblem(f"no mailbox named {name!r} (`introledger mailboxes list` shows them)")
    row.active = False
    return row


def _check(session: Session, config: Config, name: str, settings: MailboxSettings, row: Mailbox | None) -> None:
    ours = {settings.tracking.address, *settings.tracking.aliases}
    if ours & config.tracking_addresses:
        raise MailboxProblem(f"{settings.tracking.address}: config.yaml's own tracking address; "
                             "a mailbox in the database needs its own")
    taken = session.scalar(select(Mailbox).where(Mailbox.address == settings.tracking.address, Mailbox.name != name))
    if taken is not None:
        raise MailboxProblem(f"{settings.tracking.address} is the address of mailbox {taken.name!r}"
                             f"{'' if taken.active else ' (removed: add it again under that name)'}")
    elsewhere = _members_elsewhere(session, config, row.id if row else None)
    for i, member in enumerate(settings.members):
        if member.name in elsewhere:
            raise MailboxProblem(f"members.{i}: {member.name} is a member of {elsewhere[member.name]}; "
                                 "a member belongs to one group")
        for email in member.emails:
            if email in elsewhere:
                raise MailboxProblem(f"members.{i}.emails: {email} belongs to a member of {elsewhere[email]}")


def _members_elsewhere(session: Session, config: Config, mailbox_id: int | None) -> dict[str, str]:
    """Member names and addresses of every other group → which group (a person reads it)."""
    found: dict[str, str] = {}
    for m in config.settings.members:
        found.update(dict.fromkeys([m.name, *m.emails], "config.yaml"))
    for other in active(session):
        if other.id != mailbox_id:
            for m in MailboxSettings.model_validate(other.settings).members:
                found.update(dict.fromkeys([m.name, *m.emails], f"mailbox {other.name!r}"))
    rows = session.execute(select(Member.name, Member.emails, Member.mailbox_id)
                           .execution_options(all_groups=True)).all()
    for member_name, emails, group in rows:  # rows of members no longer in any file keep their group
        if group != mailbox_id:
            where = "config.yaml's group" if group is None else f"the group of mailbox #{group}"
            for key in [member_name, *emails]:
                found.setdefault(key, where)
    return found
