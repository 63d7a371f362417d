"""`introledger demo`: the sample intros shipped with the project, through the real pipeline.

Builds a throwaway workspace (config, Maildir, SQLite) so nothing needs a server or a setting.
"""
import shutil
from email import message_from_bytes, policy
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from models import OutboxMessage, ReferralEvent
from models.db import make_engine, upgrade
from worker.app import bootstrap
from worker.app.service import Service
from worker.cli import report as cli_report
from worker.cli import views
from worker.cli.context import Command, Invocation, pass_invocation, styled
from worker.core.config import load
from worker.core.statuses import Mail
from worker.ledger import balance as ledger
from worker.ledger import queries
from worker.sources.maildir import MaildirSource

SAMPLES = Path(__file__).with_name("demo_mail")
DEMO_CONFIG = """\
# Written by `introledger demo`; a real install starts from the project's config.yaml.
tracking:
  address: intros@example.com
database_url: sqlite:///introledger.db
source:
  kind: maildir
  maildir:
    path: mail
outbound:
  transport: folder        # mail is written to outgoing/ instead of an SMTP server
  folder: outgoing
  quiet_hours: null
  per_recipient_per_day: 20
thank_you:
  delay_seconds: 0         # a real install waits 10 minutes so a human thank-you can go first
  max_age_days: 3650       # the samples are from the past; real backfills get no thank-you
follow_ups:
  steps: ["0s"]            # a real install asks after 7 and 21 days
  stale_after: 3650d
  reward: "A $25 gift card is on its way."
members:
  - name: Dana Whitfield
    emails: [dana@danabooks.example, d.whitfield@danabooks.example]
    domains: [danabooks.example]
  - name: Marco Rossi
    emails: [marco@rossi-marketing.example]
    domains: [rossi-marketing.example]
"""


def prepare(workdir: Path) -> Path:
    """A fresh workspace with the samples waiting in the Maildir's new/; returns the config path."""
    if workdir.exists():
        shutil.rmtree(workdir)
    (workdir / "mail").mkdir(parents=True)
    config_path = workdir / "config.yaml"
    config_path.write_text(DEMO_CONFIG, encoding="utf-8")
    source = MaildirSource(workdir / "mail")
    source.ensure()
    for i, sample in enumerate(sorted(SAMPLES.glob("*.eml"))):
        shutil.copyfile(sample, workdir / "mail" / "new" / f"{i:04d}.{sample.stem}")
    return config_path


DEMO_SECRET = {"INTROLEDGER_TOKEN_SECRET": "demo-only-not-a-secret"}


@click.command(cls=Command)
@click.option("--dir", "workdir", type=click.Path(path_type=Path), default=Path("introledger-demo"),
              show_default=True, help="where the demo's mailbox, database and config go (made afresh)")
@pass_invocation
def demo(inv: Invocation, workdir: Path) -> int:
    """Ingest the sample intros shipped with introledger into a local Maildir + SQLite, answer one
    follow-up as a member would, and print what happened and the ledger. Needs no server."""
    return run_demo(workdir, inv.out)


def run_demo(workdir: Path, console: Console) -> int:
    config = load(str(prepare(workdir)), env=DEMO_SECRET)
    upgrade(make_engine(config.database_url))
    app = bootstrap.build(config)
    outcomes = Service(app).once()
    won = _answer_first_follow_up(app, config, "WON $4,500 - they signed yesterday!")
    Service(app).once()
    console.print(styled(("introledger demo", "bold"), f": {len(outcomes)} sample messages delivered to "
                         f"intros@example.com, read from {config.maildir_path}\n"))
    table = Table(title="What happened to each message", title_justify="left")
    for col in ("message", "verdict", "ref", "why"):
        table.add_column(col, overflow="fold")
    for sample, outcome in zip(sorted(SAMPLES.glob("*.eml")), outcomes, strict=True):
        ref = f"#{outcome.referral_id}" if outcome.referral_id else ""
        table.add_row(sample.stem[3:], outcome.kind, ref, outcome.reason)
    console.print(table)
    console.print()
    console.print(styled(f"\nDana answered the follow-up about referral #{won} from her phone with ",
                         ("WON $4,500 - they signed yesterday!", "bold")))
    with app.sessions() as session:
        _show_history(session, won, console)
        views.referrals_table(queries.referrals(session), console)
        _show_outbox(session, console)
    _show_sent(config.outgoing_path, console, kinds=("closed_business",))
    with app.sessions() as session:
        lines = ledger.build(session, None, None, app.now(), app.thresholds, months=False)
    console.print(styled("\n", ("The give-and-take ledger", "bold"), ": per member and partner, referrals each way "
                         "(given = the member sent the partner business; received = the partner sent the member "
                         "business; balance = given − received, below zero when the partner has sent more than "
                         "they got)"))
    cli_report.table(lines, console, app.now(), trend=False)
    console.print(f"\nEverything is in {workdir}/ (config.yaml, mail/, outgoing/, introledger.db). Try:\n"
                  f"  introledger --config {workdir}/config.yaml referrals --json\n"
                  f"  introledger --config {workdir}/config.yaml outbox\n"
                  f"  introledger --config {workdir}/config.yaml report --group     # the group, one line per member",
                  soft_wrap=True)  # commands to copy: never broken at the terminal's width
    console.print(f"\nOpen the demo's dashboard in a browser:\n"
                  f"  export INTROLEDGER_WEB_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))')\n"
                  f"  introledger --config {workdir}/config.yaml web &     # serves http://127.0.0.1:8080/\n"
                  f"  introledger --config {workdir}/config.yaml web login dana@danabooks.example"
                  f"     # prints Dana's one-time sign-in link: open it", soft_wrap=True)
    return 0


def _answer_first_follow_up(app, config, answer: str) -> int:
    """Play Dana: reply to the first follow-up as a phone would, into the tracking Maildir."""
    with app.sessions() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "follow_up",
                                                          OutboxMessage.status == Mail.SENT)
                              .order_by(OutboxMessage.id)).first()
        referral_id, member_address = row.referral_ids[0], row.to_addr
        reply = (f"From: {member_address}\nTo: {row.reply_to}\nSubject: Re: {row.subject}\n"
                 f"Message-ID: <demo-answer-{row.id}@example.com>\nIn-Reply-To: <{row.message_id}>\n"
                 f"Content-Type: text/plain; charset=utf-8\n\n{answer}\n\nSent from my iPhone\n\n"
                 f"> On {row.sent_at:%d %b %Y}, introledger <{config.settings.tracking.address}> wrote:\n"
                 "> How did the intro go?\n")
    (config.maildir_path / "new" / "9999.demo-answer").write_text(reply, encoding="utf-8")
    return referral_id


def _show_history(session, referral_id: int, console: Console) -> None:
    for event in session.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == referral_id)
                                 .order_by(ReferralEvent.id)):
        console.print(f"  referral #{referral_id}: {event.old_status} → {event.new_status} "
                      f"by {event.actor_email}: {event.reason}")


def _show_outbox(session, console: Console) -> None:
    table = Table(title="Mail it wrote (outgoing/ instead of an SMTP server)", title_justify="left")
    for col in ("kind", "to", "subject", "status"):
        table.add_column(col, overflow="fold")
    for row in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)):
        table.add_row(row.kind, row.to_addr, row.subject, row.status)
    console.print(table)


def _show_sent(folder: Path, console: Console, kinds: tuple[str, ...]) -> None:
    """Mails as the recipient would read them."""
    sent = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime)
    for path in sent:
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        if not any(k in msg["Subject"].lower() for k in ("turned into business",)) and "closed_business" in kinds:
            continue
        part = msg.get_body(("plain",))
        if part is None:
            continue
        body = part.get_content().replace("\r\n", "\n").strip().split("\n\n")
        console.print(f"\n  To: {msg['To']}\n  From: {msg['From']}\n  Subject: {msg['Subject']}")
        console.print("  | " + "\n  | ".join(" ".join(p.split()) for p in body[:3]))
