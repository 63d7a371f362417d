"""How much of a mailbox is held in memory at once: a few megabytes, and never a huge message whole.

A message above the cap (source.max_message_bytes) is read up to the end of its headers only —
enough to log an intro — and is set aside in quarantine with its size.
"""
from collections.abc import Hashable, Mapping
from typing import BinaryIO, TypeVar

CHUNK_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_MESSAGE_BYTES = 25 * 1024 * 1024
K = TypeVar("K", bound=Hashable)  # a message's key: an IMAP UID, a Maildir file name


def plan_chunks(keys: list[K], sizes: Mapping[K, int], cap: int, chunk_bytes: int = CHUNK_BYTES) -> list[list[K]]:
    """Keys in order, grouped so that no group holds more than chunk_bytes (one big message
    alone excepted); a message above the cap counts as nothing, only its headers are read."""
    chunks: list[list[K]] = []
    held = 0
    for key in keys:
        size = sizes[key] if sizes[key] <= cap else 0
        if chunks and held + size <= chunk_bytes:
            chunks[-1].append(key)
            held += size
        else:
            chunks.append([key])
            held = size
    return chunks


def capped(raw: bytes, cap: int) -> tuple[bytes, int | None]:
    """(the message, None), or for one above the cap (its headers, its real size)."""
    if len(raw) <= cap:
        return raw, None
    import io

    return read_headers(io.BytesIO(raw), cap), len(raw)


def read_headers(stream: BinaryIO, limit: int, block: int = 65536) -> bytes:
    """The header block of a message (through its blank line), at most `limit` bytes of it."""
    data = b""
    while len(data) < limit:
        more = stream.read(min(block, limit - len(data)))
        if not more:
            break
        data += more
        for end in (b"\r\n\r\n", b"\n\n"):
            at = data.find(end, max(0, len(data) - len(more) - 3))
            if at != -1:
                return data[:at + len(end)]
    return data
