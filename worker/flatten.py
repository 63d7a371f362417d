"""Outgoing messages to the bytes smtplib would send, without re-folding short header lines.

smtplib.send_message flattens with the compat32 generator, which runs every header through
email.header.Header's folding machinery: most of the CPU a thank-you costs us. A header line that
is ASCII, one line and short enough never needs folding, so it is written as is; every other
header, and the whole body, go through the stdlib exactly as before. The output is byte-for-byte
what send_message would send (tests/test_flatten.py compares them).
"""
from email.generator import BytesGenerator
from email.message import Message
from io import BytesIO

# Header folds a line once it would pass 78 characters; stay well inside that.
_SHORT = 76


class _Generator(BytesGenerator):
    def _write_headers(self, msg: Message) -> None:
        fold = self.policy.fold_binary
        write = self._fp.write
        for name, value in msg.raw_items():
            if (type(value) is str and len(name) + 2 + len(value) <= _SHORT and value.isascii()
                    and "\r" not in value and "\n" not in value and value == value.strip()
                    and "  " not in value and "\t" not in value):
                write(f"{name}: {value}{self._NL}".encode("ascii"))
            else:
                write(fold(name, value))
        self.write(self._NL)


def to_bytes(msg: Message) -> bytes:
    """The message as smtplib.send_message would transmit it (CRLF line ends)."""
    with BytesIO() as out:
        _Generator(out).flatten(msg, linesep="\r\n")
        return out.getvalue()
