"""simon_operating_characteristics and simon_decision.

The closed forms are checked against an enumeration of every (stage 1, stage 2)
outcome; decisions against the rule written out by hand for the 3/13, 12/43 design
(Simon 1989, Table 1: p0 = 0.20, p1 = 0.40, alpha = 0.05, beta = 0.20).
"""

from __future__ import annotations

import math

import pytest
from scipy import stats

from oncotrial.errors import OncotrialError
from oncotrial.stats import simon_decision, simon_design, simon_operating_characteristics


def _brute_force(design, p):
    """Enumerate every (x1, x2) outcome: an independent check of the closed forms."""
    promising = stop = 0.0
    for x1 in range(design.n1 + 1):
        w1 = stats.binom.pmf(x1, design.n1, p)
        if x1 <= design.r1:
            stop += w1
            continue
        for x2 in range(design.n - design.n1 + 1):
            if x1 + x2 > design.r:
                promising += w1 * stats.binom.pmf(x2, design.n - design.n1, p)
    return promising, stop


@pytest.mark.parametrize("p", [0.0, 0.1, 0.2, 0.3, 0.4, 0.55, 1.0])
def test_operating_characteristics_agree_with_enumeration(p):
    d = simon_design(0.2, 0.4, 0.05, 0.2)
    oc = simon_operating_characteristics(d, p)
    promising, stop = _brute_force(d, p)
    assert math.isclose(oc.prob_promising, promising, rel_tol=1e-12, abs_tol=1e-15)
    assert math.isclose(oc.prob_early_stop, stop, rel_tol=1e-12, abs_tol=1e-15)
    assert math.isclose(oc.expected_n, d.n1 + (1 - stop) * (d.n - d.n1), rel_tol=1e-12)


def test_operating_characteristics_at_p0_and_p1_are_the_designs_alpha_and_power():
    d = simon_design(0.1, 0.3, 0.05, 0.1)
    assert math.isclose(simon_operating_characteristics(d, d.p0).prob_promising, d.alpha, rel_tol=1e-12)
    assert math.isclose(simon_operating_characteristics(d, d.p1).prob_promising, d.power, rel_tol=1e-12)
    assert math.isclose(simon_operating_characteristics(d, d.p0).expected_n, d.en0, rel_tol=1e-12)


D = simon_design(0.2, 0.4, 0.05, 0.2)  # 3/13, 12/43


@pytest.mark.parametrize(
    ("args", "analysis", "decision", "reason"),
    [
        ((3, 13), "interim", "stop for futility", "3 responses in 13 patients <= r1 = 3"),
        ((4, 13), "interim", "continue to stage 2", "4 responses in 13 patients > r1 = 3"),
        ((4, 9), "interim", "continue to stage 2", "4 responses in 9 patients > r1 = 3"),
        ((2, 9), "interim", "continue stage 1", "2 responses in 9 patients; stage 1 has 4 patients to go"),
        ((2, 11), "interim", "continue stage 1", "2 responses in 11 patients; stage 1 has 2 patients to go"),
        ((0, 11), "interim", "stop for futility", "0 responses in 11 patients: 2 more cannot exceed r1 = 3"),
        ((5, 13, 13, 43), "final", "promising", "13 responses in 43 patients > r = 12"),
        ((5, 13, 12, 43), "final", "not promising", "12 responses in 43 patients <= r = 12"),
        ((5, 13, 13, 30), "final", "promising", "13 responses in 30 patients > r = 12"),
        ((5, 13, 8, 30), "final", "continue stage 2", "8 responses in 30 patients; 13 patients to go"),
        ((4, 13, 5, 40), "final", "not promising", "5 responses in 40 patients: 3 more cannot exceed r = 12"),
    ],
)
def test_decisions_at_interim_and_final(args, analysis, decision, reason):
    got = simon_decision(D, *args)
    assert (got.analysis, got.decision, got.reason) == (analysis, decision, reason)


def test_final_after_a_futility_stop_is_refused():
    with pytest.raises(
        OncotrialError, match=r"^responses_total: stage 1 stopped for futility \(3 <= r1 = 3\)"
    ):
        simon_decision(D, 3, 13, 10, 43)


def test_stage_one_larger_than_n1_is_refused():
    with pytest.raises(
        OncotrialError, match=r"^n_stage1: must not exceed the design's n1 \(13\) \(got 14\)$"
    ):
        simon_decision(D, 3, 14)


def test_more_responses_than_patients_is_refused():
    with pytest.raises(OncotrialError, match=r"^responses_stage1: must not exceed n_stage1 \(5\) \(got 6\)$"):
        simon_decision(D, 6, 5)


def test_total_responses_below_stage_one_is_refused():
    with pytest.raises(
        OncotrialError, match=r"^responses_total: must be at least responses_stage1 \(5\) \(got 4\)$"
    ):
        simon_decision(D, 5, 13, 4, 40)


def test_total_needs_both_counts():
    with pytest.raises(OncotrialError, match=r"^n_total: responses_total and n_total must be given together"):
        simon_decision(D, 5, 13, 10)


def test_any_object_with_the_four_boundaries_is_accepted():
    class Rule:
        r1, n1, r, n = 3, 13, 12, 43

    oc = simon_operating_characteristics(Rule(), 0.2)
    assert math.isclose(oc.expected_n, D.en0, rel_tol=1e-12)
    assert simon_decision(Rule(), 3, 13).decision == "stop for futility"
