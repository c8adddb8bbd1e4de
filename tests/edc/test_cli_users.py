"""``oncotrial user ...`` on a SQLite file: passwords never on the command line, the policy
applied, every account action audited as ``system`` with its reason (issue #5)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from oncotrial.cli import app
from oncotrial.edc import AuditEntry, User, issue_token, make_engine, make_sessionmaker, user_for_token

runner = CliRunner()
GOOD = "a long passphrase 42"


@pytest.fixture
def url(tmp_path) -> list[str]:
    url = ["--database-url", f"sqlite:///{tmp_path / 'edc.db'}"]
    assert runner.invoke(app, ["db", "init", *url]).exit_code == 0
    assert runner.invoke(app, ["site", "add", "101", "Site A", *url]).exit_code == 0
    assert runner.invoke(app, ["site", "add", "102", "Site B", *url]).exit_code == 0
    return url


def _run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def _add(url, name="ines", role="investigator", *extra: str, password: str = GOOD):
    return _run(
        "user", "add", name, "--role", role, "--site", "101", *extra, *url, input=f"{password}\n{password}\n"
    )


def _sessions(url):
    return make_sessionmaker(make_engine(url[1]))


def test_user_add_has_no_password_option_and_prompts_for_it(url):
    assert _run("user", "add", "ines", "--role", "investigator", "--password", GOOD, *url).exit_code == 2
    added = _add(url)
    assert added.exit_code == 0, added.output
    assert GOOD not in added.output
    assert "Password:" in added.output and "Repeat for confirmation:" in added.output


def test_user_add_refuses_a_weak_password_naming_the_field(url):
    weak = _add(url, "ines", password="password1234")
    assert weak.exit_code == 2
    assert "password: is one of the most common passwords; choose another" in weak.output
    named = _add(url, "longusername", password="LongUserName")
    assert "password: must not be the user name" in named.output
    with _sessions(url)() as s:
        assert s.query(User).count() == 0


def test_user_add_reads_stdin_for_scripts_or_makes_a_temporary_password(url):
    piped = _run(
        "user", "add", "ines", "--role", "investigator", "--site", "101", "--password-stdin", *url,
        input=GOOD + "\n",
    )  # fmt: skip
    assert piped.exit_code == 0, piped.output
    temp = _run("user", "add", "tom", "--role", "statistician", "--temporary-password", *url)
    assert temp.exit_code == 0, temp.output
    assert "temporary password for tom (shown once):" in temp.output
    with _sessions(url)() as s:
        assert s.query(User).filter_by(username="tom").one().must_change_password


def test_every_account_command_is_audited_with_its_reason(url):
    assert _add(url).exit_code == 0
    assert _add(url, "boss", "sponsor_admin").exit_code == 0
    with _sessions(url)() as s:
        token = issue_token(s, s.query(User).filter_by(username="ines").one(), lifetime_s=3600)
        s.commit()
    commands = [
        ("sites", "ines", "--site", "101", "--site", "102"),
        ("role", "ines", "site_coordinator"),
        ("deactivate", "ines"),
        ("reactivate", "ines"),
        ("reset-password", "ines"),
    ]
    for command in commands:
        result = _run("user", *command, "--reason", f"ticket {command[0]}", *url)
        assert result.exit_code == 0, result.output
    with _sessions(url)() as s:
        user = s.query(User).filter_by(username="ines").one()
        user.locked_at = user.created_at
        s.commit()
    assert _run("user", "unlock", "ines", "--reason", "ticket unlock", *url).exit_code == 0
    with _sessions(url)() as s:
        entries = s.execute(
            select(AuditEntry.field, AuditEntry.reason, AuditEntry.username)
            .where(AuditEntry.table_name == "app_user", AuditEntry.reason.like("ticket %"))
            .order_by(AuditEntry.seq)
        ).all()
        with pytest.raises(ValueError, match="the API token is not valid"):
            user_for_token(s, token)
    assert [(f, r) for f, r, _ in entries] == [
        ("sites", "ticket sites"),
        ("role", "ticket role"),
        ("active", "ticket deactivate"),
        ("active", "ticket reactivate"),
        ("password_hash", "ticket reset-password"),
        ("must_change_password", "ticket reset-password"),
        ("locked_at", "ticket unlock"),
        ("unlocked_at", "ticket unlock"),
    ]
    assert {who for _, _, who in entries} == {"system"}


def test_reset_password_prints_the_temporary_password_once(url):
    _add(url)
    result = _run("user", "reset-password", "ines", "--reason", "forgotten", *url)
    assert result.exit_code == 0
    assert result.output.count("temporary password for ines (shown once):") == 1


def test_list_shows_state_and_errors_name_the_field(url):
    _add(url)
    _run("user", "deactivate", "ines", "--reason", "left", *url)
    listed = json.loads(_run("user", "list", "--json", *url).output)
    assert [(a["username"], a["active"], a["locked"], a["second_factor"]) for a in listed] == [
        ("ines", False, False, "off")
    ]
    assert "deactivated" in _run("user", "list", *url).output
    assert (
        "username: is already deactivated" in _run("user", "deactivate", "ines", "--reason", "x", *url).output
    )
    missing = _run("user", "unlock", "nobody", "--reason", "x", *url)
    assert missing.exit_code == 2 and "no username 'nobody' visible to you" in missing.output
    assert _run("user", "deactivate", "ines", *url).exit_code == 2  # --reason is required
