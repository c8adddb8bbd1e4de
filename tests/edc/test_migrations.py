"""Alembic migrations build the same schema as the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from oncotrial.edc.store.db import make_engine
from oncotrial.edc.store.migrate import current_revision, head_revision, upgrade
from oncotrial.edc.store.models import Base


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def migrated(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'edc.db'}")
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    url = request.getfixturevalue("postgres_url")
    schema = f"edc_mig_{secrets.token_hex(4)}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, schema=schema)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_migrations_reach_head_and_match_the_models(migrated):
    assert current_revision(migrated) == head_revision()
    with migrated.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_audit_trail_refuses_update_and_delete_in_the_database(migrated):
    with migrated.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_entry (seq, at, username, action, table_name, record_id, prev_hash, hash) "
                "VALUES (1, CURRENT_TIMESTAMP, 'system', 'insert', 'site', 1, :z, :z)"
            ),
            {"z": "0" * 64},
        )
    for statement in ("UPDATE audit_entry SET reason = 'edited'", "DELETE FROM audit_entry"):
        with pytest.raises(DBAPIError, match="append-only"), migrated.begin() as conn:
            conn.execute(text(statement))


def test_upgrading_twice_changes_nothing(migrated):
    upgrade(migrated)
    assert current_revision(migrated) == head_revision()
