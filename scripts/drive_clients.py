"""Regenerate the corpus mail written by GUI and terminal mail clients, driven as a person drives them.

    apt-get install -y thunderbird thunderbird-l10n-de thunderbird-l10n-fr thunderbird-l10n-es-es \
        thunderbird-l10n-nl thunderbird-l10n-it evolution gnome-keyring claws-mail alpine emacs-nox \
        mailutils aerc xvfb xdotool imagemagick tmux dovecot-imapd
    python scripts/drive_clients.py [--shots DIR] [--only NAME,...] [CLIENT ...]
        # CLIENT: thunderbird alpine claws mailutils gnus aerc evolution (default: all; ~15 minutes)

Not part of CI: it needs a display server and minutes per client. What it does:
  - starts a Dovecot (IMAP, user dana) and an SMTP sink on 127.0.0.1 (tests/servers.py), and puts
    our real follow-up (templates/follow_up.*, built by worker/outbound/mailer.py) in Dana's INBOX;
  - runs each client with a fresh profile pointed at those servers — GUI clients on a private Xvfb
    display, typed into with xdotool; terminal ones in tmux — and types what a person types: opens
    the follow-up, replies (above the quote, below it, between quoted lines; plain text and HTML),
    writes double intros and forwards an intro;
  - saves the exact bytes the client handed the SMTP server, with "Delivered-To: intros@example.com"
    put first as our mailbox's server would, as tests/data/replies/client_<client>_*.eml (replies) and
    tests/data/corpus/client_<client>_*.eml (intros), and rewrites those files' manifest entries
    (what each must read as). --shots keeps a screenshot of each compose window before it is sent.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import SimpleNamespace

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import Dovecot, SmtpSink  # noqa: E402
from worker.outbound.mailer import build  # noqa: E402
from worker.outbound.templating import Templates  # noqa: E402

REPLIES = ROOT / "tests" / "data" / "replies"
CORPUS = ROOT / "tests" / "data" / "corpus"
DANA = ("Dana Whitfield", "dana@danabooks.example")
SIGNATURE = "Dana Whitfield\nDana Books"


def follow_up() -> bytes:
    """Our follow-up to Dana, as the worker sends it (multipart/alternative, the answer words listed)."""
    rendered = Templates().render(
        "follow_up", "en", member={"name": DANA[0], "first_name": "Dana", "email": DANA[1]},
        introducer={"name": "Carol Mendes", "first_name": "Carol", "email": "carol@mendes-consulting.example"},
        others=["Alice Brandt"], given=False, ref=12, date=datetime(2026, 10, 19, 15, 0, tzinfo=UTC))
    row = SimpleNamespace(html_body=rendered.html, text_body=rendered.text,
                          from_addr="introledger <intros@example.com>", to_addr=f"{DANA[0]} <{DANA[1]}>",
                          reply_to="", subject=rendered.subject, in_reply_to=None,
                          references=None, id=12, dedupe_key="follow-up 12", queued_at="2026-11-02")
    return bytes(build(row, "intros@example.com"))


# Carol's intro of Dana to Alice, in Dana's INBOX: what she forwards to the tracking address.
CAROL_INTRO = b"""\
From: Carol Mendes <carol@mendes-consulting.example>
To: Dana Whitfield <dana@danabooks.example>, Alice Brandt <alice@brandt-bakery.example>
Subject: Intro: Alice (Brandt Bakery) / Dana (bookkeeping)
Date: Thu, 19 Nov 2026 09:42:00 +0100
Message-ID: <carol-intro-1@mendes-consulting.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Hi Alice, hi Dana,

Alice runs Brandt Bakery and is looking for someone to take over her bookkeeping
before the year-end. Dana is the best bookkeeper I know for small food businesses.

I'll let you two take it from here.

Carol
"""


def refill_inbox(imap: Dovecot, raw: bytes) -> None:
    """Dana's INBOX holds this one message; her other folders (a client's Sent, Queue) stay."""
    c = imap.client()
    try:
        if c.select_folder("INBOX").get(b"EXISTS", 0):
            c.set_flags("1:*", [b"\\Deleted"], silent=True)
            c.expunge()
        c.append("INBOX", raw)
    finally:
        c.logout()


# ---- the display and the keyboard ---------------------------------------------------------


class Screen:
    """A private Xvfb display; xdotool types and clicks on it as a person would."""

    def __init__(self, shots: Path | None) -> None:
        self.shots = shots
        for number in range(57, 90):
            if not Path(f"/tmp/.X{number}-lock").exists():
                break
        self.display = f":{number}"
        self.proc = subprocess.Popen(["Xvfb", self.display, "-screen", "0", "1280x900x24", "-nolisten", "tcp",
                                      "-noreset"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.env = {**os.environ, "DISPLAY": self.display}
        deadline = time.monotonic() + 10
        while subprocess.run(["xdotool", "getmouselocation"], env=self.env, capture_output=True).returncode:
            if time.monotonic() > deadline:
                raise RuntimeError("Xvfb did not start")
            time.sleep(0.2)

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)

    def xdo(self, *args: str) -> str:
        return subprocess.run(["xdotool", *args], env=self.env, capture_output=True, text=True).stdout

    def click(self, x: int, y: int) -> None:
        self.xdo("mousemove", str(x), str(y), "click", "1")
        time.sleep(0.5)

    def key(self, *keys: str) -> None:
        for k in keys:
            self.xdo("key", k)
            time.sleep(0.15)

    def type(self, text: str) -> None:
        for i, line in enumerate(text.split("\n")):
            if i:
                self.key("Return")
            if line:
                self.xdo("type", "--delay", "25", line)
        time.sleep(0.3)

    def windows(self) -> dict[str, str]:
        ids = self.xdo("search", "--onlyvisible", "--name", ".").split()
        return {w: self.xdo("getwindowname", w).strip() for w in ids}

    def wait_window(self, pattern: str, timeout: float = 40) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for wid, name in self.windows().items():
                if re.search(pattern, name):
                    return wid
            time.sleep(0.5)
        raise RuntimeError(f"no window like {pattern!r} (have {sorted(self.windows().values())})")

    def shot(self, name: str) -> None:
        if self.shots:
            self.shots.mkdir(parents=True, exist_ok=True)
            subprocess.run(["import", "-window", "root", str(self.shots / f"{name}.png")], env=self.env, check=False)


# ---- what each run writes ---------------------------------------------------------------------


@dataclass
class Shot:
    """One message a client sends: how it is made, and what the corpus must read in it."""

    name: str  # the corpus file name, without client_<client>_ and .eml
    do: str  # reply_top | reply_bottom | reply_inline | compose | forward_inline | forward_attached
    answer: str  # what the person types (the reply's new text; an intro's body)
    prefs: dict = field(default_factory=dict)
    locale: str = "en-US"
    language: str = "en"
    to: str = ""
    cc: str = ""
    subject: str = ""
    notes: str = ""
    entry: dict = field(default_factory=dict)  # an intro's manifest entry (tests/data/corpus)
    signature: str = f"-- \n{SIGNATURE}"  # a reply's signature as the client writes it


@dataclass
class Sent:
    shot: Shot
    raw: bytes
    client: str


def save(sent: list[Sent], client: str, only: set[str]) -> None:
    """The messages into the corpora, and their entries into the manifests: this client's, all of them or
    (--only) the ones made now."""
    prefix = f"client_{client}_"
    ours = (lambda name: name.startswith(prefix) and (not only or name[len(prefix):-4] in only))
    replies = [s for s in sent if s.shot.do.startswith("reply")]
    intros = [s for s in sent if not s.shot.do.startswith("reply")]
    for folder in (REPLIES, CORPUS):
        for old in folder.glob(f"{prefix}*.eml"):
            if ours(old.name):
                old.unlink()
    for s in sent:
        folder = REPLIES if s in replies else CORPUS
        (folder / f"{prefix}{s.shot.name}.eml").write_bytes(b"Delivered-To: intros@example.com\r\n" + s.raw)

    path = REPLIES / "manifest.yaml"
    text = path.read_text(encoding="utf-8")
    head = text[:text.index("\n\n") + 2] if not text.startswith("client") else ""
    manifest = {k: v for k, v in (yaml.safe_load(text) or {}).items() if not ours(k)}
    for s in replies:
        manifest[f"{prefix}{s.shot.name}.eml"] = {
            "client": s.client, "language": s.shot.language,
            "source": f"generated by {s.client} (scripts/drive_clients.py)", "shape": s.shot.do.removeprefix("reply_"),
            "html": b"text/html" in s.raw, "new_text": s.shot.answer, "signature": s.shot.signature,
            "notes": s.shot.notes}
    body = yaml.safe_dump(dict(sorted(manifest.items())), allow_unicode=True, sort_keys=False, width=110)
    path.write_text(head + body, encoding="utf-8")

    # The classification manifest is written by hand: this client's entries are one block at its end.
    path = CORPUS / "manifest.yaml"
    text = path.read_text(encoding="utf-8")
    marker = f"# ---- written by scripts/drive_clients.py ({client}) ----\n"
    block: dict = {}
    if marker in text:
        start = text.index(marker)
        end = text.find("\n# ---- ", start + len(marker))
        block = {k: v for k, v in (yaml.safe_load(text[start:end if end != -1 else None]) or {}).items() if not ours(k)}
        text = text[:start].rstrip("\n") + "\n" + (text[end:] if end != -1 else "")
    for s in intros:
        entry = {**s.shot.entry, "language": s.shot.language, "client": s.client,
                 "source": f"generated by {s.client} (scripts/drive_clients.py)", "notes": s.shot.notes}
        date = re.search(rb"^Date: (.+)$", s.raw, re.M)
        if s.shot.do == "compose" and date:  # the intro's own date: the day the client sent it
            entry["date"] = parsedate_to_datetime(date.group(1).decode().strip()).strftime("%Y-%m-%d")
        block[f"{prefix}{s.shot.name}.eml"] = entry
    written = "".join(yaml.safe_dump({k: v}, allow_unicode=True, sort_keys=False, width=110) + "\n"
                      for k, v in sorted(block.items()))
    path.write_text(text.rstrip("\n") + "\n\n" + marker + written.rstrip("\n") + "\n", encoding="utf-8")
    print(f"{client}: {len(replies)} replies in {REPLIES}, {len(intros)} intros in {CORPUS}")


# ---- Thunderbird ------------------------------------------------------------------------------

TB_PREFS = {
    "mail.account.account1.server": "server1", "mail.account.account1.identities": "id1",
    "mail.account.account2.server": "server2", "mail.accountmanager.accounts": "account1,account2",
    "mail.accountmanager.defaultaccount": "account1", "mail.accountmanager.localfoldersserver": "server2",
    "mail.server.server1.type": "imap", "mail.server.server1.hostname": "127.0.0.1",
    "mail.server.server1.userName": "dana", "mail.server.server1.name": DANA[1],
    "mail.server.server1.socketType": 0, "mail.server.server1.authMethod": 3,
    "mail.server.server1.check_new_mail": False,
    "mail.server.server2.type": "none", "mail.server.server2.hostname": "Local Folders",
    "mail.server.server2.userName": "nobody", "mail.server.server2.name": "Local Folders",
    "mail.identity.id1.fullName": DANA[0], "mail.identity.id1.useremail": DANA[1],
    "mail.identity.id1.smtpServer": "smtp1", "mail.identity.id1.fcc": False, "mail.identity.id1.valid": True,
    "mail.identity.id1.htmlSigText": SIGNATURE, "mail.identity.id1.htmlSigFormat": False,
    "mail.smtpservers": "smtp1", "mail.smtpserver.smtp1.hostname": "127.0.0.1",
    "mail.smtpserver.smtp1.authMethod": 1, "mail.smtpserver.smtp1.try_ssl": 0, "mail.smtp.defaultserver": "smtp1",
    # First-run dialogs and network calls a person would have dismissed long ago.
    "mail.shell.checkDefaultClient": False, "mail.warn_on_send_accel_key": False, "mail.provider.enabled": False,
    "mailnews.start_page.enabled": False, "app.update.enabled": False, "app.update.auto": False,
    "datareporting.policy.dataSubmissionEnabled": False, "toolkit.telemetry.enabled": False,
    "mail.rights.version": 1, "mail.spotlight.firstRunDone": True, "mailnews.auto_config_url": "",
    "app.donation.eoy.version.viewed": 999, "mail.inappnotifications.enabled": False,
    "extensions.autoDisableScopes": 0, "intl.locale.requested": "en-US",
}
HTML = {"mail.identity.id1.compose_html": True}
PLAIN = {"mail.identity.id1.compose_html": False}
TOP = {"mail.identity.id1.reply_on_top": 1, "mail.identity.id1.sig_bottom": True}
TOP_SIG_ABOVE = {"mail.identity.id1.reply_on_top": 1, "mail.identity.id1.sig_bottom": False}
BOTTOM = {"mail.identity.id1.reply_on_top": 0}

TB_SHOTS = [
    Shot("plain_top", "reply_top", "WON $3,200 - they signed on Friday.", {**PLAIN, **TOP},
         notes="Plain text (format=flowed); the answer above 'On <date>, introledger wrote:', the signature at the "
               "very end under the quote; our HTML follow-up quoted as text (*bold* answer words, tabs)."),
    Shot("plain_top_sig_above_quote", "reply_top", "QUALIFIED - she wants a quote for the year-end accounts.",
         {**PLAIN, **TOP_SIG_ABOVE}, notes="Top-posted with the signature set to sit under the answer, above the "
                                           "quote."),
    Shot("plain_bottom", "reply_bottom", "MET - we had coffee on Thursday, a quote goes out next week.",
         {**PLAIN, **BOTTOM}, notes="Thunderbird's default placement: the answer under the quote, above the "
                                    "signature."),
    Shot("plain_inline", "reply_inline", "LOST - they went with a firm nearer to them.", {**PLAIN, **BOTTOM},
         notes="The answer typed between the quoted question and the quoted list of answer words."),
    Shot("html_top", "reply_top", "WON $1,850 for the first quarter.", {**HTML, **TOP_SIG_ABOVE},
         notes="HTML compose (Thunderbird's default): moz-cite-prefix attribution, <blockquote type=cite> holding "
               "our table of answer words, the signature as <pre class=moz-signature>."),
    Shot("html_bottom", "reply_bottom", "MET - coffee on Thursday, a quote goes out next week.", {**HTML, **BOTTOM},
         notes="HTML, bottom-posted above the signature."),
    Shot("html_inline", "reply_inline", "NOTHING YET - she is away until the 20th.", {**HTML, **BOTTOM},
         notes="HTML: Enter inside the quote splits the blockquote; the answer sits between its halves."),
    Shot("de_html_top", "reply_top", "Gewonnen, 2.400 € für den Jahresabschluss.", {**HTML, **TOP},
         locale="de", language="de", notes="German Thunderbird: 'Am <date> um <time> schrieb introledger:'."),
    Shot("fr_plain_top", "reply_top", "Signé hier, 1 500 € pour l'année.", {**PLAIN, **TOP_SIG_ABOVE},
         locale="fr", language="fr", notes="French Thunderbird: 'Le <date> à <time>, introledger a écrit :'."),
    Shot("es_html_bottom", "reply_bottom", "Perdido, eligieron a otro despacho.", {**HTML, **BOTTOM},
         locale="es-ES", language="es", notes="Spanish Thunderbird: 'El <date> a las <time>, introledger escribió:'."),
    Shot("nl_plain_top", "reply_top", "Getekend, 900 euro voor de eerste opdracht.", {**PLAIN, **TOP},
         locale="nl", language="nl", notes="Dutch Thunderbird: 'Op <date> om <time> schreef introledger:'."),
    Shot("it_html_top", "reply_top", "Abbiamo vinto, 1.200 euro.", {**HTML, **TOP_SIG_ABOVE},
         locale="it", language="it", notes="Italian Thunderbird: 'Il <date> <time>, introledger ha scritto:'."),
    Shot("double_intro", "compose",
         "Hi Alice, hi Raj,\n\nAlice, meet Raj Mehta: he designed our new office and is the architect I "
         "recommend to everyone. Raj, Alice runs Brandt Bakery and is planning a second shop.\n\n"
         "I'll let you two take it from here.\n\nDana",
         HTML, to="Alice Brandt <alice@brandt-bakery.example>, Raj Mehta <raj@mehta-architects.example>",
         cc="intros@example.com", subject="Introduction: Alice Brandt <> Raj Mehta",
         notes="A double intro written in Thunderbird's HTML editor (no formatting, so it sends plain text only), "
               "both parties on To, the tracking address on Cc.",
         entry={"kind": "double_intro", "introducer": DANA[1],
                "parties": ["alice@brandt-bakery.example", "raj@mehta-architects.example"],
                "provider": "raj@mehta-architects.example", "direction": "given"}),
    Shot("double_intro_cc", "compose",
         "Hallo Alice,\n\nich möchte dir gern Raj Mehta vorstellen, den Architekten, der unser Büro umgebaut hat. "
         "Raj, Alice plant eine zweite Filiale ihrer Bäckerei und sucht jemanden für den Umbau.\n\n"
         "Meldet euch doch direkt bei einander.\n\nViele Grüße\nDana",
         HTML, locale="de", language="de", to="Alice Brandt <alice@brandt-bakery.example>",
         cc="Raj Mehta <raj@mehta-architects.example>, intros@example.com",
         subject="Vorstellung: Alice Brandt und Raj Mehta",
         notes="A German double intro from German Thunderbird: one party on To, the other and the tracking address "
               "on Cc.",
         entry={"kind": "double_intro", "introducer": DANA[1],
                "parties": ["alice@brandt-bakery.example", "raj@mehta-architects.example"],
                "provider": "raj@mehta-architects.example", "direction": "given"}),
    Shot("forwarded_intro", "forward_inline", "For the ledger: Carol's intro to Alice.", HTML,
         to="intros@example.com",
         notes="Thunderbird's inline forward ('-------- Forwarded Message --------' and a header table) of an "
               "intro Dana received.",
         entry={"kind": "forwarded_intro", "introducer": "carol@mendes-consulting.example", "forwarded_by": DANA[1],
                "parties": [DANA[1], "alice@brandt-bakery.example"], "provider": DANA[1],
                "direction": "received", "date": "2026-11-19"}),
    Shot("forwarded_intro_attached", "forward_attached", "Carol's intro to Alice, for the ledger.",
         {**PLAIN, "mail.forward_message_mode": 0}, to="intros@example.com",
         notes="Forwarded as an attachment (message/rfc822), Thunderbird's other forward.",
         entry={"kind": "forwarded_intro", "introducer": "carol@mendes-consulting.example", "forwarded_by": DANA[1],
                "parties": [DANA[1], "alice@brandt-bakery.example"], "provider": DANA[1],
                "direction": "received", "date": "2026-11-19"}),
]

for _shot in TB_SHOTS:  # Thunderbird leaves out the "-- " line when the signature sits above the quote
    if _shot.prefs.get("mail.identity.id1.sig_bottom") is False:
        _shot.signature = SIGNATURE


def _pref(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class Thunderbird:
    """One profile for the whole run (the IMAP password is typed and saved once); prefs per message."""

    def __init__(self, screen: Screen, imap: Dovecot, smtp: SmtpSink, work: Path) -> None:
        self.screen, self.imap, self.smtp = screen, imap, smtp
        self.profile = work
        self.profile.mkdir(parents=True)
        self.proc: subprocess.Popen | None = None
        self.password_saved = False

    def version(self) -> str:
        out = subprocess.run(["thunderbird", "--version"], capture_output=True, text=True).stdout
        return out.strip().splitlines()[-1].replace("Mozilla ", "")  # "Thunderbird 153.8.0esr"

    def start(self, shot: Shot, *args: str) -> None:
        prefs = {**TB_PREFS, **shot.prefs, "intl.locale.requested": shot.locale,
                 "mail.server.server1.port": self.imap.port, "mail.smtpserver.smtp1.port": self.smtp.port}
        (self.profile / "user.js").write_text(
            "".join(f'user_pref("{k}", {_pref(v)});\n' for k, v in prefs.items()), encoding="utf-8")
        self.proc = subprocess.Popen(["thunderbird", "--profile", str(self.profile), "--no-remote", *args],
                                     env=self.screen.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(20)
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(10)
            self.proc = None
            time.sleep(1)

    def open_message(self) -> None:
        """The account's page, then its INBOX (typing the password the first time), then the one message."""
        s = self.screen
        s.wait_window(r"Thunderbird$")
        time.sleep(6)  # the folder pane fills in after the window shows
        s.click(160, 113)  # the account: Right opens it (or, open, steps to Inbox), Right again steps to Inbox
        s.key("Right", "Right")
        time.sleep(3)
        if not self.password_saved:
            s.wait_window(r"password|Passwort|mot de passe")
            s.click(600, 448)
            s.type(self.imap.password)
            s.click(427, 475)  # remember it
            s.click(748, 510)
            self.password_saved = True
            time.sleep(3)
        s.click(430, 124)  # the newest (only) message in the card list
        time.sleep(2)

    def run(self, shot: Shot) -> bytes:
        s, before = self.screen, len(self.smtp.messages)
        refill_inbox(self.imap, CAROL_INTRO if shot.do.startswith("forward") else follow_up())
        if shot.do == "compose":
            self.start(shot, "-compose", f"to='{shot.to}',cc='{shot.cc}',subject='{shot.subject}'")
            s.wait_window(re.escape(shot.subject[:20]))
            time.sleep(3)
            s.click(400, 400)  # into the body, then above the signature
            s.key("ctrl+Home")
        else:
            self.start(shot)
            self.open_message()
            s.key({"reply_top": "ctrl+r", "reply_bottom": "ctrl+r", "reply_inline": "ctrl+r",
                   "forward_inline": "ctrl+l", "forward_attached": "ctrl+l"}[shot.do])
            time.sleep(5)
            if shot.do.startswith("forward"):  # the cursor is in To
                s.type(shot.to)
                s.key("Return")
                time.sleep(0.5)
                s.click(400, 300 if shot.do == "forward_inline" else 350)  # the body, above the forwarded part
                s.key("ctrl+Home")
            if shot.do == "reply_inline":  # the end of the quoted question: line 4 (plain, wrapped), 2 (HTML)
                html = shot.prefs.get("mail.identity.id1.compose_html")
                # Enter splits the HTML quote; in plain text a second one leaves a blank line above the answer.
                s.key("ctrl+Home", *["Down"] * (2 if html else 4), "End", *["Return"] * (1 if html else 2))
        if shot.do == "compose" and shot.prefs.get("mail.identity.id1.compose_html"):
            s.type(shot.answer.replace("\n\n", "\n"))  # Enter starts a paragraph: one between paragraphs
        else:
            s.type(shot.answer)
        if shot.do == "reply_inline":
            s.key("Return")
        time.sleep(1)
        s.shot(f"thunderbird_{shot.name}")
        s.key("ctrl+Return")
        deadline = time.monotonic() + 30
        while len(self.smtp.messages) == before:
            if time.monotonic() > deadline:
                s.shot(f"thunderbird_{shot.name}_stuck")
                raise RuntimeError(f"Thunderbird sent nothing for {shot.name}")
            time.sleep(0.5)
        time.sleep(1)
        self.stop()
        return self.smtp.messages[-1].raw


def thunderbird(screen: Screen, imap: Dovecot, smtp: SmtpSink, work: Path, only: set[str]) -> None:
    tb = Thunderbird(screen, imap, smtp, work)
    client = tb.version()
    sent = []
    try:
        # The password is saved on the first run, which must be an English one (the dialog's place).
        for shot in sorted(TB_SHOTS, key=lambda s: s.locale != "en-US"):
            if only and shot.name not in only:
                continue
            print(f"thunderbird: {shot.name}", flush=True)
            sent.append(Sent(shot, tb.run(shot), client))
    finally:
        tb.stop()
    save(sorted(sent, key=lambda s: s.shot.name), "thunderbird", only)


# ---- terminal clients (tmux) ------------------------------------------------------------------


class Terminal:
    """A client in a tmux session: keys typed with send-keys, the screen read with capture-pane."""

    def __init__(self, name: str, command: str, env: dict[str, str]) -> None:
        self.name = name
        exports = " ".join(f"{k}={v}" for k, v in env.items())
        subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "110", "-y", "45", f"env {exports} {command}"],
                       check=True)

    def screen(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True).stdout

    def wait(self, text: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.screen():
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: no {text!r} on screen:\n{self.screen()}")
            time.sleep(0.3)

    def keys(self, *keys: str) -> None:
        for k in keys:
            subprocess.run(["tmux", "send-keys", "-t", self.name, k], check=True)
            time.sleep(0.4)

    def type(self, text: str) -> None:
        for i, line in enumerate(text.split("\n")):
            if i:
                self.keys("Enter")
            if line:
                subprocess.run(["tmux", "send-keys", "-t", self.name, "-l", line], check=True)
                time.sleep(0.3)

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def mbox(raw: bytes) -> bytes:
    """One message as an mbox file ("From " lines in the body escaped)."""
    body = re.sub(rb"(?m)^(>*From )", rb">\1", raw.replace(b"\r\n", b"\n"))
    return b"From intros@example.com Mon Nov  2 10:14:00 2026\n" + body.rstrip(b"\n") + b"\n\n"


def wait_sent(smtp: SmtpSink, before: int, what: str, timeout: float = 30) -> bytes:
    deadline = time.monotonic() + timeout
    while len(smtp.messages) == before:
        if time.monotonic() > deadline:
            raise RuntimeError(f"nothing sent for {what}")
        time.sleep(0.3)
    return smtp.messages[-1].raw


ALPINE_SHOTS = [
    Shot("top", "reply_top", "WON $2,750 - signed yesterday.",
         notes="Alpine's reply: our HTML follow-up quoted as Alpine renders it (each table cell a line), "
               "'On <day, date>, introledger wrote:' under the signature, which sits under the answer."),
    Shot("bottom", "reply_bottom", "MET - coffee on Thursday, she wants a quote.",
         {"feature-list": "signature-at-bottom"},
         notes="signature-at-bottom set: the answer typed under the quote, above the signature."),
    Shot("inline", "reply_inline", "LOST - they chose a firm nearer to them.",
         notes="The answer typed between the quoted question and the quoted answer words."),
    Shot("de_top", "reply_top", "Gewonnen, 1.800 Euro im ersten Jahr.",
         {"reply-leadin": "Am _DATE_ schrieb _FROM_:"}, language="de",
         notes="A German user's reply-leadin ('Am <date> schrieb introledger:')."),
    Shot("double_intro", "compose",
         "Alice, Raj -\n\nI'd like to introduce you two. Raj is the architect who redid our office; Alice runs "
         "Brandt Bakery and is planning a second shop.\n\nOver to you both.\n\nDana",
         to="Alice Brandt <alice@brandt-bakery.example>, Raj Mehta <raj@mehta-architects.example>",
         cc="intros@example.com", subject="Intro: Alice Brandt / Raj Mehta",
         notes="A double intro composed in Alpine, both parties on To, the tracking address on Cc.",
         entry={"kind": "double_intro", "introducer": DANA[1],
                "parties": ["alice@brandt-bakery.example", "raj@mehta-architects.example"],
                "provider": "raj@mehta-architects.example", "direction": "given"}),
    Shot("forwarded_intro", "forward_inline", "For the ledger: Carol's intro to Alice.", to="intros@example.com",
         notes="Alpine's forward: '---------- Forwarded message ----------' and the original's Date/From/To/"
               "Subject lines, unquoted.",
         entry={"kind": "forwarded_intro", "introducer": "carol@mendes-consulting.example", "forwarded_by": DANA[1],
                "parties": [DANA[1], "alice@brandt-bakery.example"], "provider": DANA[1],
                "direction": "received", "date": "2026-11-19"}),
]


def alpine(screen: Screen, imap: Dovecot, smtp: SmtpSink, work: Path, only: set[str]) -> None:
    version = subprocess.run(["alpine", "-v"], capture_output=True, text=True).stdout.split("(")[0].strip()
    work.mkdir(parents=True)
    (work / "sig").write_text(SIGNATURE + "\n")
    sent = []
    for shot in ALPINE_SHOTS:
        if only and shot.name not in only:
            continue
        print(f"alpine: {shot.name}", flush=True)
        (work / "inbox").write_bytes(mbox(CAROL_INTRO if shot.do.startswith("forward") else follow_up()))
        features = ",".join(["enable-sigdashes", "quell-user-lookup-in-passwd-file",
                             shot.prefs.get("feature-list", "")])
        leadin = f"reply-leadin={shot.prefs['reply-leadin']}\n" if "reply-leadin" in shot.prefs else ""
        (work / "pinerc").write_text(
            f"personal-name={DANA[0]}\nuser-domain=danabooks.example\n"
            f"customized-hdrs=From: {DANA[0]} <{DANA[1]}>\nsmtp-server=127.0.0.1:{smtp.port}/notls\n"
            f"inbox-path={work}/inbox\nsignature-file={work}/sig\nfeature-list={features.strip(',')}\n"
            f'default-fcc=""\n{leadin}')
        term = Terminal("drive-alpine", f"alpine -p {work}/pinerc -i", {"HOME": str(work)})
        before = len(smtp.messages)
        try:
            for _ in range(3):  # first-run screens: the mail folder made, the greeting
                time.sleep(2)
                screen_now = term.screen()
                if "Creating subdirectory" in screen_now:
                    term.keys("Enter")
                elif "GREETING TEXT" in screen_now:
                    term.keys("E")
            term.wait("MESSAGE INDEX")
            if shot.do == "compose":
                term.keys("c")
                term.wait("COMPOSE MESSAGE")
                term.type(shot.to)
                term.keys("Enter")
                term.type(shot.cc)
                term.keys("Enter", "Enter")  # Cc, then past Attchmnt
                term.type(shot.subject)
                term.keys("Enter")
            elif shot.do.startswith("forward"):
                term.keys("f")
                term.wait("FORWARD")
                term.type(shot.to)
                term.keys("Down", "Down", "Down", "Down")  # Cc, Attchmnt, Subject, the body's first line
            else:
                term.keys("r")
                term.wait("Include original message")
                term.keys("y")
                with contextlib.suppress(RuntimeError):
                    term.wait("Reply to all", 3)
                    term.keys("n")
                term.wait("COMPOSE MESSAGE REPLY")
                if shot.do == "reply_bottom":  # ^W^V: the end of the text; up past the signature
                    term.keys("C-w", "C-v", "Up", "Up", "Up", "Up")
                elif shot.do == "reply_inline":  # ^W finds the question; ^E its end
                    term.keys("C-w")
                    term.type("it go?")
                    term.keys("Enter", "C-e", "Enter", "Enter")
            term.type(shot.answer)
            if shot.do == "reply_inline":
                term.keys("Enter")
            if screen.shots:
                screen.shots.mkdir(parents=True, exist_ok=True)
                (screen.shots / f"alpine_{shot.name}.txt").write_text(term.screen())
            term.keys("C-x")
            term.wait("Send message?")
            term.keys("y")
            sent.append(Sent(shot, wait_sent(smtp, before, f"alpine {shot.name}"), version))
        finally:
            term.close()
    save(sent, "alpine", only)


# ---- Claws Mail ---------------------------------------------------------------------------------

CLAWS_SHOTS = [
    Shot("bottom", "reply_bottom", "MET - coffee on Thursday, a quote goes out next week.",
         notes="Claws Mail's default reply: the two-line attribution 'On <date>\\n<name> <address> wrote:', the "
               "cursor under the quote; the signature at the end."),
    Shot("top", "reply_top", "WON $2,100 - they signed the engagement letter.",
         {"reply_quote_format": "%X\\n\\nOn %d\\n%f wrote:\\n\\n%q"},
         notes="A quote format set to answer above the quote (Configuration > Preferences > Templates)."),
    Shot("inline", "reply_inline", "LOST - they went with a firm nearer to them.",
         notes="The answer typed between the quoted question and the quoted answer words."),
    Shot("de_top", "reply_top", "Gewonnen, 1.500 Euro für den Jahresabschluss.",
         {"reply_quote_format": "%X\\n\\nAm %d schrieb %f:\\n\\n%q"}, language="de",
         notes="A German user's quote format ('Am <date> schrieb <name> <address>:'), answer above."),
    Shot("double_intro", "compose",
         "Hi Alice, hi Raj,\n\nAlice, meet Raj Mehta, the architect who redid our office. Raj, Alice runs "
         "Brandt Bakery and is planning a second shop.\n\nOver to you two.\n\nDana",
         to="Alice Brandt <alice@brandt-bakery.example>, Raj Mehta <raj@mehta-architects.example>",
         cc="intros@example.com", subject="Intro: Alice Brandt <> Raj Mehta",
         notes="A double intro composed in Claws Mail: both parties on one To line, the tracking address on a "
               "second To line (Claws Mail's header rows).",
         entry={"kind": "double_intro", "introducer": DANA[1],
                "parties": ["alice@brandt-bakery.example", "raj@mehta-architects.example"],
                "provider": "raj@mehta-architects.example", "direction": "given"}),
    Shot("forwarded_intro", "forward_inline", "For the ledger: Carol's intro to Alice.", to="intros@example.com",
         notes="Claws Mail's forward: 'Begin forwarded message:' and the original's Date/From/To/Subject lines, "
               "unquoted.",
         entry={"kind": "forwarded_intro", "introducer": "carol@mendes-consulting.example", "forwarded_by": DANA[1],
                "parties": [DANA[1], "alice@brandt-bakery.example"], "provider": DANA[1],
                "direction": "received", "date": "2026-11-19"}),
]


class Claws:
    """One configuration made by its setup wizard, as a new user makes it; prefs patched per message."""

    def __init__(self, screen: Screen, imap: Dovecot, smtp: SmtpSink, work: Path) -> None:
        self.screen, self.imap, self.smtp = screen, imap, smtp
        self.config, self.home = work / "config", work / "home"
        self.home.mkdir(parents=True)
        (self.home / ".signature").write_text(SIGNATURE + "\n")
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(["claws-mail", "--alternate-config-dir", str(self.config)],
                                     env={**self.screen.env, "HOME": str(self.home)},
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(10)
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(10)
            self.proc = None
            time.sleep(1)

    def focus(self, pattern: str) -> str:
        wid = self.screen.wait_window(pattern)
        self.screen.xdo("windowfocus", "--sync", wid)
        time.sleep(0.5)
        return wid

    def setup(self) -> None:
        """The setup wizard: name and address, IMAP server, SMTP server, Save."""
        s = self.screen
        self.start()
        self.focus("Setup Wizard")
        s.click(659, 680)  # Next
        for y, value in ((291, DANA[0]), (329, DANA[1])):
            s.xdo("mousemove", "717", str(y), "click", "--repeat", "3", "1")
            s.type(value)
        s.click(659, 680)
        s.click(706, 291)  # server type: POP3, IMAP, Local mbox file
        s.click(536, 323)
        for y, value in ((359, f"127.0.0.1:{self.imap.port}"), (397, self.imap.user), (435, self.imap.password)):
            s.xdo("mousemove", "698", str(y), "click", "--repeat", "3", "1")
            s.type(value)
        s.click(659, 680)
        s.xdo("mousemove", "724", "291", "click", "--repeat", "3", "1")
        s.type(f"127.0.0.1:{self.smtp.port}")
        s.click(659, 680)
        s.click(761, 680)  # Save
        s.wait_window(r"Claws Mail \d")
        time.sleep(3)
        self.stop()

    def prefs(self, shot: Shot) -> None:
        """clawsrc as the wizard's run left it, the spell checker off (no dictionary here) and the shot's
        quote format."""
        path = self.config / "clawsrc"
        text = path.read_text(encoding="utf-8")
        if not hasattr(self, "_clawsrc"):
            self._clawsrc = text
        text = re.sub(r"(?m)^enable_aspell=.*$", "enable_aspell=0", self._clawsrc)
        if "reply_quote_format" in shot.prefs:
            text = re.sub(r"(?m)^reply_quote_format=.*$", lambda _: "reply_quote_format=" +
                          shot.prefs["reply_quote_format"], text)
        path.write_text(text, encoding="utf-8")

    def run(self, shot: Shot) -> bytes:
        s, before = self.screen, len(self.smtp.messages)
        refill_inbox(self.imap, CAROL_INTRO if shot.do.startswith("forward") else follow_up())
        self.prefs(shot)
        self.start()
        self.focus(r"Claws Mail \d")
        time.sleep(2)
        if shot.do == "compose":
            s.click(322, 120)  # Compose
        else:
            s.click(145, 214)  # INBOX
            time.sleep(3)
            s.click(500, 197)  # the one message
            time.sleep(2)
            s.key("ctrl+alt+f" if shot.do.startswith("forward") else "ctrl+r")
        self.focus("Compose message")
        time.sleep(1)
        if shot.do == "compose":  # the cursor is in the first To row; Enter opens the next row
            s.type(shot.to)
            s.key("Return")
            s.type(shot.cc)
            s.key("Return")
            s.click(300, 235)  # Subject
            s.type(shot.subject)
            s.click(300, 400)  # the body
            s.key("ctrl+Home")
        elif shot.do.startswith("forward"):
            s.type(shot.to)
            s.click(300, 400)
            s.key("ctrl+Home")
        elif shot.do == "reply_inline":  # the quoted question ends on line 7 (two attribution lines, a blank)
            s.click(300, 400)
            s.key("ctrl+Home", *["Down"] * 6, "End", "Return", "Return")
        s.type(shot.answer)
        if shot.do == "reply_inline":
            s.key("Return")
        time.sleep(1)
        s.shot(f"claws_{shot.name}")
        s.key("ctrl+Return")
        try:
            raw = wait_sent(self.smtp, before, f"claws {shot.name}")
        except RuntimeError:
            s.shot(f"claws_{shot.name}_stuck")
            raise
        time.sleep(1)
        self.stop()
        return raw


def claws(screen: Screen, imap: Dovecot, smtp: SmtpSink, work: Path, only: set[str]) -> None:
    version = subprocess.run(["claws-mail", "--version"], capture_output=True, text=True).stdout.strip()
    mail = Claws(screen, imap, smtp, work)
    sent = []
    try:
        mail.setup()
        for shot in CLAWS_SHOTS:
            if only and shot.name not in only:
                continue
            print(f"claws: {shot.name}", flush=True)
            sent.append(Sent(shot, mail.run(shot), version))
    finally:
        mail.stop()
    save(sent, "claws", only)


# ---- GNU Mailutils mail -----------------------------------------------------------------------------

MAILUTILS_SHOTS = [
    Shot("top", "reply_top", "WON $900 - they signed this morning.",
         notes="GNU mail's R, the answer typed, then ~m: the original interpolated whole, each line indented by a "
               "tab (its indentprefix) - headers, MIME boundaries and our HTML part included - with no attribution "
               "line and no '>'. GNU mail writes no From: (the From: line is the one a submission server adds from "
               "the envelope sender)."),
    Shot("bottom", "reply_bottom", "MET - coffee on Thursday.",
         notes="~m first, the answer typed under the tab-indented original."),
    Shot("quoted_top", "reply_top", "LOST - they went with someone local.", {"indentprefix": "> "},
         notes="indentprefix set to '> ': ~m quotes the whole original (headers and MIME parts) with '> ', "
               "no attribution line."),
]


def mailutils(screen: Screen, imap: Dovecot, smtp: SmtpSink, work: Path, only: set[str]) -> None:
    version = subprocess.run(["mail", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    version = version.replace("mail (GNU Mailutils)", "GNU Mailutils mail")
    work.mkdir(parents=True)
    sent = []
    for shot in MAILUTILS_SHOTS:
        if only and shot.name not in only:
            continue
        print(f"mailutils: {shot.name}", flush=True)
        (work / "inbox").write_bytes(mbox(follow_up()))
        indent = f'set indentprefix="{shot.prefs["indentprefix"]}"\n' if "indentprefix" in shot.prefs else ""
        (work / "mailrc").write_text(f"set sendmail=smtp://127.0.0.1:{smtp.port}\nset return-address={DANA[1]}\n"
                                     f"{indent}")
        term = Terminal("drive-mailutils", f"mail -f {work}/inbox",
                        {"HOME": str(work), "MAILRC": str(work / "mailrc"), "EMAIL": DANA[1],
                         "NAME": "'Dana Whitfield'"})
        before = len(smtp.messages)
        try:
            term.wait("1 message")
            term.type("R 1")
            term.keys("Enter")
            term.wait("Subject: Re:")
            if shot.do == "reply_top":
                term.type(shot.answer + "\n\n")
            term.type("~m")
            term.keys("Enter")
            term.wait("(continue)")
            if shot.do == "reply_bottom":
                term.type("\n" + shot.answer + "\n")
            term.type("~.")
            term.keys("Enter")
            raw = wait_sent(smtp, before, f"mailutils {shot.name}")
            if not re.search(rb"(?im)^From:", raw.split(b"\r\n\r\n", 1)[0]):
                # GNU mail writes no From: of its own; the submission server adds one from the envelope
                # sender (its return-address), as Postfix's cleanup does.
                raw = f"From: {smtp.messages[-1].mail_from}\r\n".encode() + raw
            sent.append(Sent(shot, raw, version))
        finally:
            term.close()
    save(sent, "mailutils", only)


# ---- Emacs: Gnus and message-mode --------------------------------------------------------------------

GNUS_SHOTS = [
    Shot("top", "reply_top", "WON $1,400 - signed last week.",
         notes="Gnus R (reply with the original): '<name> <address> writes:' with no date, our HTML follow-up "
               "quoted as Gnus renders it; the answer typed at the top of the body (C-c C-b)."),
    Shot("bottom", "reply_bottom", "MET - coffee on Thursday, a quote goes out next week.",
         notes="The answer typed under the quote, above message-mode's signature (C-c TAB, then up)."),
    Shot("inline", "reply_inline", "LOST - they went with a firm nearer to them.",
         notes="The answer typed under the quoted question (C-s it go?), the rest of the quote below it."),
    Shot("de_top", "reply_top", "Gewonnen, 2.000 Euro.",
         {"elisp": "(setq message-citation-line-function 'message-insert-formatted-citation-line "
                   "message-citation-line-format \"Am %d.%m.%Y um %R schrieb %f:\")"}, language="de",
         notes="A German user's formatted citation line ('Am 03.12.2026 um 13:01 schrieb introledger "
               "<intros@example.com>:')."),
    Shot("double_intro", "compose",
         "Alice, Raj,\n\nlet me introduce you: Raj Mehta is the architect who redid our office, Alice "
         "Brandt runs Brandt Bakery and is planning a second shop.\n\nI'll leave it to you two.\n\nDana",
         to="Alice Brandt <alice@brandt-bakery.example>, Raj Mehta <raj@mehta-architects.example>",
         cc="intros@example.com", subject="Introduction: Alice Brandt and Raj Mehta",
         notes="A double intro written in message-mode (C-x m), both parties on To, the tracking address on Cc.",
         entry={"kind": "double_intro", "introducer": DANA[1],
                "parties": ["alice@brandt-bakery.example", "raj@mehta-architects.example"],
                "provider": "raj@mehta-architects.example", "direction": "given"}),
    Shot("forwarded_intro", "forward_inline", "For the ledger: Carol's intro to Alice.", to="intros@example.com",
         notes="Gnus's forward (C-c C-f): subject '[Carol Mendes] <subject>', the original between '---- Start of "
               "forwarded message ----' and '---- End of forwarded message ----', the note typed above it.",
         entry={"kind": "forwarded_intro", "introducer": "carol@mendes-consulting.example", "forwarded_by": DANA[1],
                "parties": [DANA[1], "alice@brandt-bakery.example"], "provider": DANA[1],
                "direction": "received", "date": "2026-11-19"}),
]


def gnus(screen: Screen, imap: Dovecot, smtp: SmtpSink, work: Path, only: set[str]) -> None:
    out = subprocess.run(["emacs", "--batch", "--eval", "(princ (format \"Gnus/%s Emacs/%s\" (progn (require 'gnus) "
                          "gnus-version-number) emacs-version))"], capture_output=True, text=True).stdout
    version = out.strip()
    work.mkdir(parents=True)
    (work / "authinfo").write_text(f"machine 127.0.0.1 port {imap.port} login {imap.user} password {imap.password}\n")
    server = f'(nnimap "dovecot" (nnimap-address "127.0.0.1") (nnimap-server-port {imap.port}) (nnimap-stream plain))'
    sent = []
    for shot in GNUS_SHOTS:
        if only and shot.name not in only:
            continue
        print(f"gnus: {shot.name}", flush=True)
        refill_inbox(imap, CAROL_INTRO if shot.do.startswith("forward") else follow_up())
        shutil.rmtree(work / "home", ignore_errors=True)
        (work / "home").mkdir()
        signature = SIGNATURE.replace("\n", "\\n")
        opening = ("(compose-mail)" if shot.do == "compose"
                   else f"(gnus) (gnus-group-read-ephemeral-group \"INBOX\" '{server} t)")
        (work / "gnus.el").write_text(f"""\
(require 'gnus) (require 'gnus-group) (require 'gnus-sum) (require 'smtpmail)
(setq user-full-name "{DANA[0]}" user-mail-address "{DANA[1]}"
      message-send-mail-function 'smtpmail-send-it send-mail-function 'smtpmail-send-it
      smtpmail-smtp-server "127.0.0.1" smtpmail-smtp-service {smtp.port} smtpmail-stream-type 'plain
      message-signature "{signature}" auth-sources '("{work}/authinfo")
      gnus-init-file nil gnus-startup-file "{work}/home/newsrc" gnus-use-dribble-file nil
      gnus-save-newsrc-file nil gnus-read-newsrc-file nil gnus-message-archive-group nil
      gnus-select-method '{server})
{shot.prefs.get("elisp", "")}
{opening}
""")
        term = Terminal("drive-gnus", f"emacs -nw -Q -l {work}/gnus.el", {"HOME": str(work / "home")})
        before = len(smtp.messages)
        try:
            if shot.do != "compose":
                term.wait("Continue connecting?", 30)  # the network security manager: plain IMAP on 127.0.0.1
                term.keys("a")
                term.wait("Summary", 30)
                term.keys("C-c" if shot.do.startswith("forward") else "R")
                if shot.do.startswith("forward"):
                    term.keys("C-f")
            term.wait("--text follows this line--")
            if shot.do == "compose":  # point is on To:
                term.type(shot.to)
                term.keys("C-c", "C-f", "C-c")  # message-goto-cc
                term.type(shot.cc)
                term.keys("C-c", "C-f", "C-s")  # message-goto-subject
                term.type(shot.subject)
                term.keys("C-c", "C-b")
            elif shot.do.startswith("forward"):  # point is on To:
                term.type(shot.to)
                term.keys("C-c", "C-b")
            elif shot.do == "reply_top":
                term.keys("C-c", "C-b")
            elif shot.do == "reply_bottom":
                term.keys("C-c", "Tab", "C-p", "C-p")  # the blank line above "-- "
            elif shot.do == "reply_inline":
                term.keys("C-c", "C-b", "C-s")
                term.type("it go?")
                term.keys("Enter", "Enter", "Enter")
            if shot.do == "reply_bottom":
                term.type(shot.answer + "\n")
            elif shot.do == "reply_inline":
                term.type(shot.answer + "\n")
            else:
                term.type(shot.answer + "\n\n")
            if screen.shots:
                screen.shots.mkdir(parents=True, exist_ok=True)
                (screen.shots / f"gnus_{shot.name}.txt").write_text(term.screen())
            term.keys("C-c", "C-c")
            sent.append(Sent(shot, wait_sent(smtp, before, f"gnus {shot.name}"), version))
        finally:
            term.close()
    save(sent, "gnus", only)


# ---- aerc -------------------------------------------------------------------------------------------

# aerc composes in $EDITOR inside its own terminal; like mutt in scripts/client_shapes.sh, the editor is a
# script that types the answer where a person would.
AERC_EDITS = {
    "reply_top": '{ printf "%s\\n\\n" "$ANSWER"; cat "$f"; } > "$f.n" && mv "$f.n" "$f"',
    "reply_bottom": '{ cat "$f"; printf "\\n%s\\n" "$ANSWER"; } > "$f.n" && mv "$f.n" "$f"',
    "reply_inline": 'awk -v a="$ANSWER" \'{print} /go\\?$/ && !d {print "\\n" a "\\n"; d=1}\' "$f" > "$f.n" '
                    '&& mv "$f.n" "$f"',
}
AERC_SHOTS = [
    Shot("top", "reply_top", "WON $1,700 - signed on Monday.",
         notes="aerc's quoted reply (Rq): 'On Thu Dec 3, 2026 at 12:22 PM UTC, introledger wrote:', sent "
               "quoted-printable (a soft break inside the quoted question); the answer above it."),
    Shot("bottom", "reply_bottom", "MET - coffee on Thursday.", notes="The answer under the quote."),
    Shot("inline", "reply_inline", "LOST - they went with a firm nearer to them.",
         notes="The answer typed under the quoted question, the rest of the quote below it."),
]


def aerc(screen: Screen, imap: Dovecot, smtp: SmtpSink, work: Path, only: set[str]) -> None:
    version = "aerc " + subprocess.run(["aerc", "-v"], capture_output=True, text=True).stdout.split()[1]
    config = work / ".config" / "aerc"
    config.mkdir(parents=True)
    accounts = config / "accounts.conf"
    accounts.write_text(f"[dana]\nsource = imap+insecure://{imap.user}:{imap.password}@127.0.0.1:{imap.port}\n"
                        f"outgoing = smtp+none://127.0.0.1:{smtp.port}\ndefault = INBOX\n"
                        f"from = {DANA[0]} <{DANA[1]}>\ncopy-to =\n")
    accounts.chmod(0o600)
    sent = []
    for shot in AERC_SHOTS:
        if only and shot.name not in only:
            continue
        print(f"aerc: {shot.name}", flush=True)
        refill_inbox(imap, follow_up())
        (work / "editor").write_text(f'#!/bin/sh\nf="$1"\n{AERC_EDITS[shot.do]}\n')
        (work / "editor").chmod(0o755)
        (config / "aerc.conf").write_text(f"[general]\nunsafe-accounts-conf=true\n[compose]\neditor={work}/editor\n")
        term = Terminal("drive-aerc", "aerc", {"HOME": str(work), "ANSWER": f"'{shot.answer}'"})
        before = len(smtp.messages)
        try:
            term.wait("How did the intro", 30)
            term.keys("R", "q")  # reply to the sender, quoting
            term.wait("Send this email?")
            if screen.shots:
                screen.shots.mkdir(parents=True, exist_ok=True)
                (screen.shots / f"aerc_{shot.name}.txt").write_text(term.screen())
            term.keys("y")
            sent.append(Sent(shot, wait_sent(smtp, before, f"aerc {shot.name}"), version))
        finally:
            term.close()
    save(sent, "aerc", only)


# ---- Evolution ----------------------------------------------------------------------------------------

EVOLUTION_SHOTS = [
    Shot("plain_top", "reply_top", "WON $2,300 - signed the engagement letter.", {"format": "plain"},
         notes="Evolution's reply in its plain-text composer (it asks whether to lose our HTML's formatting: yes): "
               "'On Thu, 2026-12-03 at 12:22 +0000, introledger wrote:', quoted-printable; the answer above."),
    Shot("plain_bottom", "reply_bottom", "MET - coffee on Thursday, a quote goes out next week.", {"format": "plain"},
         notes="Plain text, the answer typed under the quote."),
    Shot("html_top", "reply_top", "QUALIFIED - she wants a quote for the year-end accounts.", {"format": "html"},
         notes="Evolution's HTML composer kept ('Don't lose formatting'): multipart/alternative, the quote a "
               "<blockquote type=cite>."),
]


class Evolution:
    """Evolution with its account written as the source files its account editor writes; each message in a
    fresh home (the IMAP password typed into its prompt, the keyring it offers declined)."""

    def __init__(self, screen: Screen, imap: Dovecot, smtp: SmtpSink, work: Path) -> None:
        self.screen, self.imap, self.smtp, self.work = screen, imap, smtp, work
        self.proc: subprocess.Popen | None = None

    def home(self) -> Path:
        home = self.work / "home"
        shutil.rmtree(home, ignore_errors=True)
        sources = home / ".config" / "evolution" / "sources"
        sources.mkdir(parents=True)
        (sources / "dana-imap.source").write_text(
            "[Data Source]\nDisplayName=dana@danabooks.example\nEnabled=true\nParent=\n\n[Security]\nMethod=none\n\n"
            f"[Authentication]\nHost=127.0.0.1\nMethod=PLAIN\nPort={self.imap.port}\nRememberPassword=true\n"
            f"User={self.imap.user}\n\n[Mail Account]\nBackendName=imapx\nIdentityUid=dana-identity\n"
            "NeedsInitialSetup=false\n\n[Imapx Backend]\nUseIdle=false\n")
        (sources / "dana-identity.source").write_text(
            "[Data Source]\nDisplayName=dana@danabooks.example\nEnabled=true\nParent=dana-imap\n\n"
            f"[Mail Identity]\nAddress={DANA[1]}\nName={DANA[0]}\n\n[Mail Submission]\nTransportUid=dana-smtp\n"
            "UseSentFolder=false\n\n[Mail Composition]\nReplyStyle=default\n")
        (sources / "dana-smtp.source").write_text(
            "[Data Source]\nDisplayName=dana@danabooks.example\nEnabled=true\nParent=dana-imap\n\n"
            f"[Mail Transport]\nBackendName=smtp\n\n[Authentication]\nHost=127.0.0.1\nMethod=\nPort={self.smtp.port}\n"
            "User=\n\n[Security]\nMethod=none\n")
        settings = home / ".config" / "glib-2.0" / "settings"
        settings.mkdir(parents=True)
        (settings / "keyfile").write_text(
            "[org/gnome/evolution/shell]\nskip-warning-dialog=true\n[org/gnome/evolution/mail]\n"
            "prompt-check-if-default-mailer=false\nprompt-on-accel-send=false\n")
        return home

    def stop(self) -> None:
        if self.proc:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, 15)  # the session bus and the data servers it started with it
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(10)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, 9)
            self.proc = None
            time.sleep(1)

    def run(self, shot: Shot) -> bytes:
        s, before = self.screen, len(self.smtp.messages)
        refill_inbox(self.imap, follow_up())
        home = self.home()
        self.proc = subprocess.Popen(["dbus-run-session", "--", "evolution"], start_new_session=True,
                                     env={**s.env, "HOME": str(home), "GSETTINGS_BACKEND": "keyfile"},
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        main = s.wait_window(r"^Mail$", 60)
        s.wait_window("Mail authentication request", 60)
        for _ in range(4):  # it may ask again when the first answer raced its start-up
            asking = [w for w, name in s.windows().items() if name == "Mail authentication request"]
            if not asking:
                break
            s.xdo("windowfocus", "--sync", asking[0])
            time.sleep(1)
            s.click(364, 277)
            s.type(self.imap.password)
            s.click(560, 363)  # OK
            time.sleep(4)
        s.click(687, 174)  # gnome-keyring offers to make a keyring: Cancel (outside the small main window)
        time.sleep(2)
        s.xdo("windowsize", main, "1280", "900")
        time.sleep(2)
        s.click(73, 396)  # the account's Inbox
        time.sleep(4)
        s.click(700, 190)  # the message
        time.sleep(3)
        s.click(771, 21)  # Reply
        try:
            s.wait_window("^$", 20)  # it asks whether to lose our HTML's formatting (a dialog with no title)
            time.sleep(1)
            s.click(613 if shot.prefs["format"] == "plain" else 429, 151)  # Lose / Don't lose formatting
            compose = s.wait_window("^Re: How did")
        except RuntimeError:
            s.shot(f"evolution_{shot.name}_stuck")
            raise
        s.xdo("windowfocus", "--sync", compose)
        time.sleep(1)
        s.click(640, 600)  # the body
        s.key("ctrl+Home" if shot.do == "reply_top" else "ctrl+End")
        s.type(shot.answer + "\n\n" if shot.do == "reply_top" else "\n" + shot.answer)
        time.sleep(1)
        s.shot(f"evolution_{shot.name}")
        s.key("ctrl+Return")
        try:
            raw = wait_sent(self.smtp, before, f"evolution {shot.name}")
        except RuntimeError:
            s.shot(f"evolution_{shot.name}_stuck")
            raise
        time.sleep(1)
        self.stop()
        return raw


def evolution(screen: Screen, imap: Dovecot, smtp: SmtpSink, work: Path, only: set[str]) -> None:
    out = subprocess.run(["evolution", "--version"], capture_output=True, text=True).stdout.strip().splitlines()
    version = out[-1].replace("evolution", "Evolution").split("-")[0].strip()
    mail = Evolution(screen, imap, smtp, work)
    sent = []
    try:
        for shot in EVOLUTION_SHOTS:
            if only and shot.name not in only:
                continue
            print(f"evolution: {shot.name}", flush=True)
            sent.append(Sent(shot, mail.run(shot), version))
    finally:
        mail.stop()
    save(sent, "evolution", only)


CLIENTS = {"thunderbird": thunderbird, "alpine": alpine, "claws": claws, "mailutils": mailutils, "gnus": gnus,
           "aerc": aerc, "evolution": evolution}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clients", nargs="*", help=f"any of {', '.join(CLIENTS)} (default: all)")
    ap.add_argument("--shots", type=Path, help="keep a screenshot of each message before it is sent")
    ap.add_argument("--only", default="", help="comma-separated message names: make only these again")
    args = ap.parse_args()
    for tool in ("Xvfb", "xdotool", "import"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: see the apt-get line at the top of {__file__}")
    only = {n for n in args.only.split(",") if n}
    if unknown := set(args.clients) - set(CLIENTS):
        sys.exit(f"no driver for {', '.join(sorted(unknown))}: have {', '.join(CLIENTS)}")
    with tempfile.TemporaryDirectory() as tmp, Dovecot(user="dana", password="secret") as imap, \
            SmtpSink() as smtp:
        screen = Screen(args.shots)
        try:
            for name in args.clients or CLIENTS:
                CLIENTS[name](screen, imap, smtp, Path(tmp) / name, only)
        finally:
            screen.close()


if __name__ == "__main__":
    main()
