"""Durations, one codec: the config, SNOOZE replies and the words we write all read alike."""
from datetime import timedelta

import pytest

from tests.cli.test_cli import cli
from worker.core import durations
from worker.core.config import ConfigError, from_dict
from worker.mail.commands import parse_command

DAY = timedelta(days=1)


@pytest.mark.parametrize("written, span", [
    ("30s", timedelta(seconds=30)), ("10m", timedelta(minutes=10)), ("2h", timedelta(hours=2)),
    ("7d", 7 * DAY), ("2w", 14 * DAY), ("1.5h", timedelta(minutes=90)), ("86400s", DAY), ("3650d", 3650 * DAY),
    ("2 weeks", 14 * DAY), ("two weeks", 14 * DAY), ("14 days", 14 * DAY), (" 3 Tage ", 3 * DAY),
])
def test_a_duration_written_alone(written, span):
    assert durations.parse(written) == span


@pytest.mark.parametrize("written", ["", "soon", "7", "d7", "7 fortnights", "7d later"])
def test_what_is_not_a_duration_is_named(written):
    with pytest.raises(ValueError, match=f"not {written!r}"):
        durations.parse(written)


def test_the_config_takes_what_a_reply_takes_and_refuses_a_bare_number_naming_the_key(tmp_path):
    base = {"tracking": {"address": "intros@example.com"}}
    config = from_dict({**base, "follow_ups": {"steps": ["7d", "2 weeks"], "stale_after": "60d"}},
                       tmp_path / "c.yaml", env={})
    assert config.settings.follow_ups.steps == [7 * DAY, 14 * DAY]
    assert config.settings.follow_ups.stale_after == 60 * DAY
    assert from_dict(base, tmp_path / "c.yaml", env={}).settings.follow_ups.steps == [7 * DAY, 21 * DAY]
    with pytest.raises(ConfigError) as exc:
        from_dict({**base, "follow_ups": {"stale_after": 60, "steps": ["7d", "soon"]},
                   "reminders": {"promises": {"after": "a while"}}}, tmp_path / "c.yaml", env={})
    text = str(exc.value)
    assert "3 problems" in text
    for key in ("follow_ups.stale_after", "follow_ups.steps.1", "reminders.promises.after"):
        assert key in text
    assert "durations look like" in text


def test_a_snooze_reply_finds_its_duration_with_the_same_codec():
    assert parse_command("snooze 2 weeks").snooze_seconds == durations.parse("2w").total_seconds()
    assert durations.find("Später, in zwei Wochen bitte") == 14 * DAY
    assert durations.find("no duration here") is None


@pytest.mark.parametrize("span, said, short", [
    (14 * DAY, "14 days", "14 d"), (DAY, "1 day", "1 d"), (timedelta(hours=3), "3 hours", "3 h"),
    (timedelta(hours=45), "2 days", "1 d 21 h"), (timedelta(seconds=30), "30 seconds", "30 s"),
    (timedelta(seconds=320), "5 minutes", "5 min 20 s"),
])
def test_a_duration_in_words_and_in_short(span, said, short):
    assert (durations.words(span), durations.short(span)) == (said, short)


def test_a_snooze_says_its_length_in_words(logged):
    """Was: 'snoozed 1 days', and 'snoozed 10800 seconds' for three hours."""
    workdir, env = logged
    out = " ".join(cli("mark", "1", "SNOOZE 1 day", cwd=workdir, env=env).stdout.split())
    assert "snoozed 1 day: next follow-up on" in out
    out = " ".join(cli("mark", "1", "SNOOZE 3 hours", cwd=workdir, env=env).stdout.split())
    assert "snoozed 3 hours: next follow-up on" in out
