"""`introledger partners add|edit|list|show|merge`."""
import click
from rich.table import Table
from sqlalchemy import select

from models import Partner
from models.db import reading
from models.partners import PARTNER_TYPES
from worker.app import partners as partner_edits
from worker.app.shapes import partner_json
from worker.cli.context import Group, Invocation, json_option, pass_invocation, print_json, styled
from worker.core.addresses import is_address
from worker.core.locales import LANGUAGES
from worker.ledger import balance as ledger
from worker.ledger import partners as ledger_partners


@click.group(cls=Group)
def partners() -> None:
    """The people and businesses you refer work to and get work from."""


def _details(f):
    """The options `partners add` and `partners edit` share."""
    for option in reversed((
        click.option("--company"),
        click.option("--type", "partner_type", type=click.Choice(PARTNER_TYPES)),
        click.option("--notes"),
        click.option("--fee", "referral_fee", help="any referral-fee arrangement, to disclose"),
        click.option("--customer", is_flag=True, default=None, help="they are also a customer"),
        click.option("--language", type=click.Choice(LANGUAGES),
                     help="our mail's language for them until they write to us in one"),
        json_option("print the partner as JSON (as `partners show --json`, without the ledger)"),
    )):
        f = option(f)
    return f


def _apply(p: Partner, values: dict) -> None:
    # --customer only ever sets the flag (a flag option cannot say "no")
    partner_edits.apply(p, {**values, "is_customer": True if values.get("customer") else None})


def _attach(session, partner: Partner, emails: tuple[str, ...]) -> None:
    partner_edits.attach(session, partner, emails)


def _addresses(ctx: click.Context, param: click.Parameter, given: tuple[str, ...]) -> tuple[str, ...]:
    """--email values as stored (trimmed, lower case); a usage error (exit 2) names one that is no address."""
    found = tuple(e.strip().lower() for e in given)
    for original, address in zip(given, found, strict=True):
        if not is_address(address):
            raise click.BadParameter(f"{original!r} is not an email address", ctx=ctx, param=param)
    return found


@partners.command()
@click.argument("name")
@click.option("--email", multiple=True, callback=_addresses, help="an address (repeatable)")
@_details
@pass_invocation
def add(inv: Invocation, name: str, email: tuple[str, ...], as_json: bool, **details) -> int:
    """Add a partner."""
    with inv.app.sessions.begin() as session:
        p = Partner(name=name, company="", domain="", partner_type="other", notes="", referral_fee="",
                    is_customer=False)
        _apply(p, details)
        session.add(p)
        session.flush()
        _attach(session, p, email)
        data = partner_json(session, p)
    _done(inv, data, "added", as_json)
    return 0


@partners.command()
@click.argument("id", type=int)
@click.option("--name")
@click.option("--email", multiple=True, callback=_addresses, help="add an address (repeatable)")
@_details
@pass_invocation
def edit(inv: Invocation, id: int, name: str | None, email: tuple[str, ...], as_json: bool,
         **details) -> int:
    """Change a partner."""
    with inv.app.sessions.begin() as session:
        p = session.get(Partner, id)
        if p is None:
            inv.fail(f"partner #{id}: no such partner")
            return 1
        _apply(p, {**details, "name": name})
        _attach(session, p, email)
        session.flush()
        data = partner_json(session, p)
    _done(inv, data, "updated", as_json)
    return 0


def _done(inv: Invocation, data: dict, verb: str, as_json: bool) -> None:
    if as_json:
        print_json(data)
    else:
        inv.out.print(f"partner #{data['id']} {data['name']} {verb}")


def _all(app) -> list[dict]:
    with app.sessions.begin() as session:
        ledger_partners.adopt_all(session)
    with app.sessions() as session:
        return [partner_json(session, p) for p in session.scalars(select(Partner).order_by(Partner.name))]


@partners.command("list")
@json_option("JSON array of partners (keys in README)")
@pass_invocation
def listing(inv: Invocation, as_json: bool) -> int:
    """List partners."""
    rows = _all(inv.app)
    if as_json:
        print_json(rows)
        return 0
    table = Table(title=f"Partners ({len(rows)})", title_justify="left")
    for col in ("#", "name", "company", "type", "addresses", "fee", "customer"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(str(r["id"]), r["name"], r["company"], r["type"], "\n".join(r["emails"]),
                      r["referral_fee"], "yes" if r["is_customer"] else "")
    inv.out.print(table)
    return 0


@partners.command()
@click.argument("id", type=int)
@json_option("the partner and its ledger lines as JSON (keys in README)")
@pass_invocation
def show(inv: Invocation, id: int, as_json: bool) -> int:
    """One partner, with addresses and the ledger with them."""
    from models.base import utcnow

    console = inv.out
    with reading(inv.sessions) as session:  # no app: building it writes (members synced)
        p = session.get(Partner, id)
        if p is None:
            inv.fail(f"partner #{id}: no such partner")
            return 1
        data = partner_json(session, p)
        now = utcnow()
        lines = ledger.build(session, None, None, now, ledger.Thresholds.from_config(inv.config.settings.ledger),
                             partner_id=p.id)
        clients = _client_of(session, p)
    from worker.cli.report import line_json, table

    if as_json:
        print_json({**data, "client_of": clients, "ledger": [line_json(l, now) for l in lines]})
        return 0
    console.print(styled((f"#{data['id']} {data['name']}", "bold"), f" {data['company']} ({data['type']})"))
    console.print("addresses: " + ", ".join(data["emails"]))
    if data["referral_fee"]:
        console.print(f"referral fee (disclose it): {data['referral_fee']}")
    for c in clients:  # both roles: a partner who is also a member's client
        console.print(f"also a client: {data['name']} is {c['member']}'s client since {c['since'][:10]}")
    if data["is_customer"] and not clients:
        console.print("also a customer (marked by hand)")
    table(lines, console, now)
    return 0


def _client_of(session, p: Partner) -> list[dict]:
    """Whose client this partner is too, since when (worker/ledger/customers.py)."""
    from models import Member
    from worker.ledger.customers import clients_of

    since = clients_of(session, p.id)
    return [{"member": m.name, "since": since[m.id].isoformat()}
            for m in session.scalars(select(Member).where(Member.id.in_(since)).order_by(Member.name))]


@partners.command()
@click.argument("keep", type=int)
@click.argument("other", type=int)
@json_option("print the partner kept as JSON")
@pass_invocation
def merge(inv: Invocation, keep: int, other: int, as_json: bool) -> int:
    """Fold partner OTHER into KEEP (one partner, two addresses)."""
    try:
        with inv.app.sessions.begin() as session:
            kept = ledger_partners.merge(session, keep, other)
            session.flush()
            data = partner_json(session, kept)
    except LookupError as exc:
        inv.fail(str(exc))
        return 1
    if as_json:
        print_json(data)
    else:
        inv.out.print(f"partner #{other} merged into #{data['id']} {data['name']}")
    return 0
