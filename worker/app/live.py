"""Pick the configured live source and return the runner's once/forever entry points."""
from collections.abc import Callable

from worker.app.bootstrap import App
from worker.core.config import Config
from worker.sources.imap import ImapAccount
from worker.sources.maildir import MaildirSource
from worker.sources.runner import Runner


def imap_account(app: App) -> ImapAccount:
    s = app.config.settings.source.require_imap()
    env = s.password_env if s.auth == "password" else s.oauth_token_env
    return ImapAccount(s, app.config.secret(env), app.config.settings.source.max_message_bytes)


def runner_for(app: App, on_outcome=lambda o: None, duties=()) -> tuple[Runner, Callable, Callable]:
    runner = Runner(app.pipeline, app.sessions, duties=list(duties), on_outcome=on_outcome)
    source = app.config.settings.source
    if source.kind == "imap":
        account = imap_account(app)
        return runner, lambda: runner.imap_once(account), lambda: runner.imap_forever(account)
    if source.kind == "lmtp":  # mail arrives through `introledger lmtp`: nothing to read here
        return runner, lambda: [], lambda: _until_stopped(runner)
    maildir = MaildirSource(app.config.maildir_path, source.max_message_bytes)
    return (runner, lambda: runner.maildir_once(maildir),
            lambda: runner.maildir_forever(maildir, source.maildir.poll_seconds))


def _until_stopped(runner: Runner) -> None:
    while not runner.stopping.wait(1.0):  # short waits: the main thread still sees its signals
        pass


def watching(config: Config) -> str:
    """What `run` reads (mailbox or Maildir) — the first line it prints, so a person can tell
    it is watching the right place. Never a secret: names of accounts and hosts only."""
    source = config.settings.source
    if source.kind == "maildir":
        return f"watching Maildir {config.maildir_path.resolve()}"
    if source.kind == "lmtp":
        return "mail comes in by LMTP (`introledger lmtp`), no mailbox to watch"
    s = source.require_imap()
    moved = f", moving processed mail to {s.processed_folder!r}" if s.processed_folder else ""
    return f"watching IMAP {s.username}@{s.host}:{s.port} folder {s.folder!r} ({s.security}){moved}"


def sending(config: Config) -> str:
    """Where its mail goes: an SMTP server, or a folder of .eml files nobody receives."""
    out = config.settings.outbound
    if out.transport == "folder":
        return (f"writing outgoing mail to {config.outgoing_path.resolve()} "
                "(outbound.transport: folder, nothing is sent)")
    smtp = out.require_smtp()
    login = f" as {smtp.username}" if smtp.username else ""
    return f"sending via SMTP {smtp.host}:{smtp.port} ({smtp.security}){login}"
