"""The verdict registry: one row per kind says what it writes and what it sets off."""
import pytest

from worker.core.statuses import INTRO_KINDS, NOISE_KINDS, Kind
from worker.inbound import routes


def test_every_kind_has_exactly_one_route():
    kinds = [route.kind for route in routes.ROUTES]
    assert sorted(kinds) == sorted(Kind) and len(kinds) == len(set(kinds))


def test_intros_are_logged_and_set_off_thanks_and_follow_ups_noise_sets_off_nothing_of_that():
    for kind in INTRO_KINDS:
        assert routes.BY_KIND[kind].hooks == ("partners.on_referral", "thanks.on_referral", "followups.on_referral")
    for kind in NOISE_KINDS:
        assert routes.BY_KIND[kind].act is None


class _Service:
    def __getattr__(self, name):
        return f"{id(self)}.{name}"


def _all_on() -> dict:
    names = {hook.split(".")[0] for route in routes.ROUTES for hook in route.hooks}
    return {name: _Service() for name in names}


def test_a_service_that_is_off_runs_none_of_its_hooks_the_others_still_run():
    services = _all_on() | {"followups": None, "desk": None}
    hooks = routes.wire(services)
    assert len(hooks[Kind.DOUBLE_INTRO]) == 2  # partners and thanks, no follow-ups
    assert Kind.STATUS_REPLY not in hooks and Kind.AUTO_REPLY not in hooks
    assert hooks[Kind.BOUNCE] == [services["bounces"].on_bounce]


def test_a_service_nobody_supplied_fails_at_start_naming_it():
    services = _all_on()
    del services["thanks"]
    with pytest.raises(LookupError, match="thanks"):
        routes.wire(services)
