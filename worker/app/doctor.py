"""`introledger doctor`: try each outside part once and say, per problem, how to fix it."""
from dataclasses import dataclass
from datetime import UTC, datetime

from imapclient.exceptions import IMAPClientError
from sqlalchemy.exc import DBAPIError

from models.db import NotMigrated, WrongEncoding, make_engine, require_migrated
from worker.core.config import Config, ConfigError, load
from worker.outbound import broker
from worker.sources.imap import ImapAccount, ImapLoginError, connect, ensure_processed_folder


@dataclass(frozen=True)
class Findings:
    problems: list[str]   # each fails the check: one line with its fix
    warnings: list[str]   # works, but trusts less than it could
    about: list[str]      # facts a person checks by eye
    checked: str = "config"  # what answered when there is no problem: "config, database, … and broker"


def examine(config_path: str | None, say=lambda line: None) -> Findings:
    """Everything doctor says, from the config read once; `say` hears what doctor repaired itself."""
    try:
        config = load(config_path)
    except ConfigError as exc:
        return Findings([f"config: {exc}"], [], [])
    return Findings(check(config, say), warnings(config), about(config), checked(config))


def checked(config: Config) -> str:
    """The parts `check` reaches with this config, for the line that says they all answer."""
    out = config.settings.outbound
    smtp = ["SMTP server"] if out.transport == "smtp" and out.smtp is not None else []
    templates = ["templates"] if config.templates_dir else []
    return ", ".join(["config", "database", "mailbox", *smtp, *templates]) + " and broker"


def check(config: Config, say=lambda line: None) -> list[str]:
    """Problems, one line each with its fix."""
    database = _database(config)
    return [*database, *(() if database else _unconfirmed(config)), *_mailbox(config, say), *_smtp(config),
            *_broker(config), *_follow_ups(config), *_templates(config)]


def _templates(config: Config) -> list[str]:
    """Every mail rendered in every language and register the user's templates_dir reaches, so a
    words file written for an older macro signature fails here, not when its mail is due."""
    from worker.outbound.template_check import check as render_all

    return [f"templates: {line}" for line in render_all(config.templates_dir, config.settings.outbound.language)]


def _smtp(config: Config) -> list[str]:
    """Connect, EHLO, STARTTLS and AUTH as `send` will (no mail), and say what failed where."""
    import smtplib

    from worker.outbound.mailer import PermanentSendError, SmtpTransport, TransientSendError

    out = config.settings.outbound
    if out.transport != "smtp" or out.smtp is None:
        return []
    s = out.smtp
    try:
        SmtpTransport(s, config.secret(s.password_env)).check()
    except (PermanentSendError, TransientSendError) as exc:
        return [f"smtp: {exc}"]
    except (smtplib.SMTPException, OSError) as exc:
        who = f" as {s.username!r}" if s.username else ""
        return [f"smtp: cannot reach SMTP server {s.host}:{s.port}{who} ({type(exc).__name__}: {exc}); "
                "check outbound.smtp (host, port, security) and that the server runs"]
    return []


def _unconfirmed(config: Config) -> list[str]:
    """Mail that may or may not have arrived waits for a person (docs/sending.md, At most once)."""
    from datetime import datetime, timedelta

    from sqlalchemy.orm import Session

    from worker.outbound.outbox import unconfirmed_before

    engine = make_engine(config.database_url)
    try:
        with Session(engine) as session:
            ids = unconfirmed_before(session, datetime.now(UTC) - timedelta(days=1))
    finally:
        engine.dispose()
    if not ids:
        return []
    listed = ", ".join(f"#{i}" for i in ids[:10]) + (" …" if len(ids) > 10 else "")
    return [f"outbox: {len(ids)} mail(s) unconfirmed for over a day ({listed}): handed to the SMTP server, "
            "no answer, so maybe not received; decide with `introledger outbox retry ID` (send again) "
            "or `outbox cancel ID` (it arrived)"]


def warnings(config: Config) -> list[str]:
    """Things that work but trust less than they could; printed with `!`, not a failure."""
    found = _broker_checks(config)[1] + _bounces(config)
    f = config.settings.follow_ups
    found += reward_languages(f.reward)
    if not (f.enabled and config.secret(config.settings.token_secret_env)):
        return found  # no answers by reply: nothing reads Authentication-Results
    recent, where = _recent_headers(config)
    return found + [f"follow-ups: {line}" for line in authentication(survey(recent, f.authserv_id), f.authserv_id,
                                                                      where)]


def reward_languages(reward: str | dict[str, str]) -> list[str]:
    """A reward given per language but not in every language we write: mail in the others promises
    it in English (a promise in another language beats one left out, locales.in_language) — say
    which, so the text can be added before a Spanish introducer reads "A $25 gift card"."""
    if not isinstance(reward, dict) or not reward:
        return []
    from worker.core.locales import LANGUAGES, supported
    given = {supported(k) or k for k in reward}
    missing = [lang for lang in LANGUAGES if lang not in given]
    if not missing:
        return []
    fallback = "English" if "en" in given else f"'{next(iter(reward))}'"
    return [f"follow_ups.reward has no text in {', '.join(missing)}: closed-business mail in "
            f"{'that language' if len(missing) == 1 else 'those languages'} promises the reward in {fallback} "
            f"(add e.g. {missing[0]}: \"…\" to follow_ups.reward in config.yaml)"]


RECENT = 10  # messages doctor looks at for the receiving server's Authentication-Results


@dataclass(frozen=True)
class Survey:
    """What the mailbox's last messages say about the receiving server's Authentication-Results."""

    delivered: int          # messages a server delivered (with a Received header), not APPENDed
    servers: list[str]      # the authserv-ids servers wrote in them, most recent first
    ours: int               # how many carry our authserv-id where our server writes it


def survey(headers: list[bytes], authserv_id: str | None) -> Survey:
    from worker.mail import authres
    from worker.mail.parse import ParseError, parse

    traces = []
    for raw in headers:
        try:
            trace = parse(raw).trace
        except ParseError:
            continue
        if any(name == authres.RECEIVED for name, _ in trace):
            traces.append(trace)
    return Survey(len(traces), list(dict.fromkeys(s for t in traces for s in authres.servers(t))),
                  sum(bool(authserv_id and authres.ours(t, authserv_id).headers) for t in traces))


def authentication(seen: Survey, authserv_id: str | None, where: str) -> list[str]:
    """Lines for doctor: that answers are trusted by token alone without authserv_id (naming the
    id recent mail carries), that the server adds none, or that none carries the configured one."""
    lines = []
    if not authserv_id:
        example = seen.servers[0] + f" (recent mail in {where} carries it)" if seen.servers else "mx.example.com"
        lines.append("follow_ups.authserv_id is not set, so a reply's From: is checked only by its reply token's "
                     "binding to the address it was sent to (a forged From: with a copied token passes); set it to "
                     f"the authserv-id your receiving server writes in Authentication-Results, e.g. {example}")
    if seen.delivered and not seen.servers:
        lines.append(f"the receiving server adds no Authentication-Results (none in the last {seen.delivered} "
                     f"delivered messages in {where}), so no DKIM or DMARC result can refuse a forged answer or "
                     "vouch for a real one; turn on DKIM and DMARC checks (e.g. OpenDMARC, rspamd) at the server "
                     "that receives the tracking address's mail")
    elif authserv_id and seen.delivered and not seen.ours:
        lines.append(f"none of the last {seen.delivered} delivered messages in {where} carries Authentication-Results "
                     f"from {authserv_id} (follow_ups.authserv_id) where the receiving server writes them; they "
                     f"carry {', '.join(seen.servers)}: set follow_ups.authserv_id to the one your server writes")
    return lines


def _recent_headers(config: Config) -> tuple[list[bytes], str]:
    """The header blocks of the mailbox's last few messages, and where they are ([] if unreachable)."""
    source = config.settings.source
    if source.kind == "maildir":
        from worker.sources.maildir import MaildirSource

        return MaildirSource(config.maildir_path).recent_headers(RECENT), str(config.maildir_path)
    from worker.sources.imap import recent_headers

    s = source.require_imap()
    account = ImapAccount(s, config.secret(s.password_env if s.auth == "password" else s.oauth_token_env))
    try:
        client = connect(account)
        try:
            return recent_headers(client, account, RECENT), f"{s.username}@{s.host} {s.folder}"
        finally:
            client.logout()
    except (ImapLoginError, IMAPClientError, OSError):
        return [], ""  # check() names the mailbox problem


def _bounces(config: Config) -> list[str]:
    """Addresses our mail bounced from (paused until a person resumes them), and mail refused for
    reasons about our own mail or server, which the sending domain's set-up may explain."""
    from datetime import timedelta

    from sqlalchemy.orm import Session

    from worker.outbound import pauses

    engine = make_engine(config.database_url)
    try:
        with Session(engine) as session:
            paused = pauses.all_paused(session)
            refused = pauses.bounced_not_paused(session, datetime.now(UTC) - timedelta(days=7))
    except (NotMigrated, WrongEncoding, DBAPIError):
        return []  # check() names the database problem
    finally:
        engine.dispose()
    lines = [f"outbox: mail to {p.email} paused since {p.created_at:%Y-%m-%d}: {p.reason} — "
             f"`introledger outbox unpause {p.email}` to resume" for p in paused[:MAX_LISTED]]
    if len(paused) > MAX_LISTED:
        lines.append(f"outbox: {len(paused) - MAX_LISTED} more address(es) paused "
                     "(`introledger outbox --status bounced`)")
    if refused:
        listed = ", ".join(f"#{r.id}" for r in refused[:10]) + (" …" if len(refused) > 10 else "")
        lines.append(f"outbox: {len(refused)} mail(s) refused this week because of our mail or server, not the "
                     f"address ({listed}; latest: {refused[0].last_error}): check SPF, DKIM and DMARC for "
                     f"{config.settings.tracking.address.partition('@')[2]} and the sending server's reputation")
    return lines


MAX_LISTED = 20


def _follow_ups(config: Config) -> list[str]:
    s = config.settings
    if s.follow_ups.enabled and not config.secret(s.token_secret_env):
        return [f"follow-ups: off, no reply-token secret; set ${s.token_secret_env} to a long random string"]
    return []


def _database(config: Config) -> list[str]:
    engine = make_engine(config.database_url)
    try:
        require_migrated(engine)
        _write_and_roll_back(engine)
    except (NotMigrated, WrongEncoding) as exc:
        return [f"database: {exc}"]
    except _NotWritable as exc:
        return [f"database: {exc}"]
    except DBAPIError as exc:
        return [f"database: cannot connect ({exc.orig}); check database_url or INTROLEDGER_DATABASE_URL"]
    finally:
        engine.dispose()
    return []


class _NotWritable(Exception):
    pass


def _write_and_roll_back(engine) -> None:
    """Every message is a write: try one (a checkpoint row), then undo it."""
    from sqlalchemy import insert

    from models import Checkpoint
    from models.db import read_only_error
    from worker.core.outages import describe

    where = engine.url.render_as_string(hide_password=True)
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            conn.execute(insert(Checkpoint).values(source="introledger doctor: write check", uidvalidity=0,
                                                   last_uid=0))
        except DBAPIError as exc:
            if not read_only_error(exc):
                raise _NotWritable(f"cannot write to {where} ({describe(exc)})") from exc
            if engine.dialect.name == "sqlite":
                fix = ("make the file and its folder (SQLite writes -wal and -shm files beside it) writable by "
                       "the user introledger runs as")
            else:
                fix = "point database_url at the primary server, or make the database writable"
            raise _NotWritable(f"cannot write to {where} ({describe(exc)}); {fix}") from exc
        finally:
            transaction.rollback()


def _mailbox(config: Config, say) -> list[str]:
    source = config.settings.source
    if source.kind == "lmtp":
        return []  # the MTA's side: Postfix or Exim report a refused delivery themselves
    if source.kind == "maildir":
        path = config.maildir_path
        if path.exists() and not (path / "new").is_dir():
            return [f"maildir: {path} exists but is not a Maildir (no new/); point source.maildir.path at one"]
        return []
    s = source.require_imap()
    env = s.password_env if s.auth == "password" else s.oauth_token_env
    try:
        client = connect(ImapAccount(s, config.secret(env)))
        try:
            created = ensure_processed_folder(client, ImapAccount(s, config.secret(env)))
        finally:
            client.logout()
        if created:
            say(created)
    except ImapLoginError as exc:
        return [f"imap: {exc}"]
    except (IMAPClientError, OSError) as exc:
        return [f"imap: {s.username}@{s.host}:{s.port} failed: {exc}; check source.imap and ${env}"]
    return []


def about(config: Config) -> list[str]:
    """Facts a person checks by eye (no verdict): which queue this deployment sends from."""
    url = config.settings.broker_url
    if broker.kind(url) == broker.MEMORY:
        return [f"queue: in-process ({url}); only this process sends"]
    return [f"queue: {config.queue_name} on {_without_password(url)}"]


def _without_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL SQLAlchemy can read: show it as configured
        return url


def _rabbitmq(url: str) -> list[str]:
    import pika

    parameters = pika.URLParameters(url)
    parameters.socket_timeout = parameters.blocked_connection_timeout = 3
    try:
        pika.BlockingConnection(parameters).close()
    except pika.exceptions.AMQPError as exc:
        return [f"broker: RabbitMQ at {_without_password(url)} does not answer ({exc!r}); start it or fix broker_url"]
    return []


def _broker(config: Config) -> list[str]:
    problems, _ = _broker_checks(config)
    return problems


def _broker_checks(config: Config) -> tuple[list[str], list[str]]:
    """(problems, warnings): Redis answers, and this deployment's queue is its own."""
    url = config.settings.broker_url
    if broker.kind(url) == broker.RABBITMQ:
        return _rabbitmq(url), []
    if broker.kind(url) != broker.REDIS:
        return [], []
    import redis

    from worker.outbound import queues

    client = redis.Redis.from_url(url, socket_timeout=3)
    try:
        client.ping()
        ours = queues.me(config.queue_name, config.settings.tracking.address, str(config.path), datetime.now(UTC))
        return queues.others(ours, queues.registered(client), queues.live_queues(client))
    except redis.RedisError as exc:
        return [(f"broker: Redis at {_without_password(url)} does not answer ({exc}); "
                 "start redis-server or fix broker_url")], []
    finally:
        client.close()
