"""CLI commands about outgoing mail: outbox, opt-outs, template previews."""
import json

from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from models import OptOut, OutboxMessage
from worker.app import bootstrap
from worker.outbound import outbox, pauses
from worker.core.config import load

console = Console()


def add_parsers(sub) -> None:
    box = sub.add_parser("outbox", help="outgoing mail: list, retry, send now, cancel or unpause an address")
    box.add_argument("--status", help="only this status (queued, sending, sent, failed, suppressed, cancelled, "
                                      "unconfirmed: handed to the server, no answer; may have arrived; "
                                      "bounced: came back or refused for good)")
    box.add_argument("--json", action="store_true", help="JSON array (keys in README)")
    box.set_defaults(func=cmd_outbox)
    box_sub = box.add_subparsers(dest="outbox_command", metavar="ACTION")
    for name, text in (("retry", "queue a failed, suppressed, cancelled, unconfirmed or bounced mail again"),
                       ("send-now", ("send a queued mail now: one held back by the daily cap or quiet hours, "
                                     "or waiting for its next retry")),
                       ("cancel", "cancel a queued mail (or settle an unconfirmed one: not sent again)")):
        action = box_sub.add_parser(name, help=text)
        if name == "retry":
            # After a server problem is fixed (a lapsed certificate, a wrong password), every mail
            # it failed goes again in one go.
            which = action.add_mutually_exclusive_group(required=True)
            which.add_argument("id", type=int, nargs="?")
            which.add_argument("--failed", action="store_true", help="every failed mail (never the unconfirmed: those may have arrived)")
        else:
            action.add_argument("id", type=int)
        action.set_defaults(func=cmd_outbox_action, action=name)
    unpause = box_sub.add_parser("unpause", help="send mail to an address again after it bounced (doctor lists them)")
    unpause.add_argument("address")
    unpause.set_defaults(func=cmd_outbox_unpause)

    opt = sub.add_parser("optout", help="addresses that get no mail from us")
    opt_sub = opt.add_subparsers(dest="optout_command", required=True, metavar="ACTION")
    for name in ("add", "remove"):
        action = opt_sub.add_parser(name, help=f"{name} an address")
        action.add_argument("address")
        action.set_defaults(func=cmd_optout, action=name)
    listing = opt_sub.add_parser("list", help="list opted-out addresses")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_optout_list)

    mark = sub.add_parser("mark", help="set a referral's status by hand (same rules and mails as a reply)")
    mark.add_argument("ref", type=int, help="referral number")
    mark.add_argument("status", help="MET, QUALIFIED, WON, LOST, NO_FIT, SNOOZE, STOP (this referral's follow-ups) "
                                     "or 'STOP ALL' (all mail to the member) — any word a reply may use")
    mark.add_argument("--amount", help='for WON, e.g. "$4,500" or "EUR 3 000"')
    mark.add_argument("--note", default="", help="why (kept with the event; for LOST, the reason)")
    mark.add_argument("--by", default="", help="who is making the change (default: the referral's member)")
    mark.add_argument("--correct", action="store_true",
                      help="change a final answer (won, lost, no fit); kept in the history as a correction")
    mark.set_defaults(func=cmd_mark)

    tpl = sub.add_parser("templates", help="mail templates")
    tpl_sub = tpl.add_subparsers(dest="templates_command", required=True, metavar="ACTION")
    preview = tpl_sub.add_parser("preview", help="render a template with sample data")
    preview.add_argument("name", help="e.g. thank_you")
    preview.add_argument("--html", action="store_true", help="print the HTML part instead of the text")
    preview.set_defaults(func=cmd_templates_preview)


def outbox_json(row: OutboxMessage) -> dict:
    iso = lambda t: t.isoformat() if t else None  # noqa: E731
    return {
        "id": row.id, "kind": row.kind, "to": row.to_addr, "subject": row.subject,
        "status": row.status, "attempts": row.attempts, "last_error": row.last_error or None,
        "reason": row.reason or None, "message_id": row.message_id or None,
        "referral_ids": row.referral_ids, "queued_at": iso(row.queued_at),
        "not_before": iso(row.not_before), "handed_over_at": iso(row.handed_over_at), "sent_at": iso(row.sent_at),
    }


def cmd_outbox(args) -> int:
    app = bootstrap.build(load(args.config))
    with app.sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if args.status:
            query = query.where(OutboxMessage.status == args.status)
        rows = session.scalars(query).all()
    if args.json:
        print(json.dumps([outbox_json(r) for r in rows], indent=2, ensure_ascii=False))
        return 0
    table = Table(title=f"Outbox ({len(rows)})", title_justify="left")
    for col in ("#", "kind", "to", "subject", "status", "tries", "note"):
        table.add_column(col, overflow="fold")
    for r in rows:
        note = _note(r)
        table.add_row(str(r.id), r.kind, r.to_addr, r.subject, r.status, str(r.attempts), note)
    console.print(table)
    return 0


def _note(r: OutboxMessage) -> str:
    """What the list says about a row: a sent row says when (a deferral before it is history); a
    bounced one the server's words and whether its address is paused."""
    if r.status == "bounced":
        return f"{r.last_error} — {r.reason.removeprefix('bounced; ')}"
    if r.status == "sent" and r.sent_at:
        return f"{r.sent_at:%Y-%m-%d %H:%M}" + (f" ({r.reason})" if r.reason == outbox.SEND_NOW else "")
    waiting = f"{r.reason} until {r.not_before:%Y-%m-%d %H:%M} UTC" if r.reason.startswith(outbox.CAP_DEFERRED) else ""
    return r.last_error or waiting or r.reason or f"after {r.not_before:%Y-%m-%d %H:%M} UTC"


def cmd_outbox_action(args) -> int:
    app = bootstrap.build(load(args.config))
    if getattr(args, "failed", False):
        with app.sessions.begin() as session:
            ids = outbox.retry_failed(session, app.now())
        console.print(f"{len(ids)} failed mail(s) queued again" + (f": {', '.join(f'#{i}' for i in ids)}" if ids else ""))
        return 0
    actions = {"retry": outbox.retry, "send-now": outbox.send_now, "cancel": lambda s, i, _now: outbox.cancel(s, i)}
    with app.sessions.begin() as session:
        row = session.get(OutboxMessage, args.id)
        waiting = _waiting(row) if row is not None and row.status == "queued" else ""
        done = actions[args.action](session, args.id, app.now())
        if row is not None:
            session.refresh(row)
    if row is None:
        console.print(f"outbox #{args.id}: no such mail")
        return 1
    if not done:
        if args.action == "retry" and waiting:  # it is not lost, only waiting: say how to send it now
            console.print(f"outbox #{args.id} is queued, {waiting}: `introledger outbox send-now {args.id}` "
                          "sends it now", highlight=False)
        else:
            console.print(f"outbox #{args.id} is {row.status}: nothing to {args.action}")
        return 1
    if args.action == "send-now":
        console.print(f"outbox #{args.id} goes out now (outside the daily cap), with the next sweep of a running "
                      "`introledger run` or `introledger send`", highlight=False)
        return 0
    console.print(f"outbox #{args.id} is now {row.status}")
    if args.action == "retry":
        with app.sessions() as session:
            pause = pauses.paused(session, row.to_addr)
        if pause is not None:
            console.print(f"  but mail to {pause.email} is paused since {pause.created_at:%Y-%m-%d} ({pause.reason}): "
                          f"it will be held; `introledger outbox unpause {pause.email}` first", highlight=False)
    return 0


def cmd_outbox_unpause(args) -> int:
    app = bootstrap.build(load(args.config))
    address = args.address.strip().lower()
    with app.sessions.begin() as session:
        ended, held = pauses.unpause(session, address)
    if ended is None:
        console.print(f"mail to {address} is not paused", highlight=False)
        return 1
    console.print(f"mail to {address} resumes (paused since {ended.created_at:%Y-%m-%d}: {ended.reason})",
                  highlight=False)
    if held:
        ids = " ".join(str(i) for i in held)
        console.print(f"{len(held)} mail(s) to it were held meanwhile: `introledger outbox retry ID` sends one "
                      f"({ids})", highlight=False)
    return 0


def _waiting(row: OutboxMessage) -> str:
    """Why a queued mail has not gone yet, in words."""
    when = f"{row.not_before:%Y-%m-%d %H:%M} UTC"
    if row.reason.startswith(outbox.CAP_DEFERRED):
        return f"{row.reason} until {when}"
    if row.last_error:
        return f"waiting to retry after {when} ({row.last_error})"
    return f"due after {when}"


def cmd_optout(args) -> int:
    app = bootstrap.build(load(args.config))
    address = args.address.strip().lower()
    if "@" not in address:
        console.print(f"{args.address!r} is not an email address")
        return 2
    with app.sessions.begin() as session:
        row = session.scalar(select(OptOut).where(OptOut.email == address))
        if args.action == "add" and row is None:
            session.add(OptOut(email=address, reason="added by hand"))
        elif args.action == "remove" and row is not None:
            session.delete(row)
    verb = "will get no mail from us" if args.action == "add" else "may get our mail again"
    console.print(f"{address} {verb}")
    return 0


def cmd_optout_list(args) -> int:
    app = bootstrap.build(load(args.config))
    with app.sessions() as session:
        rows = session.scalars(select(OptOut).order_by(OptOut.email)).all()
    if args.json:
        print(json.dumps([{"email": r.email, "reason": r.reason, "created_at": r.created_at.isoformat()}
                          for r in rows], indent=2))
    else:
        for r in rows:
            console.print(f"{r.email}  ({r.reason}, {r.created_at:%Y-%m-%d})", highlight=False)
    return 0


_DANA = {"name": "Dana Whitfield", "first_name": "Dana", "email": "dana@example.com", "footer": True}
_CAROL = {"name": "Carol Jensen", "first_name": "Carol", "email": "carol@example.com"}
SAMPLE = {
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
    "answer_not_applied": {
        "member": _DANA, "others": ["Alice Moreno"], "ref": 12, "given": False, "pair": "Alice Moreno",
        "answer": "WON", "status": "LOST",
        "why": "it is already lost, a final answer; only its member can change it",
        "how": "reply CORRECTION: WON to this mail.",
    },
}


def cmd_templates_preview(args) -> int:
    config = load(args.config)
    from worker.outbound.templating import Templates

    templates = Templates(config.templates_dir)
    if args.name not in SAMPLE:
        console.print(f"no sample data for {args.name!r}; templates with samples: {', '.join(SAMPLE)}")
        return 1
    rendered = templates.render(args.name, **SAMPLE[args.name])
    print(f"Subject: {rendered.subject}\n")
    print(rendered.html if args.html else rendered.text)
    return 0


def cmd_mark(args) -> int:
    from models import Member, Referral
    from worker.mail.commands import parse_command

    app = bootstrap.build(load(args.config))
    if app.desk is None:
        console.print(f"follow-ups are off: set ${app.config.settings.token_secret_env} "
                      "(and follow_ups.enabled) to track outcomes")
        return 1
    # The note after a dash, so "not paid yet" is a note, not a negated answer.
    words = " ".join(w for w in (args.status.replace("_", " "), args.amount or "") if w)
    words += f" - {args.note}" if args.note else ""
    command = parse_command(words, app.desk.vocabulary)
    if command is None:
        console.print(f"{args.status!r} is not an answer I know: use MET, QUALIFIED, WON, LOST, NO_FIT, SNOOZE, "
                      "STOP or 'STOP ALL'")
        return 2
    with app.sessions.begin() as session:
        referral = session.get(Referral, args.ref)
        if referral is None:
            console.print(f"referral #{args.ref}: no such referral")
            return 1
        member = session.get(Member, referral.member_id) if referral.member_id else None
        actor = args.by or (member.emails[0] if member else "cli")
        new = app.desk.apply(session, referral, command, actor, "", via=f"by hand: {words}", correction=args.correct)
        last = _last_event(session, referral.id)
        refused = last.reason if last is not None and not last.accepted else ""
        did = last.reason if last is not None else ""
    if refused:
        console.print(f"referral #{args.ref} not changed: {refused}", highlight=False)
        return 1
    if command.verb in ("stop", "stop_all", "snooze"):  # not an outcome: say what it did, not a status
        console.print(f"referral #{args.ref} stays {new}: {did}", highlight=False)
        return 0
    console.print(f"referral #{args.ref} is now {new}")
    return 0


def _last_event(session, referral_id: int):
    from models import ReferralEvent

    session.flush()
    return session.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == referral_id)
                           .order_by(ReferralEvent.id.desc()).limit(1)).first()
