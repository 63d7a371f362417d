"""The mail we sent about one referral. Its id sits in the outbox row's JSON list of referrals, which
no index covers: the rows are first narrowed by recipient (indexed) to the people of the intro and
its member, then matched in SQL (SQLite's json_each, PostgreSQL's jsonb containment)."""
from sqlalchemy import cast, exists, func, literal, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from models import Member, OutboxMessage, Referral


def about_referral(session: Session, r: Referral) -> list[OutboxMessage]:
    people = {r.introducer.email, *(p.person.email for p in r.parties)}
    member = session.get(Member, r.member_id) if r.member_id else None
    people |= set(member.emails if member else ())
    query = select(OutboxMessage).where(OutboxMessage.to_addr.in_(sorted(a for a in people if a)),
                                        _names(session, r.id)).order_by(OutboxMessage.id)
    return list(session.scalars(query))


def _names(session: Session, referral_id: int):
    if session.get_bind().dialect.name == "postgresql":
        return cast(OutboxMessage.referral_ids, JSONB).op("@>")(func.jsonb_build_array(referral_id))
    each = func.json_each(OutboxMessage.referral_ids).table_valued("value")
    return exists(select(literal(1)).select_from(each).where(each.c.value == referral_id))
