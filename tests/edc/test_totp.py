"""The second factor (TOTP): enrolment, codes at sign-in, replay refused, roles that require
it, the secret kept out of the audit trail (issue #4)."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from sqlalchemy import select

from oncotrial.edc import (
    AuditEntry,
    TotpCredential,
    begin_enrolment,
    confirm_enrolment,
    has_second_factor,
    reset_second_factor,
)
from oncotrial.edc.services.totp import matching_step
from oncotrial.errors import OncotrialError

from .conftest import PASSWORD


def _enrol(world, name: str) -> str:
    """Enrol ``name`` with a second factor; the secret (as the app would hold it)."""
    with world.session() as s:
        user = world.user(s, name)
        enrolment = begin_enrolment(s, user, issuer="oncotrial TEST")
        confirm_enrolment(s, user, pyotp.TOTP(enrolment.secret).now())
        s.commit()
    return enrolment.secret


def _code(secret: str, seconds_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds_ahead))


def test_enrolment_shows_an_otpauth_uri_once_and_needs_a_first_code(world):
    with world.session() as s:
        user = world.user(s, "inv_a")
        enrolment = begin_enrolment(s, user, issuer="oncotrial TEST")
        assert enrolment.uri.startswith("otpauth://totp/oncotrial%20TEST:inv_a?secret=")
        assert enrolment.secret in enrolment.uri and enrolment.secret not in repr(enrolment)
        assert not has_second_factor(s, user.id)
        with pytest.raises(OncotrialError, match="code: is not the current code of your authenticator app"):
            confirm_enrolment(s, user, "000000" if _code(enrolment.secret) != "000000" else "111111")
        confirm_enrolment(s, user, _code(enrolment.secret))
        assert has_second_factor(s, user.id)


def test_the_secret_never_enters_the_audit_trail_in_clear(world):
    secret = _enrol(world, "inv_a")
    with world.session() as s:
        entries = (
            s.execute(select(AuditEntry).where(AuditEntry.table_name == "totp_credential")).scalars().all()
        )
        text = " ".join(f"{e.old_value} {e.new_value}" for e in entries)
    assert [e.reason for e in entries] == [
        "second factor: enrolment started",
        "second factor: enrolled",
    ]
    assert secret not in text and '"secret":"***' in text


def test_a_code_is_accepted_once_within_its_window():
    secret, now = pyotp.random_base32(), dt.datetime(2026, 3, 1, 12, 0, 10, tzinfo=dt.UTC)
    code = pyotp.TOTP(secret).at(now)
    step = matching_step(secret, code, now)
    assert matching_step(secret, code, now + dt.timedelta(seconds=30)) == step  # one step of drift
    assert matching_step(secret, code, now + dt.timedelta(seconds=90)) is None  # too old
    assert matching_step(secret, code, now, after=step) is None  # already used


def test_api_sign_in_asks_for_the_code_and_refuses_it_twice(api, world):
    secret = _enrol(world, "inv_a")
    body = {"username": "inv_a", "password": PASSWORD}
    missing = api.client.post("/api/auth/login", json=body)
    assert missing.status_code == 401
    assert missing.json()["detail"][0] == {
        "loc": ["totp_code"],
        "code": "code_required",
        "msg": "a one-time code from your authenticator app is required",
    }
    wrong = api.client.post("/api/auth/login", json={**body, "totp_code": "12345"})
    assert wrong.json()["detail"][0]["code"] == "bad_code"
    code = _code(secret, seconds_ahead=30)  # the next step: not used by the enrolment
    assert api.client.post("/api/auth/login", json={**body, "totp_code": code}).status_code == 200
    replay = api.client.post("/api/auth/login", json={**body, "totp_code": code})
    assert replay.status_code == 401 and replay.json()["detail"][0]["code"] == "bad_code"


def test_wrong_codes_count_towards_the_lock(api, world):
    _enrol(world, "inv_a")
    body = {"username": "inv_a", "password": PASSWORD, "totp_code": "99999x"}
    codes = [api.client.post("/api/auth/login", json=body).json()["detail"][0]["code"] for _ in range(6)]
    assert codes == ["bad_code"] * 5 + ["account_locked"]


def test_a_role_that_requires_the_factor_cannot_get_a_token_without_one(api, monkeypatch):
    app = api.client.app
    # The app is shared by the tests of this folder: change its settings for this test only.
    required = app.state.settings.model_copy(update={"totp_required_roles": ["monitor"]})
    monkeypatch.setitem(app.state._state, "settings", required)
    refused = api.client.post("/api/auth/login", json={"username": "mon_a", "password": PASSWORD})
    assert refused.status_code == 401
    assert refused.json()["detail"][0]["code"] == "enrolment_required"
    assert "role monitor requires a second factor" in refused.json()["detail"][0]["msg"]
    ok = api.client.post("/api/auth/login", json={"username": "inv_a", "password": PASSWORD})
    assert ok.status_code == 200  # investigators are not required to


def test_an_administrator_resets_a_lost_factor(api, world):
    _enrol(world, "inv_a")
    token = api.client.post(
        "/api/auth/login", json={"username": "inv_a", "password": PASSWORD, "totp_code": "000000"}
    )
    assert token.status_code == 401
    with world.session() as s:
        reset_second_factor(s, world.user(s, "admin"), "inv_a", reason="phone lost")
        s.commit()
        assert not has_second_factor(s, world.users["inv_a"])
        credential = s.query(TotpCredential).one()
        assert credential.confirmed_at is None and credential.last_used_step is None
    assert (
        api.client.post("/api/auth/login", json={"username": "inv_a", "password": PASSWORD}).status_code
        == 200
    )
