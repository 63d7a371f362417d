"""What we accept as an email address from a person — config, slips, the command line: one rule.

Mail we read is held to less (worker/mail/parse.py keeps any "@" a header carries, as senders
write them); an address a person gives us must be one we could send to: a local part, "@", a
domain with a dot, no spaces, at most 254 characters (RFC 5321's path limit).
"""
import re

MAX_LENGTH = 254
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def is_address(text: str) -> bool:
    return len(text) <= MAX_LENGTH and _ADDRESS.fullmatch(text) is not None

