"""One referral group's view of the database: the members and referrals of one tracking mailbox.

Each tracking mailbox (config.yaml's, mailbox_id None, or one in the `mailboxes` table) is a
group with its own members and ledger. A session made here sees only its group's members and
referrals — in every ORM query, relationship load and ORM UPDATE/DELETE, so the pipeline, the
duties and the ledger need not know groups exist — and what it adds to them belongs to the group.
Statements written against a bare Table (`Member.__table__`) are not scoped: write them with the
group's id in hand (worker/classify/directory.py sync does). A statement that must see every
group (checking that a member belongs to one only) says so: `.execution_options(all_groups=True)`.
"""
from sqlalchemy import Engine, event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria

from models.db import session_factory
from models.people import Member
from models.referrals import Referral

GROUPED = (Member, Referral)


def group_sessions(engine: Engine, mailbox_id: int | None) -> sessionmaker[Session]:
    sessions = session_factory(engine)
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
