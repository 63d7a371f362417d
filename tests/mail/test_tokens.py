"""Reply tokens: bound to one referral, signed, optionally expiring."""
from datetime import UTC, datetime, timedelta

from worker.mail import tokens

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
TRACKING = "intros@example.com"


def test_a_token_round_trips_to_its_referral():
    address = tokens.reply_address(TRACKING, "k", 12, NOW)
    assert address.startswith("intros+r12s0d") and address.endswith("@example.com")
    found = tokens.check(address.upper(), TRACKING, "k", NOW, None)  # mail clients may change case
    assert (found.referral_id, found.valid) == (12, True)


def test_a_token_cannot_be_moved_to_another_referral_or_signed_without_the_secret():
    address = tokens.reply_address(TRACKING, "k", 12, NOW)
    moved = address.replace("+r12s", "+r13s")
    assert tokens.check(moved, TRACKING, "k", NOW, None) == tokens.TokenCheck(
        13, False, "forged reply token for referral #13")
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


def test_a_token_names_its_step_and_is_bound_to_its_recipient():
    address = tokens.reply_address(TRACKING, "k", 12, NOW, step=2, to="Dana@Danabooks.example")
    assert address.startswith("intros+r12s2d") and len(address.partition("@")[0]) <= 64
    mine = tokens.check(address, TRACKING, "k", NOW, None, sender="dana@danabooks.example")
    assert (mine.referral_id, mine.valid, mine.step, mine.bound, mine.scope) == (12, True, 2, True, "s2")
    copied = tokens.check(address, TRACKING, "k", NOW, None, sender="alice@y.example")
    assert (copied.valid, copied.bound) == (True, False) and "someone other than alice@y.example" in copied.why
    # The step is signed: a token for step 1 cannot be turned into one for step 2.
    assert not tokens.check(address.replace("s2d", "s1d"), TRACKING, "k", NOW, None, "dana@danabooks.example").valid


def test_tokens_sent_before_steps_and_recipients_still_verify_and_say_so():
    day = int(NOW.timestamp() // 86400)
    legacy = f"intros+r12d{day}{tokens._sign('k', 12, day, None)}@example.com"  # the old format
    found = tokens.check(legacy, TRACKING, "k", NOW, None, sender="dana@danabooks.example")
    assert (found.referral_id, found.valid, found.step, found.bound, found.scope) == (12, True, None, None, "legacy")
    assert tokens.step_of(tokens.reply_address(TRACKING, "k", 12, NOW, step=3, to="x@y.example")) == 3


def test_every_shape_of_our_token_is_recognised_as_a_robots_address():
    from worker.classify.noise import is_reply_token

    day = int(NOW.timestamp() // 86400)
    for address in (tokens.reply_address(TRACKING, "k", 12, NOW, step=2, to="dana@danabooks.example"),
                    tokens.reply_address(TRACKING, "k", 12, NOW),
                    f"intros+r12d{day}{tokens._sign('k', 12, day, None)}@example.com"):
        assert is_reply_token(address), address
