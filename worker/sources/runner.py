"""The long-running loop: catch up, wait for mail (IDLE, or polling), do due work, never die.

Any drop (network, server, database) ends the current connection; the loop backs off and starts
again from the checkpoint, so nothing is missed and dedupe keeps nothing doubled.
"""
import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from worker.core.outages import describe, is_outage
from worker.inbound.pipeline import Outcome, Pipeline
from worker.sources import imap
from worker.sources.maildir import MaildirSource

log = logging.getLogger("introledger.runner")


@dataclass
class Backoff:
    first: float = 0.5
    cap: float = 60.0
    current: float = field(default=0.0)

    def next(self) -> float:
        self.current = min(self.cap, self.current * 2 if self.current else self.first)
        return self.current

    def reset(self) -> None:
        self.current = 0.0


class Runner:
    """Owns the watch loop; `stop()` may be called from another thread (tests, signals)."""

    def __init__(self, pipeline: Pipeline, sessions, duties: Iterable[Callable[[], None]] = (),
                 on_outcome: Callable[[Outcome], None] = lambda o: None):
        self.pipeline = pipeline
        self.sessions = sessions
        self.duties = list(duties)
        self.on_outcome = on_outcome
        self.stopping = threading.Event()
        self.backoff = Backoff()
        self.suspects: dict[int, int] = {}  # UIDs whose FETCH lost the connection (imap.catch_up)

    def stop(self) -> None:
        self.stopping.set()

    def _report(self, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            self.on_outcome(outcome)

    def _due_work(self) -> None:
        for duty in self.duties:
            duty()

    def _pause_after(self, exc: BaseException) -> None:
        """An outage, wherever it happened (a checkpoint read, a commit, a due duty): one line, wait."""
        if not is_outage(exc):
            raise exc  # our own bug: the traceback is wanted
        delay = self.backoff.next()
        log.warning("error: %s, retrying in %.1fs", describe(exc), delay)
        self.stopping.wait(delay)

    # --- IMAP ---------------------------------------------------------------------------------

    def imap_once(self, account: imap.ImapAccount) -> list[Outcome]:
        outcomes: list[Outcome] = []
        while True:
            noted = dict(self.suspects)
            client = imap.connect(account)
            try:
                self._prepare(client, account)
                imap.catch_up(client, account, self.pipeline, self.sessions, self.suspects, outcomes)
                break
            except Exception as exc:  # re-raised unless one message broke the line
                if not is_outage(exc) or self.suspects == noted:
                    raise
                # The connection died while the server read certain messages: at once, again,
                # one at a time, until the one it cannot read is set aside (see imap.UNREADABLE_AFTER).
                log.warning("error: %s while reading UID(s) %s, trying them one by one",
                            describe(exc), ", ".join(map(str, sorted(self.suspects))))
            finally:
                _quietly_logout(client)
        self._report(outcomes)
        self._due_work()
        return outcomes

    def imap_forever(self, account: imap.ImapAccount) -> None:
        while not self.stopping.is_set():
            try:
                self._imap_session(account)
            except imap.ImapLoginError:
                raise
            except (LoginError, ssl.SSLCertVerificationError) as exc:
                # Wrong credentials or an untrusted certificate: waiting will not fix it.
                s = account.settings
                raise imap.ImapLoginError(
                    f"IMAP {s.username}@{s.host}:{s.port} refused us: {exc} — check source.imap "
                    f"(security, ca_file, auth) and the secret in "
                    f"${s.password_env if s.auth == 'password' else s.oauth_token_env}"
                ) from exc
            except Exception as exc:  # noqa: BLE001 - outages wait, anything else is re-raised
                self._pause_after(exc)

    def _imap_session(self, account: imap.ImapAccount) -> None:
        client = imap.connect(account)
        try:
            self._prepare(client, account)
            self._sync(client, account)
            self.backoff.reset()
            if b"IDLE" in client.capabilities():
                self._idle(client, account)
            else:
                self._poll(client, account)
        finally:
            _quietly_logout(client)

    def _prepare(self, client: IMAPClient, account: imap.ImapAccount) -> None:
        created = imap.ensure_processed_folder(client, account)
        if created:
            log.warning("%s", created)

    def _sync(self, client: IMAPClient, account: imap.ImapAccount) -> None:
        self._report(imap.catch_up(client, account, self.pipeline, self.sessions, self.suspects))
        self._due_work()

    def _idle(self, client: IMAPClient, account: imap.ImapAccount) -> None:
        renew = account.settings.idle_renew_seconds
        while not self.stopping.is_set():
            if _arrived_meanwhile(client):
                self._sync(client, account)  # mail came in during the last catch-up: IDLE would not report it
                continue
            client.idle()
            started = time.monotonic()
            news: list = []  # IDLE responses, as imapclient gives them
            # Short waits so stop() is seen quickly; IDLE is renewed well before the 29-minute cut.
            while not news and not self.stopping.is_set() and time.monotonic() - started < renew:
                news = client.idle_check(timeout=1.0)
            client.idle_done()
            self._sync(client, account)

    def _poll(self, client: IMAPClient, account: imap.ImapAccount) -> None:
        while not self.stopping.wait(account.settings.poll_seconds):
            client.noop()
            self._sync(client, account)

    # --- Maildir ------------------------------------------------------------------------------

    def maildir_once(self, source: MaildirSource) -> list[Outcome]:
        outcomes = source.drain(self.pipeline)
        self._report(outcomes)
        self._due_work()
        return outcomes

    def maildir_forever(self, source: MaildirSource, poll_seconds: float) -> None:
        while not self.stopping.is_set():
            try:
                self.maildir_once(source)
                self.backoff.reset()
                self.stopping.wait(poll_seconds)
            except Exception as exc:  # noqa: BLE001 - outages wait, anything else is re-raised
                self._pause_after(exc)


def _arrived_meanwhile(client: IMAPClient) -> bool:
    """Did the server announce new mail in the responses to our own commands?

    A message that lands between our SEARCH and the IDLE command is announced (EXISTS) inside a
    command's response; the server then considers us told, so IDLE stays silent about it. imaplib
    keeps such untagged responses aside — we look there before going idle.
    """
    pending = client._imap.untagged_responses
    return bool(pending.pop("EXISTS", None) or pending.pop("RECENT", None))


def _quietly_logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - the connection may already be gone; nothing to save
        try:
            client.shutdown()
        except Exception:  # noqa: BLE001
            pass
