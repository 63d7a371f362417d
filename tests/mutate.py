"""Mutations of real messages, for fuzzing: what broken clients, hostile senders and bad relays send.

Each mutation takes a message's bytes and a random.Random and returns new bytes; `mutant()` applies
a few at once to a corpus message (tests/data/corpus) with its own Message-ID, so every mutant is
a distinct message the pipeline must account for. Pure and deterministic for a given seed: a
failure found by the fuzz replays from its seed.
"""
import base64
import random
import re
from collections.abc import Callable
from pathlib import Path

CORPUS = Path(__file__).parent / "data" / "corpus"
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_HEADER_LINE = re.compile(rb"^([A-Za-z][A-Za-z0-9-]*):", re.M)
_BOUNDARY = re.compile(rb'boundary="?([^";\r\n]+)"?', re.I)
ADDRESS_HEADERS = (b"From", b"To", b"Cc", b"Reply-To", b"Delivered-To", b"Sender")


def seeds() -> list[bytes]:
    """The real messages of the corpus, in a stable order."""
    return [p.read_bytes() for p in sorted(CORPUS.glob("*.eml"))]


def split(raw: bytes) -> tuple[bytes, bytes, bytes]:
    """(headers, separator, body); a message without a blank line is all headers."""
    m = _HEADER_END.search(raw)
    if m is None:
        return raw, b"", b""
    return raw[:m.start()], raw[m.start():m.end()], raw[m.end():]


def _names(headers: bytes) -> list[bytes]:
    return _HEADER_LINE.findall(headers)


def _replace_header(raw: bytes, name: bytes, value: bytes, rng: random.Random) -> bytes:
    """Set header `name` to `value` (the first one, folded lines included), or add it."""
    head, sep, body = split(raw)
    pattern = re.compile(rb"^" + re.escape(name) + rb":[^\n]*(?:\n[ \t][^\n]*)*", re.M | re.I)
    line = name + b": " + value
    if pattern.search(head):
        head = pattern.sub(lambda _m: line, head, count=1)
    else:
        lines = head.split(b"\n")
        lines.insert(rng.randint(0, len(lines)), line)
        head = b"\n".join(lines)
    return head + (sep or b"\r\n\r\n") + body


def _pick_header(raw: bytes, rng: random.Random, among=None) -> bytes:
    names = [n for n in _names(split(raw)[0]) if among is None or n.title() in among]
    return rng.choice(names) if names else rng.choice(among or (b"Subject",))


# --- the mutations -----------------------------------------------------------------------------


def truncate(raw: bytes, rng: random.Random) -> bytes:
    return raw[:rng.randint(0, len(raw))]


def bad_encoded_word(raw: bytes, rng: random.Random) -> bytes:
    words = [b"=?utf-8?b?A?=", b"=?utf-8?b?" + b"=" * rng.randint(1, 9) + b"?=", b"=?\xe9t\xe9?q?x?=",
             b"=?ut\x00f-8?q?x?=", b"=?ut\x80f-8?q?x?=", b"=?no-such-charset?q?caf=E9?=", b"=?utf-8?x?abc?=",
             b"=?utf-8?q?=FF=FE=00?=", b"=?utf-8*fr?b?w6k=?=", b"=?" + b"?" * 50 + b"=",
             b"=?utf-8?b?" + b"\xff" * 8 + b"?=",
             b"=?utf-7?q?+AGEAYg-?=", b"=?iso-2022-jp?b?GyRCJCIbKEI?=", b"=?=?=?=?=?"]
    name = _pick_header(raw, rng, (b"Subject", b"From", b"To", b"Cc", b"Message-Id", b"Content-Type", b"Date"))
    head = split(raw)[0]
    m = re.search(rb"^" + re.escape(name) + rb":([^\n]*)", head, re.M | re.I)
    old = m.group(1).strip() if m else b""
    value = b" ".join(rng.choice(words) for _ in range(rng.randint(1, 3)))
    return _replace_header(raw, name, value + b" " + old if rng.random() < 0.5 else value, rng)


def paren_bomb(raw: bytes, rng: random.Random) -> bytes:
    name = rng.choice(ADDRESS_HEADERS)
    head = split(raw)[0]
    m = re.search(rb"^" + re.escape(name) + rb":([^\n]*)", head, re.M | re.I)
    old = m.group(1).strip() if m else b"x@y.example"
    bomb = rng.choice([b"(" * rng.randint(100, 5000), b"<" * 2000, b'"' * 999, b"\\" * 1000, b"," * 5000,
                       b"(a" * 1000 + b")" * 999, b"[" * 1000, b"@" * 1000, b":;" * 1000,
                       b"Name" + b" " * 50_000 + b"<a@b.example>", b"Name" + b" " * 50_000, b"\t" * 50_000])
    return _replace_header(raw, name, old + b", " + bomb if rng.random() < 0.5 else bomb, rng)


def huge_header(raw: bytes, rng: random.Random) -> bytes:
    kind = rng.randrange(4)
    if kind == 0:  # one endless line
        return _replace_header(raw, b"Subject", b"x" * rng.choice([1000, 100_000, 1_000_000]), rng)
    if kind == 1:  # thousands of recipients
        people = b", ".join(b"P%d <p%d@many.example>" % (i, i) for i in range(rng.choice([500, 10_000])))
        return _replace_header(raw, rng.choice([b"To", b"Cc"]), people, rng)
    if kind == 2:  # folded forever
        return _replace_header(raw, b"References", b"\r\n ".join(b"<r%d@x.example>" % i for i in range(20_000)), rng)
    head, sep, body = split(raw)  # thousands of header fields
    extra = b"".join(b"\r\nX-Filler-%d: %s" % (i, b"y" * 40) for i in range(rng.choice([1000, 20_000])))
    return head + extra + (sep or b"\r\n\r\n") + body


def nuls(raw: bytes, rng: random.Random) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 20)):
        pos = rng.randint(0, len(data))
        data[pos:pos] = b"\x00" * rng.randint(1, 3)
    return bytes(data)


def random_bytes(raw: bytes, rng: random.Random) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 5)):
        pos = rng.randint(0, len(data))
        data[pos:pos + rng.randint(0, 50)] = rng.randbytes(rng.randint(0, 80))
    return bytes(data)


def eight_bit_header(raw: bytes, rng: random.Random) -> bytes:
    value = rng.choice(["Zoë Müller <zoe@müller.example>".encode("latin-1", "replace"),
                        "Фёдор <fedor@почта.example>".encode(), b"\xff\xfe\xfd <x@y.example>",
                        "Intro: Zoë <> Jürgen".encode("cp1252"), b"\xed\xa0\x80 surrogate"])
    return _replace_header(raw, _pick_header(raw, rng, (b"From", b"To", b"Cc", b"Subject")), value, rng)


def bad_boundary(raw: bytes, rng: random.Random) -> bytes:
    m = _BOUNDARY.search(raw)
    if m is None:
        return _replace_header(raw, b"Content-Type", b'multipart/mixed; boundary="nowhere"', rng)
    old = m.group(1)
    kind = rng.randrange(6)
    if kind == 0:  # the declared boundary never appears
        return raw[:m.start(1)] + b"elsewhere" + raw[m.end(1):]
    if kind == 1:  # no boundary parameter at all
        return raw[:m.start()] + raw[m.end():]
    if kind == 2:  # an empty, or 8-bit, or enormous boundary
        return raw[:m.start(1)] + rng.choice([b"", b"\xff\xfe", b"b" * 5000, b"\x00"]) + raw[m.end(1):]
    if kind == 3:  # the closing delimiter lost
        return raw.replace(b"--" + old + b"--", b"")
    if kind == 4:  # boundary lines without line starts
        return raw.replace(b"\n--" + old, b" --" + old)
    return raw.replace(b"--" + old, b"--" + old + b"--", 1)  # closed before the first part


def nested_multipart(raw: bytes, rng: random.Random) -> bytes:
    head, sep, body = split(raw)
    depth = rng.choice([5, 30, 200, 1000])
    ctype = re.search(rb"^Content-Type:[^\n]*(?:\n[ \t][^\n]*)*", head, re.M | re.I)
    inner = (ctype.group(0) if ctype else b"Content-Type: text/plain") + b"\r\n\r\n" + body
    for level in range(depth):
        b = b"n%d" % level
        inner = (b'Content-Type: multipart/mixed; boundary="' + b + b'"\r\n\r\n--' + b + b"\r\n" + inner
                 + b"\r\n--" + b + b"--\r\n")
    outer_head, _, outer_body = inner.partition(b"\r\n\r\n")
    head = re.sub(rb"^Content-Type:[^\n]*(?:\n[ \t][^\n]*)*\n?", b"", head, flags=re.M | re.I)
    return head.rstrip(b"\r\n") + b"\r\n" + outer_head + b"\r\n\r\n" + outer_body


def nested_messages(raw: bytes, rng: random.Random) -> bytes:
    """The message attached inside itself, over and over (message/rfc822)."""
    inner = raw
    for _ in range(rng.choice([2, 10, 50])):
        inner = (b"From: fwd@relay.example\r\nSubject: Fwd\r\nMIME-Version: 1.0\r\n"
                 b'Content-Type: multipart/mixed; boundary="fw"\r\n\r\n--fw\r\n'
                 b"Content-Type: message/rfc822\r\n\r\n" + inner + b"\r\n--fw--\r\n")
    return inner


def bad_transfer_encoding(raw: bytes, rng: random.Random) -> bytes:
    cte = rng.choice([b"base64", b"quoted-printable", b"x-uuencode", b"8bit", b"b\xe4se64", b"\x00"])
    head, sep, body = split(raw)
    junk = rng.choice([b"!!!not base64!!!", b"=ZZ=\r\n=", base64.b64encode(rng.randbytes(300))[:-3], b"===="])
    head = re.sub(rb"(?im)^Content-Transfer-Encoding:.*$", b"Content-Transfer-Encoding: " + cte, head)
    if not re.search(rb"(?im)^Content-Transfer-Encoding:", head):
        head += b"\r\nContent-Transfer-Encoding: " + cte
    return head + (sep or b"\r\n\r\n") + junk + body[: rng.randint(0, len(body))]


def bad_charset(raw: bytes, rng: random.Random) -> bytes:
    charset = rng.choice([b"no-such-charset", b"utf-7", b"utf-16", b"base64", b"rot13", b"\xff", b"ut\x00f-8",
                          b"", b"utf-8'en'", b"x" * 300])
    if re.search(rb"(?i)charset=", raw):
        return re.sub(rb'(?i)charset="?[^";\s]*"?', b'charset="' + charset.replace(b"\\", b"") + b'"', raw,
                      count=rng.randint(1, 3))
    return _replace_header(raw, b"Content-Type", b"text/plain; charset=" + charset, rng)


def line_endings(raw: bytes, rng: random.Random) -> bytes:
    kind = rng.randrange(3)
    if kind == 0:
        return raw.replace(b"\r\n", b"\r").replace(b"\n", b"\r")  # old Mac: CR only
    if kind == 1:
        return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n\r")
    return re.sub(rb"\r?\n", lambda _m: rng.choice([b"\n", b"\r\n", b"\r"]), raw)


def drop_headers(raw: bytes, rng: random.Random) -> bytes:
    head, sep, body = split(raw)
    lines = head.split(b"\n")
    kept = [line for line in lines if rng.random() < 0.6]
    return b"\n".join(kept) + (sep or b"\r\n\r\n") + body


def repeat_headers(raw: bytes, rng: random.Random) -> bytes:
    head, sep, body = split(raw)
    lines = head.split(b"\n")
    extra = [rng.choice(lines) for _ in range(rng.randint(1, 200))]
    return b"\n".join(lines + extra) + (sep or b"\r\n\r\n") + body


def long_runs(raw: bytes, rng: random.Random) -> bytes:
    """Body text no regex may choke on: long runs of one character or word."""
    run = rng.choice([b"A" * 100_000, b"a" * 100_000, b"Aa " * 30_000, b" " * 100_000, b"> " * 50_000,
                      b"Julia Park " * 10_000, b"On Mon, Jan 1 wrote:\n" * 3000, b"=" * 50_000, b"\n" * 50_000,
                      b"-" * 100_000, b"<div>" * 20_000, b"http://x.example/" * 5000, b"\t" * 50_000,
                      b"\r\n" * 30_000, "\u00a0".encode() * 30_000, b"\n \n" * 20_000, b"Julia" + b"\n" * 50_000,
                      b"Julia Park (" + b" " * 50_000, b"(" * 50_000, b"*_" * 30_000, b"[1]" * 20_000])
    head, sep, body = split(raw)
    pos = rng.randint(0, len(body))
    return head + (sep or b"\r\n\r\n") + body[:pos] + run + body[pos:]


def bad_date(raw: bytes, rng: random.Random) -> bytes:
    value = rng.choice([b"Mon, 32 Foo 99999 25:61:61 +9999", b"", b"\x00", b"Thu, 01 Jan 0000 00:00:00 +0000",
                        b"Fri, 31 Dec 9999 23:59:59 -2359", b"yesterday", b"1" * 500])
    return _replace_header(raw, b"Date", value, rng)


def bad_message_ids(raw: bytes, rng: random.Random) -> bytes:
    value = rng.choice([b"<" + b"x" * 5000 + b"@y>", b"<>", b"<a@b> <c@d> " * 500, b"no brackets at all",
                        b"<\x00@\x00>", b"<" * 1000])
    return _replace_header(raw, rng.choice([b"In-Reply-To", b"References", b"Message-ID"]), value, rng)


MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    f.__name__: f for f in (
        truncate, bad_encoded_word, paren_bomb, huge_header, nuls, random_bytes, eight_bit_header,
        bad_boundary, nested_multipart, nested_messages, bad_transfer_encoding, bad_charset,
        line_endings, drop_headers, repeat_headers, long_runs, bad_date, bad_message_ids,
    )
}


def with_message_id(raw: bytes, message_id: str) -> bytes:
    return _replace_header(raw, b"Message-ID", f"<{message_id}>".encode(), random.Random(0))


def mutant(seed: bytes, rng: random.Random, names: list[str] | None = None,
           message_id: str | None = None) -> tuple[bytes, list[str]]:
    """A corpus message with its own Message-ID, then one to three mutations (or those named)."""
    raw = with_message_id(seed, message_id) if message_id else seed
    names = names or rng.sample(sorted(MUTATIONS), rng.randint(1, 3))
    for name in names:
        raw = MUTATIONS[name](raw, rng)
    return raw, names


def stream(count: int, seed: int = 0):
    """`count` mutants of the corpus, round-robin over its messages: (raw, mutation names)."""
    rng = random.Random(seed)
    corpus = seeds()
    for i in range(count):
        yield mutant(corpus[i % len(corpus)], rng, message_id=f"fuzz-{seed}-{i}@fuzz.example")
