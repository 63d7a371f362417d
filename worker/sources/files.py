"""Messages from files for `introledger ingest`: .eml files, mbox files and Maildir folders.

Yields one message at a time so a mailbox of any size streams through in constant memory.
"""
import mailbox
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FileMessage:
    raw: bytes
    ref: str  # where it came from, for a person: "mbox:/x/Sent#12", "/x/a.eml"


def batches(messages: Iterator[FileMessage], size: int = 200,
            max_bytes: int = 8 * 1024 * 1024) -> Iterator[list[FileMessage]]:
    """Groups for one commit each; small enough (in count and in bytes) that memory stays flat."""
    batch: list[FileMessage] = []
    held = 0
    for message in messages:
        batch.append(message)
        held += len(message.raw)
        if len(batch) == size or held >= max_bytes:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch


def is_maildir(path: Path) -> bool:
    return path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir()


def is_mbox(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(5) == b"From "


def read(paths: list[Path]) -> Iterator[FileMessage]:
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder")
        if is_maildir(path):
            yield from maildir_messages(path)
        elif path.is_dir():
            for child in sorted(path.iterdir()):
                if not child.name.startswith("."):
                    yield from read([child])
        elif is_mbox(path):
            yield from mbox_messages(path)
        else:
            yield FileMessage(path.read_bytes(), str(path))


def count(paths: list[Path]) -> int:
    """How many messages read() will yield, cheaply (for the progress bar)."""
    total = 0
    for path in paths:
        if is_maildir(path):
            total += sum(len(os.listdir(path / sub)) for sub in ("new", "cur"))
        elif path.is_dir():
            total += count([c for c in path.iterdir() if not c.name.startswith(".")])
        elif path.exists() and is_mbox(path):
            total += _mbox_count(path)
        elif path.exists():
            total += 1
    return total


def _mbox_count(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.startswith(b"From "))


def mbox_messages(path: Path) -> Iterator[FileMessage]:
    box = mailbox.mbox(str(path), create=False)
    try:
        for i, key in enumerate(box.iterkeys()):
            yield FileMessage(box.get_bytes(key), f"mbox:{path}#{i + 1}")
    finally:
        box.close()


def maildir_messages(path: Path) -> Iterator[FileMessage]:
    for sub in ("cur", "new"):
        for name in sorted(os.listdir(path / sub)):
            if not name.startswith("."):
                yield FileMessage((path / sub / name).read_bytes(), str(path / sub / name))
