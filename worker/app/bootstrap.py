"""All the wiring in one place: config → engine → sessions → members → pipeline."""
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from models.base import utcnow
from models.db import make_engine, require_migrated
from models.groups import group_sessions
from worker.app.mailboxes import TrackingByMember
from worker.classify import directory as member_directory
from worker.classify.directory import Directory
from worker.classify.rules import Context
from worker.core.config import Config
from worker.core.outages import wait_out
from worker.followups.briefreply import BriefDesk
from worker.followups.replymatch import TokenPolicy, find_reply
from worker.followups.schedule import FollowUps
from worker.followups.status import StatusDesk
from worker.followups.thanks import ThankYouPlanner
from worker.followups.unsubscribe import Unsubscribes
from worker.inbound.deployments import Deployments
from worker.inbound.pipeline import Pipeline
from worker.ledger import balance as ledger
from worker.ledger import partners
from worker.ledger.digest import Digests
from worker.ledger.reminders import Reminders
from worker.outbound import queues
from worker.outbound.briefs import BriefAddresses
from worker.outbound.broker import job_check, make_broker, register, send_job
from worker.outbound.delivery import Deliverer
from worker.outbound.mailer import FolderTransport, SmtpTransport, Transport
from worker.outbound.partnerlinks import PartnerLinks
from worker.outbound.pauses import Bounces
from worker.outbound.sweep import Sweeper
from worker.outbound.templating import Templates

log = logging.getLogger("introledger.bootstrap")


@dataclass
class App:
    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    pipeline: Pipeline
    templates: Templates
    now: Callable[[], datetime]
    followups: "FollowUps | None" = None
    desk: "StatusDesk | None" = None
    digests: "Digests | None" = None
    reminders: "Reminders | None" = None
    mailbox_id: int | None = None  # the group (models/groups.py): None is config.yaml's own mailbox

    @property
    def thresholds(self) -> ledger.Thresholds:
        return ledger.Thresholds.from_config(self.config.settings.ledger)


@dataclass
class Outbound:
    """Everything that sends: broker, actor, the one-attempt deliverer and the sweep."""

    broker: dramatiq.Broker
    actor: dramatiq.Actor
    deliverer: Deliverer
    sweep: Sweeper
    transport: Transport

    def close(self) -> None:
        self.transport.close()
        self.broker.close()


def sync_members(sessions: sessionmaker[Session], config: Config, mailbox_id: int | None = None,
                 now: datetime | None = None) -> Directory:
    """Members from config.yaml (or a mailbox's) become rows (added or updated by name); returns
    the directory of the group's members."""
    with sessions.begin() as session:
        member_directory.sync(session, config.settings.members, mailbox_id, now)
    return load_directory(sessions)


def load_directory(sessions: sessionmaker[Session]) -> Directory:
    with sessions() as session:
        return member_directory.load(session)


def build(config: Config, check_schema: bool = True, now: Callable[[], datetime] = utcnow) -> App:
    engine = make_engine(config.database_url)
    try:
        return _build(config, engine, check_schema, now)
    except BaseException:
        engine.dispose()  # a retry at startup builds anew: leave no pool (and no sockets) behind
        raise


def build_group(app: App, config: Config, mailbox_id: int) -> App:
    """Another tracking mailbox's app on the same engine: its group's sessions, members, pipeline
    and duties (`config` is app.config.for_mailbox(…))."""
    return _build(config, app.engine, False, app.now, mailbox_id)


def build_when_ready(config: Config, say: Callable[[str], None], now: Callable[[], datetime] = utcnow,
                     wait=None) -> App:
    """build(), waiting out a database that is down at startup (one `error:` line per try)."""
    return wait_out(lambda: build(config, now=now), say, wait=wait)


def _build(config: Config, engine: Engine, check_schema: bool, now: Callable[[], datetime],
           mailbox_id: int | None = None) -> App:
    if check_schema:
        require_migrated(engine)
    sessions = group_sessions(engine, mailbox_id, now)
    directory = sync_members(sessions, config, mailbox_id, now())
    s = config.settings
    deployments = Deployments.load(sessions, s.tracking.other_deployments, now)
    context = Context(
        tracking=config.tracking_addresses, other_deployments=deployments.addresses, directory=directory,
        review_below=s.classify.review_below, max_parties=s.classify.max_parties,
    )
    templates = Templates(config.templates_dir, s.outbound.language)
    secret = config.secret(s.token_secret_env)
    addresses = BriefAddresses(s.tracking.address, secret) if secret else None
    links = PartnerLinks(s.web.base_url, secret) if secret else None  # partner mail links their own page
    thanks = ThankYouPlanner(s.thank_you, s.outbound, s.tracking.address, templates, now, addresses, links,
                             s.follow_ups.authserv_id)
    # "UNSUBSCRIBE" / "STOP ALL" mailed to us (a mail client's unsubscribe button): no more mail at all.
    unsubscribes = Unsubscribes(frozenset(a.lower() for a in config.tracking_addresses),
                                _vocabulary(s.follow_ups.vocabulary), s.follow_ups.authserv_id, secret)
    followups, desk, find = _follow_up_parts(config, templates, now)
    if desk is not None:
        desk.brief_addresses, desk.partner_links = addresses, links
    age = s.follow_ups.token_max_age.total_seconds() / 86400 if s.follow_ups.token_max_age else None
    brief_desk = BriefDesk(s.tracking.address, secret, templates, now, s.follow_ups.authserv_id, age, links)
    # The services the routes name (worker/inbound/routes.py); None: off, its hooks do not run.
    services = {"partners": partners, "thanks": thanks, "deployments": deployments, "unsubscribes": unsubscribes,
                "bounces": Bounces(s.tracking.address, now), "followups": followups, "desk": desk,
                "briefs": brief_desk}
    pipeline = Pipeline(sessions, context, s.quarantine_max_bytes, services, find, now=now)
    return App(config, engine, sessions, pipeline, templates, now, followups, desk, _digests(config, templates, now),
               _reminders(config, templates, now), mailbox_id)


def _digests(config: Config, templates: Templates, now) -> "Digests | None":
    d = config.settings.digest
    if not d.enabled:
        return None
    days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    zones = {m.name: m.timezone or config.settings.outbound.default_timezone for m in config.settings.members}
    return Digests(config.settings.tracking.address, templates, zones, now, days.index(d.weekday), d.hour,
                   ledger.Thresholds.from_config(config.settings.ledger),
                   frozenset(m.name for m in config.settings.members if m.coordinator))


def _reminders(config: Config, templates: Templates, now) -> "Reminders | None":
    s = config.settings
    r = s.reminders
    if not (r.coffee.enabled or r.promises.enabled or r.daily.enabled):
        return None
    zones = {m.name: m.timezone or s.outbound.default_timezone for m in s.members}
    return Reminders(r, s.tracking.address, templates, zones, now, ledger.Thresholds.from_config(s.ledger),
                     s.outbound.quiet_hours)


def _follow_up_parts(config: Config, templates: Templates, now):
    """Follow-ups need the token secret; without it they are off (doctor says how to turn them on)."""
    s = config.settings
    secret = config.secret(s.token_secret_env)
    if not s.follow_ups.enabled or not secret:
        return None, None, None
    f = s.follow_ups
    out = s.outbound
    followups = FollowUps(f, s.tracking.address, secret, templates, now, out.quiet_hours, out.default_timezone,
                          currencies=member_currencies(config))
    vocabulary = _vocabulary(f.vocabulary)
    desk = StatusDesk(followups, templates, s.tracking.address, f.reward, vocabulary, now, out.quiet_hours,
                      out.default_timezone,
                      coordinators=coordinator_emails(config), currencies=member_currencies(config))
    age = f.token_max_age.total_seconds() / 86400 if f.token_max_age else None
    policy = TokenPolicy(s.tracking.address, secret, age)
    return followups, desk, lambda session, msg: find_reply(session, msg, policy, now())


def coordinator_emails(config: Config) -> frozenset[str]:
    return frozenset(e.lower() for m in config.settings.members if m.coordinator for e in m.emails)


def member_currencies(config: Config) -> dict[str, str]:
    """members[].currency by each of the member's addresses (members without one are left out)."""
    return {e.lower(): m.currency for m in config.settings.members if m.currency for e in m.emails}


def _vocabulary(extra: dict[str, list[str]]) -> dict[str, list[str]] | None:
    if not extra:
        return None
    from worker.mail.commands import DEFAULT_VOCABULARY

    merged = {verb: list(words) for verb, words in DEFAULT_VOCABULARY.items()}
    for verb, words in extra.items():
        merged.setdefault(verb, []).extend(words)
    return merged


def build_outbound(app: App) -> Outbound:
    s = app.config.settings
    transport = _transport(app.config)
    deliverer = Deliverer(app.sessions, transport, s.tracking.address,
                          s.outbound.per_recipient_per_day, s.outbound.max_attempts, app.now,
                          tracking_for=TrackingByMember(app.engine, s.tracking.address),
                          secret=app.config.secret(s.token_secret_env))
    broker = make_broker(s.broker_url)
    queue = app.config.queue_name
    actor = register(broker, deliverer.deliver, queue)
    sweep = Sweeper(app.sessions, partial(send_job, actor), timedelta(seconds=s.outbound.sending_timeout_seconds),
                    now=app.now, max_attempts=s.outbound.max_attempts, held=job_check(broker, queue))
    _announce(broker, app)
    return Outbound(broker, actor, deliverer, sweep, transport)


def _announce(broker: dramatiq.Broker, app: App) -> None:
    """Say in Redis which deployment sends from this queue, for `doctor` (worker/outbound/queues.py)."""
    if not isinstance(broker, RedisBroker):
        return
    config = app.config
    try:
        queues.announce(broker.client, queues.me(config.queue_name, config.settings.tracking.address,
                                                 str(config.path), app.now()))
    except redis.RedisError as exc:  # Redis down at start: sending waits for it anyway; doctor says so
        log.warning("could not register queue %s in Redis: %s", config.queue_name, exc)


def _transport(config: Config) -> Transport:
    out = config.settings.outbound
    if out.transport == "folder":
        return FolderTransport(config.outgoing_path)
    smtp = out.require_smtp()
    return SmtpTransport(smtp, config.secret(smtp.password_env))
