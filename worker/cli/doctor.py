"""`introledger doctor`: config, database, mailbox, SMTP, broker and templates, one line per problem with its fix."""
import click

from worker.cli.context import Command, Invocation, json_option, pass_invocation, print_json, styled


@click.command(cls=Command)
@json_option("print the findings as JSON: {ok, problems, warnings, repaired, about} (README)")
@pass_invocation
def doctor(inv: Invocation, as_json: bool) -> int:
    """Try what `run` and `send` will do, without sending mail: log in to the mailbox (creating a missing
    processed folder), connect to the SMTP server, write a row and roll it back, check the Redis queue is
    this deployment's, render every mail through outbound.templates_dir (`templates check`). Exit 1 if
    anything is wrong."""
    from worker.app.doctor import examine
    from worker.app.shapes import doctor_json

    repaired: list[str] = []
    def say(line: str) -> None:  # what doctor repaired itself, e.g. a missing processed folder
        if as_json:
            repaired.append(line)
        else:
            inv.out.print(styled(("+", "green"), f" {line}"))

    found = examine(inv.config_path, say=say)
    problems, notes, warned = found.problems, found.about, found.warnings
    if as_json:
        print_json(doctor_json(problems, warned, repaired, notes))
        return 1 if problems else 0
    for line in notes:
        inv.out.print(f"  {line}")
    for line in warned:
        inv.out.print(styled(("!", "yellow"), f" {line}"))
    for line in problems:
        inv.out.print(styled(("✗", "red"), f" {line}"))
    if not problems:
        inv.out.print(styled(("✓", "green"), f" {found.checked} all answer"))
    return 1 if problems else 0

