"""The ledger's stored sums: each member's figures per partner, per month and in all, kept in the
database so every process (the dashboard's, the CLI's) answers the whole history's questions
without a pass over 100,000 referrals (worker/ledger/summary.py).

Database triggers (the ledger_sums migration) add a `ledger_changes` row for every write that can move a
member's figures — whoever writes, through the ORM or not — in the writer's own transaction; a
reader that finds one works out which members it touches and recomputes those before it trusts
their sums. The sums are never the truth, only a copy of it that knows when it is out of date.
"""
from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UtcDateTime


class LedgerChange(Base):
    """A write that may have moved some members' figures (written by triggers only). `kind`: row —
    the members of this referral, person and member; person — also everyone in that person's
    referrals (their partner record or address changed); all — every member (the members changed)."""

    __tablename__ = "ledger_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default="row")
    referral_id: Mapped[int | None] = mapped_column(Integer)
    person_id: Mapped[int | None] = mapped_column(Integer)
    member_id: Mapped[int | None] = mapped_column(Integer)
    email: Mapped[str | None] = mapped_column(String(320))  # a person's address before it changed


class LedgerSummary(Base):
    """A member whose sums are stored (computed at `computed_at`) over the referrals of one group
    (`mailbox_id`: the tracking mailbox, None for config.yaml's): a member without a row, or with
    another group's, has none yet for their group."""

    __tablename__ = "ledger_summaries"
    member_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailbox_id: Mapped[int | None] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LedgerSum(Base):
    """One aggregate of a member's flows, both ways in one row (worker/ledger/flows.py's figures:
    g_… given, r_… received): part "line" per partner key, with the partner's first-seen address;
    "member" the member's totals, each intro once; "month" per calendar month. Stored so that a
    group's 4,000 lines are 4,000 rows read with no conversion: instants in microseconds since
    1970 (UTC), the values of closed business as text ("EUR:120000 USD:500000", per currency,
    never added across)."""

    __tablename__ = "ledger_sums"
    __table_args__ = (Index("ix_ledger_sums_member_id_part", "member_id", "part"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer)
    part: Mapped[str] = mapped_column(String(8))
    key: Mapped[int] = mapped_column(Integer, default=0)
    month: Mapped[str] = mapped_column(String(7), default="")
    email: Mapped[str | None] = mapped_column(String(320))
    last_us: Mapped[int | None] = mapped_column(BigInteger)  # the last intro either way
    g_referrals: Mapped[int] = mapped_column(Integer, default=0)
    g_connected: Mapped[int] = mapped_column(Integer, default=0)
    g_qualified: Mapped[int] = mapped_column(Integer, default=0)
    g_won: Mapped[int] = mapped_column(Integer, default=0)
    g_went_nowhere: Mapped[int] = mapped_column(Integer, default=0)
    g_role_unknown: Mapped[int] = mapped_column(Integer, default=0)
    g_last_us: Mapped[int | None] = mapped_column(BigInteger)
    g_amounts: Mapped[str] = mapped_column(String(400), default="")
    r_referrals: Mapped[int] = mapped_column(Integer, default=0)
    r_connected: Mapped[int] = mapped_column(Integer, default=0)
    r_qualified: Mapped[int] = mapped_column(Integer, default=0)
    r_won: Mapped[int] = mapped_column(Integer, default=0)
    r_went_nowhere: Mapped[int] = mapped_column(Integer, default=0)
    r_role_unknown: Mapped[int] = mapped_column(Integer, default=0)
    r_last_us: Mapped[int | None] = mapped_column(BigInteger)
    r_amounts: Mapped[str] = mapped_column(String(400), default="")


class LedgerFlow(Base):
    """One flow of a member's stored sums (worker/ledger/flows.py's relation, a row as it gives it):
    the sums are added up from these, and a write recomputes the flows of the referrals it touched
    alone — the next reader adds up a member's stored flows instead of working them all out again."""

    __tablename__ = "ledger_flows"
    # A write's flows are found by the referrals it touched (worker/ledger/summary.py refresh: the
    # old ones looked up, deleted, the new ones looked up), not by reading each member's every flow.
    __table_args__ = (Index("ix_ledger_flows_member_id_key_referral_id", "member_id", "key", "referral_id"),
                      Index("ix_ledger_flows_referral_id_member_id", "referral_id", "member_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer)
    referral_id: Mapped[int] = mapped_column(Integer)
    way: Mapped[str] = mapped_column(String(8))
    partner_id: Mapped[int | None] = mapped_column(Integer)
    email: Mapped[str | None] = mapped_column(String(320))
    key: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(40))
    value_cents: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    introduced_at: Mapped[datetime] = mapped_column(UtcDateTime)
    role_unknown: Mapped[int] = mapped_column(Integer)


class LedgerLock(Base):
    """One row: refreshing the sums takes its lock, so two processes never write a member's sums
    from snapshots of different ages (the older one last)."""

    __tablename__ = "ledger_lock"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    refreshed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
