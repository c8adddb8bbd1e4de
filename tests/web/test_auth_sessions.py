"""Server-side sessions, lockout, sign-in codes and temporary passwords on the pages
(issues #3, #4, #5), in-process on a seeded SQLite trial."""

from __future__ import annotations

import base64
import json
import re
import time

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select

from oncotrial.edc import AdverseEvent, AuditEntry
from tests.web.conftest import PASSWORD, csrf_of, make_web_app, sign_in
from tests.web.helpers import post

AE = {
    "term": "Neutropenia", "grade": "3", "serious": "false", "related_NABP": "RELATED",
    "related_PD1": "NOT RELATED", "start_date": "2025-01-20", "action_taken": "DOSE REDUCED",
}  # fmt: skip


def test_an_old_cookie_loads_no_page_and_stores_nothing_after_logout(web_env, coord, enrolled):
    """Issue #3: after logout, a copy of the old cookie loaded pages and stored an AE."""
    old_cookie = coord.cookies.get("oncotrial_session")
    old_token = csrf_of(coord, "/password")
    assert coord.post("/logout", data={"csrf_token": old_token}, follow_redirects=False).status_code == 303
    with TestClient(web_env.app, cookies={"oncotrial_session": old_cookie}) as thief:
        page = thief.get(f"/subjects/{enrolled}", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        stored = thief.post(
            f"/subjects/{enrolled}/adverse-events",
            data={**AE, "csrf_token": old_token},
            follow_redirects=False,
        )
        assert stored.status_code in (303, 403) and "/subjects/" not in stored.headers.get("location", "")
    with web_env.sessions() as db:
        assert db.query(AdverseEvent).count() == 0
        from oncotrial.edc import WebSession  # here: the lines above must run on the code before the fix

        row = db.execute(select(WebSession)).scalars().all()[-1]
        assert row.revoked and row.revoke_reason == "logout"


def test_the_cookie_holds_a_random_id_not_the_user(client):
    sign_in(client, "coord_a")
    cookie = client.cookies.get("oncotrial_session")
    payload = json.loads(base64.urlsafe_b64decode(cookie.split(".")[0] + "==="))
    assert set(payload) == {"c", "s", "f"} and "coord_a" not in cookie and len(payload["s"]) >= 40


def test_five_wrong_passwords_lock_the_web_sign_in_with_the_apis_answer(web_env, client):
    for _ in range(5):
        assert sign_in(client, "coord_a", "not the password").status_code == 401
    locked = sign_in(client, "coord_a", PASSWORD)
    assert locked.status_code == 401
    assert (
        "This user name is locked after too many failed sign-ins; an administrator must unlock it."
        in locked.text
    )
    api = client.post("/api/auth/login", json={"username": "coord_a", "password": PASSWORD})
    assert api.json()["detail"][0]["code"] == "account_locked"
    with web_env.sessions() as db:
        reasons = (
            db.execute(select(AuditEntry.reason).where(AuditEntry.table_name == "login_failure"))
            .scalars()
            .all()
        )
    assert reasons == ["failed sign-in (web): bad_password"] * 5 + [
        "failed sign-in (web): account_locked",
        "failed sign-in (api): account_locked",
    ]


def _enrol_on_the_page(client) -> str:
    page = post(client, "/account/second-factor/start", {}, token_from="/account/second-factor")
    assert page.status_code == 200, page.text[-500:]
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text).group(1)
    assert "otpauth://totp/oncotrial%20PD1NABP-CC2:inv_a?secret=" + secret in page.text
    confirmed = post(
        client, "/account/second-factor/confirm", {"code": pyotp.TOTP(secret).now()},
        token_from="/account/second-factor", follow_redirects=False,
    )  # fmt: skip
    assert confirmed.status_code == 303
    return secret


def test_a_user_with_a_sign_in_code_is_asked_for_it_after_the_password(web_env, client):
    sign_in(client, "inv_a")
    secret = _enrol_on_the_page(client)
    assert "Your sign-in code is set up" in client.get("/account/second-factor").text
    post(client, "/logout", {}, follow_redirects=False)
    step = sign_in(client, "inv_a")
    assert step.status_code == 303 and step.headers["location"] == "/login/code"
    assert client.get("/subjects", follow_redirects=False).headers["location"].startswith("/login")
    wrong = post(client, "/login/code", {"code": "123456"}, token_from="/login/code")
    assert wrong.status_code == 401 and "The code is not valid" in wrong.text
    code = pyotp.TOTP(secret).at(time.time() + 30)  # the next step: unused
    done = post(client, "/login/code", {"code": code}, token_from="/login/code", follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/subjects"
    assert client.get("/subjects").status_code == 200


def test_a_role_that_requires_a_code_is_held_on_the_set_up_page(tmp_path):
    env = make_web_app(tmp_path, totp_required_roles=["investigator"])
    with TestClient(env.app) as client:
        assert sign_in(client, "inv_a").status_code == 303
        held = client.get("/subjects", follow_redirects=False)
        assert held.status_code == 303 and held.headers["location"] == "/account/second-factor"
        assert "Your role requires a sign-in code" in client.get("/account/second-factor").text
        _enrol_on_the_page(client)
        assert client.get("/subjects", follow_redirects=False).status_code == 200
        api = client.post("/api/auth/login", json={"username": "coord_a", "password": PASSWORD})
        assert api.status_code == 200  # coordinators are not required to


def test_a_temporary_password_must_be_changed_before_any_page(web_env, client):
    from oncotrial.edc import reset_password

    with web_env.sessions() as db:
        temporary = reset_password(db, None, "coord_a", reason="forgotten")
        db.commit()
    assert sign_in(client, "coord_a", PASSWORD).status_code == 401
    assert sign_in(client, "coord_a", temporary).status_code == 303
    held = client.get("/subjects", follow_redirects=False)
    assert held.status_code == 303 and held.headers["location"] == "/password"
    changed = post(
        client,
        "/password",
        {
            "current_password": temporary,
            "new_password": "my own passphrase",
            "confirm_password": "my own passphrase",
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert client.get("/subjects", follow_redirects=False).status_code == 200


def test_the_admin_page_lists_accounts_and_its_forms_need_the_csrf_token(web_env):
    with TestClient(web_env.app) as admin, TestClient(web_env.app) as coord:
        sign_in(admin, "sponsor")
        sign_in(coord, "coord_a")
        assert coord.get("/admin/users").status_code == 403
        html = admin.get("/admin/users").text
        assert "<caption>Accounts and their state</caption>" in html and 'id="user-coord_a"' in html
        refused = admin.post(
            "/admin/users", data={"username": "coord_a", "action": "deactivate", "reason": "x"}
        )
        assert refused.status_code == 403 and "the form carries no token" in refused.text
        no_reason = post(
            admin,
            "/admin/users",
            {"username": "coord_a", "action": "deactivate", "reason": ""},
            token_from="/admin/users",
        )
        assert no_reason.status_code == 422 and "a reason is required" in no_reason.text
        done = post(
            admin, "/admin/users", {"username": "coord_a", "action": "deactivate", "reason": "left the site"},
            token_from="/admin/users", follow_redirects=False,
        )  # fmt: skip
        assert done.status_code == 303
        assert "coord_a is deactivated and signed out everywhere." in admin.get("/admin/users").text
        ended = coord.get("/subjects", follow_redirects=False)  # the deactivated user's session ended
        assert ended.status_code == 303 and ended.headers["location"].startswith("/login")


def test_a_reset_password_is_shown_once_on_the_admin_page(web_env):
    with TestClient(web_env.app) as admin:
        sign_in(admin, "sponsor")
        shown = post(
            admin, "/admin/users", {"username": "monitor_a", "action": "reset-password", "reason": "forgotten"},
            token_from="/admin/users",
        )  # fmt: skip
        temporary = re.search(
            r"Temporary password for monitor_a:</strong> <code>([^<]+)</code>", shown.text
        ).group(1)
        assert temporary not in admin.get("/admin/users").text
    with TestClient(web_env.app) as monitor:
        assert sign_in(monitor, "monitor_a", temporary).status_code == 303


def test_role_and_site_forms_change_the_account(web_env):
    with TestClient(web_env.app) as admin:
        sign_in(admin, "sponsor")
        role = post(
            admin, "/admin/users", {"username": "stats", "action": "role", "role": "monitor", "reason": "x"},
            token_from="/admin/users",
        )  # fmt: skip
        assert role.status_code == 422 and "a monitor must be assigned to at least one site" in role.text
        sites = post(
            admin, "/admin/users", {"username": "coord_b", "action": "sites", "site_codes": "A01, B01", "reason": "covers both"},
            token_from="/admin/users", follow_redirects=False,
        )  # fmt: skip
        assert sites.status_code == 303
        row = re.search(r'<tr id="user-coord_b">.*?</tr>', admin.get("/admin/users").text, re.S).group(0)
        assert "A01, B01" in row
