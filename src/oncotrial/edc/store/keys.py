"""The audit key: where it comes from (settings, a key file), and making one.

The key is the installation's secret that keys every audit entry (HMAC-SHA256): it must be
kept where the database cannot be read from, or anyone who can write to the database could
also forge the trail. Order of precedence: ``ONCOTRIAL_AUDIT_KEY`` (64 hex digits), then
``ONCOTRIAL_AUDIT_KEY_FILE``, then, for an embedded SQLite database only, ``audit.key``
beside the database file (the demo's default: convenient, and no protection against
someone who can read that folder; docs/security.md). ``oncotrial db init`` makes the file.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

from oncotrial.edc.store.audit import AuditKey
from oncotrial.errors import OncotrialError

__all__ = ["create_key_file", "default_key_file", "read_key", "resolve_audit_key"]


def read_key(path: Path) -> AuditKey:
    """The audit key in a key file (64 hex digits, as :func:`create_key_file` writes it)."""
    try:
        text = Path(path).read_text(encoding="ascii").strip()
        return AuditKey(bytes.fromhex(text))
    except (ValueError, UnicodeDecodeError):
        raise OncotrialError(
            ("audit_key_file",), str(path), "not an audit key file (64 hex digits)"
        ) from None


def create_key_file(path: Path) -> AuditKey:
    """Make a new random audit key file (mode 0600); an existing one is read, never replaced."""
    path = Path(path)
    if path.exists():
        return read_key(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    return read_key(path)


def default_key_file(database_url: str) -> Path | None:
    """``audit.key`` beside an SQLite database file; ``None`` for any other database.

    >>> default_key_file("sqlite:///work/trial.db").name, default_key_file("postgresql://h/db")
    ('audit.key', None)
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).parent / "audit.key"


def resolve_audit_key(
    audit_key: str | None, audit_key_file: Path | None, database_url: str
) -> AuditKey | None:
    """The installation's audit key by the order of precedence above; ``None`` when none is set up."""
    if audit_key:
        try:
            return AuditKey(bytes.fromhex(audit_key.strip()))
        except ValueError:
            raise OncotrialError(("audit_key",), "***", "expected 64 hex digits (32 bytes)") from None
    if audit_key_file:
        return read_key(audit_key_file)
    default = default_key_file(database_url)
    return read_key(default) if default is not None and default.exists() else None
