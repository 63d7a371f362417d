"""The IMAP mailbox as a source: connect, then hand every unprocessed message to the pipeline.

UIDs, never sequence numbers; BODY.PEEK so reading leaves no \\Seen flag behind; the checkpoint
lives in the database and moves with each message's effects, so a crash re-reads at most the
message in flight (and dedupe makes that harmless).
"""
import imaplib
import ssl
from dataclasses import dataclass

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import Checkpoint
from worker.core.config import ImapConfig
from worker.core.outages import is_outage
from worker.inbound.pipeline import Origin, Outcome, Pipeline
from worker.sources.sizing import DEFAULT_MAX_MESSAGE_BYTES, plan_chunks


class ImapLoginError(RuntimeError):
    """No credentials configured: retrying will not help until a person sets them."""


class ImapSetupError(ImapLoginError):
    """The mailbox answers but is not as configured (e.g. a folder we may not create): a person acts."""


@dataclass(frozen=True)
class ImapAccount:
    settings: ImapConfig
    secret: str | None  # the password or the OAuth2 access token, from the environment
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES  # above it, only the headers are fetched

    @property
    def source(self) -> str:
        s = self.settings
        return f"imap:{s.username}@{s.host}:{s.port}/{s.folder}"


def connect(account: ImapAccount) -> IMAPClient:
    s = account.settings
    if not account.secret:
        env = s.password_env if s.auth == "password" else s.oauth_token_env
        raise ImapLoginError(f"no IMAP {s.auth} for {s.username}: set the environment variable {env}")
    context = ssl.create_default_context(cafile=s.ca_file)
    client = IMAPClient(s.host, port=s.port, use_uid=True, ssl=s.security == "tls",
                        ssl_context=context, timeout=s.timeout_seconds)
    try:
        if s.security == "starttls":
            client.starttls(context)
        if s.auth == "xoauth2":
            client.oauth2_login(s.username, account.secret)
        else:
            client.login(s.username, account.secret)
    except Exception:
        try:
            client.shutdown()
        except OSError:
            pass  # a failed STARTTLS handshake leaves the socket closed: keep the real error
        raise
    return client


def ensure_processed_folder(client: IMAPClient, account: ImapAccount) -> str:
    """Create source.imap.processed_folder if it is missing; '' when nothing was done.

    Without it every batch was logged, then failed to move, reconnected, and the mail stayed in
    the inbox for ever. Returns the line saying what was created; a server that refuses to create
    it is a setup problem waiting will not fix (ImapSetupError, saying what to do).
    """
    s = account.settings
    name = s.processed_folder
    if not name or client.folder_exists(name):
        return ""
    try:
        client.create_folder(name)
    except IMAPClientError as exc:
        if isinstance(exc, imaplib.IMAP4.abort):
            raise  # the connection went: an outage, not an answer
        raise ImapSetupError(
            f"IMAP folder {name!r} (source.imap.processed_folder) does not exist on {s.username}@{s.host} and "
            f"the server would not create it ({exc}): create it in your mail program, or correct or remove "
            "source.imap.processed_folder") from exc
    return f"created IMAP folder {name!r} on {s.username}@{s.host} for processed mail (source.imap.processed_folder)"


def recent_headers(client: IMAPClient, account: ImapAccount, count: int) -> list[bytes]:
    """The header blocks of the last `count` messages in the watched folder and, when mail is moved
    there, the processed folder (newest first; read-only, nothing marked seen)."""
    s = account.settings
    found: list[bytes] = []
    for folder in dict.fromkeys(f for f in (s.processed_folder, s.folder) if f):
        if not client.folder_exists(folder):
            continue
        client.select_folder(folder, readonly=True)
        uids = sorted(client.search("ALL"))[-count:]
        fetched = client.fetch(uids, ["BODY.PEEK[HEADER]"]) if uids else {}
        found += [data[b"BODY[HEADER]"] for _, data in sorted(fetched.items(), reverse=True)
                  if b"BODY[HEADER]" in data]
    return found[:count]


# A message the server cannot read (a broken file in its store) drops the connection at every
# FETCH: after this many tries of it alone, it is set aside so the mail after it is read.
UNREADABLE_AFTER = 3


def catch_up(client: IMAPClient, account: ImapAccount, pipeline: Pipeline,
             sessions: sessionmaker[Session], suspects: dict[int, int] | None = None,
             outcomes: list[Outcome] | None = None) -> list[Outcome]:
    """Process every message above the checkpoint, in UID order.

    `suspects` (kept by the caller across reconnects): UIDs whose FETCH lost the connection,
    with how often that happened when fetched alone; they are fetched one at a time.
    """
    s = account.settings
    suspects = {} if suspects is None else suspects
    outcomes = [] if outcomes is None else outcomes
    status = client.select_folder(s.folder)
    _forget_announcements(client)  # SELECT's own EXISTS is covered by the SEARCH below
    uidvalidity = int(status[b"UIDVALIDITY"])
    last = _last_uid(sessions, account.source, uidvalidity)
    uids = sorted(u for u in client.search(["UID", f"{last + 1}:*"]) if u > last)
    for start in range(0, len(uids), s.batch_size):
        batch = uids[start:start + s.batch_size]
        sizes = {uid: int(data[b"RFC822.SIZE"]) for uid, data in client.fetch(batch, ["RFC822.SIZE"]).items()
                 if b"RFC822.SIZE" in data}
        # Bodies a few megabytes at a time, never a whole batch: 200 mails of 30 MB took a gigabyte.
        for chunk in plan_chunks([u for u in batch if u in sizes], sizes, account.max_message_bytes):
            for group in ([[u] for u in chunk] if any(u in suspects for u in chunk) else [chunk]):
                origin = Origin(account.source, str(group[0]), uidvalidity, group[0])
                if len(group) == 1 and suspects.get(group[0], 0) >= UNREADABLE_AFTER:
                    outcomes.append(pipeline.set_aside(origin, unreadable_key(origin), (
                        f"the IMAP server dropped the connection each of the {UNREADABLE_AFTER} times it was "
                        f"asked for UID {group[0]} (a broken file in its store?): skipped, look at it in the mailbox")))
                    suspects.pop(group[0])
                    continue
                items = _fetch_noting(client, group, sizes, account, uidvalidity, suspects)
                outcomes.extend(pipeline.process_batch(items))
                for uid in group:
                    suspects.pop(uid, None)
                if s.processed_folder and items:
                    client.move([o.uid for _raw, o in items], s.processed_folder)  # only after the commit
    return outcomes


def unreadable_key(origin: Origin) -> str:
    return f"unreadable:{origin.source}:{origin.uidvalidity}:{origin.uid}"


def _fetch_noting(client: IMAPClient, group: list[int], sizes: dict[int, int], account: ImapAccount,
                  uidvalidity: int, suspects: dict[int, int]) -> list[tuple[bytes, Origin]]:
    """_fetch, noting which UIDs were being read when the connection died."""
    try:
        return _fetch(client, group, sizes, account, uidvalidity)
    except Exception as exc:
        if is_outage(exc):
            for uid in group:  # a group of one is the culprit (or the network failed again)
                suspects[uid] = suspects.get(uid, 0) + (1 if len(group) == 1 else 0)
        raise


def _fetch(client: IMAPClient, chunk: list[int], sizes: dict[int, int], account: ImapAccount,
           uidvalidity: int) -> list[tuple[bytes, Origin]]:
    cap = account.max_message_bytes
    whole = [u for u in chunk if sizes[u] <= cap]
    big = [u for u in chunk if sizes[u] > cap]
    whole_set, big_set = set(whole), set(big)
    fetched = client.fetch(whole, ["BODY.PEEK[]"]) if whole else {}
    # Headers only, and at most the cap of them: a header block can be huge too.
    if big:
        fetched.update(client.fetch(big, [f"BODY.PEEK[HEADER]<0.{cap}>"]))
    items = []
    for uid in chunk:  # absent: expunged meanwhile
        data = fetched.get(uid, {})
        if uid in whole_set and b"BODY[]" in data:
            items.append((data[b"BODY[]"], Origin(account.source, str(uid), uidvalidity, uid)))
        elif uid in big_set:
            header = next((v for k, v in data.items() if k.startswith(b"BODY[HEADER]")), None)
            if header is not None:
                items.append((header, Origin(account.source, str(uid), uidvalidity, uid, oversize=sizes[uid])))
    return items


def _forget_announcements(client: IMAPClient) -> None:
    client._imap.untagged_responses.pop("EXISTS", None)
    client._imap.untagged_responses.pop("RECENT", None)


def _last_uid(sessions: sessionmaker[Session], source: str, uidvalidity: int) -> int:
    with sessions() as session:
        point = session.scalar(select(Checkpoint).where(Checkpoint.source == source))
    if point is None or point.uidvalidity != uidvalidity:
        return 0  # new mailbox or UIDVALIDITY changed: rescan all, dedupe keeps it exactly-once
    return point.last_uid
