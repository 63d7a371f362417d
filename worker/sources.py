"""Pick the configured live source and return the runner's once/forever entry points."""
from typing import Callable

from worker.bootstrap import App
from worker.imap import ImapAccount
from worker.maildir_source import MaildirSource
from worker.runner import Runner


def imap_account(app: App) -> ImapAccount:
    s = app.config.settings.source.imap
    env = s.password_env if s.auth == "password" else s.oauth_token_env
    return ImapAccount(s, app.config.secret(env), app.config.settings.source.max_message_bytes)


def runner_for(app: App, on_outcome=lambda o: None, duties=()) -> tuple[Runner, Callable, Callable]:
    runner = Runner(app.pipeline, app.sessions, duties=list(duties), on_outcome=on_outcome)
    source = app.config.settings.source
    if source.kind == "imap":
        account = imap_account(app)
        return runner, lambda: runner.imap_once(account), lambda: runner.imap_forever(account)
    maildir = MaildirSource(app.config.maildir_path, source.max_message_bytes)
    return (runner, lambda: runner.maildir_once(maildir),
            lambda: runner.maildir_forever(maildir, source.maildir.poll_seconds))
