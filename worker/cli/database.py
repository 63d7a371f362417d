"""`introledger db upgrade`: create or migrate the schema."""
import click

from worker.cli.context import Group, Invocation, json_option, pass_invocation, print_json


@click.group(cls=Group)
def db() -> None:
    """Database schema."""


@db.command()
@json_option()
@pass_invocation
def upgrade(inv: Invocation, as_json: bool) -> int:
    """Create or migrate the schema. Safe to run again: an up-to-date database is left as it is."""
    from models.db import current_revision, make_engine
    from models.db import upgrade as migrate

    engine = make_engine(inv.config.database_url)
    try:
        migrate(engine)
        where = engine.url.render_as_string(hide_password=True)
        if as_json:
            print_json({"database": where, "revision": current_revision(engine)})
        else:
            inv.out.print(f"database {where} is up to date")
    finally:
        engine.dispose()
    return 0
