"""`introledger templates preview NAME`: a mail template rendered with sample data; `templates check`:
every mail rendered through outbound.templates_dir, each failure named (doctor runs the same)."""
import click

from worker.cli.context import Group, Invocation, pass_invocation, styled
from worker.outbound.samples import samples


@click.group(cls=Group)
def templates() -> None:
    """Mail templates."""


@templates.command()
@click.argument("name")
@click.option("--html", is_flag=True, help="print the HTML part instead of the text")
@click.option("--lang", "language", type=click.Choice(["en", "de", "fr", "es", "nl", "it"]),
              help="the language to write it in (default: outbound.language)")
@click.option("--register", type=click.Choice(["formal", "informal"]),
              help="formal (Sie, vous, usted, u, Lei) or informal (du, tu, tú, je, tu); default: what a "
                   "recipient gets who has not shown theirs")
@pass_invocation
def preview(inv: Invocation, name: str, html: bool, language: str | None, register: str | None) -> int:
    """Render a template with sample data. NAME is e.g. thank_you; prints the subject, then the text
    (or the HTML)."""
    from worker.core.locales import address, supported
    from worker.outbound.templating import Templates

    config = inv.config
    sample = samples()
    if name not in sample:
        inv.fail(f"no sample data for {name!r}; templates with samples: {', '.join(sample)}")
        return 1
    shown = supported(language) or supported(config.settings.outbound.language) or "en"
    rendered = Templates(config.templates_dir, config.settings.outbound.language).render(
        name, language, address(shown, register).register, **sample[name])
    click.echo(f"Subject: {rendered.subject}\n")
    click.echo(rendered.html if html else rendered.text)
    return 0


@templates.command()
@pass_invocation
def check(inv: Invocation) -> int:
    """Render every mail in every language and register that outbound.templates_dir overrides, with
    sample data, and name each file that fails with its macro or line and Jinja's message. Exit 1 if
    any does (`doctor` runs the same check)."""
    from worker.outbound.template_check import check as render_all

    config = inv.config
    problems = render_all(config.templates_dir, config.settings.outbound.language)
    for line in problems:
        inv.out.print(styled(("✗", "red"), f" {line}"), soft_wrap=True)
    if not problems:
        where = config.templates_dir or "no templates_dir"
        inv.out.print(styled(("✓", "green"), f" every mail renders ({where})"), soft_wrap=True)
    return 1 if problems else 0
