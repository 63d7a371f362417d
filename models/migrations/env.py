"""Alembic environment: runs migrations on the engine handed over by models.db."""
from alembic import context

from models import Base

engine = context.config.attributes.get("engine")
if engine is None:
    from sqlalchemy import create_engine

    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("run migrations through models.db.upgrade(), or set sqlalchemy.url")
    engine = create_engine(url)

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
