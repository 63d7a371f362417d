"""config.yaml is validated once, and a bad one names every key at fault."""
from pathlib import Path

import pytest

from worker.core.config import ConfigError, from_dict, load

ROOT = Path(__file__).parents[2]


def test_shipped_config_yaml_is_valid_and_commented():
    config = load(str(ROOT / "config.yaml"), env={})
    assert config.settings.tracking.address == "intros@example.com"
    assert config.settings.source.kind == "maildir"
    assert [m.name for m in config.settings.members] == ["Dana Whitfield", "Marco Rossi"]
    assert (ROOT / "config.yaml").read_text().count("#") > 10


def test_every_problem_is_listed_with_its_key_path(tmp_path):
    bad = {
        "tracking": {"address": "not-an-address"},
        "source": {"kind": "imap", "imap": {"host": "h", "port": "many", "username": "u"}},
        "members": [{"name": "A", "emails": []}],
        "clasify": {},
    }
    with pytest.raises(ConfigError) as exc:
        from_dict(bad, tmp_path / "c.yaml", env={})
    text = str(exc.value)
    assert f"{tmp_path / 'c.yaml'}: 4 problems" in text
    for key in ("tracking.address", "source.imap.port", "members.0.emails", "clasify: unknown key"):
        assert key in text


def test_cross_checks_after_types(tmp_path):
    bad = {
        "tracking": {"address": "intros@example.com"},
        "source": {"kind": "imap"},
        "members": [{"name": "A", "emails": ["x@a.example"]}, {"name": "B", "emails": ["X@a.example"]}],
    }
    with pytest.raises(ConfigError) as exc:
        from_dict(bad, tmp_path / "c.yaml", env={})
    assert "source.imap: required when source.kind is imap" in str(exc.value)
    assert "members.1.emails: x@a.example already belongs to A" in str(exc.value)


def test_missing_and_broken_files_name_the_file(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load(str(tmp_path / "absent.yaml"), env={})
    broken = tmp_path / "broken.yaml"
    broken.write_text("tracking: [unclosed\n")
    with pytest.raises(ConfigError, match="broken.yaml: not valid YAML"):
        load(str(broken), env={})


def test_env_chooses_the_file_and_overrides_the_database(tmp_path):
    path = tmp_path / "elsewhere.yaml"
    path.write_text("tracking: {address: t@x.example}\ndatabase_url: sqlite:///rel.db\n")
    config = load(None, env={"INTROLEDGER_CONFIG": str(path)})
    assert config.database_url == f"sqlite:///{tmp_path / 'rel.db'}"  # relative to the file
    config = load(None, env={"INTROLEDGER_CONFIG": str(path),
                             "INTROLEDGER_DATABASE_URL": "postgresql+psycopg://u@h/db"})
    assert config.database_url == "postgresql+psycopg://u@h/db"


def test_secrets_come_from_the_named_environment_variable(tmp_path):
    data = {"tracking": {"address": "t@x.example"}, "token_secret_env": "MY_SECRET"}
    config = from_dict(data, tmp_path / "c.yaml", env={"MY_SECRET": "s3cret"})
    assert config.secret("MY_SECRET") == "s3cret"
    assert config.secret("UNSET_VAR") is None


def test_the_commented_optional_sections_in_config_yaml_are_valid_defaults(tmp_path):
    """Uncommenting the sample's optional block must give a valid config with the same values."""
    import re
    from pathlib import Path

    from worker.core.config import load

    text = (Path(__file__).parents[2] / "config.yaml").read_text()
    head, tail = text.split("# The sections below are optional", 1)
    block = [re.sub(r"^# ?", "", line) for line in tail.splitlines()[2:] if not line.startswith(("# A ", "# add "))]
    (tmp_path / "config.yaml").write_text(head + "\n".join(block) + "\n")
    full = load(str(tmp_path / "config.yaml"), env={}).settings
    plain = load(str(Path(__file__).parents[2] / "config.yaml"), env={}).settings
    for section in ("thank_you", "follow_ups", "digest", "ledger", "reminders"):
        assert getattr(full, section) == getattr(plain, section), section
    assert full.outbound.quiet_hours == plain.outbound.quiet_hours
    assert full.outbound.per_recipient_per_day == plain.outbound.per_recipient_per_day


def test_a_members_currency_is_an_iso_code_and_a_wrong_one_names_its_key(tmp_path):
    good = {"tracking": {"address": "t@x.example"},
            "members": [{"name": "A", "emails": ["a@a.example"], "currency": "eur"},
                        {"name": "B", "emails": ["b@b.example"]}]}
    members = from_dict(good, tmp_path / "c.yaml", env={}).settings.members
    assert [m.currency for m in members] == ["EUR", None]  # B: follow_ups.default_currency
    bad = {**good, "members": [{"name": "A", "emails": ["a@a.example"], "currency": "Euro"},
                               {"name": "B", "emails": ["b@b.example"], "currency": "EUO"}]}
    with pytest.raises(ConfigError) as exc:
        from_dict(bad, tmp_path / "c.yaml", env={})
    assert "2 problems" in str(exc.value)
    assert "members.0.currency: " in str(exc.value) and "'Euro' is not an ISO 4217 currency code" in str(exc.value)
    assert "members.1.currency: " in str(exc.value) and "'EUO'" in str(exc.value)
