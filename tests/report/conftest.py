"""Fixtures of the report tests: the analysis tests' hand-made ADaM package."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_path = Path(__file__).parent.parent / "analysis" / "example_adam.py"
_spec = importlib.util.spec_from_file_location("example_adam", _path)
example = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(example)


@pytest.fixture
def adam():
    """Seven patients: CR, PR, SD, PD + death, NE, no response record, never treated."""
    return example.example_adam()
