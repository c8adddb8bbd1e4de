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

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    protocol_path: Path | None = Field(
        default=None, description="protocol file used by `oncotrial db init`; None = the bundled trial"
    )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
