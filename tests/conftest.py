"""Suite-wide fixtures: the bundled protocol, and gates for the real system parts.

Tests that need Chromium or PostgreSQL use the ``chromium_path`` / ``postgres_url``
fixtures. Where the part is missing they skip, except when
``ONCOTRIAL_REQUIRE_SYSTEM_PARTS=1`` (CI), where a missing part fails the test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from oncotrial.protocol import Protocol, load_protocol

CHROMIUM = Path("/usr/bin/chromium")
TESTS_DIR = Path(__file__).parent
OUTPUT_DIR = TESTS_DIR.parent / "test-output"


def _missing(what: str) -> None:
    if os.environ.get("ONCOTRIAL_REQUIRE_SYSTEM_PARTS") == "1":
        pytest.fail(f"{what} is required (ONCOTRIAL_REQUIRE_SYSTEM_PARTS=1) but missing")
    pytest.skip(f"{what} not available")


@pytest.fixture(scope="session")
def protocol() -> Protocol:
    """The bundled seed trial's protocol."""
    return load_protocol()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not CHROMIUM.exists():
        _missing("Chromium at /usr/bin/chromium")
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get("ONCOTRIAL_TEST_DATABASE_URL")
    if not url:
        _missing("PostgreSQL (ONCOTRIAL_TEST_DATABASE_URL)")
    return url


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """Where tests save artefacts a person may want to look at (screenshots, reports)."""
    OUTPUT_DIR.mkdir(exist_ok=True)
    return OUTPUT_DIR
