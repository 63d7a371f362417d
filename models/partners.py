"""Partners: the people and businesses members refer work to and get work from."""
from datetime import datetime

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UtcDateTime, utcnow

PARTNER_TYPES = ("same_trade", "related_offer", "same_market", "referral_org", "other")


class Partner(Base):
    __tablename__ = "partners"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str] = mapped_column(String(200), default="")
    domain: Mapped[str] = mapped_column(String(200), default="")
    partner_type: Mapped[str] = mapped_column(String(20), default="other")
    notes: Mapped[str] = mapped_column(Text, default="")
    # Any commercial arrangement, so it can be disclosed when recommending them.
    referral_fee: Mapped[str] = mapped_column(Text, default="")
    is_customer: Mapped[bool] = mapped_column(Boolean, default=False)
    # Since when, as the mail shows it: the first intro in which they were a member's client
    # (worker/ledger/customers.py); None for one marked by hand (`partners edit --customer`).
    customer_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Set by hand (`partners edit --language`): their mail's language until they write to us in one.
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
