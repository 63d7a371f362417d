"""Who is looking, and what of the database that lets them see (as `report --as`): a member their
own referrals, mail and partners; a coordinator the group's. Anything else is "not found"."""
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select, true, union_all

from models import OutboxMessage, Person, Referral, ReferralParty


@dataclass(frozen=True)
class Viewer:
    member_id: int
    name: str
    emails: tuple[str, ...]
    coordinator: bool

    @property
    def ledger_scope(self) -> str | None:
        """The `member` argument of the ledger's functions: None (everyone's) for a coordinator."""
        return None if self.coordinator else self.name

    @property
    def address(self) -> str:
        return self.emails[0] if self.emails else ""

    def referrals(self) -> ColumnElement[bool]:
        """Referrals this viewer may see: theirs (their member's), made by them, or with them in it."""
        if self.coordinator:
            return true()
        mine = select(Person.id).where(Person.email.in_(self.emails)).scalar_subquery()
        with_me = select(ReferralParty.referral_id).where(ReferralParty.person_id.in_(
            select(Person.id).where(Person.email.in_(self.emails))))
        return or_(Referral.member_id == self.member_id, Referral.introducer_id.in_(mine), Referral.id.in_(with_me))

    def referral_ids(self, statuses: Sequence[str] = ()) -> ColumnElement[bool]:
        """referrals() as one list of ids, each way through its own index: for a question that
        asks something costly of each of the viewer's referrals (their follow-ups), so the
        database starts from the viewer's few thousand, not from every referral of the group.
        `statuses`: the outer query asks only for these; the member's and introducer's ways then
        read them alone through their (…, status) indexes, not every referral each has had — the
        outer query, which asks its status of each id it is given, is given fewer."""
        if self.coordinator:
            return true()
        me = select(Person.id).where(Person.email.in_(self.emails))
        # The bare table: the group's scoping (models/groups.py) is the outer query's; asked again
        # in here, SQLite would read the group's every referral through ix_referrals_mailbox_id.
        mine = Referral.__table__.alias("mine")
        status = mine.c.status.in_(statuses) if statuses else true()
        return Referral.id.in_(union_all(
            select(mine.c.id).where(mine.c.member_id == self.member_id, status),
            select(mine.c.id).where(mine.c.introducer_id.in_(me), status),
            select(ReferralParty.referral_id).where(ReferralParty.person_id.in_(me))))

    def may_change(self, member_id: int | None) -> bool:
        """Changes (a status, a review decision, a mail retried or cancelled) are for the member whose
        referral or mail it is, or a coordinator: a member who is only a party in another member's
        intro, or only the recipient of their mail, may look but not act for them (by mail too, only
        the member's answer counts as the member's)."""
        return self.coordinator or (member_id is not None and member_id == self.member_id)

    def mail(self) -> ColumnElement[bool]:
        """Outgoing mail this viewer may see: sent for them, or to them."""
        if self.coordinator:
            return true()
        return or_(OutboxMessage.member_id == self.member_id, OutboxMessage.to_addr.in_(self.emails))
