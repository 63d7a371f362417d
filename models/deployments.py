"""Other introledger deployments we have seen: their tracking addresses are never people."""
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UtcDateTime, utcnow


class OtherDeployment(Base):
    """Learned from a message carrying another deployment's X-Introledger-Loop header."""

    __tablename__ = "other_deployments"
    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(320), unique=True)
    message_id: Mapped[str] = mapped_column(String(400), default="")  # the mail it was learned from
    learned_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
