"""Virtual screening judged by the protocol's own criteria."""

from __future__ import annotations

import numpy as np

from oncotrial.protocol import Protocol, evaluate_eligibility
from oncotrial.simulate._screening import screen_failure_values, typical_values

KNOWN = {"age_years": 52, "ecog": 1, "measurable_lesions": 2, "liver_metastases": False}


def test_typical_values_are_eligible_and_cover_every_field(protocol: Protocol):
    rng = np.random.default_rng(0)
    names = {f.name for f in protocol.eligibility.fields}
    for _ in range(50):
        values = typical_values(protocol, rng, KNOWN)
        assert set(values) == names
        assert evaluate_eligibility(protocol, values).eligible


def test_screen_failures_fail_on_real_criteria_with_a_small_change(protocol: Protocol):
    rng = np.random.default_rng(1)
    ids = {c.id for c in protocol.eligibility.inclusion + protocol.eligibility.exclusion}
    seen = set()
    for _ in range(120):
        values = typical_values(protocol, rng, KNOWN)
        failed, result = screen_failure_values(protocol, rng, values)
        assert not result.eligible
        changed = [k for k in values if values[k] != failed[k]]
        assert len(changed) == 1
        seen |= {r.criterion.id for r in result.failing}
    assert seen <= ids
    assert len(seen) >= 8  # failures spread over the protocol's criteria


def test_age_failure_is_a_minor_not_a_newborn(protocol: Protocol):
    rng = np.random.default_rng(2)
    for _ in range(200):
        failed, result = screen_failure_values(protocol, rng, typical_values(protocol, rng, KNOWN))
        if [r.criterion.id for r in result.failing] == ["IN01"]:
            assert 10 <= failed["age_years"] < 18
