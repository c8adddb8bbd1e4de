"""``oncotrial db init``, ``site add``, ``user add`` and ``audit verify`` on a SQLite file."""

from __future__ import annotations

import sqlite3

from typer.testing import CliRunner

from oncotrial.cli import app

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, list(args))


def test_init_add_and_verify_then_detect_tampering(tmp_path):
    db = tmp_path / "edc.db"
    url = ["--database-url", f"sqlite:///{db}"]
    result = _run("db", "init", *url)
    assert result.exit_code == 0, result.output
    assert "trial PD1NABP-CC2" in result.output
    assert _run("db", "init", *url).exit_code == 0  # idempotent
    assert _run("site", "add", "101", "Site A", "--country", "CHN", *url).exit_code == 0
    added = _run(
        "user", "add", "ines", "--role", "investigator", "--site", "101", "--password", "longpassword", *url
    )
    assert added.exit_code == 0, added.output
    verified = _run("audit", "verify", *url)
    assert verified.exit_code == 0, verified.output
    assert "3 audit entries, chain intact" in verified.output

    with sqlite3.connect(db) as conn:  # someone with file access drops the guard and edits history
        conn.execute("DROP TRIGGER audit_entry_no_update")
        conn.execute("UPDATE audit_entry SET username = 'someone' WHERE seq = 2")
    broken = _run("audit", "verify", *url)
    assert broken.exit_code == 1
    assert "entry 2: altered" in broken.output


def test_duplicate_site_is_an_error_naming_the_field(tmp_path):
    url = ["--database-url", f"sqlite:///{tmp_path / 'edc.db'}"]
    _run("db", "init", *url)
    _run("site", "add", "101", "Site A", *url)
    result = _run("site", "add", "101", "Again", *url)
    assert result.exit_code == 2
    assert "code: site 101 already exists" in result.output


def test_user_with_unknown_role_is_refused(tmp_path):
    url = ["--database-url", f"sqlite:///{tmp_path / 'edc.db'}"]
    _run("db", "init", *url)
    result = _run("user", "add", "x", "--role", "admin", "--password", "longpassword", *url)
    assert result.exit_code == 2
    assert "role: expected one of" in result.output
