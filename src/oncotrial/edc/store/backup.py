"""Backup and restore of the EDC database with each backend's own tools.

SQLite: the online backup API (a consistent copy while the server runs); PostgreSQL:
``pg_dump --format=custom`` and ``pg_restore`` into a new, empty database. The audit key is
not in the database and so not in the backup: keep it, and the anchor file, with the
backups (docs/security.md has point-in-time recovery with PostgreSQL's WAL archiving).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from oncotrial.errors import OncotrialError

__all__ = ["backup_database", "restore_database"]


def _libpq_url(url: URL) -> str:
    """The URL as libpq's tools take it (``postgresql://``, no SQLAlchemy driver name)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise OncotrialError(("tool",), name, "not found on PATH: install PostgreSQL's client tools")
    return found


def _sqlite_file(url: URL, what: str) -> Path:
    if not url.database or url.database == ":memory:":
        raise OncotrialError(
            ("database_url",), what, "an in-memory SQLite database cannot be backed up or restored"
        )
    return Path(url.database)


def backup_database(database_url: str, out: Path) -> Path:
    """Write a backup of the database at ``database_url`` to ``out`` (refuses to overwrite)."""
    out = Path(out)
    if out.exists():
        raise OncotrialError(("out",), str(out), "exists already: a backup never overwrites a file")
    url = make_url(database_url)
    out.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(f"file:{_sqlite_file(url, database_url)}?mode=ro", uri=True)
        target = sqlite3.connect(out)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return out
    run = subprocess.run(
        [
            _tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(out),
            _libpq_url(url),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        out.unlink(missing_ok=True)
        raise OncotrialError(
            ("database_url",),
            url.render_as_string(hide_password=True),
            f"pg_dump failed: {run.stderr.strip()}",
        )
    return out


def restore_database(backup: Path, database_url: str) -> None:
    """Restore ``backup`` into the (new, empty) database at ``database_url``."""
    backup = Path(backup)
    if not backup.is_file():
        raise OncotrialError(("backup",), str(backup), "no such backup file")
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        target = _sqlite_file(url, database_url)
        if target.exists() and target.stat().st_size > 0:
            raise OncotrialError(
                ("database_url",), str(target), "exists already: restore into a new database"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
            source.close()
        return
    run = subprocess.run(
        [
            _tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--dbname",
            _libpq_url(url),
            str(backup),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        raise OncotrialError(
            ("database_url",),
            url.render_as_string(hide_password=True),
            f"pg_restore failed: {run.stderr.strip()}",
        )
