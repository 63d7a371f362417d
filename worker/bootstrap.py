"""All the wiring in one place: config → engine → sessions → members → pipeline."""
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from models import Member
from models.db import make_engine, require_migrated, session_factory
from worker.classify import Context
from worker.config import Config
from worker.directory import Directory, MemberRef
from worker.pipeline import Pipeline


@dataclass
class App:
    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    pipeline: Pipeline


def sync_members(sessions: sessionmaker[Session], config: Config) -> Directory:
    """Members from config.yaml become rows (added or updated by name); returns the directory."""
    with sessions.begin() as session:
        for m in config.settings.members:
            row = session.scalar(select(Member).where(Member.name == m.name))
            if row is None:
                session.add(Member(name=m.name, emails=list(m.emails), domains=list(m.domains)))
            else:
                row.emails, row.domains = list(m.emails), list(m.domains)
    return load_directory(sessions)


def load_directory(sessions: sessionmaker[Session]) -> Directory:
    with sessions() as session:
        rows = session.scalars(select(Member).order_by(Member.id)).all()
        return Directory(tuple(
            MemberRef(r.id, r.name, frozenset(r.emails), frozenset(r.domains)) for r in rows
        ))


def build(config: Config, check_schema: bool = True) -> App:
    engine = make_engine(config.database_url)
    if check_schema:
        require_migrated(engine)
    sessions = session_factory(engine)
    directory = sync_members(sessions, config)
    s = config.settings
    context = Context(
        tracking=config.tracking_addresses, directory=directory,
        review_below=s.classify.review_below, max_parties=s.classify.max_parties,
    )
    return App(config, engine, sessions, Pipeline(sessions, context, s.quarantine_max_bytes))
