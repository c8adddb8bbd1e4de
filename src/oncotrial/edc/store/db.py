"""Engines, sessions and the unit of work.

One database URL picks the backend: SQLite (embedded default) or PostgreSQL
(psycopg 3) for multi-center use. Services receive a :class:`~sqlalchemy.orm.Session`
and never commit; :func:`unit_of_work` at the edge (an API request, a CLI command)
commits once when everything succeeded and rolls back otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from oncotrial.edc.store.audit import AuditKey

__all__ = ["make_engine", "make_sessionmaker", "unit_of_work"]


def make_engine(url: str, *, schema: str | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url``; ``schema`` sets PostgreSQL's search_path (used to isolate test runs).

    SQLite connections take the write lock at ``BEGIN`` (``BEGIN IMMEDIATE``) so that
    concurrent writers queue instead of failing half-way, and enforce foreign keys.

    >>> make_engine("sqlite://").dialect.name
    'sqlite'
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        else:
            kwargs.setdefault("connect_args", {"check_same_thread": False})
            kwargs.setdefault("poolclass", StaticPool)
        engine = create_engine(url, **kwargs)
        _sqlite_transactions(engine)
        return engine
    if schema:
        kwargs.setdefault("connect_args", {})["options"] = f"-csearch_path={schema}"
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_transactions(engine: Engine) -> None:
    # pysqlite's own transaction handling begins lazily and cannot take the write lock
    # up front; take over as SQLAlchemy's documentation recommends.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessionmaker(
    engine: Engine, *, audit_key: AuditKey | None = None, anchor_file: Path | None = None
) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (``expire_on_commit=False``).

    ``audit_key`` keys every audit entry the sessions write (``session.info["audit_key"]``);
    ``anchor_file`` is where a database lock records the chain's head once committed.
    Callables a service puts in ``session.info["after_commit"]`` run after a successful commit.
    """
    factory = sessionmaker(
        engine, expire_on_commit=False, info={"audit_key": audit_key, "anchor_file": anchor_file}
    )
    event.listen(factory, "after_commit", _run_after_commit)
    return factory


def _run_after_commit(session: Session) -> None:
    for action in session.info.pop("after_commit", []):
        action()


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed once at the end, or rolled back on any error.

    >>> from oncotrial.edc.store.models import Base
    >>> engine = make_engine("sqlite://")
    >>> Base.metadata.create_all(engine)
    >>> with unit_of_work(make_sessionmaker(engine)) as session:
    ...     session.get_bind().dialect.name
    'sqlite'
    """
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
