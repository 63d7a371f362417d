"""One rule for an address a person gives us: the config, slips and the command line agree."""
from pathlib import Path

import pytest

from worker.core.addresses import is_address
from worker.core.config import ConfigError, from_dict
from worker.ledger import slips


@pytest.mark.parametrize("text, ok", [
    ("dana@danabooks.example", True), ("d.w+intros@mail.danabooks.example", True),
    ("dana", False), ("dana@localhost", False), ("dana @x.example", False), ("a@b@c.example", False),
    ("@x.example", False), ("dana@", False), ("", False), ("x" * 250 + "@a.example", False),
])
def test_an_address_has_a_local_part_and_a_dotted_domain(text, ok):
    assert is_address(text) is ok


def test_every_address_in_the_config_is_checked_and_each_bad_one_named():
    """Was: a member's emails and the tracking aliases were taken as written ('dana' matched no
    mail and nobody was told); the tracking address was held to a looser pattern."""
    bad = {"tracking": {"address": "intros@localhost", "aliases": ["Intros@Example.org", "intros"]},
           "members": [{"name": "Dana", "emails": ["Dana@DanaBooks.example", "dana"]}]}
    with pytest.raises(ConfigError) as exc:
        from_dict(bad, Path("c.yaml"), env={})
    text = str(exc.value)
    for said in ("tracking.address: Value error, not an email address: intros@localhost",
                 "tracking.aliases: Value error, not an email address: intros",
                 "members.0.emails: Value error, not an email address: dana"):
        assert said in text
    good = {"tracking": {"address": " Intros@Example.com", "aliases": ["Intros@Example.org"]},
            "members": [{"name": "Dana", "emails": ["Dana@DanaBooks.example"]}]}
    settings = from_dict(good, Path("c.yaml"), env={}).settings
    assert (settings.tracking.address, settings.tracking.aliases, settings.members[0].emails) == (
        "intros@example.com", ["intros@example.org"], ["dana@danabooks.example"])


def test_a_slip_address_follows_the_same_rule():
    text = "giver,receiver,date,giver_email\nCarol,Dana,2026-03-01,carol@localhost\nCarol,Dana,2026-03-01,c@x.example\n"
    found, problems = slips.read(text)
    assert [p.reason for p in problems] == ["giver_email 'carol@localhost' is not an address"]
    assert [s.giver_email for s in found] == ["c@x.example"]
