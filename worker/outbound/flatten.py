"""Outgoing messages to the bytes smtplib would send, without re-folding short header lines.

smtplib.send_message flattens with the compat32 generator, which runs every header through
email.header.Header's folding machinery: most of the CPU a thank-you costs us. A header line that
is ASCII, one line and short enough never needs folding, so it is written as is; every other
header, and the whole body, go through the stdlib exactly as before. The output is byte-for-byte
what send_message would send (tests/outbound/test_flatten.py compares them).
"""
from email.generator import BytesGenerator
from email.message import Message
from email.policy import Policy
from io import BytesIO
from typing import BinaryIO

# Header folds a line once it would pass 78 characters; stay well inside that.
_SHORT = 76


def _needs_no_folding(name: str, value: str) -> bool:
    return (len(name) + 2 + len(value) <= _SHORT and value.isascii() and "\r" not in value
            and "\n" not in value and value == value.strip() and "  " not in value and "\t" not in value)


def _raw_utf8(name: str, value: str) -> bool:
    """SMTPUTF8 (RFC 6531): an internationalised address travels as raw UTF-8 — an encoded word
    would turn it into a different, undeliverable address."""
    return (not value.isascii() and "\r" not in value and "\n" not in value
            and len(name) + 2 + len(value.encode()) <= 998)


class _Generator(BytesGenerator):
    as_is = staticmethod(_needs_no_folding)
    # The generator's state while it flattens: private, so typeshed does not declare it.
    _fp: BinaryIO
    _NL: str
    policy: Policy  # flatten() sets it before any header is written

    def _write_headers(self, msg: Message) -> None:
        for name, value in msg.raw_items():
            if type(value) is str and self.as_is(name, value):
                self._fp.write(f"{name}: {value}{self._NL}".encode())
            else:
                self._fp.write(self.policy.fold_binary(name, value))
        self.write(self._NL)


class _Utf8Generator(_Generator):
    as_is = staticmethod(lambda name, value: _needs_no_folding(name, value) or _raw_utf8(name, value))


def to_bytes(msg: Message, utf8: bool = False) -> bytes:
    """The message as smtplib.send_message would transmit it (CRLF line ends); with utf8, for
    an SMTPUTF8 transaction, non-ASCII header values are written as UTF-8."""
    with BytesIO() as out:
        (_Utf8Generator if utf8 else _Generator)(out).flatten(msg, linesep="\r\n")
        return out.getvalue()
