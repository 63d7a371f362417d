"""`introledger partners add|edit|list|show|merge`."""
import json

from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from models import Partner, Person
from models.partners import PARTNER_TYPES
from worker.app import bootstrap
from worker.ledger import balance as ledger, partners
from worker.core.config import load

console = Console()
FIELDS = ("name", "company", "partner_type", "notes", "referral_fee")


def add_parsers(sub) -> None:
    p = sub.add_parser("partners", help="the people and businesses you refer work to and get work from")
    ps = p.add_subparsers(dest="partners_command", required=True, metavar="ACTION")
    add = ps.add_parser("add", help="add a partner")
    add.add_argument("name")
    add.add_argument("--email", action="append", default=[], help="an address (repeatable)")
    edit = ps.add_parser("edit", help="change a partner")
    edit.add_argument("id", type=int)
    edit.add_argument("--name")
    edit.add_argument("--email", action="append", default=[], help="add an address (repeatable)")
    for action in (add, edit):
        action.add_argument("--company")
        action.add_argument("--type", dest="partner_type", choices=PARTNER_TYPES)
        action.add_argument("--notes")
        action.add_argument("--fee", dest="referral_fee", help="any referral-fee arrangement, to disclose")
        action.add_argument("--customer", action="store_true", default=None, help="they are also a customer")
    add.set_defaults(func=cmd_add)
    edit.set_defaults(func=cmd_edit)
    listing = ps.add_parser("list", help="list partners")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_list)
    show = ps.add_parser("show", help="one partner, with addresses and the ledger with them")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_show)
    merge = ps.add_parser("merge", help="fold partner OTHER into KEEP (one partner, two addresses)")
    merge.add_argument("keep", type=int)
    merge.add_argument("other", type=int)
    merge.set_defaults(func=cmd_merge)


def partner_json(session, p: Partner) -> dict:
    return {"id": p.id, "name": p.name, "company": p.company, "type": p.partner_type, "notes": p.notes,
            "referral_fee": p.referral_fee, "is_customer": p.is_customer,
            "emails": partners.addresses(session, p.id)}


def _apply(p: Partner, args) -> None:
    for field in FIELDS:
        value = getattr(args, field, None)
        if value is not None:
            setattr(p, field, value)
    if args.customer:
        p.is_customer = True


def _attach(session, partner: Partner, emails: list[str]) -> None:
    for email in (e.strip().lower() for e in emails):
        person = session.scalar(select(Person).where(Person.email == email))
        if person is None:
            person = Person(email=email, name=partner.name)
            session.add(person)
        person.partner_id = partner.id


def cmd_add(args) -> int:
    app = bootstrap.build(load(args.config))
    with app.sessions.begin() as session:
        p = Partner(name=args.name, company="", domain="", partner_type="other", notes="", referral_fee="",
                    is_customer=False)
        _apply(p, args)
        session.add(p)
        session.flush()
        _attach(session, p, args.email)
        console.print(f"partner #{p.id} {p.name} added")
    return 0


def cmd_edit(args) -> int:
    app = bootstrap.build(load(args.config))
    with app.sessions.begin() as session:
        p = session.get(Partner, args.id)
        if p is None:
            console.print(f"partner #{args.id}: no such partner")
            return 1
        _apply(p, args)
        _attach(session, p, args.email)
        console.print(f"partner #{p.id} {p.name} updated")
    return 0


def _all(app) -> list[dict]:
    with app.sessions.begin() as session:
        partners.adopt_all(session)
    with app.sessions() as session:
        return [partner_json(session, p) for p in session.scalars(select(Partner).order_by(Partner.name))]


def cmd_list(args) -> int:
    app = bootstrap.build(load(args.config))
    rows = _all(app)
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    table = Table(title=f"Partners ({len(rows)})", title_justify="left")
    for col in ("#", "name", "company", "type", "addresses", "fee", "customer"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(str(r["id"]), r["name"], r["company"], r["type"], "\n".join(r["emails"]),
                      r["referral_fee"], "yes" if r["is_customer"] else "")
    console.print(table)
    return 0


def cmd_show(args) -> int:
    app = bootstrap.build(load(args.config))
    with app.sessions() as session:
        p = session.get(Partner, args.id)
        if p is None:
            console.print(f"partner #{args.id}: no such partner")
            return 1
        data = partner_json(session, p)
        lines = [l for l in ledger.build(session, None, None, app.now(), app.thresholds) if l.partner_id == p.id]
    from worker.cli.report import line_json, table

    if args.json:
        print(json.dumps({**data, "ledger": [line_json(l, app.now()) for l in lines]}, indent=2, ensure_ascii=False))
        return 0
    console.print(f"[bold]#{data['id']} {data['name']}[/bold] {data['company']} ({data['type']})", highlight=False)
    console.print("addresses: " + ", ".join(data["emails"]), highlight=False)
    if data["referral_fee"]:
        console.print(f"referral fee (disclose it): {data['referral_fee']}", highlight=False)
    table(lines, console, app.now())
    return 0


def cmd_merge(args) -> int:
    app = bootstrap.build(load(args.config))
    try:
        with app.sessions.begin() as session:
            keep = partners.merge(session, args.keep, args.other)
            console.print(f"partner #{args.other} merged into #{keep.id} {keep.name}")
    except LookupError as exc:
        console.print(str(exc))
        return 1
    return 0
