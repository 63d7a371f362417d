"""How our mail speaks of a member (name, greeting, address, her own mail settings) and of a referral."""
from sqlalchemy.orm import Session

from models import Member, Referral
from worker.core.lifecycle import next_answers
from worker.core.statuses import Kind
from worker.mail.names import first_name


def member_view(member: Member | None) -> dict:
    """The `member` every template is given (blank for a referral no member is party to)."""
    if member is None:
        return {"name": "", "first_name": "", "email": "", "footer": True}
    return {"name": member.name, "first_name": first_name(member.name),
            "email": member.emails[0] if member.emails else "", "footer": member.footer}


def describe(session: Session, referral: Referral, reader: Member | None = None) -> dict:
    """What every mail about a referral may say about it: to its member, or to `reader` (a digest's:
    another member in it, whose "others" are everyone but the reader — the referral's member too)."""
    member = session.get(Member, referral.member_id) if referral.member_id else None
    speaking_to = reader or member
    mine = set(speaking_to.emails) if speaking_to else set()
    # Nobody named is an empty list, not "someone": the words file says it in the mail's language.
    others = [who for who in (p.person.name or p.person.email for p in referral.parties if p.person.email not in mine)
              if who]
    return {
        "ref": referral.id, "date": referral.introduced_at, "others": others,
        # An intro the member made: mails speak of "your intro of Carol to Ray", not "Dana introduced you".
        "given": referral.direction == "given",
        "introducer": {"name": referral.introducer.name or referral.introducer.email,
                       "first_name": first_name(referral.introducer.name, referral.introducer.email),
                       "email": referral.introducer.email},
        "member": member_view(member),
        # Where it stands, and the answers that would still move it on: a follow-up after MET asks
        # whether it turned into business, and offers no MET (templates/_answers.txt).
        "stage": referral.status, "asks": list(next_answers(referral.status)),
        # Someone told the member X would get in touch; no mail introduced them, so a follow-up
        # must not say "introduced you to X".
        "heads_up": referral.kind == Kind.HEADS_UP,
    }

