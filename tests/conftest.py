"""Suite-wide fixtures: the bundled protocol, and gates for the real system parts.

Tests that need Chromium or PostgreSQL use the ``chromium_path`` / ``postgres_url``
fixtures; tests that run R call :func:`require_r` with the R packages they load. Where
the part is missing they skip, except when ``ONCOTRIAL_REQUIRE_SYSTEM_PARTS=1`` (CI),
where a missing part fails the test. ``scripts/system-parts.sh`` installs them.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
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


R_PACKAGE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9.]*[A-Za-z0-9]$")
MISSING_MARK = "oncotrial-r-missing: "  # the probe's lines; anything else R prints is ignored


@functools.cache
def _r_missing(rscript: str, packages: tuple[str, ...]) -> str | None:
    """What of R is missing (a sentence for the skip or failure), or None when R loads every package."""
    code = (
        f"p <- c({', '.join(repr(name) for name in packages)}); "
        "m <- p[!vapply(p, requireNamespace, logical(1), quietly = TRUE)]; "
        f"if (length(m)) cat(paste0('{MISSING_MARK}', m), sep = '\\n')"
    )
    try:
        proc = subprocess.run(
            [rscript, "--vanilla", "-e", code], capture_output=True, text=True, timeout=120, check=False
        )
    except OSError as exc:
        return f"R ({rscript} does not run: {exc})"
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        return f"R ({rscript} --vanilla -e exited with status {proc.returncode}: {last})"
    absent = [
        line.removeprefix(MISSING_MARK).strip()
        for line in proc.stdout.splitlines()
        if line.startswith(MISSING_MARK)
    ]
    if not absent:
        return None
    names = ", ".join(f"'{name}'" for name in absent)
    debs = ", ".join(f"r-cran-{name.lower()}" for name in absent)
    plural = "s" if len(absent) > 1 else ""
    return f"R with package{plural} {names} (Debian package{plural} {debs})"


def require_r(*packages: str, rscript: str | None = None) -> str:
    """The path of ``Rscript`` when R runs and loads each of ``packages``; otherwise skip
    the test, or fail it under ``ONCOTRIAL_REQUIRE_SYSTEM_PARTS=1``, naming what is missing.

    ``rscript`` defaults to ``Rscript`` on PATH. The probe (``requireNamespace`` of each
    package, one R start) runs once per session for each set of packages.
    """
    for name in packages:
        if not R_PACKAGE_NAME.match(name):
            raise ValueError(f"packages: {name!r} is not an R package name")
    rscript = rscript or shutil.which("Rscript")
    if rscript is None:
        _missing("R (Rscript on PATH; Debian package r-base-core)")
    missing = _r_missing(rscript, tuple(packages))
    if missing is not None:
        _missing(missing)
    return rscript


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


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    """The process-wide settings are read from the environment once and cached; a test that
    runs a command with its own environment must not leave its settings to the next test."""
    from oncotrial.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
