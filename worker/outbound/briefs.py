"""A member's ideal-referral brief: stored, edited, and as our mail to partners shows it.

Here, below followups and ledger, because both show it: thank-yous and closed-business notes
(followups), the monthly coffee check-in (ledger). Templates include it from one partial,
templates/_brief.txt and .html, given `brief` (None: the member wrote none, nothing is shown).
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Member, MemberBrief
from worker.mail import tokens
from worker.mail.names import first_name

FIELDS = ("great", "not_fit", "words")
# How a brief reads in a file or the editor (`introledger brief set MEMBER --file F | --edit`).
HEADINGS = {"great": "Great referral", "not_fit": "Not a fit", "words": "Words clients use"}
LIMIT = 500  # characters per field: a brief rides along in mail, it is no essay


@dataclass(frozen=True)
class Brief:
    great: str = ""
    not_fit: str = ""
    words: str = ""

    @property
    def empty(self) -> bool:
        return not (self.great or self.not_fit or self.words)

    def as_dict(self) -> dict[str, str]:
        return {"great": self.great, "not_fit": self.not_fit, "words": self.words}


def get(session: Session, member_id: int) -> Brief:
    row = session.scalar(select(MemberBrief).where(MemberBrief.member_id == member_id))
    return Brief(row.great, row.not_fit, row.words) if row else Brief()


def updated_at(session: Session, member_id: int) -> datetime | None:
    return session.scalar(select(MemberBrief.updated_at).where(MemberBrief.member_id == member_id))


def save(session: Session, member_id: int, now: datetime, **changes: str | None) -> Brief:
    """Set the fields given (None: keep; "": clear); each trimmed to one paragraph of LIMIT characters."""
    row = session.scalar(select(MemberBrief).where(MemberBrief.member_id == member_id))
    if row is None:
        row = MemberBrief(member_id=member_id, great="", not_fit="", words="")
        session.add(row)
    for field in FIELDS:
        value = changes.get(field)
        if value is not None:
            setattr(row, field, clean(value))
    row.updated_at = now
    session.flush()
    return Brief(row.great, row.not_fit, row.words)


def clean(value: str) -> str:
    text = " ".join(value.split())
    if len(text) > LIMIT:
        raise ValueError(f"{len(text)} characters; a brief's field holds at most {LIMIT}")
    return text


def to_text(brief: Brief) -> str:
    """The brief as a file a person edits: one "Heading: text" line per field."""
    return "".join(f"{HEADINGS[f]}: {getattr(brief, f)}".rstrip() + "\n" for f in FIELDS)


def from_text(text: str) -> dict[str, str]:
    """The fields a file in to_text's shape sets. Lines starting with # are comments; any other line
    that is no heading (nor an indented continuation) is an error naming it: a typo is not dropped."""
    by_heading = {h.lower(): f for f, h in HEADINGS.items()}
    found: dict[str, str] = {}
    current = None
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        heading, colon, rest = line.partition(":")
        if colon and heading.strip().lower() in by_heading:
            current = by_heading[heading.strip().lower()]
            found[current] = rest.strip()
        elif current is not None and line[:1].isspace():
            found[current] = f"{found[current]} {line.strip()}"  # an indented line continues the field
        else:
            raise ValueError(f"line {n}: expected one of {', '.join(h + ':' for h in HEADINGS.values())}")
    return found


def view(session: Session, member: Member | None, to: str = "partner", reply: bool = False) -> dict | None:
    """What the partial shows: the member's brief, or None when there is none. `to` picks its
    lead-in (templates/_brief.txt); `reply`: the mail's Reply-To carries a brief address, so
    "reply BRIEF" works and may be said."""
    if member is None:
        return None
    brief = get(session, member.id)
    if brief.empty:
        return None
    return {**brief.as_dict(), "name": member.name, "first_name": first_name(member.name), "to": to,
            "reply": reply}


@dataclass(frozen=True)
class BriefAddresses:
    """Signed brief addresses (worker/mail/tokens.py): with them in Reply-To, a partner's reply
    BRIEF reaches us as well as the member."""

    tracking: str
    secret: str

    def reply_to(self, member: Member, to: str, now: datetime) -> str:
        return tokens.brief_address(self.tracking, self.secret, member.id, now, to)


def partner_reply_to(session: Session, member: Member, to: str, now: datetime,
                     addresses: "BriefAddresses | None", direct: str, to_whom: str = "partner"
                     ) -> tuple[str, dict | None]:
    """Reply-To and the partial's `brief` for partner-facing mail: `direct` (the member, or "" when
    the mail is from the member) and, when the member has a brief and we can sign, our brief address."""
    shown = view(session, member, to_whom)
    if shown is None or addresses is None:
        return direct, shown
    ours = addresses.reply_to(member, to, now)
    member_addr = direct or f"{member.name} <{member.emails[0]}>"
    return f"{member_addr}\n{ours}", {**shown, "reply": True}
