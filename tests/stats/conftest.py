"""Fixtures for the statistics tests: the committed R reference values.

The values in ``tests/reference/*.json`` were written by the R scripts beside
them (each file records the R version that made it); the tests need no R.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "reference"


def _load(name: str) -> dict[str, Any]:
    return json.loads((REFERENCE_DIR / f"{name}.json").read_text())


@pytest.fixture(scope="session")
def binomial_reference() -> dict[str, Any]:
    """R's binom.test / prop.test values (tests/reference/binomial.R)."""
    return _load("binomial")


@pytest.fixture(scope="session")
def survival_reference() -> dict[str, Any]:
    """R's survfit / survdiff / coxph values (tests/reference/survival.R)."""
    return _load("survival")
