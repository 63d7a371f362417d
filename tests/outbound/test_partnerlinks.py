"""The signed link to a partner's own page: it names one address and one member, and only we can make it."""
from datetime import timedelta

from worker.outbound.partnerlinks import MAX_AGE, PartnerLinks, read

SECRET = "link-secret"


def test_a_link_reads_back_and_nothing_else_does(clock):
    token = PartnerLinks("https://intros.example.com", SECRET).token(12, 3, clock.current)
    opened = read(SECRET, token, clock.current)
    assert (opened.person_id, opened.member_id) == (12, 3)
    person, member, day, sig = token.split("-")
    assert read(SECRET, f"13-{member}-{day}-{sig}", clock.current) is None       # another address
    assert read(SECRET, f"{person}-4-{day}-{sig}", clock.current) is None        # another member
    assert read(SECRET, f"{person}-{member}-{int(day) + 1}-{sig}", clock.current) is None  # another day
    assert read("another-secret", token, clock.current) is None
    assert read(SECRET, "12-3-20000-" + "a" * 26, clock.current) is None
    assert read(SECRET, "../../etc/passwd", clock.current) is None
    assert read(SECRET, token, clock.current + MAX_AGE - timedelta(days=1)) is not None
    assert read(SECRET, token, clock.current + MAX_AGE + timedelta(days=1)) is None  # expired
