"""Disclosing a referral fee: one line, in the member's words, where a partner the member
recommended pays for referrals (Partner.referral_fee is set).

It goes on mail we send to the prospect (the client) about that intro, and on the member's public
page (worker/ledger/promotions.py) — nowhere else: not to the partner, not to the member, not in
the signature snippet. The member's words are `introledger promote page MEMBER --disclosure …`
("{partner}" and "{member}" filled in); without them the words file's (or the page's) default.
"""
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Member, MemberPage, Partner, Referral

# The public page's sentence where the member wrote none (mail uses the language's own, _words.txt).
DEFAULT = "{member} receives a referral fee from {partner} for introductions."


def line(words: str, member: str, partner: str) -> str:
    """The member's one line with the names filled in (plain replacement: the words are data, never a
    template); `words` empty: DEFAULT."""
    return " ".join((words or DEFAULT).replace("{partner}", partner).replace("{member}", member).split())


def member_words(session: Session, member_id: int) -> str:
    return session.scalar(select(MemberPage.disclosure).where(MemberPage.member_id == member_id)) or ""


def for_mail(session: Session, referral: Referral, to: str) -> list[dict]:
    """The disclosures mail about `referral` to `to` carries: one per partner with a fee that the
    referral put `to` in touch with — when `to` is the client (a party, not the provider, not a
    member). Each: {words (the member's line, or "" for the language's default), member, partner}."""
    member = session.get(Member, referral.member_id) if referral.member_id else None
    to = (to or "").lower()
    me = next((p for p in referral.parties if (p.person.email or "").lower() == to), None)
    if member is None or me is None or me.role == "provider" or to in member.emails:
        return []
    out = []
    for p in referral.parties:
        if p is me or p.role == "prospect" or p.person.partner_id is None or p.person.email in member.emails:
            continue
        partner = session.get(Partner, p.person.partner_id)
        if partner is not None and partner.referral_fee.strip():
            words = member_words(session, member.id)
            out.append({"words": line(words, member.name, partner.name) if words else "", "member": member.name,
                        "partner": partner.name})
    return out
