"""tests/conftest.py's ``require_r``: the gate of every test that runs R.

Most cases run a stand-in ``Rscript`` (a shell script written here that answers as the
probe's R code would), so they do not depend on what R this machine has; one case asks
the real R for a package that does not exist.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import MISSING_MARK, require_r

REQUIRE = "ONCOTRIAL_REQUIRE_SYSTEM_PARTS"


def fake_rscript(folder: Path, body: str) -> str:
    """An executable ``Rscript`` in ``folder`` that runs the shell ``body`` whatever its arguments."""
    path = folder / "Rscript"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def optional(monkeypatch: pytest.MonkeyPatch) -> None:
    """Missing system parts skip (a developer's machine)."""
    monkeypatch.delenv(REQUIRE, raising=False)


@pytest.fixture
def required(monkeypatch: pytest.MonkeyPatch) -> None:
    """Missing system parts fail (CI)."""
    monkeypatch.setenv(REQUIRE, "1")


def test_no_rscript_on_path_skips_naming_r(optional, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(pytest.skip.Exception) as info:
        require_r("foreign")
    assert str(info.value) == "R (Rscript on PATH; Debian package r-base-core) not available"


def test_no_rscript_on_path_fails_when_system_parts_are_required(required, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    expected = (
        "R (Rscript on PATH; Debian package r-base-core) is required (ONCOTRIAL_REQUIRE_SYSTEM_PARTS=1) "
        "but missing"
    )
    with pytest.raises(pytest.fail.Exception, match=f"^{re.escape(expected)}$"):
        require_r("foreign")


def test_missing_package_skips_naming_the_package_and_its_debian_package(optional, tmp_path):
    rscript = fake_rscript(tmp_path, f"echo '{MISSING_MARK}foreign'")
    with pytest.raises(pytest.skip.Exception) as info:
        require_r("foreign", rscript=rscript)
    assert str(info.value) == "R with package 'foreign' (Debian package r-cran-foreign) not available"


def test_missing_package_fails_with_the_same_words_when_system_parts_are_required(required, tmp_path):
    rscript = fake_rscript(tmp_path, f"echo '{MISSING_MARK}foreign'; echo '{MISSING_MARK}survival'")
    expected = (
        "R with packages 'foreign', 'survival' (Debian packages r-cran-foreign, r-cran-survival) is required "
        "(ONCOTRIAL_REQUIRE_SYSTEM_PARTS=1) but missing"
    )
    with pytest.raises(pytest.fail.Exception, match=f"^{re.escape(expected)}$"):
        require_r("foreign", "survival", rscript=rscript)


def test_r_that_fails_to_start_is_reported_with_its_last_error_line(optional, tmp_path):
    rscript = fake_rscript(tmp_path, "echo 'Fatal error: cannot open file' >&2; exit 2")
    with pytest.raises(pytest.skip.Exception) as info:
        require_r("foreign", rscript=rscript)
    assert str(info.value) == (
        f"R ({rscript} --vanilla -e exited with status 2: Fatal error: cannot open file) not available"
    )


def test_r_with_every_package_returns_its_path_and_ignores_other_output(required, tmp_path):
    rscript = fake_rscript(tmp_path, "echo 'Loading required namespace: foreign'")
    assert require_r("foreign", rscript=rscript) == rscript


def test_a_name_that_is_no_r_package_name_is_a_mistake_in_the_test():
    with pytest.raises(ValueError, match=r"^packages: 'foreign\); q\(\)' is not an R package name$"):
        require_r("foreign); q()")


def test_the_real_r_names_a_package_it_does_not_have(optional):
    require_r()  # R itself: without it this test skips (fails in CI), as every R test does
    with pytest.raises(pytest.skip.Exception) as info:
        require_r("oncotrialNoSuchPackage")
    assert str(info.value) == (
        "R with package 'oncotrialNoSuchPackage' (Debian package r-cran-oncotrialnosuchpackage) not available"
    )
