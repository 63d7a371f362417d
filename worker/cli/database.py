"""`introledger db upgrade`: create or migrate the schema."""
import click

from worker.cli.context import Group, Invocation, json_option, pass_invocation, print_json


@click.group(cls=Group)
def db() -> None:
    """Database schema."""


@db.command()
@click.option("--wait", is_flag=True,
              help="Wait for a database that does not answer yet (one line per try), as `run` does.")
@json_option()
@pass_invocation
def upgrade(inv: Invocation, wait: bool, as_json: bool) -> int:
    """Create or migrate the schema. Safe to run again: an up-to-date database is left as it is."""
    from models.db import current_revision, make_engine
    from models.db import upgrade as migrate
    from worker.core.outages import wait_out

    engine = make_engine(inv.config.database_url)
    try:
        # --wait: the migrations unit starts with the machine, maybe before PostgreSQL (here or on
        # another machine) answers; the units that need the schema are queued behind it.
        if wait:
            wait_out(lambda: migrate(engine), inv.say)
        else:
            migrate(engine)
        where = engine.url.render_as_string(hide_password=True)
        if as_json:
            print_json({"database": where, "revision": current_revision(engine)})
        else:
            inv.out.print(f"database {where} is up to date", soft_wrap=True)  # one journal line
    finally:
        engine.dispose()
    return 0
