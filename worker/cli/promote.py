"""`introledger promote list|add|remove|order|page|snippet MEMBER …`: the partners a member recommends,
published as JSON, a signature snippet and the public page /p/<slug>."""
import click

from worker.cli.brief import member_row
from worker.cli.context import Group, Invocation, json_option, pass_invocation, print_json


@click.group(cls=Group)
def promote() -> None:
    """Partners a member recommends: their list, its order, the public page and a signature snippet."""


def _listing(inv: Invocation, session, member) -> dict:
    from worker.ledger import promotions

    found = promotions.entries(session, member, inv.app.now(), inv.app.thresholds)
    row = promotions.page(session, member)
    return promotions.listing_json(member, row, found, inv.app.config.settings.web.base_url)


def _show(inv: Invocation, data: dict, as_json: bool, said: str = "") -> None:
    if as_json:
        print_json(data)
        return
    from rich.table import Table

    if said:
        inv.out.print(said)
    state = "" if data["published"] else " (not published)"
    table = Table(title=f"{data['member']} recommends ({len(data['partners'])}), "
                        f"ordered by {'their choice' if data['order'] == 'chosen' else 'what each gave'}: "
                        f"{data['url']}{state}", title_justify="left")
    for col in ("#", "partner", "company", "note", "you sent", "sent you", "fee"):
        table.add_column(col, overflow="fold")
    for p in data["partners"]:
        table.add_row(str(p["partner_id"]), p["name"], p["company"], p["note"], str(p["given"]), str(p["received"]),
                      "yes" if p["referral_fee"] else "")
    inv.out.print(table)


def _change(inv: Invocation, member: str, as_json: bool, act) -> int:
    """Run `act(session, member_row)` in one transaction; print the list after it (or what refused)."""
    from worker.ledger.promotions import PromotionError

    try:
        with inv.app.sessions.begin() as session:
            row = member_row(inv, session, member)
            if row is None:
                return 1
            said = act(session, row)
            data = _listing(inv, session, row)
    except PromotionError as exc:
        inv.fail(str(exc))
        return 1
    _show(inv, data, as_json, said)
    return 0


@promote.command("list")
@click.argument("member")
@json_option("the list as JSON: {member, slug, url, order, published, partners: [{position, partner_id, name, "
             "company, note, email, given, received, referral_fee}]}")
@pass_invocation
def listing(inv: Invocation, member: str, as_json: bool) -> int:
    """The partners MEMBER recommends, in order, with the figures each way."""
    return _change(inv, member, as_json, lambda session, row: "")


@promote.command()
@click.argument("member")
@click.argument("partners", nargs=-1, required=True)
@click.option("--note", help="a line in the member's words, shown beside the partner")
@click.option("--show-email/--hide-email", default=None, help="publish the partner's address (default: hidden)")
@json_option("the list after it as JSON (as `promote list --json`)")
@pass_invocation
def add(inv: Invocation, member: str, partners: tuple[str, ...], note: str | None, show_email: bool | None,
        as_json: bool) -> int:
    """Recommend PARTNERS (an id, address or name each); again for one already there: change its note."""
    from worker.ledger import promotions

    def act(session, row):
        names = []
        for text in partners:
            partner = promotions.find_partner(session, text)
            promotions.add(session, row, partner, note, show_email)
            names.append(partner.name)
        return f"{row.name} recommends {', '.join(names)}"

    return _change(inv, member, as_json, act)


@promote.command()
@click.argument("member")
@click.argument("partners", nargs=-1, required=True)
@json_option("the list after it as JSON")
@pass_invocation
def remove(inv: Invocation, member: str, partners: tuple[str, ...], as_json: bool) -> int:
    """Stop recommending PARTNERS."""
    from worker.ledger import promotions

    def act(session, row):
        for text in partners:
            partner = promotions.find_partner(session, text)
            if not promotions.remove(session, row, partner):
                raise promotions.PromotionError(f"{partner.name} is not on {row.name}'s list")
        return f"removed from {row.name}'s list: {', '.join(partners)}"

    return _change(inv, member, as_json, act)


@promote.command()
@click.argument("member")
@click.argument("partners", nargs=-1)
@click.option("--by", type=click.Choice(["chosen", "given"]),
              help="chosen: the member's order; given: what each partner gave the member, most first")
@json_option("the list after it as JSON")
@pass_invocation
def order(inv: Invocation, member: str, partners: tuple[str, ...], by: str | None, as_json: bool) -> int:
    """Put PARTNERS first, in this order (the others follow), or order the list --by given."""
    from worker.ledger import promotions

    if not partners and by is None:
        raise click.UsageError("name partners to put first, or say --by chosen|given")

    def act(session, row):
        promotions.reorder(session, row, [promotions.find_partner(session, p) for p in partners], by)
        return ""

    return _change(inv, member, as_json, act)


@promote.command()
@click.argument("member")
@click.option("--slug", help="the page's address: /p/SLUG (lower-case letters, digits, hyphens)")
@click.option("--disclosure", help="the member's one line disclosing a referral fee; {partner} is the partner's name")
@click.option("--publish/--unpublish", default=None, help="show the page (and /p/SLUG.json), or not")
@json_option("the list after it as JSON")
@pass_invocation
def page(inv: Invocation, member: str, slug: str | None, disclosure: str | None, publish: bool | None,
         as_json: bool) -> int:
    """MEMBER's public page: its address, whether it is shown, the disclosure line."""
    from worker.ledger import promotions

    def act(session, row):
        settings = promotions.set_slug(session, row, slug) if slug else promotions.page(session, row)
        if disclosure is not None:
            settings.disclosure = " ".join(disclosure.split())[:300]
        if publish is not None:
            settings.published = publish
        settings.updated_at = inv.app.now()
        return ""

    return _change(inv, member, as_json, act)


@promote.command()
@click.argument("member")
@click.option("--html", "shape", flag_value="html", help="an HTML block for a signature or a web site")
@click.option("--text", "shape", flag_value="text", default=True, help="plain text (the default)")
@pass_invocation
def snippet(inv: Invocation, member: str, shape: str) -> int:
    """MEMBER's recommendations for an email signature or a web site."""
    from worker.ledger import promotions

    with inv.app.sessions.begin() as session:
        row = member_row(inv, session, member)
        if row is None:
            return 1
        found = promotions.entries(session, row, inv.app.now(), inv.app.thresholds)
        if not found:
            inv.fail(f"{row.name} recommends nobody yet: introledger promote add '{row.name}' PARTNER")
            return 1
        url = promotions.page_url(inv.app.config.settings.web.base_url, promotions.page(session, row).slug)
        text = (promotions.snippet_html if shape == "html" else promotions.snippet_text)(row, found, url)
    click.echo(text, nl=False)
    return 0
