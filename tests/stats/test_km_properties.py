"""Kaplan-Meier on random data against a plain Python product-limit loop (hypothesis).

The loop is the textbook definition, written for clarity, not speed; it checks the
vectorised kernel on both tabulation paths (whole and fractional times), with ties,
censoring before events, and curves that reach zero.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from oncotrial.stats import kaplan_meier


def _product_limit(time, event):
    """Distinct times, numbers at risk, events and survival by the definition."""
    rows = []
    surv = 1.0
    greenwood = 0.0
    for t in sorted(set(time)):
        at_risk = sum(1 for u in time if u >= t)
        deaths = sum(1 for u, e in zip(time, event, strict=True) if u == t and e)
        surv *= 1 - deaths / at_risk
        if deaths:
            greenwood = math.inf if deaths == at_risk else greenwood + deaths / (at_risk * (at_risk - deaths))
        rows.append((t, at_risk, deaths, surv, greenwood))
    return rows


subjects = st.lists(st.tuples(st.integers(min_value=0, max_value=40), st.booleans()), min_size=1, max_size=60)


@settings(max_examples=80, deadline=None)
@given(subjects, st.sampled_from([0.0, 0.25]))
def test_matches_the_product_limit_definition(data, shift):
    time = [t + shift for t, _ in data]
    event = [e for _, e in data]
    km = kaplan_meier(time, event)
    expected = _product_limit(time, event)
    assert km.time.tolist() == [r[0] for r in expected]
    assert km.n_risk.tolist() == [r[1] for r in expected]
    assert km.n_event.tolist() == [r[2] for r in expected]
    assert np.allclose(km.survival, [r[3] for r in expected], rtol=1e-12, atol=0)
    se_log = np.sqrt([r[4] for r in expected])
    finite = np.isfinite(se_log)
    assert np.allclose(km._se_log[finite], se_log[finite], rtol=1e-12, atol=0)
    censored = [sum(1 for u, e in zip(time, event, strict=True) if u == r[0] and not e) for r in expected]
    assert km.n_censor.tolist() == censored


@settings(max_examples=80, deadline=None)
@given(subjects)
def test_median_lies_inside_its_interval_when_all_three_exist(data):
    km = kaplan_meier([t for t, _ in data], [e for _, e in data])
    est, lo, hi = km.median()
    if est is not None and lo is not None:
        assert lo <= est
    if est is not None and hi is not None:
        assert est <= hi
