"""Migration 0003 upgrades a database in use: users keep their passwords and tokens, and sign
in with the new checks afterwards. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from oncotrial.edc import LoginPolicy, make_sessionmaker, sign_in, user_for_token
from oncotrial.edc.services.auth import hash_password
from oncotrial.edc.store.db import make_engine
from oncotrial.edc.store.migrate import current_revision, head_revision, upgrade

PASSWORD = "correct horse battery"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def at_0002(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    """An empty database at revision 0002 (before accounts)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'edc.db'}")
        upgrade(engine, "0002")
        yield engine
        engine.dispose()
        return
    url = request.getfixturevalue("postgres_url")
    schema = f"edc_mig3_{secrets.token_hex(4)}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, schema=schema)
    try:
        upgrade(engine, "0002")
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_upgrade_keeps_users_and_tokens_and_sign_in_works(at_0002):
    now = dt.datetime.now(dt.UTC)
    token = "an-api-token-issued-before-the-upgrade"
    with at_0002.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO app_user (username, full_name, role, password_hash, active, created_at) "
                "VALUES ('ines', 'Ines', 'investigator', :h, :t, :now)"
            ),
            {"h": hash_password(PASSWORD), "t": True, "now": now},
        )
        conn.execute(
            text(
                "INSERT INTO api_token (user_id, token_sha256, label, created_at, expires_at, revoked) "
                "VALUES (1, :d, 'login', :now, :later, :f)"
            ),
            {
                "d": hashlib.sha256(token.encode()).hexdigest(),
                "now": now,
                "later": now + dt.timedelta(days=1),
                "f": False,
            },
        )
    upgrade(at_0002)
    assert current_revision(at_0002) == head_revision()
    with at_0002.connect() as conn:
        row = conn.execute(text("SELECT must_change_password, locked_at, last_login_at FROM app_user")).one()
    assert tuple(row) == (False, None, None)
    factory = make_sessionmaker(at_0002)
    with factory() as s:
        assert user_for_token(s, token).username == "ines"
    signed = sign_in(
        factory, username="ines", password=PASSWORD, address="10.0.0.1", channel="api", policy=LoginPolicy()
    )
    assert signed.next_step == "done" and not signed.must_change_password
