"""`introledger demo`: the sample intros shipped with the project, through the real pipeline.

Builds a throwaway workspace (config, Maildir, SQLite) so nothing needs a server or a setting.
"""
import shutil
from pathlib import Path

from rich.console import Console
from rich.table import Table

from models.db import make_engine, upgrade
from worker import bootstrap, queries, views
from worker.config import load
from worker.maildir_source import MaildirSource

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
    outcomes = MaildirSource(config.maildir_path).drain(app.pipeline)
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
    console.print(f"\nEverything is in {workdir}/ (config.yaml, mail/, introledger.db). Try:\n"
                  f"  introledger --config {workdir}/config.yaml referrals --json")
    return 0
