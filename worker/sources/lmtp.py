"""Mail straight from the MTA over LMTP: each recipient is answered only after the commit.

The MTA (Postfix's `lmtp:` transport, Exim's lmtp transport) keeps a message queued until we
answer 250 for a recipient, so the answer is our checkpoint: 250 after the message's
transaction committed (or it was already recorded: the MTA re-sending after a dropped
connection is a duplicate, as in every other source), 451 when the database is down (the MTA
tries again later), 550 at RCPT for an address that is not a tracking mailbox here.

The bytes handed to the pipeline are the MTA's with `Return-Path` and one `Delivered-To` per
recipient in front, as Dovecot's LMTP server writes them: the classifier finds a BCC'd tracking
address there, and the same delivery re-sent gets the same bytes (so the same dedupe key even
without a Message-ID).
"""
import asyncio
import logging
import os
import stat
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from aiosmtpd.lmtp import LMTP

from worker.core.outages import describe, is_outage
from worker.inbound.pipeline import Origin, Outcome, Pipeline
from worker.sources.sizing import DEFAULT_MAX_MESSAGE_BYTES, capped

log = logging.getLogger("introledger.lmtp")
# What the MTA may hand us at most; above source.max_message_bytes only the headers are read (as
# IMAP and Maildir do), so this only bounds the memory one delivery takes while it is received.
DATA_LIMIT_FACTOR = 4
STOP_WAIT_TICKS = 600  # × 50 ms: how long a stop waits for deliveries under way


class _LenientLMTP(LMTP):
    """RFC 5321 caps a line at 1,000 bytes, but HTML mail with longer lines reaches MTAs that do
    not fold them: refusing it (aiosmtpd's 500) would bounce an intro to its sender."""

    line_length_limit = 1024 * 1024


@dataclass(frozen=True)
class Listen:
    """Where the server listens: a unix socket (what Postfix and Exim use on one machine) or TCP."""

    socket: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8024  # Mailman 3's LMTP port; 24 needs root
    socket_mode: int = 0o660

    def __str__(self) -> str:
        return f"unix:{self.socket}" if self.socket else f"{self.host}:{self.port}"


@dataclass
class LmtpHandler:
    """aiosmtpd's handler hooks. `route` names the pipeline for a recipient (None: not ours)."""

    route: Callable[[str], Pipeline | None]
    listen: str
    executor: ThreadPoolExecutor
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    on_outcome: Callable[[Outcome], None] = lambda o: None
    busy: int = 0  # deliveries between DATA and their answer: a stop waits for them

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options) -> str:
        try:
            pipeline = self.route(address)
        except Exception as exc:  # which mailboxes there are is read from the database
            log.warning("error: %s; answered 451 at RCPT", describe(exc), exc_info=not is_outage(exc))
            return f"451 4.3.0 <{address}>: temporary failure, try again later"
        if pipeline is None:
            return f"550 5.1.1 <{address}>: not a tracking address here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        """One line per accepted recipient (RFC 2033 §4.2), each said after that recipient's commit."""
        self.busy += 1
        try:
            routes = [(a, self._route(a)) for a in envelope.rcpt_tos]
            answers = {a: ("550 5.1.1", "not a tracking address here any more") for a, p in routes if p is None}
            answers.update({a: ("451 4.3.0", "temporary failure, try again later")
                            for a, p in routes if isinstance(p, Exception)})
            for pipeline, recipients in _grouped([(a, p) for a, p in routes if isinstance(p, Pipeline)]):
                answer = await self._deliver(pipeline, envelope, recipients)
                answers.update(dict.fromkeys(recipients, answer))
            return "\r\n".join(f"{answers[a][0]} <{a}> {answers[a][1]}" for a, _ in routes)
        finally:
            self.busy -= 1

    def _route(self, address: str) -> "Pipeline | None | Exception":
        try:
            return self.route(address)
        except Exception as exc:  # noqa: BLE001 - answered 451 for this recipient
            return exc

    async def _deliver(self, pipeline: Pipeline, envelope, recipients: list[str]) -> tuple[str, str]:
        raw, oversize = capped(stamped(envelope.mail_from, recipients, envelope.original_content),
                               self.max_message_bytes)
        origin = Origin(f"lmtp:{self.listen}", recipients[0], oversize=oversize)
        try:
            outcome = await asyncio.get_running_loop().run_in_executor(self.executor, pipeline.process, raw, origin)
        except Exception as exc:  # every failure is a temporary one for the MTA: it keeps the mail
            if is_outage(exc):
                log.warning("error: %s; answered 451, the MTA will try again", describe(exc))
                return "451 4.3.0", "temporary failure (database unavailable), try again later"
            log.exception("internal error handling a message for %s; answered 451", ", ".join(recipients))
            return "451 4.3.0", "temporary failure (internal error), try again later"
        self.on_outcome(outcome)
        ref = f", referral #{outcome.referral_id}" if outcome.referral_id else ""
        return "250 2.0.0", f"{outcome.kind}{ref}"


def _grouped(routes: list[tuple[str, Pipeline]]) -> list[tuple[Pipeline, list[str]]]:
    """Recipients by pipeline, in the order first named: a message is handled once per mailbox."""
    groups: dict[int, tuple[Pipeline, list[str]]] = {}
    for address, pipeline in routes:
        groups.setdefault(id(pipeline), (pipeline, []))[1].append(address)
    return list(groups.values())


def stamped(mail_from: str | None, recipients: list[str], content: bytes) -> bytes:
    """The message as a delivery agent stores it: Return-Path and Delivered-To in front."""
    eol = b"\r\n" if b"\r\n" in content[:4096] else b"\n"
    lines = [f"Return-Path: <{mail_from or ''}>"] + [f"Delivered-To: {r}" for r in sorted(set(recipients))]
    return eol.join(line.encode("utf-8", "surrogateescape") for line in lines) + eol + content


class LmtpServer:
    """The asyncio LMTP server on its own event loop; `serve()` blocks until `stop()`."""

    def __init__(self, handler: LmtpHandler, listen: Listen, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES):
        self.handler = handler
        self.listen = listen
        self.data_limit = max_message_bytes * DATA_LIMIT_FACTOR
        self.loop = asyncio.new_event_loop()
        self._stopped: asyncio.Event | None = None
        self._stop_asked = False

    def _protocol(self) -> LMTP:
        return _LenientLMTP(self.handler, data_size_limit=self.data_limit, enable_SMTPUTF8=True,
                    decode_data=False, ident="introledger LMTP")

    async def _start(self) -> asyncio.AbstractServer:
        if self.listen.socket is None:
            return await self.loop.create_server(self._protocol, self.listen.host, self.listen.port)
        path = self.listen.socket
        if path.exists() and stat.S_ISSOCK(path.stat().st_mode):
            path.unlink()  # left by a process that died; a live one would still be listening
        server = await self.loop.create_unix_server(self._protocol, str(path))
        os.chmod(path, self.listen.socket_mode)
        return server

    def start(self) -> asyncio.AbstractServer:
        """Bind now (so a port taken or a socket path refused fails at once), serve later."""
        return self.loop.run_until_complete(self._start())

    def serve(self, server: asyncio.AbstractServer, on_ready: Callable[[], None] = lambda: None) -> None:
        async def until_stopped() -> None:
            self._stopped = asyncio.Event()
            if self._stop_asked:
                self._stopped.set()
            on_ready()
            await self._stopped.wait()
            server.close()
            for _ in range(STOP_WAIT_TICKS):  # the MTA gets the answers of deliveries under way
                if not self.handler.busy:
                    break
                await asyncio.sleep(0.05)

        try:
            self.loop.run_until_complete(until_stopped())
        finally:
            if self.listen.socket is not None:
                self.listen.socket.unlink(missing_ok=True)
            self.loop.close()

    def stop(self) -> None:
        """From any thread or a signal handler: stop accepting; a delivery at hand is finished."""
        def set_stopped() -> None:
            self._stop_asked = True
            if self._stopped is not None:
                self._stopped.set()

        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(set_stopped)
