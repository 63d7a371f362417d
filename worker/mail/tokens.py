"""Reply tokens: a plus-address on the tracking address, signed with our secret, for one
referral, one follow-up step, and the one recipient it was sent to.

intros+r12s2d20412k3v9q2x7mfab4cd7xq@example.com — referral 12, step 2, issued on day 20412;
the first 10 letters sign that (nobody can forge a token for another referral or step), the
last 8 bind it to the recipient's address. Mail clients copy the address to everyone on a
reply-all, so holding the token proves little: an answer is trusted for a status change only
from the address the token was sent to (`bound`), and the receiving server's DMARC verdict
says whether that From: is real (status.py).

Tokens sent before the binding existed (intros+r12d20412k3v9q2x7mf@…, and unbound ones with
no recipient) still verify; they carry no recipient, so status.py honours them only from the
referral's member — the only person they were ever sent to for an answer.

Brief tokens (intros+b3d20412k3v9q2x7mfab4cd7xq@…) name no referral but a member: the address a
partner replies BRIEF to for that member's ideal-referral brief (worker/followups/briefreply.py),
signed the same way and always bound to the partner the mail went to.

Unsubscribe tokens (16 letters) ride in the List-Unsubscribe mailto subject of mail to one address
(`UNSUBSCRIBE k3v9q2x7mfab4cd7`, worker/outbound/mailer.py): an HMAC of that address alone, so the
button's mail proves it comes from the mailbox we sent to (worker/followups/unsubscribe.py). It
names no referral and never expires: an old digest's button still works.
"""
import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime

_TOKEN = re.compile(r"^r(\d+)(?:s(\d+))?d(\d+)([a-z2-7]{10})([a-z2-7]{8})?$")
_BRIEF = re.compile(r"^b(\d+)d(\d+)([a-z2-7]{10})([a-z2-7]{8})$")


@dataclass(frozen=True)
class TokenCheck:
    referral_id: int | None
    valid: bool
    why: str
    step: int | None = None  # None: a token from before steps were signed
    bound: bool | None = None  # sent to this sender? None: the token names no recipient
    tag: str = ""  # which token, without its signature: r12s2d20412 (one per referral, step and day)

    @property
    def scope(self) -> str:
        """What an answer is applied once per: the referral's step (or the old token's day)."""
        return f"s{self.step}" if self.step is not None else "legacy"


def _day(now: datetime) -> int:
    return int(now.timestamp() // 86400)


def _mac(secret: str, text: str, length: int) -> str:
    mac = hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()
    return base64.b32encode(mac[:10]).decode().lower()[:length]


def _sign(secret: str, referral_id: int, day: int, step: int | None) -> str:
    return _mac(secret, f"{referral_id}.{day}" if step is None else f"{referral_id}.s{step}.{day}", 10)


def _bind(secret: str, referral_id: int, day: int, step: int | None, to: str) -> str:
    return _mac(secret, f"to.{referral_id}.s{step}.{day}.{to.strip().lower()}", 8)


def reply_address(tracking: str, secret: str, referral_id: int, now: datetime, step: int = 0,
                  to: str = "") -> str:
    """The Reply-To for mail about `referral_id` at follow-up `step`, sent to `to`.
    Without `to` the token is unbound: only the referral's member may answer through it."""
    local, _, domain = tracking.partition("@")
    day = _day(now)
    tag = f"r{referral_id}s{step}d{day}{_sign(secret, referral_id, day, step)}"
    if to:
        tag += _bind(secret, referral_id, day, step, to)
    return f"{local}+{tag}@{domain}"


def check(address: str, tracking: str, secret: str, now: datetime, max_age_days: float | None,
          sender: str | None = None) -> TokenCheck | None:
    """None when the address carries no token of ours at all."""
    local, _, domain = address.lower().partition("@")
    base, plus, tag = local.partition("+")
    if not plus or f"{base}@{domain}" != tracking.lower() or _BRIEF.match(tag):
        return None  # no token, or a brief token: about a member, not a referral
    m = _TOKEN.match(tag)
    if m is None or (m.group(5) and m.group(2) is None):
        return TokenCheck(None, False, f"malformed reply token in {address}")
    referral_id, day, sig = int(m.group(1)), int(m.group(3)), m.group(4)
    step = int(m.group(2)) if m.group(2) is not None else None
    if not hmac.compare_digest(sig, _sign(secret, referral_id, day, step)):
        return TokenCheck(referral_id, False, f"forged reply token for referral #{referral_id}")
    if max_age_days is not None and _day(now) - day > max_age_days:
        return TokenCheck(referral_id, False, f"reply token for referral #{referral_id} has expired")
    tag = tag[:m.start(4)]
    if not m.group(5):
        return TokenCheck(referral_id, True, "signed reply token (no recipient)", step, None, tag)
    bound = sender is not None and hmac.compare_digest(m.group(5), _bind(secret, referral_id, day, step, sender))
    why = "signed reply token" if bound else f"signed reply token, sent to someone other than {sender}"
    return TokenCheck(referral_id, True, why, step, bound, tag)


def step_of(address: str) -> int | None:
    """The step a reply address of ours names (no signature check: for our own outgoing rows)."""
    tag = address.lower().partition("+")[2].partition("@")[0]
    m = _TOKEN.match(tag)
    return int(m.group(2)) if m and m.group(2) is not None else None


@dataclass(frozen=True)
class BriefCheck:
    member_id: int
    valid: bool   # signed by us (and not expired)
    bound: bool   # sent to this very sender
    why: str


def brief_address(tracking: str, secret: str, member_id: int, now: datetime, to: str) -> str:
    """The address a partner (`to`) replies BRIEF to for `member_id`'s brief."""
    local, _, domain = tracking.partition("@")
    day = _day(now)
    sig = _mac(secret, f"brief.{member_id}.{day}", 10)
    bind = _mac(secret, f"to.brief.{member_id}.{day}.{to.strip().lower()}", 8)
    return f"{local}+b{member_id}d{day}{sig}{bind}@{domain}"


def check_brief(address: str, tracking: str, secret: str, now: datetime, max_age_days: float | None,
                sender: str) -> BriefCheck | None:
    """None when the address is no brief token of ours."""
    local, _, domain = address.lower().partition("@")
    base, plus, tag = local.partition("+")
    m = _BRIEF.match(tag) if plus and f"{base}@{domain}" == tracking.lower() else None
    if m is None:
        return None
    member_id, day = int(m.group(1)), int(m.group(2))
    if not hmac.compare_digest(m.group(3), _mac(secret, f"brief.{member_id}.{day}", 10)):
        return BriefCheck(member_id, False, False, f"forged brief address {address}")
    if max_age_days is not None and _day(now) - day > max_age_days:
        return BriefCheck(member_id, False, False, f"the brief address {address} has expired")
    bound = hmac.compare_digest(m.group(4), _mac(secret, f"to.brief.{member_id}.{day}.{sender.strip().lower()}", 8))
    return BriefCheck(member_id, True, bound, "signed brief address" if bound
                      else f"signed brief address, sent to someone other than {sender}")


UNSUBSCRIBE_WORD = re.compile(r"(?:^|\s)([a-z2-7]{16})\s*$", re.IGNORECASE)  # the token ending a subject


def unsubscribe_token(secret: str, to: str) -> str:
    """The word after UNSUBSCRIBE in the List-Unsubscribe subject of our mail to `to`."""
    return _mac(secret, f"unsubscribe.{to.strip().lower()}", 16)


def unsubscribe_bound(token: str, secret: str, sender: str) -> bool:
    """`token` is the one our mail to `sender` carried (and no other address's)."""
    return hmac.compare_digest(token.strip().lower(), unsubscribe_token(secret, sender))
