"""`introledger templates preview NAME`: a mail template rendered with sample data."""
from typing import Any

import click

from worker.cli.context import Group, Invocation, pass_invocation


def samples() -> dict[str, dict[str, Any]]:
    """Sample data for each mail, as the code that sends it passes it (dates as datetimes, amounts
    as Amounts, flags as facts): the templates format them for the language."""
    from datetime import UTC, datetime

    from worker.core.money import Amount

    dana = {"name": "Dana Whitfield", "first_name": "Dana", "email": "dana@example.com", "footer": True}
    carol = {"name": "Carol Jensen", "first_name": "Carol", "email": "carol@example.com"}
    intro = {"member": dana, "introducer": carol, "others": ["Alice Moreno"], "given": False, "ref": 12}
    day = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    raj = {"name": "Raj Mehta", "first_name": "Raj", "email": "raj@example.com", "company": "",
           "given": 1, "received": 2, "last": datetime(2026, 11, 3, tzinfo=UTC), "flags": []}
    return {
        "thank_you": {"introducer": carol, "member": dana,
                      "intros": [{"others": ["Alice Moreno"], "subject": "Intro: Alice <> Dana", "date": day}]},
        "coffee_check_in": {
            "member": dana, "tracking": "intros@example.com", "month": datetime(2026, 12, 1, 9, tzinfo=UTC),
            "window_days": 90, "partners": [
                {"name": "Carol Jensen", "first_name": "Carol", "email": "carol@example.com", "company": "",
                 "given": 4, "received": 1, "last": datetime(2026, 11, 24, tzinfo=UTC),
                 "flags": [{"kind": "unbalanced", "gave": 4, "got": 1}]}, raj]},
        "promise_nudge": {
            "member": dana, "tracking": "intros@example.com", "source": "heads_up",
            "partner": {"name": "Alice Moreno", "first_name": "Alice", "email": "alice@example.com"},
            "prospects": ["Bob Stone"], "prospect_first_name": "Bob", "date": datetime(2026, 11, 3, tzinfo=UTC),
            "subject": "Heads-up: Bob Stone", "said": "", "waited_days": 14},
        "daily_prompt": {
            "member": dana, "tracking": "intros@example.com", "date": datetime(2026, 11, 24, 8, tzinfo=UTC),
            "promoted": False, "partners": [
                {"name": "Carol Jensen", "first_name": "Carol", "email": "carol@example.com",
                 "company": "Jensen Books", "given": 1, "received": 4, "last": None, "flags": []}]},
        "digest": {
            "member": dana, "week": "2 – 8 Nov", "due": 2, "group": [], "won": {"USD": 450000},
            "received": [{"date": day, "introducer": "Carol Jensen", "others": ["Alice Moreno"]}],
            "given": [], "changes": [{"others": ["Alice Moreno"], "ref": 12, "old": "introduced", "new": "won"}],
            "top": [{"name": "Carol Jensen", "given": 1, "received": 3, "given_px": 53, "received_px": 160,
                     "bar": "▮▮▮▯"}],
            "unbalanced": []},
        "follow_up": {**intro, "date": day},
        "closed_business": {**intro, "won": True, "value": None, "reward": ""},  # value: members[].share_value
        "status_confirmation": {
            **intro, "status": "connected", "you": True, "them": ["Alice Moreno"], "prospect": "Alice Moreno",
            "provider": "Dana Whitfield", "value": Amount(450000, "USD"), "note": "", "again_days": 7,
            "stopped": False, "final": False},
        "snooze_confirmation": {**intro, "again": datetime(2026, 11, 16, 15, 0, tzinfo=UTC)},
        "stop_confirmation": intro,
        "clarification": {**intro, "greet": "Dana"},
        "answer_not_applied": {
            **intro, "answer": "WON", "status": "lost",
            "refusal": {"case": "final", "verb": "won", "member_email": "dana@example.com", "ref": 12, "status": "lost",
                        "why": "it is already lost, a final answer; only its member can change it",
                        "how": "reply CORRECTION: WON to this mail."}},
        "brief": {  # the answer to a partner's BRIEF (worker/followups/briefreply.py)
            "member": dana, "partner": carol,
            "brief": {"great": "homeowners planning a kitchen under $40k", "not_fit": "commercial work",
                      "words": "our cabinets look tired", "name": "Dana Whitfield", "first_name": "Dana",
                      "to": "answer", "reply": True}},
        "sign_in": {"member": dana, "link": "https://intros.example.com/sign-in/3q2-7Rk", "minutes": 15,
                    "client": "203.0.113.7"},
    }


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
