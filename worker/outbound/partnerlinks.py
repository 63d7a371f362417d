"""A partner's own page, without an account: a signed link in the mail partners get from us.

/partner/<token>, token "<person>-<member>-<day>-<signature>": the address the mail went to (a
people row), the member it is about, the day it was issued, signed with the token secret
($INTROLEDGER_TOKEN_SECRET, as reply tokens are) — nobody can make one for another address or
member, and it expires (MAX_AGE). On the page (worker/web/partnerpage.py) the partner updates
their name, company and mail language, sees what went each way with this member, and opts out.
The address is not in the link: a forwarded mail shows no one's address in its URL.
"""
import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Member, Person

MAX_AGE = timedelta(days=365)
_TOKEN = re.compile(r"^(\d+)-(\d+)-(\d+)-([a-z2-7]{26})$")


def _day(now: datetime) -> int:
    return int(now.timestamp() // 86400)


def _sign(secret: str, person_id: int, member_id: int, day: int) -> str:
    mac = hmac.new(secret.encode(), f"partner-page.{person_id}.{member_id}.{day}".encode(), hashlib.sha256).digest()
    return base64.b32encode(mac[:20]).decode().lower()[:26]


@dataclass(frozen=True)
class PartnerLinks:
    base_url: str  # web.base_url: where `introledger web` is reached
    secret: str

    def token(self, person_id: int, member_id: int, now: datetime) -> str:
        day = _day(now)
        return f"{person_id}-{member_id}-{day}-{_sign(self.secret, person_id, member_id, day)}"

    def url(self, session: Session, email: str, member: Member, now: datetime) -> str:
        """The link for mail to `email` about `member`; "" when the address is no partner's (a client's)."""
        person = session.scalar(select(Person).where(Person.email == (email or "").lower()))
        if person is None or person.partner_id is None or person.email in member.emails:
            return ""
        return f"{self.base_url.rstrip('/')}/partner/{self.token(person.id, member.id, now)}"


@dataclass(frozen=True)
class Opened:
    person_id: int
    member_id: int


def read(secret: str, token: str, now: datetime) -> Opened | None:
    """The link's address and member, or None: not ours, altered, or older than MAX_AGE."""
    found = _TOKEN.match(token or "")
    if found is None:
        return None
    person_id, member_id, day = (int(found.group(n)) for n in (1, 2, 3))
    if not hmac.compare_digest(found.group(4), _sign(secret, person_id, member_id, day)):
        return None
    if _day(now) - day > MAX_AGE.days or day > _day(now) + 1:
        return None
    return Opened(person_id, member_id)
