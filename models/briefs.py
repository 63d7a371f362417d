"""A member's ideal-referral brief: who is a great referral, who is not, the words clients use.

One row per member, kept apart from the member row (which config.yaml rewrites at every start):
the brief is edited by the member (`introledger brief set`), never by the config.
"""
from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UtcDateTime, utcnow


class MemberBrief(Base):
    __tablename__ = "member_briefs"
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), unique=True)
    great: Mapped[str] = mapped_column(Text, default="")     # "homeowners planning a kitchen under $40k"
    not_fit: Mapped[str] = mapped_column(Text, default="")   # "commercial work"
    words: Mapped[str] = mapped_column(Text, default="")     # "our cabinets look tired"
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
