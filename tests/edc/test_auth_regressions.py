"""The security issue's account defects, as it reported them, over the API and the CLI.

Each test fails on the code before the fix (it imports only what that code had):

- #3 a password change left API tokens valid;
- #4 200 wrong passwords on /api/auth/login were all 401 and the right one then worked;
  failed logins were not audited; ``12345678``, ``password`` and the user name itself
  were accepted as passwords;
- #5 ``oncotrial user add`` took the password on the command line.

On SQLite and PostgreSQL (the ``api`` and ``world`` fixtures).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from oncotrial.edc import AuditEntry, change_own_password, create_user

from .conftest import PASSWORD


def test_a_password_change_ends_the_users_api_tokens(api, world):
    assert api("coord_a", "GET", "/api/me").status_code == 200
    with world.session() as s:
        change_own_password(s, world.user(s, "coord_a"), PASSWORD, "a brand new passphrase")
        s.commit()
    assert api("coord_a", "GET", "/api/me").status_code == 401


def test_200_wrong_passwords_then_the_right_one_is_refused(api):
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


def test_a_failed_login_is_audited_with_name_address_and_reason_but_not_the_password(api, world):
    api.client.post("/api/auth/login", json={"username": "coord_a", "password": "Tr0ub4dor&3-guess"})
    with world.session() as s:
        entries = (
            s.execute(select(AuditEntry).where(AuditEntry.table_name == "login_failure")).scalars().all()
        )
        everything = " ".join(
            f"{e.old_value} {e.new_value} {e.reason}" for e in s.execute(select(AuditEntry)).scalars()
        )
    assert [e.reason for e in entries] == ["failed sign-in (api): bad_password"]
    assert '"username":"coord_a"' in entries[0].new_value and '"address":"testclient"' in entries[0].new_value
    assert "Tr0ub4dor" not in everything


@pytest.mark.parametrize(
    ("username", "password"),
    [("nadia", "12345678"), ("nadia", "password"), ("alexandra.smith", "Alexandra.Smith")],
)
def test_the_issues_weak_passwords_are_refused(world, username, password):
    with world.session() as s, pytest.raises(ValueError, match=r"^password: "):
        create_user(s, None, username=username, full_name="N", role="statistician", password=password)


def test_user_add_takes_no_password_on_the_command_line(tmp_path):
    from oncotrial.cli import app

    runner = CliRunner()
    url = ["--database-url", f"sqlite:///{tmp_path / 'edc.db'}"]
    assert runner.invoke(app, ["db", "init", *url]).exit_code == 0
    given = runner.invoke(
        app, ["user", "add", "tom", "--role", "statistician", "--password", "a long passphrase 42", *url]
    )
    assert given.exit_code == 2 and "No such option: --password" in given.output
