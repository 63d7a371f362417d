"""A partner's own page, opened from the signed link under partner mail (worker/outbound/partnerlinks.py):
no account, no sign-in. The partner updates their name, company and mail language, sees what went
each way with this member, and opts out of our mail (or back in). The link is the key: a wrong,
altered or expired one is "not found", like any page that is not there.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from starlette.responses import Response
from starlette.routing import Route

from models import Member, OptOut, Partner, Person, Referral
from worker.app import partners as partner_edits
from worker.core.locales import LANGUAGES
from worker.core.statuses import Status
from worker.ledger import balance as ledger
from worker.ledger.flows import GIVEN, Scope, relation
from worker.ledger.queries import members_by_email
from worker.mail.names import first_name
from worker.outbound.partnerlinks import read
from worker.web.pages import Ctx, NotFound, Refused, handler

LANGUAGE_NAMES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español", "nl": "Nederlands",
                  "it": "Italiano"}
SHOWN = 50  # intros listed each way, the latest first


@dataclass(frozen=True)
class Intro:
    date: datetime
    others: list[str]
    closed: bool  # turned into business (the partner heard so in a closed-business note)


def _opened(ctx: Ctx, session: Session) -> tuple[Person, Partner, Member]:
    secret = ctx.app.config.secret(ctx.app.config.settings.token_secret_env)
    opened = read(secret, ctx.request.path_params["token"], ctx.now()) if secret else None
    person = session.get(Person, opened.person_id) if opened else None
    partner = session.get(Partner, person.partner_id) if person and person.partner_id else None
    member = session.get(Member, opened.member_id) if opened else None
    if person is None or partner is None or member is None or not person.email:
        raise NotFound()
    return person, partner, member


def _intros(session: Session, member: Member, partner: Partner) -> dict[str, list[Intro]]:
    """The intros between them, each way, as the ledger counts them (worker/ledger/flows.py)."""
    flows = relation(session, [member], Scope(members=(member.id,), partner_id=partner.id)).subquery()
    ways = {row.referral_id: row.way for row in session.execute(select(flows.c.referral_id, flows.c.way).distinct())}
    out: dict[str, list[Intro]] = {"sent": [], "received": []}
    mine = set(member.emails)
    named = members_by_email(session)  # another member reads as her configured name, as on the dashboard
    for r in session.scalars(select(Referral).where(Referral.id.in_(ways)).order_by(Referral.introduced_at.desc())):
        others = [named.get(p.person.email or "") or p.person.name or p.person.email or "" for p in r.parties
                  if p.person.partner_id != partner.id and p.person.email not in mine]
        # Given by the member: the partner received it; else the partner sent it to the member.
        way = "received" if ways[r.id] == GIVEN else "sent"
        if len(out[way]) < SHOWN:
            out[way].append(Intro(r.introduced_at, others, r.status == Status.WON))
    return out


def _view(ctx: Ctx, session: Session) -> dict:
    person, partner, member = _opened(ctx, session)
    lines = ledger.build(session, None, None, ctx.now(), ctx.app.thresholds, member=member.name,
                         partner_id=partner.id, months=False)
    sent = sum(l.received.referrals for l in lines)  # what the member received is what the partner sent
    received = sum(l.given.referrals for l in lines)
    opted_out = session.scalar(select(OptOut.id).where(OptOut.email == person.email)) is not None
    return {"partner": partner, "email": person.email, "member": member, "member_first": first_name(member.name),
            "sent": sent, "received": received, "intros": _intros(session, member, partner),
            "opted_out": opted_out, "languages": [(code, LANGUAGE_NAMES.get(code, code)) for code in LANGUAGES]}


@handler(public=True)
def page(ctx: Ctx) -> Response:
    with ctx.app.sessions() as session:
        return ctx.render("partner_self.html", **_view(ctx, session))


@handler(public=True)
def update(ctx: Ctx) -> Response:
    name, company, language = ctx.field("name"), ctx.field("company"), ctx.field("language")
    if not name or len(name) > 200 or len(company) > 200:
        raise Refused("your name is needed (and name and company fit in 200 characters each)")
    with ctx.app.sessions.begin() as session:
        _, partner, _ = _opened(ctx, session)
        try:
            partner_edits.apply(partner, {"name": " ".join(name.split()), "company": " ".join(company.split()),
                                          "language": language or None})
        except partner_edits.BadType as exc:
            raise Refused(str(exc)) from None
        if not language:
            partner.language = None  # "as I write to you": the language of their own mail decides
    return ctx.redirect(str(ctx.request.url.path), "Saved. Thank you!")


PAGE_OPT_OUT = "opted out on their page"


@handler(public=True)
def opt_out(ctx: Ctx) -> Response:
    with ctx.app.sessions.begin() as session:
        person, _, member = _opened(ctx, session)
        if session.scalar(select(OptOut.id).where(OptOut.email == person.email)) is None:
            session.add(OptOut(email=person.email, reason=f"{PAGE_OPT_OUT} (a link in {member.name}'s mail)"))
    return ctx.redirect(_base(ctx), "Done: you will get no more mail from introledger.")


@handler(public=True)
def opt_in(ctx: Ctx) -> Response:
    with ctx.app.sessions.begin() as session:
        person, _, member = _opened(ctx, session)
        # The page undoes only what the page did: a link can be forwarded, and an opt-out made by
        # hand or asked for by mail is not the link holder's to lift.
        session.execute(delete(OptOut).where(OptOut.email == person.email,
                                             OptOut.reason.startswith(PAGE_OPT_OUT)))
        kept = session.scalar(select(OptOut.id).where(OptOut.email == person.email))
    if kept is not None:
        return ctx.redirect(_base(ctx), f"Your address was taken off our mail another way (by mail or by "
                                        f"{member.name}); ask {member.name} to add it back.")
    return ctx.redirect(_base(ctx), "Welcome back: our mail reaches you again.")


def _base(ctx: Ctx) -> str:
    return f"/partner/{ctx.request.path_params['token']}"


ROUTES = [
    Route("/partner/{token}", page), Route("/partner/{token}", update, methods=["POST"]),
    Route("/partner/{token}/opt-out", opt_out, methods=["POST"]),
    Route("/partner/{token}/opt-in", opt_in, methods=["POST"]),
]
