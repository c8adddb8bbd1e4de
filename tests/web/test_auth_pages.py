"""Sign in and out, session expiry, password change, CSRF and security headers."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, csrf_of, make_web_app, sign_in


def test_login_page_has_labelled_inputs_and_a_csrf_token(client):
    html = client.get("/login").text
    assert '<label for="f-username">' in html and 'id="f-username"' in html
    assert '<label for="f-password">' in html and 'id="f-password"' in html
    assert 'name="csrf_token"' in html


def test_coordinator_signs_in_and_lands_on_the_subject_list(client):
    response = sign_in(client, "coord_a")
    assert response.status_code == 303
    assert response.headers["location"] == "/subjects"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_wrong_password_is_refused_with_one_message_for_both_fields(client):
    response = sign_in(client, "coord_a", "wrong")
    assert response.status_code == 401
    assert "The user name or password is not correct." in response.text


def test_login_post_without_csrf_token_is_refused(client):
    client.get("/login")
    response = client.post("/login", data={"username": "coord_a", "password": PASSWORD})
    assert response.status_code == 403
    assert "the form carries no token" in response.text


def test_post_from_another_origin_is_refused_even_with_the_token(client):
    token = csrf_of(client)
    response = client.post(
        "/login",
        data={"username": "coord_a", "password": PASSWORD, "csrf_token": token},
        headers={"origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert "the request comes from another site (https://evil.example)" in response.text


def test_signing_in_issues_a_new_csrf_token(client):
    before = csrf_of(client)
    sign_in(client, "coord_a")
    assert csrf_of(client, "/password") != before


def test_logout_ends_the_session(client):
    sign_in(client, "coord_a")
    token = csrf_of(client, "/password")
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.headers["location"] == "/login"
    after = client.get("/password", follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"].startswith("/login")


def test_page_without_session_redirects_to_login_with_next(client):
    response = client.get("/password", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/password"


def test_idle_session_expires_and_says_so(tmp_path):
    env = make_web_app(tmp_path, session_lifetime_s=60)
    with TestClient(env.app) as client:
        sign_in(client, "coord_a")
        # Re-sign the cookie as if issued 61 s ago: itsdangerous reads the time from the signature.
        real_time = time.time
        try:
            time.time = lambda: real_time() + 61  # type: ignore[assignment]
            response = client.get("/password", follow_redirects=True)
        finally:
            time.time = real_time  # type: ignore[assignment]
        assert "Sign in" in response.text
        assert "Your session expired; please sign in again." in response.text


def test_open_redirect_after_login_is_ignored(client):
    token = csrf_of(client)
    response = client.post(
        "/login",
        data={"username": "coord_a", "password": PASSWORD, "csrf_token": token, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/subjects"


def test_pages_carry_security_headers_and_no_store(client):
    response = client.get("/login")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"


def test_htmx_and_its_licence_are_served_from_the_package(client):
    js = client.get("/static/htmx.min.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert "htmx" in js.text[:2000]
    licence = client.get("/static/LICENSE.htmx")
    assert "Zero-Clause BSD" in licence.text
    assert client.get("/static/..%2Fsettings.py").status_code == 404


def test_password_change_needs_the_current_password_and_names_each_field(client):
    sign_in(client, "coord_a")
    token = csrf_of(client, "/password")
    response = client.post(
        "/password",
        data={
            "csrf_token": token,
            "current_password": "not it",
            "new_password": "short",
            "confirm_password": "short",
        },
    )
    assert response.status_code == 422
    assert "is not your current password" in response.text
    assert "must be at least 12 characters (got 5)" in response.text
    assert 'href="#f-current_password"' in response.text  # the summary links to the field


def test_password_change_ends_other_sessions_and_keeps_this_one(web_env):
    with TestClient(web_env.app) as mine, TestClient(web_env.app) as other:
        sign_in(mine, "coord_a")
        sign_in(other, "coord_a")
        token = csrf_of(mine, "/password")
        response = mine.post(
            "/password",
            data={
                "csrf_token": token,
                "current_password": PASSWORD,
                "new_password": "a new long secret",
                "confirm_password": "a new long secret",
            },
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert mine.get("/password", follow_redirects=False).status_code == 200
        stale = other.get("/password", follow_redirects=False)
        assert stale.status_code == 303 and stale.headers["location"].startswith("/login")
        assert sign_in(other, "coord_a", "a new long secret").status_code == 303
