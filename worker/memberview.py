"""How our mail speaks of a member: name, greeting, address, and the member's own mail settings."""
from models import Member
from worker.names import first_name


def member_view(member: Member | None) -> dict:
    """The `member` every template is given (blank for a referral no member is party to)."""
    if member is None:
        return {"name": "", "first_name": "", "email": "", "footer": True}
    return {"name": member.name, "first_name": first_name(member.name),
            "email": member.emails[0] if member.emails else "", "footer": member.footer}
