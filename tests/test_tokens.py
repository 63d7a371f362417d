"""Reply tokens: bound to one referral, signed, optionally expiring."""
from datetime import datetime, timedelta, timezone

from worker import tokens

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=timezone.utc)
TRACKING = "intros@example.com"


def test_a_token_round_trips_to_its_referral():
    address = tokens.reply_address(TRACKING, "k", 12, NOW)
    assert address.startswith("intros+r12s0d") and address.endswith("@example.com")
    found = tokens.check(address.upper(), TRACKING, "k", NOW, None)  # mail clients may change case
    assert (found.referral_id, found.valid) == (12, True)


def test_a_token_cannot_be_moved_to_another_referral_or_signed_without_the_secret():
    address = tokens.reply_address(TRACKING, "k", 12, NOW)
    moved = address.replace("+r12s", "+r13s")
    assert tokens.check(moved, TRACKING, "k", NOW, None) == tokens.TokenCheck(13, False, "forged reply token for referral #13")
    assert not tokens.check(address, TRACKING, "other-secret", NOW, None).valid


def test_tokens_expire_when_configured():
    address = tokens.reply_address(TRACKING, "k", 12, NOW)
    later = NOW + timedelta(days=31)
    assert tokens.check(address, TRACKING, "k", later, None).valid
    expired = tokens.check(address, TRACKING, "k", later, 30)
    assert not expired.valid and "expired" in expired.why


def test_addresses_without_our_token_are_not_tokens():
    assert tokens.check("intros@example.com", TRACKING, "k", NOW, None) is None
    assert tokens.check("someone+r12d1abc@example.com", TRACKING, "k", NOW, None) is None
    assert not tokens.check("intros+hello@example.com", TRACKING, "k", NOW, None).valid
