"""The original bytes of a message we read, found by its Message-ID (for `introledger explain`).

Looked for where a message can still be: set aside in quarantine (its bytes are kept), in the
Maildir source (new/ or cur/), or on the IMAP server (the watched folder, then the processed one).
Only read: nothing is moved, flagged or recorded.
"""
import os
from collections.abc import Iterator
from email.parser import BytesHeaderParser
from pathlib import Path

from sqlalchemy import select

from models import InboundMessage, Quarantined
from worker.app.bootstrap import App
from worker.sources.sizing import read_headers


def find(app: App, message_id: str) -> tuple[bytes, str] | None:
    """(raw bytes, where they were found) for <message_id>, or None."""
    wanted = message_id.strip().strip("<>")
    for look in (_quarantine, _maildir, _imap):
        found = look(app, wanted)
        if found is not None:
            return found
    return None


def recorded(app: App, message_id: str) -> InboundMessage | None:
    """The row we wrote when we read it, if we did."""
    with app.sessions() as session:
        return session.scalars(select(InboundMessage).where(
            InboundMessage.message_id == message_id.strip().strip("<>")).order_by(InboundMessage.id)).first()


def _quarantine(app: App, wanted: str) -> tuple[bytes, str] | None:
    with app.sessions() as session:
        row = session.scalars(select(Quarantined).where(Quarantined.message_id == wanted)).first()
        if row is None or len(row.raw) < row.raw_size:
            return None
        return row.raw, f"quarantine #{row.id}"


def _maildir(app: App, wanted: str) -> tuple[bytes, str] | None:
    if app.config.settings.source.kind != "maildir":
        return None
    for path in _files(Path(app.config.maildir_path)):
        with open(path, "rb") as stream:
            headers = BytesHeaderParser().parsebytes(read_headers(stream, 1 << 20))
        if str(headers.get("Message-ID", "")).strip().strip("<>") == wanted:
            return path.read_bytes(), str(path)
    return None


def _files(root: Path) -> Iterator[Path]:
    for sub in ("new", "cur"):
        folder = root / sub
        if folder.is_dir():
            yield from (folder / n for n in sorted(os.listdir(folder)) if not n.startswith("."))


def _imap(app: App, wanted: str) -> tuple[bytes, str] | None:
    if app.config.settings.source.kind != "imap":
        return None
    from worker.app.live import imap_account
    from worker.sources.imap import connect

    account = imap_account(app)
    client = connect(account)
    try:
        for folder in filter(None, (account.settings.folder, account.settings.processed_folder)):
            if not client.folder_exists(folder):
                continue
            client.select_folder(folder, readonly=True)
            uids = client.search(["HEADER", "Message-ID", wanted])
            if uids:
                raw = client.fetch(uids[:1], ["BODY.PEEK[]"])[uids[0]][b"BODY[]"]
                return raw, f"{account.source.rpartition('/')[0]}/{folder} UID {uids[0]}"
        return None
    finally:
        client.logout()
