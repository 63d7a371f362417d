"""Real servers for tests: a private Dovecot (IMAP + LMTP) and an in-process SMTP sink (plain,
STARTTLS or implicit TLS, with or without AUTH).

Plain helpers, no pytest dependency; the fixtures live in ``tests/fixtures_servers.py``.
See shared/TESTING.md for the measured facts these are built on.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import hashlib
import hmac
import json
import logging
import os
import shutil
import smtplib
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field

__all__ = [
    "Dovecot",
    "DovecotError",
    "NO_IDLE_CAPABILITY",
    "ReceivedMessage",
    "SMTP_SECURITY",
    "SmtpSink",
    "free_port",
    "hs256_jwt",
    "make_test_pki",
    "require_servers",
]

REQUIRE_SERVERS_ENV = "INTROLEDGER_REQUIRE_SERVERS"

# Dovecot 2.3.19's default post-login capability list minus IDLE and NOTIFY (push without IDLE).
# Used for the polling-fallback tests.
NO_IDLE_CAPABILITY = (
    "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE SORT SORT=DISPLAY THREAD=REFERENCES "
    "THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN "
    "NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES "
    "WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW "
    "STATUS=SIZE SAVEDATE LITERAL+"
)


def require_servers() -> bool:
    """True when a missing server must fail the run instead of skipping (CI sets it)."""
    return os.environ.get(REQUIRE_SERVERS_ENV, "").strip() == "1"


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (bind to 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class DovecotError(RuntimeError):
    pass


# ---- TLS and OAuth2 helpers ---------------------------------------------------------------------


def make_test_pki(directory: str, host: str = "127.0.0.1") -> tuple[str, str, str]:
    """A throwaway CA and a server certificate it signed, for `host` (an IP address: the SAN is
    IP:host), made with the `openssl` command. Returns (ca_file, cert_file, key_file).

    EC P-256 keys (fast to make); the CA is a proper CA (basicConstraints CA:TRUE, keyCertSign),
    the leaf a proper server certificate (CA:FALSE, serverAuth), so strict verifiers accept it."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise DovecotError("the `openssl` command is not on PATH (apt-get install openssl)")
    os.makedirs(directory, exist_ok=True)
    ca_key, ca_file = os.path.join(directory, "ca.key"), os.path.join(directory, "ca.pem")
    key, csr = os.path.join(directory, "server.key"), os.path.join(directory, "server.csr")
    cert, ext = os.path.join(directory, "server.pem"), os.path.join(directory, "server.ext")
    with open(ext, "w") as f:
        f.write(
            f"subjectAltName = IP:{host}\n"
            "basicConstraints = critical, CA:FALSE\n"
            "keyUsage = critical, digitalSignature, keyEncipherment\n"
            "extendedKeyUsage = serverAuth\n"
            "subjectKeyIdentifier = hash\n"
            "authorityKeyIdentifier = keyid\n"
        )
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    for cmd in (
        ["req", "-x509", *ec, "-keyout", ca_key, "-out", ca_file, "-days", "3",
         "-subj", "/CN=introledger throwaway test CA",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ["req", *ec, "-keyout", key, "-out", csr, "-subj", f"/CN={host}"],
        ["x509", "-req", "-in", csr, "-CA", ca_file, "-CAkey", ca_key, "-set_serial", "2",
         "-days", "2", "-extfile", ext, "-out", cert],
    ):
        r = subprocess.run([openssl, *cmd], capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise DovecotError(f"openssl {cmd[0]} failed ({r.returncode}): {r.stderr}")
    for path in (ca_file, cert):
        os.chmod(path, 0o644)
    return ca_file, cert, key


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def hs256_jwt(claims: dict, key: bytes, kid: str | None = None) -> str:
    """A JWT signed with HMAC-SHA256 (RFC 7519/7515), stdlib only."""
    header = {"alg": "HS256", "typ": "JWT", **({"kid": kid} if kid else {})}
    signing_input = ".".join(
        _b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    signature = hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(signature)}"


_MAIL_UID = 65534  # nobody: Dovecot refuses mail access as root


class Dovecot:
    """A private Dovecot instance in a temp dir, IMAP and LMTP on free loopback ports.

    Usage::

        d = Dovecot(); d.start()
        ... IMAPClient(d.host, port=d.port, ssl=False).login(d.user, d.password) ...
        d.stop()

    ``tls=True``: a throwaway CA signs a certificate for 127.0.0.1 (``ca_file`` is the CA's
    certificate); the plain port then also offers STARTTLS and ``imaps_port`` speaks implicit
    TLS. Plain logins on the plain port keep working (``client()``, ``append()``, ...).

    ``oauth2=True``: SASL XOAUTH2 and OAUTHBEARER authenticate with a bearer token that is an
    HS256 JWT signed with ``oauth2_key`` (``oauth2_token()`` makes one), validated locally by
    Dovecot's oauth2 passdb (``introspection_mode = local``); ``sub`` is the user name.
    """

    binary = "dovecot"
    doveadm = "doveadm"

    def __init__(
        self,
        user: str = "test",
        password: str = "secret",
        imap_capability: str | None = None,
        extra_config: str = "",
        tls: bool = False,
        oauth2: bool = False,
    ) -> None:
        self.host = "127.0.0.1"
        self.user = user
        self.password = password
        self.imap_capability = imap_capability
        self.extra_config = extra_config
        self.tls = tls
        self.oauth2 = oauth2
        self.oauth2_key: bytes | None = os.urandom(32) if oauth2 else None
        self.oauth2_kid = "introledger-test"
        self.port: int = 0
        self.lmtp_port: int = 0
        self.imaps_port: int = 0  # only with tls=True
        self.ca_file: str | None = None  # only with tls=True
        self.dir: str | None = None
        self.conf: str | None = None
        self.proc: subprocess.Popen | None = None

    # ---- lifecycle -------------------------------------------------------------------------

    @classmethod
    def available(cls) -> bool:
        return shutil.which(cls.binary) is not None

    def start(self, timeout: float = 15.0) -> Dovecot:
        for attempt in range(5):
            try:
                return self._start(timeout)
            except DovecotError as e:
                # A free port can be taken between pick and bind (tests run in parallel): try others.
                if "Address already in use" not in str(e) or attempt == 4:
                    raise
        raise AssertionError("unreachable")

    def _start(self, timeout: float) -> Dovecot:
        if self.proc is not None:
            raise DovecotError("already started")
        binary = shutil.which(self.binary)
        if binary is None:
            raise DovecotError(
                "the `dovecot` binary is not on PATH "
                "(apt-get install dovecot-imapd dovecot-lmtpd)"
            )
        d = tempfile.mkdtemp(prefix="introledger-dovecot-")
        os.chmod(d, 0o755)  # auth runs as user `dovecot` and must traverse it
        self.dir = d
        mail = os.path.join(d, "mail")
        os.mkdir(mail)
        os.chown(mail, _MAIL_UID, _MAIL_UID)
        users = os.path.join(d, "users")
        with open(users, "w") as f:
            f.write(f"{self.user}:{{PLAIN}}{self.password}::::::\n")
        os.chmod(users, 0o644)
        self.port = free_port()
        self.lmtp_port = free_port()
        while self.lmtp_port == self.port:
            self.lmtp_port = free_port()
        if self.tls:
            self.ca_file, self._cert, self._key = make_test_pki(os.path.join(d, "tls"), self.host)
            self.imaps_port = free_port()
            while self.imaps_port in (self.port, self.lmtp_port):
                self.imaps_port = free_port()
        if self.oauth2:
            self._write_oauth2_files()
        self.conf = os.path.join(d, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(self._config())
        self._stderr = open(os.path.join(d, "stderr.log"), "wb")
        self.proc = subprocess.Popen(
            [binary, "-F", "-c", self.conf],
            stdin=subprocess.DEVNULL,
            stdout=self._stderr,
            stderr=subprocess.STDOUT,
        )
        atexit.register(self.stop)
        try:
            self._wait_listening(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _config(self) -> str:
        d = self.dir
        cap = f"imap_capability = {self.imap_capability}\n" if self.imap_capability else ""
        return f"""\
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
instance_name = introledger-test-{os.path.basename(d)}
protocols = imap lmtp
listen = 127.0.0.1
{self._ssl_config()}
disable_plaintext_auth = no
auth_mechanisms = plain login{" xoauth2 oauthbearer" if self.oauth2 else ""}
auth_username_format = %Ln
mail_location = maildir:{d}/mail/%u
mail_uid = {_MAIL_UID}
mail_gid = {_MAIL_UID}
first_valid_uid = {_MAIL_UID}
mail_fsync = never
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
{"  mechanisms = plain login" + chr(10) if self.oauth2 else ""}}}
{self._oauth2_passdb()}userdb {{
  driver = static
  args = home={d}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.imaps_port}
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {self.lmtp_port}
  }}
}}
protocol imap {{
  mail_max_userip_connections = 1000
{cap}}}
# Tests log in with wrong passwords and tokens on purpose: no 2 s delay on each refusal, and no
# anvil auth penalty (after a failure from 127.0.0.1 the NEXT login from it, good ones included,
# waits 4, 8, ... s): with its socket unusable the auth process runs without it.
auth_failure_delay = 0
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
{self.extra_config}
"""

    def _ssl_config(self) -> str:
        if not self.tls:
            return "ssl = no"
        # ssl = yes (not required): STARTTLS is offered, plaintext logins stay allowed.
        return f"ssl = yes\nssl_cert = <{self._cert}\nssl_key = <{self._key}"

    def _oauth2_passdb(self) -> str:
        if not self.oauth2:
            return ""
        # auth_verbose logs why a token failed.
        return f"""auth_verbose = yes
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {self.dir}/oauth2.conf
}}
"""

    def _write_oauth2_files(self) -> None:
        """The oauth2 passdb's settings and the HMAC key, where its local validation looks
        for it: the dict key is shared/<azp>/<alg>/<kid> (azp "default" when the token has
        none), the value the base64 of the key."""
        d = self.dir
        keys = os.path.join(d, "oauth2-keys")
        key_dir = os.path.join(keys, "default", "HS256")
        os.makedirs(key_dir)
        for path in (keys, os.path.join(keys, "default"), key_dir):
            os.chmod(path, 0o755)  # the auth process runs as `dovecot`
        key_file = os.path.join(key_dir, self.oauth2_kid)
        with open(key_file, "w") as f:
            f.write(base64.b64encode(self.oauth2_key).decode("ascii"))
        os.chmod(key_file, 0o644)
        conf = os.path.join(d, "oauth2.conf")
        with open(conf, "w") as f:
            f.write(
                "introspection_mode = local\n"
                f"local_validation_key_dict = fs:posix:prefix={keys}/\n"
                "username_attribute = sub\n"
            )
        os.chmod(conf, 0o644)

    def oauth2_token(
        self, user: str | None = None, key: bytes | None = None, lifetime: float = 600, **claims
    ) -> str:
        """A bearer token this server accepts for `user` (default: the test user): an HS256
        JWT with sub, iat and exp. Pass another `key` or claims to make one it must refuse."""
        if self.oauth2_key is None:
            raise DovecotError("this Dovecot was started without oauth2=True")
        now = int(time.time())
        body = {"sub": user or self.user, "iat": now, "exp": int(now + lifetime), **claims}
        return hs256_jwt(body, key or self.oauth2_key, kid=self.oauth2_kid)

    def _wait_listening(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise DovecotError(
                    f"dovecot exited with {self.proc.returncode}:\n{self.log_tail()}"
                )
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise DovecotError(
                    f"dovecot did not listen on {self.host}:{self.port} within {timeout}s:\n"
                    f"{self.log_tail()}"
                )
            time.sleep(0.01)

    def terminate(self) -> None:
        """Send SIGTERM without waiting (Dovecot takes ~1 s to exit): terminate several
        instances first, then stop() each, to overlap their shutdowns."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()

    def stop(self) -> None:
        """Terminate and wait (no port polling while it shuts down), then remove the dir."""
        atexit.unregister(self.stop)
        self.terminate()
        proc, self.proc = self.proc, None
        if proc is not None:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if getattr(self, "_stderr", None) is not None:
            self._stderr.close()
            self._stderr = None
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self) -> Dovecot:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def log_tail(self, n: int = 40) -> str:
        out = []
        for name in ("stderr.log", "dovecot.log"):
            try:
                with open(os.path.join(self.dir or "", name), errors="replace") as f:
                    lines = f.read().splitlines()[-n:]
            except OSError:
                continue
            if lines:
                out.append(f"--- {name}\n" + "\n".join(lines))
        return "\n".join(out)

    # ---- clients ---------------------------------------------------------------------------

    def client(self, login: bool = True, timeout: float = 10.0):
        """A new IMAPClient connected (and logged in) to this server. Caller logs out."""
        from imapclient import IMAPClient

        c = IMAPClient(self.host, port=self.port, ssl=False, timeout=timeout)
        if login:
            c.login(self.user, self.password)
        return c

    def append(self, raw: bytes, folder: str = "INBOX", flags=(), msg_time=None) -> None:
        """APPEND one message over a private connection (folder is created if missing)."""
        c = self.client()
        try:
            if folder.upper() != "INBOX" and not c.folder_exists(folder):
                c.create_folder(folder)
            c.append(folder, raw, flags=flags, msg_time=msg_time)
        finally:
            _logout(c)

    def deliver_lmtp(self, raw: bytes, rcpt: str = "test", mail_from: str = "sender@example.test") -> None:
        """Deliver like an MTA would, over LMTP (to INBOX of `rcpt`)."""
        with smtplib.LMTP(self.host, self.lmtp_port, timeout=10) as l:
            refused = l.sendmail(mail_from, [rcpt], raw)
        if refused:
            raise DovecotError(f"LMTP refused: {refused}")

    def kick(self, user: str | None = None) -> None:
        """Force-drop every live IMAP connection of `user` (default: the test user).

        The client's next command then fails (imaplib abort / socket error): doveadm only signals
        the processes, so this waits (up to 10 s) until Dovecot lists none of them (connections
        made meanwhile, e.g. a client reconnecting, are not waited for)."""
        user = user or self.user
        kicked = self._imap_pids(user)
        self._doveadm("kick", user)
        deadline = time.monotonic() + 10
        while kicked & self._imap_pids(user) and time.monotonic() < deadline:
            time.sleep(0.02)

    def _imap_pids(self, user: str) -> set[str]:
        """The IMAP processes Dovecot lists for `user` (`doveadm who -1`: a header, then user proto pid ip)."""
        rows = (line.split() for line in self._doveadm("who", "-1", user).splitlines()[1:])
        return {row[2] for row in rows if row[:2] == [user, "imap"] and len(row) > 2}

    restart_connections = kick

    def clear(self) -> None:
        """Delete every folder but INBOX and every message in INBOX for the test user."""
        c = self.client()
        try:
            folders = [name for _flags, _delim, name in c.list_folders()]
            others = sorted((f for f in folders if f.upper() != "INBOX"), key=len, reverse=True)
            for name in others:
                try:
                    c.delete_folder(name)
                except Exception:  # \Noselect parents vanish with their children
                    if c.folder_exists(name):
                        raise
            for _flags, _delim, name in c.list_sub_folders():
                if name.upper() != "INBOX":
                    c.unsubscribe_folder(name)
            info = c.select_folder("INBOX")
            if info.get(b"EXISTS", 0):
                c.set_flags("1:*", [b"\\Deleted"], silent=True)
                c.expunge()
            c.close_folder()
        finally:
            _logout(c)

    def _doveadm(self, *args: str) -> str:
        if self.conf is None:
            raise DovecotError("not started")
        r = subprocess.run(
            [shutil.which(self.doveadm) or self.doveadm, "-c", self.conf, *args],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if r.returncode != 0:
            raise DovecotError(f"doveadm {' '.join(args)} failed ({r.returncode}): {r.stderr}")
        return r.stdout


def _logout(c) -> None:
    try:
        c.logout()
    except Exception:  # noqa: BLE001 - best effort: the server may have dropped the connection already
        try:
            c.shutdown()
        except Exception:  # noqa: BLE001 - nothing left to close
            pass


# ---- SMTP sink -----------------------------------------------------------------------------


@dataclass
class ReceivedMessage:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    peer: object = None
    mail_options: list[str] = field(default_factory=list)
    tls: str | None = None  # the TLS version the message came over ("TLSv1.3"); None = clear text
    auth_user: str | None = None  # the user name the client authenticated as; None = no AUTH


@dataclass
class _Failure:
    reply: str | None  # e.g. "451 4.3.0 try later"; None means drop the connection
    stage: str  # "mail", "rcpt" or "data"
    remaining: int | None  # None = forever


SMTP_SECURITY = ("none", "starttls", "tls")  # the words of outbound.smtp.security


class SmtpSink:
    """An aiosmtpd server in this process, on 127.0.0.1 and a pre-picked free port.

    Accepted messages land in ``messages`` (list of ReceivedMessage, guarded by a lock).
    ``fail_next(...)`` / ``fail_all(...)`` / ``drop_next(...)`` make it misbehave for retry tests.

    ``security`` uses the words of ``outbound.smtp.security``:

    - ``"none"`` (default): clear text only, no STARTTLS on offer.
    - ``"starttls"``: offers STARTTLS and requires it (``530`` to anything but EHLO/NOOP/QUIT/
      STARTTLS before it); AUTH is advertised and accepted only after it.
    - ``"tls"``: implicit TLS (SMTPS) from the first byte.

    The certificate is for IP 127.0.0.1, signed by a throwaway CA: pass ``pki`` (the
    ``(ca_file, cert_file, key_file)`` of ``make_test_pki``) to share one CA across servers, or
    leave it out and the sink makes its own in a temp dir. ``ca_file`` is the CA's certificate.

    ``auth=(user, password)``: AUTH PLAIN/LOGIN checks them; every attempt is recorded in
    ``auth_attempts`` as ``(user, accepted)``, so a test can show a password was never sent.
    """

    def __init__(
        self,
        auth: tuple[str, str] | None = None,
        security: str = "none",
        pki: tuple[str, str, str] | None = None,
        utf8: bool = True,
    ) -> None:
        if security not in SMTP_SECURITY:
            raise ValueError(f"security must be one of {SMTP_SECURITY}: {security!r}")
        self.host = "127.0.0.1"
        self.port = 0
        self.auth = auth
        self.security = security
        self.pki = pki
        self.utf8 = utf8  # offer SMTPUTF8 (RFC 6531): aiosmtpd's Controller and Postfix 3 do by default
        self._own_pki_dir: str | None = None
        self._cond = threading.Condition()
        self._messages: list[ReceivedMessage] = []
        self._failures: list[_Failure] = []
        self.attempts = 0  # MAIL FROM commands seen (transactions attempted, failed or not)
        self.rejected = 0
        self.auth_attempts: list[tuple[str, bool]] = []
        self.answer_delay = 0.0  # seconds between taking a mail and answering the end of DATA
        self.controller = None

    @property
    def ca_file(self) -> str | None:
        """The certificate of the CA that signed this server's certificate (TLS modes only)."""
        return self.pki[0] if self.pki and self.security != "none" else None

    # ---- lifecycle
    def start(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        kwargs = {"enable_SMTPUTF8": self.utf8}
        if self.security != "none":
            context = self._server_tls_context()
            if self.security == "starttls":
                kwargs.update(tls_context=context, require_starttls=True)
            else:
                kwargs.update(ssl_context=context)
        if self.auth is not None:
            # aiosmtpd 1.4.6 only counts a session as encrypted after STARTTLS: with implicit
            # TLS and auth_require_tls=True it never advertises AUTH and answers it with 538
            # (aio-libs/aiosmtpd#281). An SMTPS session is encrypted from the first byte, so
            # the requirement is met there without the flag.
            kwargs.update(authenticator=self._authenticator(),
                          auth_require_tls=self.security == "starttls")
            # aiosmtpd 1.4 logs "Session.login_data is deprecated" on every successful AUTH.
            logging.getLogger("mail.log").addFilter(_quiet_login_data)
        last = None
        for _ in range(5):  # the free port can be stolen between pick and bind
            self.port = free_port()
            self.controller = Controller(
                _Handler(self), hostname=self.host, port=self.port, ready_timeout=10, **kwargs
            )
            try:
                self.controller.start()
                return self
            except Exception as e:  # noqa: BLE001 - a race; try another port  # pragma: no cover
                last = e
                controller, self.controller = self.controller, None
                try:  # its thread may be running (e.g. the TLS trigger connection failed)
                    controller.stop(no_assert=True)
                except Exception:  # noqa: BLE001 - best effort, the start failed anyway
                    pass
        raise RuntimeError(f"SmtpSink could not start: {last!r}")

    def _server_tls_context(self) -> ssl.SSLContext:
        if self.pki is None:
            self._own_pki_dir = tempfile.mkdtemp(prefix="introledger-smtp-pki-")
            self.pki = make_test_pki(self._own_pki_dir, self.host)
        _ca_file, cert_file, key_file = self.pki
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)  # no client certificates
        context.load_cert_chain(cert_file, key_file)
        return context

    def _authenticator(self):
        from aiosmtpd.smtp import AuthResult, LoginPassword

        user, password = self.auth

        def authenticator(server, session, envelope, mechanism, auth_data):
            if not isinstance(auth_data, LoginPassword):
                return AuthResult(success=False, handled=False)
            login = auth_data.login.decode("utf-8", "replace")
            ok = login == user and auth_data.password.decode("utf-8", "replace") == password
            with self._cond:
                self.auth_attempts.append((login, ok))
            # handled=True (the default) would mean the authenticator already sent the reply
            return AuthResult(success=ok, handled=False, auth_data=login if ok else None)

        return authenticator

    def stop(self) -> None:
        try:
            if self.controller is not None:
                try:
                    self.controller.stop()
                finally:
                    self.controller = None
        finally:
            if self._own_pki_dir is not None:
                shutil.rmtree(self._own_pki_dir, ignore_errors=True)
                self._own_pki_dir, self.pki = None, None

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- results
    @property
    def messages(self) -> list[ReceivedMessage]:
        with self._cond:
            return list(self._messages)

    def clear(self) -> None:
        with self._cond:
            self._messages.clear()
            self._failures.clear()
            self.attempts = 0
            self.rejected = 0
            self.auth_attempts.clear()

    def wait_for(self, n: int, timeout: float = 5.0) -> list[ReceivedMessage]:
        """Block until at least n messages were accepted; AssertionError on timeout."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._messages) >= n, timeout):
                raise AssertionError(
                    f"SmtpSink: expected {n} message(s) within {timeout}s, got {len(self._messages)}"
                )
            return list(self._messages)

    # ---- misbehaviour
    def fail_next(self, reply: str | int = "451 4.3.0 Temporary failure", count: int = 1, stage: str = "data") -> None:
        """Answer the next `count` transactions with `reply` (e.g. "451 4.3.0 later",
        "550 5.1.1 no such user") at `stage`: "data" (end of DATA: smtplib raises
        SMTPDataError), "mail" (SMTPSenderRefused) or "rcpt" (SMTPRecipientsRefused).
        Failures queue up in order."""
        self._add(_Failure(_reply(reply), _stage(stage), count))

    def fail_all(self, reply: str | int = "451 4.3.0 Temporary failure", stage: str = "data") -> None:
        self._add(_Failure(_reply(reply), _stage(stage), None))

    def drop_next(self, count: int = 1, stage: str = "data") -> None:
        """Close the connection without replying at `stage` for the next `count` transactions
        (smtplib raises SMTPServerDisconnected). For stage="data" the message body has been
        sent but no reply comes."""
        self._add(_Failure(None, _stage(stage), count))

    def drop_all(self, stage: str = "data") -> None:
        self._add(_Failure(None, _stage(stage), None))

    def answer_late(self, seconds: float) -> None:
        """Take every mail (it is recorded at once) but answer the end of DATA `seconds` later:
        a slow server, which a client with a shorter timeout would send the mail again."""
        self.answer_delay = seconds

    def heal(self) -> None:
        """Forget every pending failure."""
        with self._cond:
            self._failures.clear()

    def _add(self, f: _Failure) -> None:
        with self._cond:
            self._failures.append(f)

    def _take_failure(self, stage: str) -> _Failure | None:
        with self._cond:
            for f in self._failures:
                if f.stage != stage:
                    continue
                if f.remaining is not None:
                    f.remaining -= 1
                    if f.remaining <= 0:
                        self._failures.remove(f)
                self.rejected += 1
                return f
            return None

    def _record(self, msg: ReceivedMessage) -> None:
        with self._cond:
            self._messages.append(msg)
            self._cond.notify_all()


def _reply(reply: str | int) -> str:
    if isinstance(reply, int):
        reply = f"{reply} {'Temporary failure' if reply < 500 else 'Permanent failure'}"
    code = reply[:3]
    if not (code.isdigit() and code[0] in "45"):
        raise ValueError(f"reply must start with a 4xx or 5xx code: {reply!r}")
    return reply


def _stage(stage: str) -> str:
    if stage not in ("mail", "rcpt", "data"):
        raise ValueError(f"stage must be mail, rcpt or data: {stage!r}")
    return stage


def _quiet_login_data(record: logging.LogRecord) -> bool:
    return "login_data is deprecated" not in record.getMessage()


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    def _maybe_fail(self, server, stage: str) -> str | None:
        f = self.sink._take_failure(stage)
        if f is None:
            return None
        if f.reply is None:
            server.transport.abort()
            return "421 4.4.2 connection dropped"  # written to a closed transport: never seen
        return f.reply

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self.sink._cond:
            self.sink.attempts += 1
        fail = self._maybe_fail(server, "mail")
        if fail:
            return fail
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        fail = self._maybe_fail(server, "rcpt")
        if fail:
            return fail
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        fail = self._maybe_fail(server, "data")
        if fail:
            return fail
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        # The transport in use now: after STARTTLS, or from the start with implicit TLS, it is
        # the TLS one (session.ssl is only set by STARTTLS).
        tls = server.transport.get_extra_info("ssl_object") if server.transport else None
        self.sink._record(
            ReceivedMessage(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                raw=bytes(raw),
                peer=session.peer,
                mail_options=list(envelope.mail_options),
                tls=tls.version() if tls is not None else None,
                auth_user=session.auth_data if session.authenticated else None,
            )
        )
        if self.sink.answer_delay:
            await asyncio.sleep(self.sink.answer_delay)
        return "250 OK"
