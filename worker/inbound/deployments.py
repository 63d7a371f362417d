"""Other introledger deployments: configured, and learned from the loop header on their mail.

Their tracking addresses are never parties and their mail is never answered (noise.other_deployment).
The set is live: an address learned from one message counts for the next, without a restart.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import OtherDeployment, Person, Referral
from models.base import utcnow
from models.db import insert_new

_INTRODUCED = select(Referral.id).join(Person, Referral.introducer_id == Person.id).limit(1)


@dataclass
class Deployments:
    addresses: set[str] = field(default_factory=set)
    now: Callable[[], datetime] = utcnow  # the app's clock

    @classmethod
    def load(cls, sessions: sessionmaker[Session], configured: list[str],
             now: Callable[[], datetime] = utcnow) -> "Deployments":
        with sessions() as session:
            learned = session.scalars(select(OtherDeployment.address)).all()
        return cls({*configured, *learned}, now)

    def on_other_deployment(self, session: Session, verdict, msg, referral_id) -> None:
        """A hook: remember the address the classifier found safe to learn (see noise.other_deployment)."""
        address = verdict.extra.get("learn") if verdict else None
        if not address:
            return  # always written, even if known: a batch redone after a rollback must persist it
        if session.scalar(_INTRODUCED.where(Person.email == address)) is not None:
            return  # a robot never introduced anyone: a forged From and loop header naming a person
        session.execute(insert_new(session, OtherDeployment.__table__, ("address",)).values(
            address=address, message_id=(msg.message_id if msg else "")[:400], learned_at=self.now()))
        self.addresses.add(address)
