"""introledger's database: SQLAlchemy 2.0 models; migrations live in models/migrations."""
from models.base import Base
from models.briefs import MemberBrief
from models.deployments import OtherDeployment
from models.ledger import LedgerChange, LedgerFlow, LedgerLock, LedgerSum, LedgerSummary
from models.mail import Checkpoint, InboundMessage, Quarantined
from models.mailboxes import Lease, Mailbox, Watcher
from models.outbox import OptOut, OutboxMessage, PausedAddress
from models.partners import Partner
from models.people import Member, Person
from models.promises import Promise
from models.promotions import MemberPage, Promotion
from models.referrals import FollowUp, Referral, ReferralEvent, ReferralParty
from models.web import SignInLink, WebSession

__all__ = [
    "Base", "Checkpoint", "InboundMessage", "Quarantined", "Member", "OptOut", "OutboxMessage", "PausedAddress",
    "MemberBrief", "MemberPage", "Person", "Promotion",
    "FollowUp", "OtherDeployment", "Partner", "Promise", "Referral", "ReferralEvent", "ReferralParty",
    "SignInLink", "WebSession",
    "Lease", "Mailbox", "Watcher",
    "LedgerChange", "LedgerFlow", "LedgerLock", "LedgerSum", "LedgerSummary",
]
