"""Application settings: the one place that reads the environment.

Every setting can be given as an environment variable prefixed ``ONCOTRIAL_``
(``ONCOTRIAL_DATABASE_URL``, ``ONCOTRIAL_SECRET_KEY``, ...) or in a ``.env`` file in
the working directory. Code elsewhere receives a :class:`Settings` object; it never
reads ``os.environ`` itself.

>>> s = Settings(database_url="sqlite://", secret_key="k" * 32)
>>> s.is_sqlite, s.session_lifetime_s
(True, 28800)
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["DEFAULT_WORKSPACE", "Settings", "get_settings"]

#: Where the embedded SQLite database lives unless a database URL is given.
DEFAULT_WORKSPACE = Path("oncotrial-workspace")


def _default_database_url() -> str:
    return f"sqlite:///{DEFAULT_WORKSPACE / 'oncotrial.db'}"


class Settings(BaseSettings):
    """Database, secrets, session lifetime and the protocol file of this installation."""

    # extra="ignore": a .env file is shared with other tools, whose keys must not stop oncotrial;
    # ONCOTRIAL_TEST_* and the like are read by the test suite, not here.
    model_config = SettingsConfigDict(env_prefix="ONCOTRIAL_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default_factory=_default_database_url,
        description="SQLAlchemy URL: sqlite:///path.db (embedded default) or "
        "postgresql+psycopg://user:password@host:5432/dbname",
    )
    secret_key: str = Field(
        default_factory=lambda: secrets.token_urlsafe(32),
        min_length=16,
        description="signs browser sessions; set it for any server that restarts or runs several workers",
    )
    session_lifetime_s: int = Field(default=8 * 3600, ge=60, description="idle lifetime of a web session")
    api_token_lifetime_s: int = Field(default=30 * 24 * 3600, ge=60, description="lifetime of API tokens")
    # --- accounts and sign-in (docs/security.md says why these defaults) ---
    session_max_lifetime_s: int = Field(
        default=12 * 3600, ge=60, description="absolute lifetime of a web session, however active"
    )
    login_max_failures_per_account: int = Field(
        default=5, ge=1, description="failed sign-ins of one user name within the window that lock it"
    )
    login_max_failures_per_address: int = Field(
        default=50,
        ge=1,
        description="failed sign-ins from one client address within the window that "
        "refuse it until older ones leave the window",
    )
    login_failure_window_s: int = Field(
        default=15 * 60, ge=60, description="the window in which failed sign-ins are counted"
    )
    totp_required_roles: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="roles that must sign in with a one-time code (TOTP): comma-separated, "
        "e.g. sponsor_admin,investigator",
    )
    protocol_path: Path | None = Field(
        default=None, description="protocol file used by `oncotrial db init`; None = the bundled trial"
    )
    audit_key: str | None = Field(
        default=None,
        repr=False,
        description="the audit key (64 hex digits) that keys every audit entry; keep it off the database host",
    )
    audit_key_file: Path | None = Field(
        default=None,
        description="a file holding the audit key (made by `oncotrial db init`); default for SQLite: "
        "audit.key beside the database file",
    )
    anchor_file: Path | None = Field(
        default=None,
        description="where the server records the audit chain's head (every anchor_interval_s and on lock)",
    )
    anchor_interval_s: int = Field(default=3600, ge=60, description="how often the server records an anchor")

    @field_validator("totp_required_roles", mode="before")
    @classmethod
    def _roles(cls, value: Any) -> Any:
        """Comma-separated text or a list; every name must be a role.

        >>> Settings(secret_key="k" * 32, totp_required_roles="sponsor_admin, investigator").totp_required_roles
        ['sponsor_admin', 'investigator']
        """
        from oncotrial.edc.store.models import Role  # the one list of roles

        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        known = [r.value for r in Role]
        for name in value:
            if name not in known:
                raise ValueError(f"{name!r} is not a role; expected some of {known}")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def resolved_audit_key(self):  # -> oncotrial.edc.store.audit.AuditKey | None
        """The audit key by its order of precedence (oncotrial.edc.store.keys), or ``None``."""
        from oncotrial.edc.store.keys import resolve_audit_key  # settings import nothing else of the EDC

        return resolve_audit_key(self.audit_key, self.audit_key_file, self.database_url)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
