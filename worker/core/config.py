"""Typed configuration: config.yaml validated once at start, every problem listed with its key."""
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from worker.core import durations, queue_names
from worker.core.addresses import is_address
from worker.core.queue_names import NAMESPACE_PATTERN

DEFAULT_PATH = "config.yaml"
# libyaml's parser when PyYAML has it (its wheels do): the same documents, read in a fraction of
# the pure-Python parser's time, which every command pays at start.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ConfigError(Exception):
    """The configuration cannot be used; the message names the file and every key at fault."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _lower_all(values: list[str]) -> list[str]:
    return [v.strip().lower() for v in values]


def _addresses(values: list[str]) -> list[str]:
    """Lower-cased, and each one an address (worker/core/addresses.py), or every bad one named."""
    values = _lower_all(values)
    bad = [v for v in values if not is_address(v)]
    if bad:
        raise ValueError(f"not an email address: {', '.join(bad)}")
    return values


def _address(value: str) -> str:
    return _addresses([value])[0]


def _currency(value: str | None) -> str | None:
    """An ISO 4217 code (any case given, kept upper-case), or the problem named."""
    if value is None:
        return None
    from babel.numbers import list_currencies  # only when a member sets one: Babel's data costs 0.2 s

    code = value.strip().upper()
    if code not in list_currencies():
        raise ValueError(f"{value!r} is not an ISO 4217 currency code (e.g. EUR, USD, GBP, CHF)")
    return code


# The languages our mail is written in (worker/core/locales.py LANGUAGES).
Language = Literal["en", "de", "fr", "es", "nl", "it"]


class MemberConfig(_Strict):
    name: str = Field(min_length=1)
    emails: list[str] = Field(min_length=1)
    domains: list[str] = []
    timezone: str | None = None  # an IANA name; unset: outbound.default_timezone
    # A coordinator (a referral group's chair) sees the whole group's ledger and gets the group's
    # digest; every other member sees only their own.
    coordinator: bool = False
    # Whether the closed-business thank-you tells the introducer what the deal was worth; a deal's
    # value is the member's business, so by default the introducer hears only that it closed.
    share_value: bool = False
    # The "sent by introledger on …'s behalf" line under the mail sent for this member.
    footer: bool = True
    # The language of our mail to this member until they answer us in one (unset: outbound.language).
    language: Language | None = None
    # The currency of an amount this member answers without one ("GEWONNEN 4.500", `mark … --amount
    # 4500`); unset: follow_ups.default_currency.
    currency: str | None = None

    _norm = field_validator("domains")(_lower_all)
    _check = field_validator("emails")(_addresses)
    _money = field_validator("currency")(_currency)


class TrackingConfig(_Strict):
    address: str
    aliases: list[str] = []
    # Other introledger deployments' tracking addresses (a partner group's, another chapter's):
    # never a party, never answered. Deployments whose mail reaches us are also learned from
    # their X-Introledger-Loop header; list the ones that only ever appear on Cc.
    other_deployments: list[str] = []

    _check = field_validator("aliases", "other_deployments")(_addresses)
    _check_one = field_validator("address")(_address)


class ImapConfig(_Strict):
    host: str
    port: int = Field(993, ge=1, le=65535)
    security: Literal["tls", "starttls", "none"] = "tls"
    ca_file: str | None = None  # a private CA's certificate; the system's CAs when unset
    username: str
    auth: Literal["password", "xoauth2"] = "password"
    password_env: str = "INTROLEDGER_IMAP_PASSWORD"
    oauth_token_env: str = "INTROLEDGER_IMAP_OAUTH_TOKEN"
    folder: str = "INBOX"
    processed_folder: str | None = None
    idle_renew_seconds: float = Field(300, gt=0, le=1740)
    poll_seconds: float = Field(30, gt=0)
    timeout_seconds: float = Field(60, gt=0)
    batch_size: int = Field(200, ge=1)


class MaildirConfig(_Strict):
    path: str = "mail"
    poll_seconds: float = Field(1.0, gt=0)


class SourceConfig(_Strict):
    # lmtp: the MTA delivers to `introledger lmtp`; `run` then only does the due work and sends.
    kind: Literal["imap", "maildir", "lmtp"] = "maildir"
    imap: ImapConfig | None = None
    maildir: MaildirConfig = MaildirConfig()
    # A message above this is not fetched whole: its headers are read (an intro is still logged)
    # and it is set aside in quarantine with its size, so one huge mail never fills the memory.
    max_message_bytes: int = Field(25 * 1024 * 1024, ge=4096)

    def require_imap(self) -> ImapConfig:
        """source.imap, which validation requires when kind is imap (so this raises only on misuse)."""
        if self.imap is None:
            raise ConfigError("source.imap: required when source.kind is imap")
        return self.imap


class SmtpConfig(_Strict):
    host: str
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    ca_file: str | None = None
    username: str | None = None
    password_env: str = "INTROLEDGER_SMTP_PASSWORD"
    timeout_seconds: float = Field(30, gt=0)
    # How long to wait for the answer to the end of a mail: a server that takes the mail but
    # answers late would otherwise be sent it again (RFC 5321 suggests 10 minutes).
    data_timeout_seconds: float = Field(600, gt=0)


class QuietHours(_Strict):
    start: str = Field("21:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field("08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")


class OutboundConfig(_Strict):
    """How mail leaves: SMTP for real, or .eml files in a folder (the embedded default)."""

    transport: Literal["smtp", "folder"] = "folder"
    folder: str = "outgoing"
    smtp: SmtpConfig | None = None
    templates_dir: str | None = None
    # Our mail's language for someone who has not written to us in one and has none set.
    language: Language = "en"
    default_timezone: str = "UTC"
    quiet_hours: QuietHours | None = QuietHours()
    per_recipient_per_day: int = Field(3, ge=1)
    # Temporary failures are retried on worker/outbound/backoff.py's schedule: 54 attempts span ~45 hours.
    max_attempts: int = Field(54, ge=1)

    def require_smtp(self) -> SmtpConfig:
        """outbound.smtp, which validation requires when transport is smtp (so this raises only on misuse)."""
        if self.smtp is None:
            raise ConfigError("outbound.smtp: required when outbound.transport is smtp")
        return self.smtp
    # A claim older than this belongs to a dead worker (longer than any SMTP wait: see the check).
    sending_timeout_seconds: float = Field(900, gt=0)
    sweep_seconds: float = Field(5, gt=0)
    # The Redis queue is introledger.<namespace>; unset: a slug of the tracking address. Two
    # deployments on one Redis database need different ones (worker/outbound/queues.py).
    queue_namespace: str | None = None

    @field_validator("queue_namespace")
    @classmethod
    def _namespace(cls, v: str | None) -> str | None:
        if v is not None and not re.match(NAMESPACE_PATTERN, v):
            raise ValueError(f"{v!r}: use 1-63 lowercase letters, digits and inner hyphens, e.g. chapter-north")
        return v


class ThankYouConfig(_Strict):
    enabled: bool = True
    # "member": from the member's own address; "tracking": from the tracking address on the
    # member's behalf, with Reply-To the member.
    sender: Literal["member", "tracking"] = "tracking"
    delay_seconds: float = Field(600, ge=0)
    # Intros older than this (a backfill of old mail) get no thank-you.
    max_age_days: float = Field(3, gt=0)


def _duration(value: object) -> timedelta:
    if not isinstance(value, str):  # a bare 60 would be read as seconds: say the unit
        raise ValueError(f"durations look like {durations.EXAMPLES}; not {value!r}")
    return durations.parse(value)


# Written "7d", "2w", "2 weeks" (worker/core/durations.py), read as a timedelta once, here.
Duration = Annotated[timedelta, BeforeValidator(_duration)]


class FollowUpConfig(_Strict):
    enabled: bool = True
    # Delays after the intro, one follow-up mail each, to the member of the referral.
    steps: list[Duration] = [timedelta(days=7), timedelta(days=21)]
    stale_after: Duration = timedelta(days=60)
    token_max_age: Duration | None = None
    default_currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    # Text only, e.g. "A $25 gift card is on its way." — no payments are made. One string, or one
    # per language ({en: ..., de: ...}; worker/core/locales.py in_language picks). Said once per referral.
    reward: str | dict[str, str] = ""
    # Extra words per answer, e.g. {won: [binnengehaald]}; added to the built-in vocabulary.
    vocabulary: dict[str, list[str]] = {}
    # Final answers (WON, LOST, NO FIT) come from the referral's member only, unless this is true.
    partners_may_close: bool = False
    # The authserv-id your receiving server writes in Authentication-Results (e.g. mx.example.com):
    # only its verdicts are read. Unset: a sender's From is checked by the reply token alone.
    authserv_id: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9.\-]*$")


class DigestConfig(_Strict):
    enabled: bool = True
    weekday: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] = "monday"
    hour: int = Field(8, ge=0, le=23)  # in the member's time zone


class LedgerConfig(_Strict):
    """When the ledger flags a partner."""

    # Out of balance: you gave at least min_given and at least ratio × what you received.
    unbalanced_ratio: float = Field(3.0, gt=1)
    min_given: int = Field(3, ge=1)
    # Gone quiet: nothing either way for this long.
    quiet_after: Duration = timedelta(days=90)
    # Went nowhere: this share (or more) of what you gave never connected.
    nowhere_share: float = Field(0.5, gt=0, le=1)


class CoffeeReminder(_Strict):
    """A monthly check-in with each active partner, sent to the member."""

    enabled: bool = True
    day_of_month: int = Field(1, ge=1, le=28)
    hour: int = Field(9, ge=0, le=23)  # in the member's time zone
    # Active: a referral either way within this long.
    active_within: Duration = timedelta(days=90)


class PromiseReminder(_Strict):
    """A nudge when a partner mentioned a possible referral and nothing was logged since."""

    enabled: bool = True
    after: Duration = timedelta(days=14)


class DailyPrompt(_Strict):
    """An optional daily "who could you refer today?" with the partners the member promotes."""

    enabled: bool = False
    hour: int = Field(8, ge=0, le=23)
    weekdays_only: bool = True
    # Partner names or addresses to promote; empty: the partners who gave the member the most.
    promote: list[str] = []
    top: int = Field(3, ge=1, le=20)


class RemindersConfig(_Strict):
    coffee: CoffeeReminder = CoffeeReminder()
    promises: PromiseReminder = PromiseReminder()
    daily: DailyPrompt = DailyPrompt()


class WebConfig(_Strict):
    """The dashboard (`introledger web`): where it is reached, its secret, its sign-in limits."""

    # The address people open, as the browser sees it (behind a reverse proxy: the proxy's
    # https://… URL); sign-in links point there, and an https one makes cookies Secure.
    base_url: str = Field("http://127.0.0.1:8080", pattern=r"^https?://[^/\s]+(/[^\s]*)?$")
    # Signs the session and CSRF cookies; read from this environment variable, never the file.
    secret_env: str = "INTROLEDGER_WEB_SECRET"
    link_expires_after: Duration = timedelta(minutes=15)
    session_expires_after: Duration = timedelta(days=14)
    # Sign-in links asked for within `limit_window`: per address, and per client (browser's IP).
    per_address: int = Field(3, ge=1)
    per_client: int = Field(10, ge=1)
    limit_window: Duration = timedelta(minutes=15)


class ClassifyConfig(_Strict):
    review_below: float = Field(0.7, ge=0, le=1)
    max_parties: int = Field(4, ge=2)


class LeaseConfig(_Strict):
    """How `run` processes share the tracking mailboxes (worker/sources/leases.py)."""

    # A mailbox whose watcher stopped renewing for this long is taken over by another process.
    seconds: float = Field(15, ge=3, le=3600)


class MailboxSettings(_Strict):
    """A tracking mailbox kept in the database (`introledger mailboxes add NAME FILE`): the keys of
    config.yaml a mailbox has of its own — its address, where its mail comes from, its members
    (a group with its own ledger). Everything else (database, sending, follow-ups) is config.yaml's."""

    tracking: TrackingConfig
    source: SourceConfig = SourceConfig()
    members: list[MemberConfig] = []


class Settings(_Strict):
    """The whole config.yaml."""

    tracking: TrackingConfig
    database_url: str = "sqlite:///introledger.db"
    broker_url: str = "memory://"
    token_secret_env: str = "INTROLEDGER_TOKEN_SECRET"
    source: SourceConfig = SourceConfig()
    members: list[MemberConfig] = []
    classify: ClassifyConfig = ClassifyConfig()
    quarantine_max_bytes: int = Field(1_048_576, ge=1024)
    outbound: OutboundConfig = OutboundConfig()
    thank_you: ThankYouConfig = ThankYouConfig()
    follow_ups: FollowUpConfig = FollowUpConfig()
    digest: DigestConfig = DigestConfig()
    ledger: LedgerConfig = LedgerConfig()
    reminders: RemindersConfig = RemindersConfig()
    web: WebConfig = WebConfig()
    leases: LeaseConfig = LeaseConfig()


class Config:
    """Settings plus where they came from, with paths resolved and secrets read once."""

    def __init__(self, settings: Settings, path: Path, env: dict[str, str]):
        self.settings = settings
        self.path = path
        self.database_url = env.get("INTROLEDGER_DATABASE_URL") or _resolve_sqlite(
            settings.database_url, path.parent
        )
        self.maildir_path = path.parent / settings.source.maildir.path
        self.outgoing_path = path.parent / settings.outbound.folder
        self.templates_dir = (path.parent / settings.outbound.templates_dir
                              if settings.outbound.templates_dir else None)
        self._env = env

    def with_members(self, members: list[MemberConfig]) -> "Config":
        """These settings with other members (a reload on SIGHUP: worker/app/reload.py)."""
        return Config(self.settings.model_copy(update={"members": list(members)}), self.path, self._env)

    def for_mailbox(self, mailbox: MailboxSettings, others: frozenset[str] = frozenset()) -> "Config":
        """These settings for another tracking mailbox: its address, source and members; the
        other groups' tracking addresses (`others`) are never its parties, like other deployments'."""
        t = mailbox.tracking
        siblings = sorted({*t.other_deployments, *others} - {t.address, *t.aliases})
        tracking = t.model_copy(update={"other_deployments": siblings})
        update = {"tracking": tracking, "source": mailbox.source, "members": list(mailbox.members)}
        return Config(self.settings.model_copy(update=update), self.path, self._env)

    def secret(self, env_name: str) -> str | None:
        return self._env.get(env_name) or None

    @property
    def queue_name(self) -> str:
        """This deployment's queue on the broker (worker/outbound/queues.py)."""
        s = self.settings
        return queue_names.queue_name(queue_names.namespace(s.tracking.address, s.outbound.queue_namespace))

    @property
    def tracking_addresses(self) -> frozenset[str]:
        t = self.settings.tracking
        return frozenset([t.address, *t.aliases])


def _resolve_sqlite(url: str, base: Path) -> str:
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite://":
        return prefix + str((base / url[len(prefix):]).resolve())
    return url


def config_path(explicit: str | None, env: dict[str, str]) -> Path:
    return Path(explicit or env.get("INTROLEDGER_CONFIG") or DEFAULT_PATH)


def load(explicit: str | None = None, env: dict[str, str] | None = None) -> Config:
    env = dict(os.environ) if env is None else env
    path = config_path(explicit, env)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file (pass --config PATH or set INTROLEDGER_CONFIG)") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    return from_dict(data, path, env)


def from_dict(data: object, path: Path, env: dict[str, str] | None = None) -> Config:
    env = dict(os.environ) if env is None else env
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of settings")
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(path, exc)) from None
    problems = _cross_checks(settings)
    if problems:
        raise ConfigError(_format(path, problems))
    return Config(settings, path.resolve(), env)


def mailbox_settings(data: object, where: str) -> MailboxSettings:
    """A mailbox's settings (as `mailboxes add` reads them from a file), or every problem named."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: the top level must be a mapping with tracking, source and members")
    try:
        settings = MailboxSettings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(Path(where), exc)) from None
    problems = _group_checks(settings.tracking, settings.source, settings.members)
    problems += [f"members.{i}.timezone: unknown time zone {m.timezone!r} (use an IANA name like Europe/Rome)"
                 for i, m in enumerate(settings.members) if m.timezone and not _known_zone(m.timezone)]
    if problems:
        raise ConfigError(_format(Path(where), problems))
    return settings


def _group_checks(tracking: TrackingConfig, source: SourceConfig, members: list[MemberConfig]) -> list[str]:
    """What a group's own keys must agree on, in config.yaml and in a mailbox alike."""
    problems = []
    if source.kind == "imap" and source.imap is None:
        problems.append("source.imap: required when source.kind is imap")
    ours = {tracking.address, *tracking.aliases}
    for address in tracking.other_deployments:
        if address in ours:
            problems.append(f"tracking.other_deployments: {address} is our own tracking address")
    emails = {e for m in members for e in m.emails}
    for address in sorted(emails & set(tracking.other_deployments)):
        problems.append(f"tracking.other_deployments: {address} is a member's address")
    seen: dict[str, str] = {}
    for i, member in enumerate(members):
        for email in member.emails:
            if email in seen:
                problems.append(f"members.{i}.emails: {email} already belongs to {seen[email]}")
            seen[email] = member.name
    return problems


def _cross_checks(s: Settings) -> list[str]:
    problems = _group_checks(s.tracking, s.source, s.members)
    if s.outbound.transport == "smtp" and s.outbound.smtp is None:
        problems.append("outbound.smtp: required when outbound.transport is smtp")
    smtp, out = s.outbound.smtp, s.outbound
    if smtp is not None and out.sending_timeout_seconds <= smtp.data_timeout_seconds + 2 * smtp.timeout_seconds:
        # Shorter, and the sweep would give up on a worker still waiting for the server's answer.
        problems.append(
            f"outbound.sending_timeout_seconds ({out.sending_timeout_seconds:g}) must be longer than "
            f"smtp.data_timeout_seconds + 2 x smtp.timeout_seconds "
            f"({smtp.data_timeout_seconds + 2 * smtp.timeout_seconds:g})")
    for key, zone in [("outbound.default_timezone", s.outbound.default_timezone),
                      *((f"members.{i}.timezone", m.timezone) for i, m in enumerate(s.members) if m.timezone)]:
        if not _known_zone(zone):
            problems.append(f"{key}: unknown time zone {zone!r} (use an IANA name like Europe/Rome)")
    return problems


def _known_zone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _describe(path: Path, exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = "unknown key (typo?)" if err["type"] == "extra_forbidden" else err["msg"]
        lines.append(f"{key}: {msg}")
    return _format(path, lines)


def _format(path: Path, problems: list[str]) -> str:
    n = len(problems)
    head = f"{path}: {n} problem{'s' if n != 1 else ''} in the configuration"
    return "\n".join([head, *(f"  - {p}" for p in problems)])
