"""`introledger explain FILE | --message-id ID [--json]`: why one message got its verdict."""
from pathlib import Path

import click

from worker.cli.context import Invocation, json_option, pass_invocation, print_json


@click.command()
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--message-id", metavar="ID", help="a message we read, found by its Message-ID (quarantine, "
              "the Maildir or the IMAP folders)")
@json_option("JSON object (keys in README)")
@pass_invocation
def explain(inv: Invocation, file: Path | None, message_id: str | None, as_json: bool) -> int:
    """Show every rule tried on one message, in order, what it saw and the verdict. Nothing is logged
    or sent. Exit 1 if the message is not found or cannot be read."""
    if (file is None) == (message_id is None):
        raise click.UsageError("give a FILE or --message-id ID (one of them)")
    from worker.app import originals
    from worker.classify.explain import explain as explain_message
    from worker.mail.parse import ParseError, parse
    from worker.mail.sender import verdict as sender_verdict

    app = inv.app
    found = (file.read_bytes(), str(file)) if file else originals.find(app, str(message_id))
    if found is None:
        inv.fail(f"error: no message <{str(message_id).strip('<>')}> in quarantine or the "
                 f"{app.config.settings.source.kind} source")
        return 1
    raw, where = found
    try:
        msg = parse(raw)
    except ParseError as exc:
        inv.fail(f"error: {where}: not a message we can read: {exc}")
        return 1
    with app.sessions() as session:
        explanation = explain_message(msg, app.pipeline.context_for(session, msg))
        session.rollback()  # only read
    row = originals.recorded(app, msg.message_id) if msg.message_id else None
    said = sender_verdict(msg, app.config.settings.follow_ups.authserv_id)  # what answers in its name need
    if as_json:
        print_json({**_as_json(explanation, where, row), "sender_check": {"is": said.standing,
                                                                          "reason": said.reason}})
    else:
        _show(inv, explanation, where, row, said)
    return 0


def _as_json(e, where: str, row) -> dict:
    return {
        "source": where, "sender": e.sender, "subject": e.subject,
        "recipients": [{"email": a, "is": role} for a, role in e.recipients],
        "language": e.language, "new_text": e.new_text, "cues": e.cues, "thread": e.thread or None,
        "reply_to_follow_up": e.reply or None,
        "rules": [{"rule": a.rule, "looks_for": a.looks_for, "answered": a.verdict is not None,
                   **(_verdict_json(a.verdict) if a.verdict else {})} for a in e.attempts],
        "verdict": _verdict_json(e.verdict),
        "recorded": {"kind": row.kind, "rule": row.rule, "reason": row.reason, "referral_id": row.referral_id,
                     "processed_at": row.processed_at.isoformat()} if row else None,
    }


def _verdict_json(v) -> dict:
    return {"kind": str(v.kind), "rule": v.rule, "reason": v.reason, "confidence": v.confidence,
            "parties": [{"email": p.address.email, "name": p.address.name, "role": p.role}
                        for p in v.intro.parties] if v.intro else []}


def _show(inv: Invocation, e, where: str, row, said) -> None:
    from rich.text import Text

    say = inv.out.print
    say(Text(f"{where}\nfrom {e.sender or '(no sender)'}: {e.subject!r}"), soft_wrap=True)
    for email, role in e.recipients:
        say(Text(f"  to {email} — {role}"), soft_wrap=True)
    say(Text(f"language: {e.language}"))
    say(Text(f"sender check: {said.standing} — {said.reason}"), soft_wrap=True)
    if e.thread:
        say(Text(f"thread: {e.thread}"), soft_wrap=True)
    if e.reply:
        say(Text(f"answers a follow-up: {e.reply}"), soft_wrap=True)
    say(Text("new text read:"))
    say(Text("  " + (e.new_text.replace("\n", "\n  ") if e.new_text else "(none)")), soft_wrap=True)
    found = ", ".join(f"{k} {v!r}" for k, v in e.cues.items() if v)
    say(Text(f"cues: {found or 'none'}"), soft_wrap=True)
    say(Text("rules, in order:"))
    for n, a in enumerate(e.attempts, 1):
        v = a.verdict
        outcome = "passed" if v is None else f"→ {v.kind} ({v.confidence:.2f}): {v.reason}"
        say(Text(f"  {n:>2}. {a.rule} — {a.looks_for}: {outcome}"), soft_wrap=True)
    v = e.verdict
    say(Text.assemble(("verdict: ", "bold"), f"{v.kind} by {v.rule}"), soft_wrap=True)
    if v.intro:
        for p in v.intro.parties:
            say(Text(f"  {p.role}: {p.address.name} <{p.address.email}>"), soft_wrap=True)
    if row is not None:
        say(Text(f"when we read it ({row.processed_at:%Y-%m-%d %H:%M}): {row.kind} by {row.rule} — {row.reason}"),
            soft_wrap=True)
