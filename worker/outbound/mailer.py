"""Build an outgoing message from an outbox row, and hand it to SMTP or to a folder.

Every message says it is automatic (Auto-Submitted) and carries our loop header, so neither
we nor other well-behaved robots answer it.
"""
import email.charset
import hashlib
import re
import smtplib
import ssl
import threading
from collections.abc import Callable
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path

from models import OutboxMessage
from models.base import utcnow
from worker.core.config import SmtpConfig
from worker.mail import tokens
from worker.outbound import flatten

LOOP_HEADER = "X-Introledger-Loop"


class TransientSendError(RuntimeError):
    """4xx reply or network trouble: try again later."""


class UnconfirmedSendError(RuntimeError):
    """The whole mail went to the server, then its answer never came (timeout, dropped
    connection): it may have been delivered. Never retried automatically (docs/sending.md)."""


class PermanentSendError(RuntimeError):
    """5xx reply, or a server we must not talk to as configured (untrusted certificate, no
    STARTTLS, no AUTH): retrying will not help; keep the server's words and say what to fix."""


class RecipientRefusedError(PermanentSendError):
    """A 5xx to our one recipient at RCPT TO, or to the mail at DATA: the server took nothing.
    Whether the address is to blame (the row bounces, the address is paused) or our mail is
    (it fails) is worker/bounces.refusal's call."""

    def __init__(self, error: str, stage: str):
        super().__init__(error)
        self.stage = stage  # "rcpt" | "data"


def _clean(value: str) -> str:
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())  # no header injection


_UTF8_QP = email.charset.Charset("utf-8")
_UTF8_QP.body_encoding = email.charset.QP  # readable bodies (the stdlib default for utf-8 is base64)


def _header(value: str):
    value = _clean(value)
    return value if value.isascii() else Header(value, "utf-8")


_SPECIALS = re.compile(r'[][\\()<>@,:;".]')


def _address(value: str) -> str:
    """'Name <addr>' as we compose it (names come from config and from people's mail) → a header
    value that stays ONE mailbox: a comma or bracket in a name is quoted, non-ASCII encoded."""
    value = _clean(value)
    name, bracket, rest = value.rpartition("<")
    if not bracket:
        return value  # a bare address
    addr = rest.removesuffix(">").strip()
    if value.isascii() and not _SPECIALS.search(name):
        return value
    name = name.strip().strip('"').strip()
    try:
        return formataddr((name, addr), charset="utf-8")  # quotes specials, RFC 2047-encodes the name
    except UnicodeEncodeError:  # an internationalised address itself: only SMTPUTF8 can carry it
        return f"{Header(name, 'utf-8').encode()} <{addr}>" if name else addr


def _text_part(body: str, subtype: str) -> MIMEText:
    # A Charset object works (its name goes in the header, its QP encoding on the body); typeshed says str.
    return MIMEText(body, subtype, "us-ascii" if body.isascii() else _UTF8_QP)  # type: ignore[arg-type]


def build(row: OutboxMessage, tracking: str, secret: str | None = None) -> Message:
    """`secret` (the reply-token secret): the List-Unsubscribe subject carries the recipient's
    unsubscribe token (worker/mail/tokens.py), the proof that the button's mail is theirs.
    compat32 MIME classes: ~15x cheaper to build and ~3x cheaper to flatten than
    EmailMessage(policy=SMTP), whose header registry re-parses every header it is given."""
    msg: Message
    if row.html_body:
        msg = MIMEMultipart("alternative")
        msg.attach(_text_part(row.text_body, "plain"))
        msg.attach(_text_part(row.html_body, "html"))
    else:
        msg = _text_part(row.text_body, "plain")
    msg["From"] = _address(row.from_addr)
    msg["To"] = _address(row.to_addr)
    if row.reply_to:
        # One address a line: partner mail replies to the member and to our brief address (briefs.py).
        msg["Reply-To"] = ", ".join(_address(a) for a in row.reply_to.splitlines() if a.strip())
    msg["Subject"] = _header(row.subject)
    if row.language:
        msg["Content-Language"] = row.language  # RFC 3282: the language the templates were written in
    # The simulated clock too (models/base.py); "+0000", UTC: formatdate's "-0000" says the zone is unknown.
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = message_id(row, tracking)
    if row.in_reply_to:
        msg["In-Reply-To"] = f"<{_clean(row.in_reply_to)}>"
        msg["References"] = " ".join(f"<{r}>" for r in _clean(row.references or row.in_reply_to).split())
        msg["Auto-Submitted"] = "auto-replied"
    else:
        msg["Auto-Submitted"] = "auto-generated"
        msg["List-Unsubscribe"] = unsubscribe_header(tracking, row.to_addr, secret)
    msg[LOOP_HEADER] = tracking
    msg["X-Auto-Response-Suppress"] = "All"  # asks Exchange not to send out-of-office replies
    return msg


def unsubscribe_header(tracking: str, to: str, secret: str | None) -> str:
    """mailto only (worker/followups/unsubscribe.py reads it), so no List-Unsubscribe-Post: RFC 8058
    one-click is for https URIs."""
    address = parseaddr(_clean(to))[1]
    token = f"%20{tokens.unsubscribe_token(secret, address)}" if secret and address else ""
    return f"<mailto:{tracking}?subject=UNSUBSCRIBE{token}>"


def message_id(row: OutboxMessage, tracking: str) -> str:
    """The same for every attempt at one row, so a copy sent twice (a person's retry of an
    unconfirmed mail) carries one Message-ID that mail clients and servers can fold into one.
    Its random part was drawn at queueing (outbox.mid_nonce): In-Reply-To naming it is no proof of
    who wrote a reply (worker/followups/replytrust.py), but nobody outside the thread can guess it.
    A row queued before migration 0024 and already handed over keeps the old, derived part."""
    digest = row.mid_nonce or hashlib.sha256(f"{row.dedupe_key}\0{row.queued_at}".encode()).hexdigest()[:16]
    return f"<ol{row.id}.{digest}@{tracking.partition('@')[2] or 'localhost'}>"


class FolderTransport:
    """The embedded default: each message becomes an .eml file (written whole, then renamed)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def send(self, msg: Message, before_data: Callable[[], None] | None = None) -> None:
        """Idempotent: the file is named after the Message-ID, which every attempt shares, so
        nothing needs marking before the write (`before_data` is not called)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        name = msg["Message-ID"].strip("<>").replace("/", "_")
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(bytes(msg))
        tmp.replace(self.folder / f"{name}.eml")

    def close(self) -> None:
        pass


def _envelope(msg: Message) -> tuple[str, str, bool]:
    """(MAIL FROM, RCPT TO, needs SMTPUTF8) of our one-recipient mail."""
    sender, rcpt = parseaddr(str(msg["From"]))[1], parseaddr(str(msg["To"]))[1]
    if not (sender and rcpt):
        raise PermanentSendError(f"no usable address in From {msg['From']!r} / To {msg['To']!r}")
    return sender, rcpt, not (sender.isascii() and rcpt.isascii())


_LEADING_DOT = re.compile(rb"(?m)^\.")


class _HandOverData(smtplib.SMTP):
    """smtplib's DATA with what at-most-once needs (docs/sending.md): `before_data()` runs just
    before the DATA command (the deliverer commits its hand-over marker there, and may refuse),
    and the answer to the final dot is awaited `data_timeout` seconds (RFC 5321 4.5.3.2.6
    suggests 10 minutes), not the short timeout of the other commands. No answer after the
    whole mail went out raises UnconfirmedSendError: the server may have it."""

    before_data: Callable[[], None] | None = None
    data_timeout: float = 600.0

    def data(self, msg: bytes) -> tuple[int, bytes]:  # type: ignore[override]  # sendmail() passes bytes only
        if self.before_data is not None:
            self.before_data()
        code, reply = self.docmd("data")
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        body = _LEADING_DOT.sub(b"..", msg)  # dot-stuffing, as smtplib does
        self.send(body + (b"" if body.endswith(b"\r\n") else b"\r\n") + b".\r\n")
        # Not delivered before this line: the server needs the final dot. After it, it may be.
        assert self.sock is not None, "send() raised if the connection was gone"
        self.sock.settimeout(self.data_timeout)
        try:
            return self.getreply()
        except smtplib.SMTPServerDisconnected as exc:  # smtplib's word for a timeout, too
            raise UnconfirmedSendError(
                f"no answer from the SMTP server after the whole mail was sent ({exc}): it may or "
                "may not have arrived, so it is not sent again by itself") from exc
        finally:
            if self.sock is not None:
                self.sock.settimeout(self.timeout)


class _Smtp(_HandOverData):
    pass


class _SmtpSsl(_HandOverData, smtplib.SMTP_SSL):
    pass


class SmtpTransport:
    """smtplib with one reused connection per thread, reopened after any failure."""

    def __init__(self, settings: SmtpConfig, password: str | None):
        self.settings = settings
        self.password = password
        self.local = threading.local()

    def _connection(self) -> _HandOverData:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = self._open()
        return conn

    def _open(self) -> _HandOverData:
        """Connect, secure and log in. What only a person can fix (the configuration, or the
        server's certificate) raises PermanentSendError naming the server: retries span two days
        (worker/outbound/backoff.py), which would only delay the same verdict. A half-open
        connection is closed."""
        s = self.settings
        where = f"SMTP server {s.host}:{s.port}"
        context = ssl.create_default_context(cafile=s.ca_file)
        conn: _HandOverData | None = None
        try:
            if s.security == "tls":
                conn = _SmtpSsl(s.host, s.port, timeout=s.timeout_seconds, context=context)
            else:
                conn = _Smtp(s.host, s.port, timeout=s.timeout_seconds)
                if s.security == "starttls":
                    conn.ehlo()
                    if not conn.has_extn("starttls"):
                        raise PermanentSendError(
                            f"{where} does not offer STARTTLS: not sent, outbound.smtp.security "
                            "is starttls and mail is never sent in clear text")
                    conn.starttls(context=context)
            conn.data_timeout = s.data_timeout_seconds
            if s.username:
                self._login(conn, s.username, where)
            return conn
        except ssl.SSLCertVerificationError as exc:
            _close(conn)
            trusted = f"ca_file {s.ca_file}" if s.ca_file else "the system's CAs (no ca_file)"
            raise PermanentSendError(
                f"{where}: TLS certificate not trusted ({exc.verify_message.rstrip('.')}): not sent; "
                f"trusted now: {trusted} — check outbound.smtp.host and ca_file") from exc
        except BaseException:
            _close(conn)
            raise

    def check(self) -> None:
        """Connect, secure and log in as sending will, then say goodbye (`introledger doctor`)."""
        conn = self._open()
        try:
            conn.quit()
        except smtplib.SMTPException:
            _close(conn)

    def _login(self, conn: smtplib.SMTP, username: str, where: str) -> None:
        s = self.settings
        secret = f"${s.password_env}" if self.password else f"${s.password_env}, which is not set"
        try:
            conn.login(username, self.password or "")
        except smtplib.SMTPNotSupportedError as exc:  # AUTH not advertised
            raise PermanentSendError(
                f"{where} does not offer AUTH to log in as {s.username!r} (security: "
                f"{s.security}; servers often offer it only over TLS) — check outbound.smtp.security"
            ) from exc
        except smtplib.SMTPAuthenticationError as exc:
            # The server's reply first (its code decides permanent or not), then who, where.
            self._raise(exc.smtp_code, exc.smtp_error,
                        f" — {where} refused the login of {s.username!r} with the password in {secret}")

    def send(self, msg: Message, before_data: Callable[[], None] | None = None) -> None:
        """`before_data()` runs just before DATA; an exception from it aborts the mail."""
        try:
            sender, rcpt, international = _envelope(msg)
            conn = self._connection()
            conn.before_data = before_data
            if not international:
                # Flattening is most of a mail's CPU: worker/outbound/flatten.py does it as send_message would.
                conn.sendmail(sender, [rcpt], flatten.to_bytes(msg))
                return
            conn.ehlo_or_helo_if_needed()  # has_extn reads the server's EHLO answer
            if not conn.has_extn("smtputf8"):
                raise PermanentSendError(
                    f"{rcpt if not rcpt.isascii() else sender} is an internationalised address and "
                    f"{self.settings.host} does not offer SMTPUTF8 to carry it")
            conn.sendmail(sender, [rcpt], flatten.to_bytes(msg, utf8=True),
                          mail_options=["SMTPUTF8", "BODY=8BITMIME"])
        except UnconfirmedSendError:
            self._drop()
            raise
        except smtplib.SMTPRecipientsRefused as exc:
            self._drop()
            code, reply = next(iter(exc.recipients.values()))
            self._raise(code, reply, stage="rcpt")
        except smtplib.SMTPDataError as exc:
            self._drop()
            self._raise(exc.smtp_code, exc.smtp_error, stage="data")
        except smtplib.SMTPResponseException as exc:
            self._drop()
            self._raise(exc.smtp_code, exc.smtp_error)
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise TransientSendError(f"{type(exc).__name__}: {exc}") from exc
        except BaseException:  # before_data refused, or a bug: the server must not keep a half mail
            self._drop()
            raise

    def _raise(self, code: int, reply: bytes | str, context: str = "", stage: str = "") -> None:
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        error = f"{code} {text}{context}"
        if 500 <= code < 600:
            raise RecipientRefusedError(error, stage) if stage else PermanentSendError(error)
        raise TransientSendError(error)

    def _drop(self) -> None:
        conn, self.local.conn = getattr(self.local, "conn", None), None
        _close(conn)

    def close(self) -> None:
        conn = getattr(self.local, "conn", None)
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()
            self.local.conn = None


def _close(conn: smtplib.SMTP | None) -> None:
    if conn is not None:
        try:
            conn.close()
        except OSError:
            pass


Transport = SmtpTransport | FolderTransport  # what the deliverer sends through (bootstrap picks)
