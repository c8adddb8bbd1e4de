"""Fixtures of the simulator's tests: one small generated cohort shared by the module tests."""

from __future__ import annotations

import pytest

from oncotrial.protocol import Protocol
from oncotrial.simulate import Scenario, SimulatedTrial, simulate_cohort


@pytest.fixture(scope="session")
def cohort(protocol: Protocol) -> SimulatedTrial:
    """60 patients of the default scenario, seed 7."""
    return simulate_cohort(protocol, Scenario(n_subjects=60), seed=7)
