"""Promoting partners back: each member's recommended partners — chosen by the member, ordered by
the member's choice or by what each partner has given them (the ledger knows) — and the shapes
they are published in: JSON, a signature snippet, the public page (worker/web/public.py).

Only what the member chose is ever published: the partner's name and company, the member's note,
the address only with --show-email, and a one-line disclosure where the partner pays a referral fee
(worker/outbound/disclosures.py).
"""
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from html import escape

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Member, MemberPage, Partner, Person, Promotion
from worker.ledger import balance as ledger
from worker.ledger.partners import addresses, fold_name
from worker.outbound import disclosures as disclosure

ORDERS = ("chosen", "given")  # the member's order, or what each partner gave the member (most first)


@dataclass(frozen=True)
class Entry:
    """One recommended partner with the member's figures: `given` the member sent them, `received` they sent."""

    position: int
    partner: Partner
    note: str
    email: str          # "" unless the member chose to show it
    line: ledger.PartnerLine

    @property
    def given(self) -> int:
        return self.line.given.referrals

    @property
    def received(self) -> int:
        return self.line.received.referrals


class PromotionError(LookupError):
    """A partner or page the request names does not exist, or a value the rules refuse."""


def find_partner(session: Session, text: str) -> Partner:
    """A partner by id ("7" or "#7"), address, or name (case and spacing aside)."""
    given = text.strip()
    if given.lstrip("#").isdigit():
        found = session.get(Partner, int(given.lstrip("#")))
    elif "@" in given:
        person = session.scalar(select(Person).where(Person.email == given.lower()))
        found = session.get(Partner, person.partner_id) if person and person.partner_id else None
    else:
        folded = fold_name(given)
        found = next((p for p in session.scalars(select(Partner).order_by(Partner.id)) if fold_name(p.name) == folded),
                     None)
    if found is None:
        raise PromotionError(f"{text}: no such partner (`introledger partners list` shows them)")
    return found


def page(session: Session, member: Member, now: datetime | None = None) -> MemberPage:
    """The member's page settings, made on first use with a slug from the member's name."""
    row = session.scalar(select(MemberPage).where(MemberPage.member_id == member.id))
    if row is None:
        row = MemberPage(member_id=member.id, slug=_free_slug(session, slugify(member.name)), order_by="chosen",
                         published=True, disclosure="")
        if now is not None:
            row.updated_at = now
        session.add(row)
        session.flush()
    return row


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60] or "member"


def _free_slug(session: Session, wanted: str) -> str:
    taken = set(session.scalars(select(MemberPage.slug).where(MemberPage.slug.like(f"{wanted}%"))))
    n, slug = 1, wanted
    while slug in taken:
        n += 1
        slug = f"{wanted}-{n}"
    return slug


def set_slug(session: Session, member: Member, slug: str) -> MemberPage:
    wanted = slugify(slug)
    if wanted != slug:
        raise PromotionError(f"{slug!r}: a slug is lower-case letters, digits and hyphens (e.g. {wanted!r})")
    row = page(session, member)
    other = session.scalar(select(MemberPage.member_id).where(MemberPage.slug == slug,
                                                              MemberPage.member_id != member.id))
    if other is not None:
        raise PromotionError(f"/p/{slug} is another member's page")
    row.slug = slug
    return row


def add(session: Session, member: Member, partner: Partner, note: str | None = None,
        show_email: bool | None = None) -> Promotion:
    """Recommend `partner` (last in the member's order); again: change its note or address setting."""
    page(session, member)
    row = session.scalar(select(Promotion).where(Promotion.member_id == member.id, Promotion.partner_id == partner.id))
    if row is None:
        last = session.scalar(select(func.max(Promotion.position)).where(Promotion.member_id == member.id))
        row = Promotion(member_id=member.id, partner_id=partner.id, position=(last or 0) + 1, note="",
                        show_email=False)
        session.add(row)
    if note is not None:
        row.note = " ".join(note.split())[:300]
    if show_email is not None:
        row.show_email = show_email
    session.flush()
    return row


def remove(session: Session, member: Member, partner: Partner) -> bool:
    row = session.scalar(select(Promotion).where(Promotion.member_id == member.id, Promotion.partner_id == partner.id))
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def reorder(session: Session, member: Member, first: list[Partner], by: str | None = None) -> MemberPage:
    """`first` go to the top in that order (the rest keep theirs, after them); `by` switches the order."""
    row = page(session, member)
    if by is not None:
        if by not in ORDERS:
            raise PromotionError(f"--by {by}: one of {', '.join(ORDERS)}")
        row.order_by = by
    if first:
        chosen = _rows(session, member)
        by_partner = {p.partner_id: p for p in chosen}
        missing = [p.name for p in first if p.id not in by_partner]
        if missing:
            raise PromotionError(f"not on {member.name}'s list: {', '.join(missing)} (`promote add` first)")
        ordered = [by_partner[p.id] for p in first] + [p for p in chosen if p.partner_id not in {x.id for x in first}]
        for n, promo in enumerate(ordered, 1):
            promo.position = n
        row.order_by = by or "chosen"
    session.flush()
    return row


def _rows(session: Session, member: Member) -> list[Promotion]:
    return list(session.scalars(select(Promotion).where(Promotion.member_id == member.id)
                                .order_by(Promotion.position, Promotion.id)))


def entries(session: Session, member: Member, now: datetime, thresholds: ledger.Thresholds) -> list[Entry]:
    """The member's recommended partners in the page's order, with the member's figures each way."""
    rows = _rows(session, member)
    if not rows:
        return []
    lines = {l.partner_id: l for l in ledger.build(session, None, now, now, thresholds, member=member.name)
             if l.partner_id}
    out = []
    for n, promo in enumerate(rows, 1):
        partner = session.get(Partner, promo.partner_id)
        if partner is None:
            continue
        line = lines.get(partner.id) or ledger.PartnerLine(member.name, "", partner.name, partner.id)
        email = next(iter(addresses(session, partner.id)), "") if promo.show_email else ""
        out.append(Entry(n, partner, promo.note, email, line))
    if page(session, member).order_by == "given":
        out.sort(key=lambda e: (-e.received, -e.line.received.won, e.position))
    return out


def entry_json(e: Entry) -> dict:
    return {"position": e.position, "partner_id": e.partner.id, "name": e.partner.name, "company": e.partner.company,
            "note": e.note, "email": e.email or None, "given": e.given, "received": e.received,
            "referral_fee": bool(e.partner.referral_fee)}


def listing_json(member: Member, row: MemberPage, found: list[Entry], base_url: str) -> dict:
    return {"member": member.name, "slug": row.slug, "url": page_url(base_url, row.slug), "order": row.order_by,
            "published": row.published, "partners": [entry_json(e) for e in found]}


def page_url(base_url: str, slug: str) -> str:
    return f"{base_url.rstrip('/')}/p/{slug}"


def public_json(member: Member, found: list[Entry], disclosures: dict[int, str]) -> dict:
    """What the public page shows, as JSON (/p/<slug>.json): no figures, only what the member chose."""
    return {"member": member.name, "partners": [
        {"name": e.partner.name, "company": e.partner.company or None, "note": e.note or None, "email": e.email or None,
         "disclosure": disclosures.get(e.partner.id)} for e in found]}


def snippet_text(member: Member, found: list[Entry], url: str) -> str:
    """For an email signature: a short list, plain text."""
    lines = [f"{member.name} recommends:"]
    for e in found:
        who = e.partner.name + (f", {e.partner.company}" if e.partner.company else "")
        lines.append(f"  {who}" + (f" — {e.note}" if e.note else "") + (f" <{e.email}>" if e.email else ""))
    lines.append(f"More: {url}")
    return "\n".join(lines) + "\n"


def snippet_html(member: Member, found: list[Entry], url: str) -> str:
    """For a signature or a web site: one self-contained block, inline styles, every value escaped."""
    items = []
    for e in found:
        name = f"<b>{escape(e.partner.name)}</b>"
        if e.email:
            name = f'<a href="mailto:{escape(e.email)}" style="color:#1a5fb4">{name}</a>'
        company = f", {escape(e.partner.company)}" if e.partner.company else ""
        note = f' <span style="color:#666">— {escape(e.note)}</span>' if e.note else ""
        items.append(f"<li>{name}{company}{note}</li>")
    return (f'<div class="introledger-recommends" style="font-family:sans-serif;font-size:13px;color:#222">'
            f"<p style=\"margin:0 0 4px\">{escape(member.name)} recommends:</p>"
            f'<ul style="margin:0 0 4px;padding-left:18px">{"".join(items)}</ul>'
            f'<a href="{escape(url)}" style="color:#1a5fb4">More recommendations</a></div>\n')


def gave_back(lines: list[ledger.PartnerLine], promoted_ids: set[int]) -> dict:
    """The digest's "giving back": referrals the member sent to the partners who sent them some, beside
    what those partners sent; and to the partners the member promotes."""
    givers = [l for l in lines if l.received.referrals]
    promoted = [l for l in lines if l.partner_id in promoted_ids]
    return {"given": sum(l.given.referrals for l in givers), "received": sum(l.received.referrals for l in givers),
            "partners": len(givers), "promoted_given": sum(l.given.referrals for l in promoted),
            "promoted_received": sum(l.received.referrals for l in promoted), "promoted": len(promoted_ids)}


def promoted_ids(session: Session, member: Member) -> set[int]:
    return set(session.scalars(select(Promotion.partner_id).where(Promotion.member_id == member.id)))


def disclosures(session: Session, member: Member, partners: list[Partner]) -> dict[int, str]:
    """The page's disclosure for each partner with a referral-fee arrangement (Partner.referral_fee), by id."""
    words = page(session, member).disclosure
    return {p.id: disclosure.line(words, member.name, p.name) for p in partners if p.referral_fee.strip()}


def member_by_slug(session: Session, slug: str) -> tuple[Member, MemberPage] | None:
    row = session.scalar(select(MemberPage).where(MemberPage.slug == slug, MemberPage.published.is_(True)))
    member = session.get(Member, row.member_id) if row else None
    return (member, row) if member and row else None


def merge_into(session: Session, keep_id: int, other_id: int) -> None:
    """Partner `other` folded into `keep`: its recommendations move over (kept once per member)."""
    for promo in session.scalars(select(Promotion).where(Promotion.partner_id == other_id)):
        has_keep = session.scalar(select(Promotion.id).where(Promotion.member_id == promo.member_id,
                                                             Promotion.partner_id == keep_id))
        if has_keep is None:
            promo.partner_id = keep_id
        else:
            session.delete(promo)
    session.flush()
