"""Alembic environment: migrations run on the connection or URL that oncotrial passes in."""

from __future__ import annotations

from alembic import context

from oncotrial.edc.store.db import make_engine
from oncotrial.edc.store.models import Base

target_metadata = Base.metadata


def _in_alembic() -> bool:
    # Importing this file outside an Alembic run (e.g. to collect doctests) must do nothing.
    try:
        context.config  # noqa: B018
    except (AttributeError, NameError):
        return False
    return True


def run_online() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def run_offline() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if _in_alembic():
    if context.is_offline_mode():
        run_offline()
    else:
        run_online()
