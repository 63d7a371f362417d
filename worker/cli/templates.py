"""`introledger templates preview NAME`: a mail template rendered with sample data."""
from typing import Any

import click

from worker.cli.context import Group, Invocation, pass_invocation

_DANA = {"name": "Dana Whitfield", "first_name": "Dana", "email": "dana@example.com", "footer": True}
_CAROL = {"name": "Carol Jensen", "first_name": "Carol", "email": "carol@example.com"}
SAMPLE: dict[str, dict[str, Any]] = {
    "thank_you": {
        "introducer": _CAROL, "member": _DANA,
        "intros": [{"others": ["Alice Moreno"], "subject": "Intro: Alice <> Dana", "date": "2026-11-02"}],
    },
    "coffee_check_in": {
        "member": _DANA, "tracking": "intros@example.com",
        "month": "December 2026", "window": "90 days", "partners": [
            {"name": "Carol Jensen", "first_name": "Carol", "email": "carol@example.com", "company": "",
             "given": 4, "received": 1, "last": "24 Nov", "flags": "out of balance: you gave 4, got 1"},
            {"name": "Raj Mehta", "first_name": "Raj", "email": "raj@example.com", "company": "",
             "given": 1, "received": 2, "last": "3 Nov", "flags": ""}],
    },
    "promise_nudge": {
        "member": _DANA, "tracking": "intros@example.com",
        "source": "heads_up", "partner": {"name": "Alice Moreno", "first_name": "Alice", "email": "alice@example.com"},
        "prospect": "Bob Stone", "prospect_first_name": "Bob", "date": "3 Nov", "subject": "Heads-up: Bob Stone",
        "said": "", "waited": "14 days",
    },
    "daily_prompt": {
        "member": _DANA, "tracking": "intros@example.com",
        "date": "Tuesday 24 November", "promoted": False, "partners": [
            {"name": "Carol Jensen", "first_name": "Carol", "email": "carol@example.com", "company": "Jensen Books",
             "given": 1, "received": 4, "last": "24 Nov", "flags": ""}],
    },
    "follow_up": {
        "member": _DANA, "introducer": _CAROL,
        "others": ["Alice Moreno"], "pair": "Alice Moreno", "given": False, "date": "2 November 2026", "ref": 12,
    },
    "closed_business": {  # value: only with the member's share_value (worker/followups/status.py shared_value)
        "member": _DANA, "introducer": _CAROL, "others": ["Alice Moreno"], "won": True, "value": "",
        "reward": "",
    },
    "status_confirmation": {
        "member": _DANA, "introducer": {"name": "Carol Jensen", "first_name": "Carol", "email": "carol@example.com"},
        "others": ["Alice Moreno"], "pair": "Alice Moreno", "given": False, "ref": 12,
        "status": "connected", "you": True, "them": ["Alice Moreno"], "prospect": "Alice Moreno",
        "provider": "Dana Whitfield", "value": "", "note": "", "again": "in a week", "stopped": False, "final": False,
    },
    "clarification": {
        "member": _DANA, "greet": "Dana", "others": ["Alice Moreno"], "pair": "Alice Moreno", "given": False, "ref": 12,
    },
    "sign_in": {
        "member": _DANA, "link": "http://127.0.0.1:8080/sign-in/3q2p…", "minutes": 15, "client": "127.0.0.1",
    },
    "answer_not_applied": {
        "member": _DANA, "others": ["Alice Moreno"], "ref": 12, "given": False, "pair": "Alice Moreno",
        "answer": "WON", "status": "LOST",
        "why": "it is already lost, a final answer; only its member can change it",
        "how": "reply CORRECTION: WON to this mail.",
    },
}


@click.group(cls=Group)
def templates() -> None:
    """Mail templates."""


@templates.command()
@click.argument("name")
@click.option("--html", is_flag=True, help="print the HTML part instead of the text")
@pass_invocation
def preview(inv: Invocation, name: str, html: bool) -> int:
    """Render a template with sample data. NAME is e.g. thank_you; prints the subject, then the text
    (or the HTML)."""
    from worker.outbound.templating import Templates

    config = inv.config
    if name not in SAMPLE:
        inv.fail(f"no sample data for {name!r}; templates with samples: {', '.join(SAMPLE)}")
        return 1
    rendered = Templates(config.templates_dir).render(name, **SAMPLE[name])
    click.echo(f"Subject: {rendered.subject}\n")
    click.echo(rendered.html if html else rendered.text)
    return 0
