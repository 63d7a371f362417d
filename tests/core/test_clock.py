"""The simulation clock (models/base.py): INTROLEDGER_CLOCK_FILE moves utcnow, for bench/season.py."""
import os
from datetime import UTC, datetime, timedelta

import pytest

from models import base


def test_without_the_file_utcnow_is_the_real_clock(monkeypatch):
    monkeypatch.delenv(base.CLOCK_FILE_ENV, raising=False)
    assert abs(base.utcnow() - datetime.now(UTC)) < timedelta(seconds=5)


def test_the_file_moves_the_clock_and_rewriting_it_moves_it_again(monkeypatch, tmp_path):
    clock = tmp_path / "clock"
    clock.write_text("86400\n")
    monkeypatch.setenv(base.CLOCK_FILE_ENV, str(clock))
    real = datetime.now(UTC)
    assert abs(base.utcnow() - (real + timedelta(days=1))) < timedelta(seconds=5)
    assert base.utcnow().tzinfo is not None

    new = tmp_path / "clock.tmp"
    new.write_text(str(90 * 86400.0))
    os.replace(new, clock)  # as the season writes it
    assert abs(base.utcnow() - (datetime.now(UTC) + timedelta(days=90))) < timedelta(seconds=5)


def test_a_missing_clock_file_is_an_error_not_the_real_clock(monkeypatch, tmp_path):
    monkeypatch.setenv(base.CLOCK_FILE_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError):
        base.utcnow()
