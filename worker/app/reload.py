"""Re-reading config.yaml while `run` runs (SIGHUP): members change without a restart.

Only the members are applied: their rows, the directory the classifier reads (which address is
whose), and the time zones and coordinators that digests and reminders use. A config that does
not load is reported with every problem and the running one is kept. Other changed settings are
named and wait for a restart: they are wired into connections and threads built at start.
"""
from dataclasses import dataclass, replace

from worker.app import bootstrap
from worker.core.config import ConfigError, Settings, load


@dataclass(frozen=True)
class Changes:
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    gone: tuple[str, ...] = ()  # no longer in the file; their rows (and ledger) stay
    restart: tuple[str, ...] = ()  # other top-level settings that changed


def changes(old: Settings, new: Settings) -> Changes:
    """What differs between the running settings and the file's, by member name and top-level key."""
    before = {m.name: m for m in old.members}
    after = {m.name: m for m in new.members}
    old_rest, new_rest = old.model_dump(exclude={"members"}), new.model_dump(exclude={"members"})
    return Changes(
        added=tuple(n for n in after if n not in before),
        changed=tuple(n for n in after if n in before and after[n] != before[n]),
        gone=tuple(n for n in before if n not in after),
        restart=tuple(k for k in new_rest if new_rest[k] != old_rest.get(k)),
    )


def describe(path, c: Changes) -> list[str]:
    """The lines a person reads after a reload."""
    parts = [f"{label} {', '.join(names)}" for label, names in (("added", c.added), ("changed", c.changed))
             if names]
    lines = [f"{path}: re-read; members {'; '.join(parts) if parts else 'unchanged'}"]
    if c.gone:
        lines.append(f"{path}: {', '.join(c.gone)} no longer listed: kept as member(s) with their ledger "
                     "(member rows are never deleted)")
    if c.restart:
        lines.append(f"{path}: changed {', '.join(c.restart)}: applied at the next restart only")
    return lines


def reload(app: bootstrap.App, say) -> bool:
    """Apply the file's members to the running app; False (old config kept) when it does not load."""
    path = app.config.path
    try:
        fresh = load(str(path))
    except ConfigError as exc:
        say(f"config not reloaded, still running with the previous one: {exc}")
        return False
    found = changes(app.config.settings, fresh.settings)
    # The running settings with the new members only: the rest waits for a restart (see above).
    running = app.config.with_members(fresh.settings.members)
    directory = bootstrap.sync_members(app.sessions, running, now=app.now())
    app.pipeline.context = replace(app.pipeline.context, directory=directory)  # one assignment: atomic
    app.config = running
    app.digests = bootstrap._digests(running, app.templates, app.now)
    app.reminders = bootstrap._reminders(running, app.templates, app.now)
    if app.desk is not None:  # who is a coordinator, and in which currency, are members' settings too
        app.desk.coordinators = bootstrap.coordinator_emails(running)
        app.desk.currencies = bootstrap.member_currencies(running)
    if app.followups is not None:  # the follow-up's example answer is in the member's currency
        app.followups.currencies = bootstrap.member_currencies(running)
    for line in describe(path, found):
        say(line)
    return True
