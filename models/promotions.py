"""Promoting partners back: a member's recommended partners, and the public page that lists them."""
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UtcDateTime, utcnow


class Promotion(Base):
    """One partner a member recommends, in the member's order (position) and words (note)."""

    __tablename__ = "promotions"
    __table_args__ = (UniqueConstraint("member_id", "partner_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")  # "rebuilt our kitchen in two weeks"
    show_email: Mapped[bool] = mapped_column(Boolean, default=False)  # on the public page and snippet
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class MemberPage(Base):
    """How a member's recommendations are published: /p/<slug>, in which order, with which disclosure."""

    __tablename__ = "member_pages"
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    order_by: Mapped[str] = mapped_column(String(10), default="chosen")  # chosen | given (what each gave the member)
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    # The member's one line disclosing a referral fee ("{partner}" stands for the partner's name);
    # empty: the words file's default sentence. Shown only where a partner has a fee arrangement.
    disclosure: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
