"""`oncotrial db backup` and `oncotrial db restore`: a restored database holds the same data, and
its audit trail and anchors verify (SQLite's online backup; pg_dump / pg_restore on PostgreSQL)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from oncotrial.cli import app
from oncotrial.edc import make_engine
from oncotrial.settings import get_settings

runner = CliRunner()


def _run(*args: str, key_file: Path) -> object:
    get_settings.cache_clear()  # the CLI reads its settings (the key file) from this env
    result = runner.invoke(app, list(args), env={"ONCOTRIAL_AUDIT_KEY_FILE": str(key_file), "COLUMNS": "250"})
    return result


def _trial(url: str, key_file: Path, anchors: Path) -> None:
    for args in (
        ("db", "init", "--database-url", url, "--audit-key-file", str(key_file)),
        ("site", "add", "101", "Site A", "--database-url", url),
        ("site", "add", "102", "Site B", "--database-url", url),
        ("audit", "anchor", "--file", str(anchors), "--database-url", url),
    ):
        result = _run(*args, key_file=key_file)
        assert result.exit_code == 0, result.output


def _sites(url: str) -> list[tuple]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT code, name FROM site ORDER BY code")).all()
    engine.dispose()
    return [tuple(r) for r in rows]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def two_databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The URLs of a database to back up and of a new, empty one to restore into."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'edc.db'}", f"sqlite:///{tmp_path / 'restored' / 'edc.db'}"
        return
    base = make_url(request.getfixturevalue("postgres_url"))
    names = [f"oncotrial_backup_{secrets.token_hex(4)}" for _ in range(2)]
    admin = make_engine(base.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield tuple(base.set(database=n).render_as_string(hide_password=False) for n in names)  # type: ignore[misc]
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_a_restored_backup_holds_the_data_and_verifies(two_databases, tmp_path: Path):
    source, target = two_databases
    key_file, anchors, backup = tmp_path / "audit.key", tmp_path / "anchors.jsonl", tmp_path / "edc.backup"
    _trial(source, key_file, anchors)
    written = _run("db", "backup", "--out", str(backup), "--database-url", source, key_file=key_file)
    assert written.exit_code == 0, written.output
    assert (
        _run("db", "backup", "--out", str(backup), "--database-url", source, key_file=key_file).exit_code == 2
    )
    restored = _run(
        "db",
        "restore",
        str(backup),
        "--database-url",
        target,
        "--anchor-file",
        str(anchors),
        key_file=key_file,
    )
    assert restored.exit_code == 0, restored.output
    assert "every audited table matches it" in " ".join(restored.output.split())
    assert _sites(target) == _sites(source) == [("101", "Site A"), ("102", "Site B")]
    again = _run("db", "restore", str(backup), "--database-url", target, key_file=key_file)
    said = " ".join(again.output.split())
    assert again.exit_code == 2  # never over existing data
    assert "restore into a new database" in said or "pg_restore failed" in said


def test_a_backup_restored_under_another_key_does_not_verify(two_databases, tmp_path: Path):
    """The key is not in the backup: restoring without it leaves the trail unverifiable, not trusted."""
    source, target = two_databases
    key_file, anchors, backup = tmp_path / "audit.key", tmp_path / "anchors.jsonl", tmp_path / "edc.backup"
    _trial(source, key_file, anchors)
    assert (
        _run("db", "backup", "--out", str(backup), "--database-url", source, key_file=key_file).exit_code == 0
    )
    other = tmp_path / "other.key"
    other.write_text(secrets.token_hex(32) + "\n")
    restored = _run("db", "restore", str(backup), "--database-url", target, key_file=other)
    assert restored.exit_code == 1
    assert "their content cannot be checked" in " ".join(restored.output.split())
