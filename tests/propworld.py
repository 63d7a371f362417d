"""The product driven through its own entry points, for property tests: mail in through the
pipeline `ingest` uses, the `mark` command, the `run` loop's due work and sweep at a clock the
test moves, the real send path into the folder transport, and restarts on the same database."""
import io
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.utils import format_datetime, parseaddr, parsedate_to_datetime
from pathlib import Path
from queue import Empty

import dramatiq
from rich.console import Console
from sqlalchemy import select, text

from models import Base, Member, OutboxMessage, Referral
from models.db import make_engine, upgrade
from tests.conftest import TRACKING, Clock, make_config
from worker.app import bootstrap
from worker.app.service import Service
from worker.cli.context import Invocation
from worker.cli.mark import mark as mark_command
from worker.inbound.pipeline import Origin
from worker.outbound import mailer

SECRET = "inv4riant-secret"
START = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


# ---- databases: migrated once, emptied for every example ----------------------------------------

class SqliteDatabases:
    """A migrated template file, copied for each example (WAL, like a real deployment)."""

    def close(self) -> None:
        pass

    def __init__(self, root: Path):
        self.root = root
        self.template = root / "template.db"
        engine = make_engine(f"sqlite:///{self.template}")
        upgrade(engine)
        engine.dispose()  # the last connection closed: SQLite folds the WAL into the file
        assert not Path(f"{self.template}-wal").exists()

    def fresh(self, workdir: Path) -> str:
        shutil.copyfile(self.template, workdir / "introledger.db")
        return f"sqlite:///{workdir / 'introledger.db'}"


class PostgresDatabases:
    """One migrated schema (the `postgres_url` fixture's), every table emptied for each example
    (DELETE: a few rows each, where TRUNCATE costs half a second here; ids go on counting)."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        upgrade(self.engine)
        self.empty = [text(f'DELETE FROM "{t.name}"') for t in reversed(Base.metadata.sorted_tables)]

    def fresh(self, workdir: Path) -> str:
        with self.engine.begin() as conn:
            for statement in self.empty:
                conn.execute(statement)
        return self.url

    def close(self) -> None:
        self.engine.dispose()


# ---- what was sent ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sent:
    """One mail handed to the transport, with the outbox row it came from."""

    at_step: int
    at: datetime  # the clock when it was handed over
    queued_at: datetime
    outbox_id: int
    kind: str
    to: str
    referral_ids: tuple[int, ...]
    reply_to: str
    in_reply_to: str
    status: str  # the row's status right after the send
    raw: bytes = field(repr=False)

    @property
    def subject(self) -> str:
        return " ".join(str(message_from_bytes(self.raw)["Subject"]).split())

    def __repr__(self) -> str:
        return f"<{self.kind} #{self.outbox_id} to {self.to}, sent at step {self.at_step}: {self.subject!r}>"

    def _repr_pretty_(self, p, cycle) -> None:  # how hypothesis prints it in a failing sequence
        p.text(repr(self))


class Recording:
    """The configured transport (the folder of .eml files), noting every hand-over in order with
    the clock's time, and answering like an SMTP server that is down (451) while `down()` says so."""

    def __init__(self, inner, log: list[tuple[datetime, bytes]], clock: Clock, down=lambda: False):
        self.inner, self.log, self.clock, self.down = inner, log, clock, down

    def send(self, msg, before_data=None) -> None:
        if self.down():
            raise mailer.TransientSendError("451 4.3.0 Mail server temporarily unavailable")
        self.inner.send(msg, before_data=before_data)
        self.log.append((self.clock.current, bytes(msg)))

    def close(self) -> None:
        self.inner.close()


# ---- the product --------------------------------------------------------------------------------

class Product:
    """One deployment on one database: build, feed mail, mark, run due work, restart."""

    def __init__(self, databases, root: Path, overrides: dict | None = None):
        self.workdir = Path(tempfile.mkdtemp(dir=root))
        self.url = databases.fresh(self.workdir)
        self.clock = Clock(START)
        self.overrides = overrides or {}
        self.handed_over: list[tuple[datetime, bytes]] = []
        self.smtp_down_until = START
        self.n = 0  # names the files mail comes from
        self._start()

    def _start(self) -> None:
        config = make_config(self.workdir, self.url, {"INTROLEDGER_TOKEN_SECRET": SECRET}, **self.overrides)
        self.app = bootstrap.build(config, now=self.clock)
        self.service = Service(self.app)  # the `run` loop's due work and outbox, without its threads
        deliverer = self.service.outbound.deliverer
        deliverer.transport = Recording(deliverer.transport, self.handed_over, self.clock,
                                        down=lambda: self.clock.current < self.smtp_down_until)

    def close(self) -> None:
        self.service.outbound.close()
        self.app.engine.dispose()

    def restart(self) -> None:
        """The process ends (its in-memory queue with it) and a new one starts on the same database."""
        self.close()
        self._start()

    def discard(self) -> None:
        self.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # -- mail in, and `mark` --

    def mail_in(self, raw: bytes):
        """What `introledger ingest FILE` does with one message."""
        self.n += 1
        [outcome] = self.app.pipeline.process_batch([(raw, Origin("file", f"mail-{self.n}.eml"))])
        return outcome

    def mark(self, referral_id: int, words: str, correct: bool = False) -> tuple[str, int]:
        """`introledger mark ID WORDS [--correct]`, the command itself, on this process' app (its
        clock); returns who it spoke as (the referral's member's first address) and its exit code."""
        invocation = Invocation()
        invocation.__dict__.update(app=self.app, out=Console(file=io.StringIO()), err=Console(file=io.StringIO()))
        code = mark_command.main([str(referral_id), words, *(["--correct"] if correct else [])], obj=invocation,
                                 standalone_mode=False)
        with self.app.sessions() as s:
            referral = s.get(Referral, referral_id)
            member = s.get(Member, referral.member_id) if referral.member_id else None
            return (member.emails[0] if member else "cli"), code

    # -- time --

    def run_due(self, advance: timedelta, *, crash_before_sending: bool = False, busy: bool = False) -> None:
        """The clock moves on; one tick of `run`: due follow-ups, digests and reminders, then the
        sweep nudges due mail and the queue's jobs send it (here in this thread, one by one).
        With `crash_before_sending` the process dies after the nudges, before any job ran; `busy`:
        the jobs wait in the queue a moment — whatever people do meanwhile happens before they run
        (at the start of the next tick, before the clock moves on: a queue is late by seconds)."""
        self._drain()  # what a busy worker left in the queue
        self.clock.advance(seconds=advance.total_seconds())
        self.service.due_follow_ups()
        if crash_before_sending or busy:
            self.service.outbound.sweep()
            return self.restart() if crash_before_sending else None
        while self.service.outbound.sweep():
            self._drain()

    def _drain(self) -> None:
        outbound = self.service.outbound
        queue = outbound.broker.queues[outbound.actor.queue_name]
        while True:
            try:
                data = queue.get_nowait()
            except Empty:
                return
            outbound.actor(*dramatiq.Message.decode(data).args)
            queue.task_done()

    def take_sent(self, step: int) -> list[Sent]:
        """The mails handed over since the last call, with their outbox rows."""
        handed, self.handed_over[:] = list(self.handed_over), []
        if not handed:
            return []
        ids = [str(message_from_bytes(raw)["Message-ID"]).strip("<>") for _, raw in handed]
        with self.app.sessions() as s:
            rows = {r.message_id: r for r in s.scalars(select(OutboxMessage).where(OutboxMessage.message_id.in_(ids)))}
        sent = []
        for mid, (at, raw) in zip(ids, handed, strict=True):
            row = rows[mid]
            sent.append(Sent(step, at, row.queued_at, row.id, row.kind, row.to_addr.lower(),
                             tuple(row.referral_ids or ()), row.reply_to or "", row.in_reply_to or "", row.status, raw))
        return sent


# ---- mail people write ----------------------------------------------------------------------------

def thread_reply(n: int, sender, to: list, intro_subject: str, intro_id: str, when: datetime, body: str,
                 robot_headers: bool = False) -> bytes:
    """A reply-all in an intro thread (the tracking address still on Cc); `robot_headers`: an
    auto-responder's, saying so in its headers."""
    robot = "Auto-Submitted: auto-replied\n" if robot_headers else ""
    return (f"From: {_addr(sender)}\nTo: {', '.join(_addr(p) for p in to)}\nCc: {TRACKING}\n"
            f"Subject: Re: {intro_subject}\nDate: {format_datetime(when)}\nMessage-ID: <thread{n}@people.example>\n"
            f"In-Reply-To: <{intro_id}>\nReferences: <{intro_id}>\n{robot}Content-Type: text/plain; charset=utf-8\n\n"
            f"{body}\n").encode()


def out_of_office(n: int, sender: str, ours: bytes, back: datetime, when: datetime, headers: bool) -> bytes:
    """An out-of-office answer to one of our mails; `headers`: the robot says so in its headers too."""
    original = message_from_bytes(ours)
    robot = "Auto-Submitted: auto-replied\nX-Autoreply: yes\n" if headers else ""
    return (f"From: {sender}\nTo: {original['Reply-To'] or original['From']}\n"
            f"Subject: Automatic reply: {original['Subject']}\nDate: {format_datetime(when)}\n"
            f"Message-ID: <ooo{n}@robots.example>\nIn-Reply-To: {original['Message-ID']}\n{robot}"
            f"Content-Type: text/plain; charset=utf-8\n\n"
            f"Thank you for your email. I am out of the office until {back:%-d %B %Y} with no access to email.\n"
            ).encode()


def forward(n: int, forwarder, original: bytes, when: datetime, note: str = "Logging this intro.") -> bytes:
    """A member forwards an intro to the tracking address afterwards, the way Gmail does."""
    intro = message_from_bytes(original)
    body = next(p for p in intro.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    sent = parsedate_to_datetime(intro["Date"])
    block = (f"---------- Forwarded message ---------\nFrom: {intro['From']}\n"
             f"Date: {sent:%a, %b %-d, %Y at %-I:%M %p}\nSubject: {intro['Subject']}\nTo: {intro['To']}\n\n\n")
    return (f"From: {_addr(forwarder)}\nTo: {TRACKING}\nSubject: Fwd: {intro['Subject']}\n"
            f"Date: {format_datetime(when)}\nMessage-ID: <fwd{n}@people.example>\n"
            f"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
            f"{note}\n\n{block}{body.replace(chr(13), '')}\n").encode()


AUTHSERV_ID = "mx.example.com"  # follow_ups.authserv_id of the worlds that read it


def unsubscribe(n: int, sender: str, when: datetime, subject: str = "UNSUBSCRIBE") -> bytes:
    """A mail client's unsubscribe button (subject UNSUBSCRIBE, or STOP in older mail), or a
    person writing STOP ALL: a mail to us alone, from the sender's own server (our receiving
    server, AUTHSERV_ID, says DMARC pass for it; an opt-out without it counts too)."""
    domain = parseaddr(sender)[1].rpartition("@")[2]
    return (f"Authentication-Results: {AUTHSERV_ID}; dkim=pass header.d={domain}; dmarc=pass header.from={domain}\n"
            f"From: {sender}\nTo: {TRACKING}\nSubject: {subject}\nDate: {format_datetime(when)}\n"
            f"Message-ID: <unsub{n}@people.example>\nContent-Type: text/plain; charset=utf-8\n\n\n").encode()


def _addr(p: tuple[str, str]) -> str:
    return f'"{p[0]}" <{p[1]}>'


def address_of(header: str) -> str:
    return parseaddr(header)[1].lower()


def outbox_rows(app) -> list[OutboxMessage]:
    with app.sessions() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
