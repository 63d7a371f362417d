"""The `introledger` command: a click group whose commands load when they run; exit codes in one place.

0 success · 1 a problem the message names · 2 a usage mistake or an invalid configuration.
"""
import gc
import logging
import sys

import click

from worker.cli.context import CONFIG_HELP, Invocation, make_console
from worker.cli.lazy import LazyGroup

# name → (where the command lives, its line in `introledger --help`), in the order of that listing.
COMMANDS = {
    "run": ("worker.cli.running:run", "watch the mailbox forever (IMAP IDLE or Maildir)"),
    "send": ("worker.cli.running:send", "only send outgoing mail (extra sending processes beside `run`)"),
    "lmtp": ("worker.cli.lmtp:lmtp", "take mail straight from the MTA over LMTP (Postfix, Exim)"),
    "mailboxes": ("worker.cli.mailboxes:mailboxes",
                  "tracking mailboxes beside config.yaml's, each a group: add, list, remove"),
    "ingest": ("worker.cli.ingest:ingest", "backfill from .eml files, mbox files or Maildir folders"),
    "referrals": ("worker.cli.referrals:referrals", "list logged referrals; merge one logged twice"),
    "quarantine": ("worker.cli.quarantine:quarantine", "list messages set aside, with the reason; retry them"),
    "db": ("worker.cli.database:db", "database schema"),
    "doctor": ("worker.cli.doctor:doctor", "check config, database, mailbox and broker"),
    "outbox": ("worker.cli.outbox:outbox", "outgoing mail: list, retry, send now, cancel or unpause an address"),
    "optout": ("worker.cli.optout:optout", "addresses that get no mail from us"),
    "mark": ("worker.cli.mark:mark", "set a referral's status by hand (same rules and mails as a reply)"),
    "templates": ("worker.cli.templates:templates", "mail templates"),
    "report": ("worker.cli.report:report", "the give-and-take ledger per member and partner"),
    "export": ("worker.cli.report:export", "export data"),
    "import": ("worker.cli.report:import_", "import data"),
    "partners": ("worker.cli.partners:partners",
                 "the people and businesses you refer work to and get work from"),
    "explain": ("worker.cli.explain:explain", "why one message got its verdict: every rule tried, what it saw"),
    "brief": ("worker.cli.brief:brief", "a member's ideal-referral brief: show or set it"),
    "promote": ("worker.cli.promote:promote", "partners a member recommends: list, order, public page, snippet"),
    "review": ("worker.cli.review:candidates", "intros waiting for a yes or no: list, accept, reject"),
    "web": ("worker.cli.web:web", "the dashboard in a browser; `web login MEMBER` prints a sign-in link"),
    "demo": ("worker.cli.demo:demo", "ingest the sample intros into a local Maildir + SQLite"),
}


class Introledger(LazyGroup):
    """The root command: a command's return value is its exit code, and a problem the user can fix
    (a bad config, a server down, an unmigrated database) is one line on stderr, not a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            code = super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            known = _known(exc)
            if known is None:
                raise
            code = known
        if isinstance(code, int) and code:
            ctx.exit(code)
        return code


@click.group("introledger", cls=Introledger, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]},
             epilog="Shell completion: eval \"$(_INTROLEDGER_COMPLETE=bash_source introledger)\" "
                    "(zsh_source, fish_source for those shells). Exit codes: 0 success, 1 a problem the "
                    "message names, 2 a usage mistake or an invalid configuration.")
@click.option("--config", metavar="PATH", help=CONFIG_HELP)
@click.option("--mailbox", metavar="NAME", help="act on that tracking mailbox's group (`introledger mailboxes "
              "list`); default: config.yaml's")
@click.version_option(package_name="introledger", prog_name="introledger", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, config: str | None, mailbox: str | None) -> None:
    """Log email introductions CC'd to a tracking address; keep the referral ledger."""
    invocation = ctx.ensure_object(Invocation)
    invocation.config_path = config
    invocation.mailbox = mailbox
    ctx.call_on_close(invocation.close)


def main(argv: list[str] | None = None) -> int:
    """Run `introledger ARGV` and return its exit code; without ARGV, the process's own command line
    (the console script, `python -m worker.cli`), after which the process ends."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        cli.main(args=argv, prog_name="introledger")
    except SystemExit as exc:  # click ends every run so, with the command's code
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        if argv is None:
            # The interpreter's shutdown collections walk every object SQLAlchemy and pydantic made
            # at import: a third of a short command's time (bench/startup.py). Frozen, they are
            # skipped; the process is about to end, so nothing is kept longer than it would be.
            gc.freeze()
    return 0


def _known(exc: Exception) -> int | None:
    """The exit code for a problem whose message is enough (printed on stderr), or None: a bug."""
    from worker.core.config import ConfigError

    if isinstance(exc, ConfigError):
        return _show("config error", str(exc), 2)
    from models.db import WrongEncoding

    if isinstance(exc, WrongEncoding):  # 2: like a config mistake, a restart will not fix it
        return _show("error", str(exc), 2)
    if isinstance(exc, _named_problems()):
        return _show("error", str(exc), 1)
    from worker.core.outages import describe, is_outage

    if is_outage(exc):  # a server that is down is a line, not a traceback
        return _show("error", describe(exc), 1)
    return None


def _show(label: str, message: str, code: int) -> int:
    from rich.text import Text

    make_console(stderr=True).print(Text.assemble((label, "red"), f": {message}"), soft_wrap=True)
    return code


def _named_problems() -> tuple[type[Exception], ...]:
    from models.db import NotMigrated
    from worker.app.mailboxes import MailboxProblem
    from worker.cli.running import MetricsPortTaken
    from worker.inbound.pipeline import InfrastructureError
    from worker.outbound.templating import TemplateProblem
    from worker.sources.imap import ImapLoginError

    return (NotMigrated, InfrastructureError, FileNotFoundError, TemplateProblem, ImapLoginError, MailboxProblem,
            MetricsPortTaken)


if __name__ == "__main__":
    sys.exit(main())
