"""Reply tokens: a per-referral plus-address on the tracking address, signed with our secret.

intros+r12d20412k3v9q2x7mf@example.com — referral 12, issued on day 20412, HMAC-signed — so a
reply can be tied to its referral, and nobody can forge one for another referral.
"""
import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime

_TOKEN = re.compile(r"^r(\d+)d(\d+)([a-z2-7]{10})$")


@dataclass(frozen=True)
class TokenCheck:
    referral_id: int | None
    valid: bool
    why: str


def _day(now: datetime) -> int:
    return int(now.timestamp() // 86400)


def _sign(secret: str, referral_id: int, day: int) -> str:
    mac = hmac.new(secret.encode(), f"{referral_id}.{day}".encode(), hashlib.sha256).digest()
    return base64.b32encode(mac[:10]).decode().lower()[:10]


def reply_address(tracking: str, secret: str, referral_id: int, now: datetime) -> str:
    local, _, domain = tracking.partition("@")
    day = _day(now)
    return f"{local}+r{referral_id}d{day}{_sign(secret, referral_id, day)}@{domain}"


def check(address: str, tracking: str, secret: str, now: datetime, max_age_days: float | None) -> TokenCheck | None:
    """None when the address carries no token of ours at all."""
    local, _, domain = address.lower().partition("@")
    base, plus, tag = local.partition("+")
    if not plus or f"{base}@{domain}" != tracking.lower():
        return None
    m = _TOKEN.match(tag)
    if m is None:
        return TokenCheck(None, False, f"malformed reply token in {address}")
    referral_id, day, sig = int(m.group(1)), int(m.group(2)), m.group(3)
    if not hmac.compare_digest(sig, _sign(secret, referral_id, day)):
        return TokenCheck(referral_id, False, f"forged reply token for referral #{referral_id}")
    if max_age_days is not None and _day(now) - day > max_age_days:
        return TokenCheck(referral_id, False, f"reply token for referral #{referral_id} has expired")
    return TokenCheck(referral_id, True, "signed reply token")
