"""Which failures are outages — a server down, refusing, locked or cut off — and which are not.

An outage is nobody's fault in the mail: wait and try again, saying so in one line. Anything
else is a bug (ours) or a bad message (the sender's), and backing off would only repeat it.
"""
import smtplib
import socket
import ssl

from imapclient.exceptions import IMAPClientError, LoginError
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from models.db import read_only_error


class InfrastructureError(RuntimeError):
    """The database (or another server) failed; retry later, nothing was recorded."""


# What each kind of outage is called in the one line a person reads.
_KINDS: tuple[tuple[tuple[type, ...], str], ...] = (
    ((InfrastructureError,), ""),
    ((OperationalError, InterfaceError, DisconnectionError, PoolTimeout), "database unavailable"),
    ((smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError), "SMTP server unavailable"),
    ((IMAPClientError,), "IMAP server unavailable"),
    ((ssl.SSLError, socket.timeout, ConnectionError, EOFError, OSError), "connection failed"),
)


def is_outage(exc: BaseException) -> bool:
    if isinstance(exc, LoginError) or isinstance(exc, ssl.SSLCertVerificationError):
        return False  # wrong credentials or an untrusted certificate: waiting will not fix them
    if isinstance(exc, DBAPIError) and read_only_error(exc):
        return True  # a read-only database (PostgreSQL says InternalError): it is made writable again
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, DBAPIError) and _while_disconnected(exc.orig):
        return True
    if isinstance(exc, smtplib.SMTPException):  # an OSError, but mostly a verdict on the mail
        if isinstance(exc, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError)):
            return True
        return isinstance(exc, smtplib.SMTPResponseException) and 400 <= exc.smtp_code < 500
    return any(isinstance(exc, types) for types, _name in _KINDS)


def _while_disconnected(error: BaseException | None) -> bool:
    """A driver's state error raised while handling the connection's loss. SQLAlchemy's pre-ping on
    psycopg, when the server reset the socket mid-ping, raises "can't change 'autocommit' now" (a
    ProgrammingError) from the OperationalError "connection socket closed": the watcher thread died
    of it instead of waiting the outage out. Only the driver's own connection errors count, and
    only behind its state errors: a bad value (IntegrityError, DataError) raised while handling
    an outage is still the message's fault. The DB-API names these alike in every driver (PEP 249)."""
    if error is None or type(error).__name__ not in ("ProgrammingError", "InterfaceError", "OperationalError"):
        return False
    driver = type(error).__module__.partition(".")[0]
    for _ in range(5):
        if error.__cause__ is None and error.__suppress_context__:
            return False
        error = error.__cause__ or error.__context__
        if error is None:
            return False
        if (type(error).__name__ in ("OperationalError", "InterfaceError")
                and type(error).__module__.partition(".")[0] == driver):
            return True
    return False


def describe(exc: BaseException) -> str:
    """One line, no traceback: what is down and what it said."""
    detail = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = " ".join(str(detail).split()) or type(detail).__name__
    if isinstance(exc, DBAPIError) and read_only_error(exc):
        return f"database is read-only: {text}"
    for types, name in _KINDS:
        if isinstance(exc, types):
            return f"{name}: {text}" if name else text
    return f"{type(exc).__name__}: {text}"


def wait_out(attempt, say, first: float = 0.5, cap: float = 30.0, wait=None):
    """attempt() until it gets past any outage: one `error: …, retrying in Ns` line per try.

    `wait(seconds)` returns True to give up (a stop was asked for); the outage is then raised.
    Anything that is not an outage is raised at once.
    """
    import time

    def sleep(seconds: float) -> bool:
        time.sleep(seconds)
        return False  # never gives up

    wait = wait or sleep
    delay = first
    while True:
        try:
            return attempt()
        except Exception as exc:  # outages wait, anything else is re-raised
            if not is_outage(exc):
                raise
            say(f"error: {describe(exc)}, retrying in {delay:g}s")
            if wait(delay):
                raise
            delay = min(cap, delay * 2)
