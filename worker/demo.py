"""`introledger demo`: the sample intros shipped with the project, through the real pipeline.

Builds a throwaway workspace (config, Maildir, SQLite) so nothing needs a server or a setting.
"""
import shutil
from email import message_from_bytes, policy
from pathlib import Path

from rich.console import Console
from rich.table import Table

from models.db import make_engine, upgrade
from worker import bootstrap, queries, views
from worker.config import load
from worker.maildir_source import MaildirSource
from worker.service import Service

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
thank_you:
  delay_seconds: 0         # a real install waits 10 minutes so a human thank-you can go first
  max_age_days: 3650       # the samples are from the past; real backfills get no thank-you
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


def run_demo(workdir: Path, console: Console) -> int:
    config = load(str(prepare(workdir)), env={})
    upgrade(make_engine(config.database_url))
    app = bootstrap.build(config)
    outcomes = Service(app).once()
    console.print(f"[bold]introledger demo[/bold]: {len(outcomes)} sample messages delivered to "
                  f"intros@example.com, read from {config.maildir_path}\n")
    table = Table(title="What happened to each message", title_justify="left")
    for col in ("message", "verdict", "ref", "why"):
        table.add_column(col, overflow="fold")
    for sample, outcome in zip(sorted(SAMPLES.glob("*.eml")), outcomes):
        ref = f"#{outcome.referral_id}" if outcome.referral_id else ""
        table.add_row(sample.stem[3:], outcome.kind, ref, outcome.reason)
    console.print(table)
    console.print()
    with app.sessions() as session:
        views.referrals_table(queries.referrals(session), console)
    _show_sent(config.outgoing_path, console)
    console.print(f"\nEverything is in {workdir}/ (config.yaml, mail/, outgoing/, introledger.db). Try:\n"
                  f"  introledger --config {workdir}/config.yaml referrals --json\n"
                  f"  introledger --config {workdir}/config.yaml outbox")
    return 0


def _show_sent(folder: Path, console: Console) -> None:
    """The thank-yous a real install would have sent, as the recipient would read them."""
    sent = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime)
    console.print(f"\n[bold]Thank-you mails ({len(sent)})[/bold], written to {folder}/ "
                  "instead of being sent:")
    for path in sent:
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        body = msg.get_body(("plain",)).get_content().replace("\r\n", "\n").strip().split("\n\n")
        console.print(f"\n  To: {msg['To']}\n  From: {msg['From']}\n  Subject: {msg['Subject']}", highlight=False)
        console.print("  | " + "\n  | ".join(" ".join(p.split()) for p in body[:3]), highlight=False)
