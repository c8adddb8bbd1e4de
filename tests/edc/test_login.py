"""Signing in: throttling per name and per address, lockout, unlock, failed sign-ins audited
(issue #4: 200 wrong passwords were all 401 and the right one then worked; failures were
not audited). On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from oncotrial.edc import (
    AuditEntry,
    LoginFailure,
    LoginPolicy,
    NotAuthenticated,
    User,
    make_sessionmaker,
    sign_in,
    unlock_user,
)

from .conftest import PASSWORD

POLICY = LoginPolicy()  # the settings' defaults: 5 per name, 50 per address, 15 minutes


def _sign_in(world, username, password, address="10.0.0.1", policy=POLICY):
    return sign_in(
        make_sessionmaker(world.engine),
        username=username,
        password=password,
        address=address,
        channel="api",
        policy=policy,
    )


def _refusal(world, username, password, address="10.0.0.1", policy=POLICY) -> str:
    with pytest.raises(NotAuthenticated) as err:
        _sign_in(world, username, password, address, policy)
    return err.value.code


def test_five_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused(world):
    for _ in range(4):
        assert _refusal(world, "coord_a", "wrong password") == "not_authenticated"
    assert _refusal(world, "coord_a", "wrong password") == "not_authenticated"  # the 5th locks
    assert _refusal(world, "coord_a", PASSWORD, address="10.9.9.9") == "account_locked"
    with world.session() as s:
        user = world.user(s, "coord_a")
        assert user.locked_at is not None
        lock = s.execute(
            select(AuditEntry).where(AuditEntry.table_name == "app_user", AuditEntry.field == "locked_at")
        ).scalar_one()
        assert lock.username == "system" and lock.reason == "locked after 5 failed sign-ins within 15 minutes"


def test_an_administrator_unlocks_and_older_failures_no_longer_count(world):
    for _ in range(5):
        _refusal(world, "coord_a", "wrong password")
    with world.session() as s:
        unlock_user(s, world.user(s, "admin"), "coord_a", reason="called the help desk")
        s.commit()
    assert _refusal(world, "coord_a", "wrong again") == "not_authenticated"  # one failure, not six
    assert _sign_in(world, "coord_a", PASSWORD).username == "coord_a"


def test_a_successful_sign_in_restarts_the_count(world):
    for _ in range(4):
        _refusal(world, "coord_a", "wrong password")
    _sign_in(world, "coord_a", PASSWORD)
    for _ in range(4):
        assert _refusal(world, "coord_a", "wrong password") == "not_authenticated"
    assert _sign_in(world, "coord_a", PASSWORD).username == "coord_a"


def test_an_unknown_name_locks_exactly_like_an_account(world):
    """Same answers in the same order: the answers never tell whether a name exists."""
    known = [_refusal(world, "coord_a", "guess") for _ in range(7)]
    unknown = [_refusal(world, "nobody_here", "guess") for _ in range(7)]
    assert known == unknown == ["not_authenticated"] * 5 + ["account_locked"] * 2


def test_a_deactivated_account_answers_like_a_wrong_password(world):
    with world.session() as s:
        world.user(s, "coord_b").active = False
        s.commit()
    assert _refusal(world, "coord_b", PASSWORD) == "not_authenticated"


def test_too_many_failures_from_one_address_refuse_it_for_the_window(world):
    policy = LoginPolicy(max_failures_per_address=6)
    names = ["a1", "a2", "a3", "a4", "a5", "a6"]
    for name in names:
        assert _refusal(world, name, "guess", address="10.6.6.6", policy=policy) == "not_authenticated"
    assert _refusal(world, "coord_a", PASSWORD, address="10.6.6.6", policy=policy) == "address_throttled"
    assert _sign_in(world, "coord_a", PASSWORD, address="10.7.7.7", policy=policy).username == "coord_a"
    # When the failures leave the window, the address may sign in again.
    with world.session() as s:
        for failure in s.query(LoginFailure).filter_by(address="10.6.6.6"):
            failure.at = failure.at - dt.timedelta(minutes=16)
        s.commit()
    assert _sign_in(world, "coord_a", PASSWORD, address="10.6.6.6", policy=policy).username == "coord_a"


def test_every_failed_sign_in_is_an_audit_entry_without_the_password(world):
    _refusal(world, "coord_a", "Tr0ub4dor&3-secret", address="192.0.2.7")
    _refusal(world, "no_such_user", "another-secret-guess", address="192.0.2.7")
    with world.session() as s:
        entries = s.execute(
            select(AuditEntry).where(AuditEntry.table_name == "login_failure").order_by(AuditEntry.seq)
        ).scalars()
        values = [(e.action, e.reason, e.new_value) for e in entries]
        everything = " ".join(
            f"{e.old_value} {e.new_value} {e.reason}" for e in s.execute(select(AuditEntry)).scalars()
        )
    assert [(a, r) for a, r, _ in values] == [
        ("insert", "failed sign-in (api): bad_password"),
        ("insert", "failed sign-in (api): unknown_user"),
    ]
    assert '"username":"coord_a"' in values[0][2] and '"address":"192.0.2.7"' in values[0][2]
    assert "Tr0ub4dor" not in everything and "another-secret-guess" not in everything


def test_a_successful_sign_in_is_audited_with_channel_and_address(world):
    _sign_in(world, "coord_a", PASSWORD, address="198.51.100.4")
    with world.session() as s:
        entry = s.execute(select(AuditEntry).where(AuditEntry.field == "last_login_at")).scalar_one()
        assert entry.username == "coord_a" and entry.reason == "signed in (api) from 198.51.100.4"
        assert world.user(s, "coord_a").last_login_at is not None


# --- over HTTP: the regression of the issue --------------------------------------------------


def test_200_wrong_passwords_then_the_right_one_is_refused_over_the_api(api, world):
    for _ in range(200):
        wrong = api.client.post("/api/auth/login", json={"username": "coord_a", "password": "not it"})
        assert wrong.status_code == 401
    assert wrong.json()["detail"][0]["code"] == "address_throttled"  # 50 failures from one address
    # From another address the account itself answers: locked, even with the right password.
    with TestClient(api.client.app, client=("203.0.113.5", 40000)) as elsewhere:
        right = elsewhere.post("/api/auth/login", json={"username": "coord_a", "password": PASSWORD})
    assert right.status_code == 401
    assert right.json()["detail"] == [
        {
            "loc": ["credentials"],
            "code": "account_locked",
            "msg": "this user name is locked after too many failed sign-ins; an administrator must unlock it",
        }
    ]
    with world.session() as s:
        assert s.query(LoginFailure).count() == 201  # every failure stored, the right one too


def test_the_api_locks_an_unknown_name_with_the_same_answer(api):
    def answers(name):
        out = []
        for _ in range(6):
            r = api.client.post("/api/auth/login", json={"username": name, "password": "guess"})
            out.append((r.status_code, r.json()["detail"][0]["code"], r.json()["detail"][0]["msg"]))
        return out

    assert answers("inv_b") == answers("ghost_user")


def test_a_locked_user_keeps_no_way_in_through_a_new_token_but_unlock_restores_it(api, world):
    for _ in range(5):
        api.client.post("/api/auth/login", json={"username": "inv_b", "password": "bad"})
    refused = api.client.post("/api/auth/login", json={"username": "inv_b", "password": PASSWORD})
    assert refused.json()["detail"][0]["code"] == "account_locked"
    unlocked = api("admin", "POST", "/api/users/inv_b/unlock", {"reason": "verified by phone"})
    assert unlocked.status_code == 200 and unlocked.json()["locked"] is False
    assert (
        api.client.post("/api/auth/login", json={"username": "inv_b", "password": PASSWORD}).status_code
        == 200
    )
    with world.session() as s:
        assert s.get(User, world.users["inv_b"]).unlocked_at is not None
