"""Lockout and the administrator's page in headless Chromium against a real uvicorn server.

A coordinator mistypes the password five times: the account locks, and the right password
is refused with the lock message. The sponsor admin opens the Users page, sees the account
locked, unlocks it with a reason, then resets another user's password: the temporary
password is shown once, and that user, signing in with it, is held on the password page
until they choose their own. No page may log a console error; screenshots go to
``test-output/web/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.web._server import prepare_database, running_server
from tests.web.conftest import PASSWORD
from tests.web.test_workflow_browser import CHROMIUM_ARGS, Session

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("accounts-server")
    with running_server(folder, prepare_database(folder)) as base:
        yield base


@pytest.fixture(scope="module")
def browser(chromium_path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def shots(output_dir):
    folder = output_dir / "web"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _row(s: Session, username: str) -> str:
    return s.page.inner_text(f"#user-{username}")


def _apply(s: Session, username: str, action: str, reason: str) -> None:
    s.page.select_option("#f-acct-username", username)
    s.page.select_option("#f-acct-action", action)
    s.page.fill("#f-acct-reason", reason)
    s.page.click("#account-form button[type=submit]")
    s.page.wait_for_load_state()


def test_lockout_then_unlock_and_a_temporary_password_on_the_admin_page(server, browser, shots):
    coord = Session(browser, server, shots)
    admin = Session(browser, server, shots)
    monitor = Session(browser, server, shots)
    try:
        for _ in range(5):
            coord.login("coord_b", "not my password")
            assert "The user name or password is not correct." in coord.page.content()
        coord.login("coord_b", PASSWORD)
        assert coord.page.url.endswith("/login")
        assert "This user name is locked after too many failed sign-ins" in coord.page.inner_text(
            "#error-summary"
        )
        coord.shot("account-locked")

        admin.login("sponsor")
        admin.go("/admin/users")
        assert "Locked" in _row(admin, "coord_b") and "Active" in _row(admin, "coord_a")
        admin.shot("admin-users")
        _apply(admin, "coord_b", "unlock", "identity checked by phone")
        assert "coord_b is unlocked." in admin.page.inner_text("main")
        assert "Active" in _row(admin, "coord_b")

        coord.login("coord_b", PASSWORD)
        assert coord.page.url.endswith("/subjects")

        _apply(admin, "monitor_a", "reset-password", "forgotten password")
        notice = admin.page.inner_text("#temporary-password")
        temporary = re.search(r"Temporary password for monitor_a: (\S+)", notice).group(1)
        admin.shot("admin-temporary-password")
        admin.go("/admin/users")
        assert admin.page.locator("#temporary-password").count() == 0  # shown once

        monitor.login("monitor_a", temporary)
        monitor.go("/queries")
        assert monitor.page.url.endswith("/password")
        monitor.page.fill("#f-current_password", temporary)
        monitor.page.fill("#f-new_password", "monitor's own passphrase")
        monitor.page.fill("#f-confirm_password", "monitor's own passphrase")
        monitor.page.click("button:has-text('Change password')")
        monitor.page.wait_for_load_state()
        assert monitor.page.url.endswith("/queries")

        for s in (coord, admin, monitor):
            assert s.errors == [], s.errors
    finally:
        for s in (coord, admin, monitor):
            s.close()
