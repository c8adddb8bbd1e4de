"""Account administration (issue #5): every action, its audit entry, the sessions it ends,
and the checks that refuse it with nothing stored. On SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import time

import pytest
from sqlalchemy import func, select

from oncotrial.edc import (
    AuditEntry,
    Conflict,
    Forbidden,
    NotAuthenticated,
    NotFound,
    User,
    change_role,
    change_sites,
    deactivate_user,
    issue_token,
    list_accounts,
    open_web_session,
    reactivate_user,
    read_web_session,
    reset_password,
    unlock_user,
    user_for_token,
)
from oncotrial.edc.services.auth import verify_password
from oncotrial.errors import OncotrialError

from .conftest import PASSWORD


def _signed_in(s, world, name):
    """An API token and a browser session of ``name``."""
    user = world.user(s, name)
    return issue_token(s, user, lifetime_s=3600), open_web_session(
        s, user.id, stage="ok", max_lifetime_s=3600
    )


def _assert_ended(s, token, web):
    with pytest.raises(NotAuthenticated):
        user_for_token(s, token)
    assert read_web_session(s, web, idle_s=3600).ended == "revoked"


def _entries(s, field):
    return [
        (e.username, e.old_value, e.new_value, e.reason)
        for e in s.execute(
            select(AuditEntry)
            .where(AuditEntry.table_name == "app_user", AuditEntry.field == field)
            .order_by(AuditEntry.seq)
        ).scalars()
    ]


def _audit_count(s) -> int:
    return s.execute(select(func.count()).select_from(AuditEntry)).scalar_one()


def test_deactivate_ends_sessions_and_is_audited_then_reactivate(world):
    with world.session() as s:
        admin = world.user(s, "admin")
        token, web = _signed_in(s, world, "coord_a")
        deactivate_user(s, admin, "coord_a", reason="left the site")
        _assert_ended(s, token, web)
        assert _entries(s, "active") == [("admin", "true", "false", "left the site")]
        reactivate_user(s, admin, "coord_a", reason="came back")
        assert _entries(s, "active")[-1] == ("admin", "false", "true", "came back")
        assert world.user(s, "coord_a").active


def test_role_change_is_audited_and_ends_sessions(world):
    with world.session() as s:
        token, web = _signed_in(s, world, "inv_a")
        change_role(s, world.user(s, "admin"), "inv_a", "site_coordinator", reason="no longer PI")
        _assert_ended(s, token, web)
        assert _entries(s, "role") == [("admin", '"investigator"', '"site_coordinator"', "no longer PI")]


def test_site_change_is_audited_as_site_codes_and_ends_sessions(world):
    with world.session() as s:
        token, web = _signed_in(s, world, "mon_a")
        change_sites(s, world.user(s, "admin"), "mon_a", ["102", "101"], reason="covers site B too")
        _assert_ended(s, token, web)
        assert _entries(s, "sites") == [("admin", '["101"]', '["101","102"]', "covers site B too")]
        assert sorted(x.code for x in world.user(s, "mon_a").sites) == ["101", "102"]


def test_reset_password_gives_a_temporary_password_unlocks_and_ends_sessions(world, api):
    with world.session() as s:
        world.user(s, "coord_b").locked_at = world.user(s, "coord_b").created_at
        s.commit()
        token, web = _signed_in(s, world, "coord_b")
        temporary = reset_password(s, world.user(s, "admin"), "coord_b", reason="forgotten password")
        s.commit()
        _assert_ended(s, token, web)
        user = world.user(s, "coord_b")
        assert verify_password(user, temporary) and not verify_password(user, PASSWORD)
        assert user.must_change_password and user.locked_at is None and user.unlocked_at is not None
        (who, old, new, reason) = _entries(s, "password_hash")[-1]
        assert (who, reason) == ("admin", "forgotten password")
        assert old.startswith('"***') and new.startswith('"***') and temporary not in new
    # The temporary password does not give an API token: it must be changed on the web first.
    answer = api.client.post("/api/auth/login", json={"username": "coord_b", "password": temporary})
    assert answer.status_code == 401 and answer.json()["detail"][0]["code"] == "password_change_required"


def test_unlock_is_audited(world):
    with world.session() as s:
        user = world.user(s, "stat")
        user.locked_at = user.created_at
        s.commit()
        unlock_user(s, None, "stat", reason="identity checked")
        assert world.user(s, "stat").locked_at is None
        who, _old, new, reason = _entries(s, "locked_at")[-1]
        assert (who, new, reason) == ("system", None, "identity checked")


def test_list_shows_each_accounts_state(world):
    with world.session() as s:
        world.user(s, "stat").locked_at = world.user(s, "stat").created_at
        world.user(s, "coord_b").active = False
        s.flush()
        states = {a.username: a for a in list_accounts(s, world.user(s, "admin"))}
    assert states["stat"].locked and states["stat"].active
    assert not states["coord_b"].active
    assert states["mon_a"].site_codes == ("101",) and states["mon_a"].second_factor == "off"
    assert states["admin"].to_dict()["last_login_at"] is None


@pytest.mark.parametrize(
    ("action", "args", "error", "message"),
    [
        (change_role, ("admin", "statistician"), Conflict, "you may not change the role of your own account"),
        (deactivate_user, ("admin",), Conflict, "you may not deactivate your own account"),
        (change_role, ("stat", "monitor"), OncotrialError, "a monitor must be assigned to at least one site"),
        (change_role, ("stat", "admin"), OncotrialError, "role: expected one of"),
        (change_sites, ("mon_a", []), OncotrialError, "a monitor must be assigned to at least one site"),
        (change_sites, ("mon_a", ["999"]), NotFound, "no site '999' visible to you"),
        (deactivate_user, ("nobody",), NotFound, "no username 'nobody' visible to you"),
        (unlock_user, ("inv_a",), Conflict, r"username: is not locked \(got .inv_a.\)"),
        (reactivate_user, ("inv_a",), Conflict, "is already active"),
        (deactivate_user, ("inv_a",), OncotrialError, "reason: a reason is required"),
    ],
)
def test_a_refused_action_names_the_problem_and_stores_nothing(world, action, args, error, message):
    with world.session() as s:
        before = _audit_count(s)
        reason = None if "reason" in message else "a reason"
        with pytest.raises(error, match=message):
            action(s, world.user(s, "admin"), *args, reason=reason)
        s.rollback()
        assert _audit_count(s) == before
        assert world.user(s, "inv_a").active


def test_the_last_active_sponsor_admin_stays(world):
    with (
        world.session() as s,
        pytest.raises(Conflict, match="is the last active sponsor_admin: add another before you deactivate"),
    ):
        deactivate_user(s, None, "admin", reason="cleanup")


def test_only_a_sponsor_admin_administers_accounts(world):
    with world.session() as s:
        for name in ("inv_a", "mon_a", "stat"):
            with pytest.raises(Forbidden, match="may not administer sites and users"):
                deactivate_user(s, world.user(s, name), "coord_a", reason="x")
            with pytest.raises(Forbidden):
                list_accounts(s, world.user(s, name))


def test_admin_routes_over_http(api, world):
    listed = api("admin", "GET", "/api/users")
    assert listed.status_code == 200 and {"username", "locked", "second_factor"} <= set(listed.json()[0])
    assert api("inv_a", "GET", "/api/users").status_code == 403
    reset = api("admin", "POST", "/api/users/coord_a/reset-password", {"reason": "forgotten"})
    assert reset.status_code == 200 and reset.json()["must_change_password"] is True
    assert len(reset.json()["temporary_password"]) == 16
    assert api("coord_a", "GET", "/api/me").status_code == 401  # its token ended
    role = api("admin", "POST", "/api/users/stat/role", {"role": "monitor", "reason": "x"})
    assert role.status_code == 422 and role.json()["detail"][0]["loc"] == ["site_codes"]
    sites = api("admin", "POST", "/api/users/inv_b/sites", {"site_codes": ["101"], "reason": "moved"})
    assert sites.status_code == 200 and sites.json()["site_codes"] == ["101"]
    off = api("admin", "POST", "/api/users/mon_b/deactivate", {"reason": "left"})
    assert off.status_code == 200 and off.json()["active"] is False
    assert api("mon_b", "GET", "/api/me").status_code == 401
    with world.session() as s:
        assert not s.get(User, world.users["mon_b"]).active


def test_after_sign_ins_lockouts_factors_and_every_action_the_tables_match_the_trail(world):
    """Everything this part writes to an audited table goes through the write path (session
    rows and the last used code step are bookkeeping outside it), so ``audit verify`` finds
    no row changed behind its back."""
    import pyotp

    from oncotrial.edc import (
        LoginPolicy,
        begin_enrolment,
        confirm_enrolment,
        make_sessionmaker,
        reset_second_factor,
        sign_in,
    )
    from oncotrial.edc.store.audit_state import verify_state

    factory = make_sessionmaker(world.engine)

    def attempt(name, password, code=None):
        with contextlib.suppress(NotAuthenticated):
            sign_in(
                factory,
                username=name,
                password=password,
                address="10.1.1.1",
                channel="api",
                policy=LoginPolicy(),
                totp_code=code,
            )

    for _ in range(6):
        attempt("coord_b", "wrong")
        attempt("ghost", "wrong")
    attempt("coord_a", PASSWORD)
    with world.session() as s:
        admin = world.user(s, "admin")
        enrolment = begin_enrolment(s, world.user(s, "inv_a"))
        confirm_enrolment(s, world.user(s, "inv_a"), pyotp.TOTP(enrolment.secret).now())
        s.commit()
    attempt("inv_a", PASSWORD, pyotp.TOTP(enrolment.secret).at(time.time() + 30))
    with world.session() as s:
        admin = world.user(s, "admin")
        unlock_user(s, admin, "coord_b", reason="r")
        reset_password(s, admin, "coord_b", reason="r")
        change_sites(s, admin, "mon_a", ["101", "102"], reason="r")
        change_role(s, admin, "inv_b", "site_coordinator", reason="r")
        deactivate_user(s, admin, "stat", reason="r")
        reset_second_factor(s, admin, "inv_a", reason="r")
        s.commit()
        assert verify_state(s) == []
