"""`introledger web` (the dashboard) and `introledger web login MEMBER` (a sign-in link, printed)."""
import click

from worker.cli.context import Group, Invocation, json_option, pass_invocation, print_json


@click.group("web", cls=Group, invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on (behind a proxy: keep it)")
@click.option("--port", default=8080, show_default=True, type=int, help="port to listen on")
@click.pass_context
def web(ctx: click.Context, host: str, port: int) -> int | None:
    """Serve the dashboard: the ledger, referrals, review, partners, outbox, quarantine and health, for
    members signed in by a link mailed to them (mailed by `run` or `send`). The cookie secret comes
    from $INTROLEDGER_WEB_SECRET (web.secret_env)."""
    if ctx.invoked_subcommand is not None:
        return None
    from worker.web.server import MissingSecret, secret_for, serve

    inv = ctx.ensure_object(Invocation)
    app = inv.app_when_ready()
    try:
        secret = secret_for(app)
    except MissingSecret as exc:
        inv.fail(f"introledger web: {exc}")
        return 1
    base = app.config.settings.web.base_url
    inv.say(f"introledger web: http://{host}:{port}/ (links in sign-in mail point to {base}); "
            f"`introledger web login MEMBER` prints a sign-in link")
    serve(app, host, port, secret)
    return 0


@web.command()
@click.argument("member", metavar="MEMBER")
@json_option("print {member, link, expires_at} as JSON")
@pass_invocation
def login(inv: Invocation, member: str, as_json: bool) -> int:
    """Print a one-time sign-in link for MEMBER (a name or an address): for the first run, or a
    server that cannot mail yet. It works once, for web.link_expires_after."""
    from worker.web.signin import login_link

    try:
        link = login_link(inv.app, member)
    except LookupError as exc:
        inv.fail(f"introledger web login: {exc}")
        return 1
    if as_json:
        print_json({"member": link.member, "link": link.url, "expires_at": link.expires_at.isoformat()})
    else:
        inv.out.print(f"{link.url}\n(signs in {link.member} once, until {link.expires_at:%Y-%m-%d %H:%M} UTC)",
                      soft_wrap=True)
    return 0
