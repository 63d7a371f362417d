"""One referral group's view of the database: the members and referrals of one tracking mailbox.

Each tracking mailbox (config.yaml's, mailbox_id None, or one in the `mailboxes` table) is a
group with its own members and ledger. A session made here sees only its group's members and
referrals — in every ORM query, relationship load and ORM UPDATE/DELETE, so the pipeline, the
duties and the ledger need not know groups exist — and what it adds to them belongs to the group.
Statements written against a bare Table (`Member.__table__`) are not scoped: write them with the
group's id in hand (worker/classify/directory.py sync does). A statement that must see every
group (checking that a member belongs to one only) says so: `.execution_options(all_groups=True)`.
"""
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, event, inspect
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, class_mapper, sessionmaker, with_loader_criteria

from models.db import session_factory
from models.people import Member
from models.referrals import Referral

GROUPED = (Member, Referral)
GROUP = "introledger_group"  # Session.info key: the group's mailbox id (None: config.yaml's) in its sessions


def group_of(session: Session) -> tuple[bool, int | None]:
    """(is this one group's session, its mailbox id): a session made by group_sessions knows its group."""
    return GROUP in session.info, session.info.get(GROUP)


def group_sessions(engine: Engine, mailbox_id: int | None,
                   now: Callable[[], datetime] | None = None) -> sessionmaker[Session]:
    """`now`: the app's clock, for the columns that default to "now" (see app_clock)."""
    sessions = session_factory(engine)
    sessions.configure(info={GROUP: mailbox_id})
    if now is not None:
        app_clock(sessions, now)
    if mailbox_id is None:
        criteria = [with_loader_criteria(model, lambda cls: cls.mailbox_id.is_(None), include_aliases=True)
                    for model in GROUPED]
    else:
        criteria = [with_loader_criteria(model, lambda cls: cls.mailbox_id == mailbox_id, include_aliases=True)
                    for model in GROUPED]

    def scope(state: ORMExecuteState) -> None:
        if state.execution_options.get("all_groups"):
            return
        if state.is_select or state.is_update or state.is_delete:
            state.statement = state.statement.options(*criteria)

    def stamp(session: Session, _context, _instances) -> None:
        for obj in session.new:
            if isinstance(obj, GROUPED) and obj.mailbox_id is None:
                obj.mailbox_id = mailbox_id

    event.listen(sessions, "do_orm_execute", scope)
    event.listen(sessions, "before_flush", stamp)
    return sessions


def app_clock(sessions: sessionmaker[Session], now: Callable[[], datetime]) -> None:
    """Columns that default to "now" (models.base.utcnow: the wall clock) take the app's clock for
    rows the ORM adds or changes: when a message was read, a referral or person created, shows on
    the timeline and in reports, and must agree with the simulated time the app's decisions use
    (tests' clock, `run --now`), not the real date. A value the code sets itself is kept."""
    def stamp(session: Session, _context, _instances) -> None:
        when = None
        for obj in session.new:
            for key in _times(type(obj))[0]:
                if getattr(obj, key) is None:
                    when = when or now()
                    setattr(obj, key, when)
        for obj in session.dirty:
            keys = _times(type(obj))[1]
            if not keys or not session.is_modified(obj, include_collections=False):
                continue
            state = inspect(obj)
            for key in keys:
                if not state.attrs[key].history.has_changes():
                    when = when or now()
                    setattr(obj, key, when)

    event.listen(sessions, "before_flush", stamp)


_TIMES: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _times(model: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The model's time columns that default to now on insert, and those set to now on update."""
    if model not in _TIMES:
        _TIMES[model] = _find_times(model)
    return _TIMES[model]


def _find_times(model: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    from models.base import UtcDateTime

    mapper: Mapper[Any] = class_mapper(model)
    props = [(p.key, p.columns[0]) for p in mapper.column_attrs if isinstance(p.columns[0].type, UtcDateTime)]
    return (tuple(k for k, c in props if c.default is not None and c.default.is_callable),
            tuple(k for k, c in props if c.onupdate is not None and c.onupdate.is_callable))
