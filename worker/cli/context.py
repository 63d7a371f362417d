"""What one run of `introledger` shares: the config file named once, the config, consoles and app built once.

Imports nothing heavy at module level: `introledger --help` loads this module and click only.
"""
from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from functools import cached_property
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console
    from sqlalchemy.orm import Session, sessionmaker

    from worker.app.bootstrap import App
    from worker.core.config import Config

CONFIG_HELP = "config file (default: $INTROLEDGER_CONFIG or ./config.yaml)"


class Invocation:
    """The config path (from `--config` before or after the subcommand), and what is built from it,
    each at most once: the config, the consoles, the database sessions, the application."""

    def __init__(self, config_path: str | None = None) -> None:
        self.config_path = config_path
        self.mailbox: str | None = None  # `--mailbox NAME`: that group instead of config.yaml's
        self._engines: list[Any] = []

    @cached_property
    def config(self) -> Config:
        from worker.core.config import load

        return load(self.config_path)

    @cached_property
    def app(self) -> App:
        """Everything wired (members synced, pipeline, follow-ups): for commands that act."""
        from worker.app import bootstrap

        return self._grouped(bootstrap.build(self.config))

    def app_when_ready(self) -> App:
        """The app, waiting out a database that is down at startup as run/send/lmtp do: a service
        started at boot (the dashboard's unit) may come up before PostgreSQL answers."""
        if "app" not in self.__dict__:
            from worker.app import bootstrap

            self.__dict__["app"] = self._grouped(bootstrap.build_when_ready(self.config, self.say))
        return self.app

    def _grouped(self, app: App) -> App:
        self._engines.append(app.engine)
        if self.mailbox is None:
            return app
        from worker.app import bootstrap, mailboxes

        with app.sessions() as session:
            group = mailboxes.find(session, app.config, self.mailbox)
            everyone = mailboxes.addresses(session, app.config)
        assert group.mailbox_id is not None
        return bootstrap.build_group(app, mailboxes.group_config(app.config, group, everyone), group.mailbox_id)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """Sessions on a migrated database and nothing else, for commands that only read rows
        (a listing need not sync members nor build the pipeline); the app's once it is built."""
        if "app" in self.__dict__:
            return self.app.sessions
        from models.db import make_engine, require_migrated
        from models.groups import group_sessions

        engine = make_engine(self.config.database_url)
        self._engines.append(engine)
        require_migrated(engine)
        if self.mailbox is None:
            return group_sessions(engine, None)  # config.yaml's group, as the app sees it
        from worker.app import mailboxes

        with group_sessions(engine, None)() as session:
            mailbox_id = mailboxes.find(session, self.config, self.mailbox).mailbox_id
        return group_sessions(engine, mailbox_id)

    @cached_property
    def out(self) -> Console:
        return make_console(stderr=False)

    @cached_property
    def err(self) -> Console:
        return make_console(stderr=True)

    def say(self, line: str) -> None:
        """A line for the person at the terminal (progress, waiting for a server): stderr, verbatim."""
        self.err.print(line, soft_wrap=True)

    def fail(self, line: str) -> None:
        """The problem the exit code 1 or 2 is about, named on stderr."""
        self.err.print(line, soft_wrap=True)

    def close(self) -> None:
        for engine in self._engines:
            engine.dispose()
        self._engines.clear()


def make_console(stderr: bool) -> Console:
    """A rich console that prints text as it is and honours NO_COLOR fully.

    Strings are never read as markup nor emoji codes, nor highlighted: they carry mail subjects,
    names and reasons, and "Intro [ref R1]" lost its "[ref R1]" as an unknown style tag. Styles
    are given as rich Text (see `styled`). NO_COLOR means no colour and no bold either: no escape
    codes at all (rich alone keeps bold and italics)."""
    from rich.console import Console

    plain = os.environ.get("NO_COLOR", "") != ""
    return Console(stderr=stderr, markup=False, emoji=False, highlight=False, no_color=plain or None,
                   color_system=None if plain else "auto")


def styled(*parts: str | tuple[str, str]):
    """A line of plain text and (text, style) pieces, e.g. styled(("✗", "red"), " database: …")."""
    from rich.text import Text

    return Text.assemble(*parts)


def print_json(data: Any) -> None:
    """The stable JSON shapes documented in README "JSON output", on stdout."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def print_json_array(items: Iterable[Any]) -> None:
    """print_json of a list, written item by item as they come (a listing of any length in flat
    memory): the same text json.dumps(list, indent=2) makes."""
    write = sys.stdout.write
    first = True
    for item in items:
        write("[\n  " if first else ",\n  ")
        write(json.dumps(item, indent=2, ensure_ascii=False).replace("\n", "\n  "))
        first = False
    write("[]\n" if first else "\n]\n")


pass_invocation = click.make_pass_decorator(Invocation, ensure=True)


def _use_config(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.ensure_object(Invocation).config_path = value


def config_option() -> click.Option:
    """`--config PATH` on every command, so it may follow the subcommand as well as precede it."""
    return click.Option(["--config"], metavar="PATH", expose_value=False, callback=_use_config, help=CONFIG_HELP)


def json_option(help: str = "print the result as JSON (keys in README)"):
    return click.option("--json", "as_json", is_flag=True, help=help)


class Command(click.Command):
    """A leaf command: takes `--config` too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.append(config_option())


class Group(click.Group):
    """A command with actions (`outbox retry`): takes `--config` too, and so do its actions."""

    command_class = Command
    group_class = type  # a group inside is a Group as well

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.append(config_option())
