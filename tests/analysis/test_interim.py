"""Simon two-stage status and predictive-probability monitoring."""

from __future__ import annotations

import pytest
from scipy import stats

from oncotrial.analysis import compute_interim, compute_simon_status, outcomes_from_adam, simon_design_of

# The seed protocol's design (p0 0.20, p1 0.40, alpha 0.05, beta 0.20, optimal) is
# r1/n1 = 3/13, r/n = 12/43: Simon (1989), Controlled Clinical Trials 10:1-10, Table 1.
N1, R1, N, R = 13, 3, 43, 12


def test_design_is_read_from_the_protocol(protocol):
    d = simon_design_of(protocol)
    assert (d.r1, d.n1, d.r, d.n) == (R1, N1, R, N)


def test_stage1_stops_for_futility_at_r1_responders(protocol):
    outcomes = [True] * R1 + [False] * (N1 - R1)
    s = compute_simon_status(outcomes, protocol=protocol)
    assert (s.stage1_responders, s.stage1_evaluated) == (R1, N1)
    assert s.stage1_decision == "stop for futility"
    assert s.stage1_reason == f"{R1} responses in {N1} patients <= r1 = {R1}"
    assert s.final_decision == "not promising"


def test_stage1_continues_as_soon_as_r1_is_exceeded(protocol):
    s = compute_simon_status([True] * (R1 + 1), protocol=protocol)
    assert s.stage1_decision == "continue to stage 2"
    assert s.final_decision == "continue stage 2"


def test_stage1_pending_while_outstanding_outcomes_could_change_it(protocol):
    outcomes = [True, True] + [False] * 8 + [None] * 3
    s = compute_simon_status(outcomes, protocol=protocol)
    assert (s.stage1_decision, s.stage1_evaluated, s.stage1_responders) == ("continue stage 1", 10, 2)
    assert s.final_decision == "not reached"


def test_stage1_futility_is_called_early_when_it_can_no_longer_change(protocol):
    outcomes = [False] * (N1 - R1)  # even if all R1 remaining patients respond, x1 = r1
    assert compute_simon_status(outcomes, protocol=protocol).stage1_decision == "stop for futility"


def test_final_rejects_h0_above_r_responders(protocol):
    outcomes = [True] * (R + 1) + [False] * (N - R - 1)
    s = compute_simon_status(outcomes, protocol=protocol)
    assert s.final_decision == "promising"


def test_patients_beyond_n_do_not_count_in_the_decision(protocol):
    outcomes = [True] * 4 + [False] * (N - 4) + [True] * 20
    s = compute_simon_status(outcomes, protocol=protocol)
    assert (s.responders, s.evaluated, s.final_decision) == (4, N, "not promising")


def _reference_pp(x: int, n: int, n_max: int, p0: float, theta_t: float, a: float, b: float) -> float:
    """Lee & Liu (2008) predictive probability written out with scipy's beta-binomial."""
    m = n_max - n
    total = 0.0
    for y in range(m + 1):
        posterior_above = stats.beta.sf(p0, a + x + y, b + n_max - x - y)
        if posterior_above > theta_t:
            total += stats.betabinom.pmf(y, m, a + x, b + n - x)
    return total


def test_interim_predictive_probability_matches_a_direct_computation(protocol):
    outcomes = [True] * 5 + [False] * 15 + [None] * 4
    status = compute_interim(outcomes, protocol=protocol)
    m = protocol.monitoring
    expected = _reference_pp(5, 20, N, protocol.design.p0, m.theta_t, m.prior_a, m.prior_b)
    assert status.predictive_probability == pytest.approx(expected, abs=1e-10)
    assert (status.n_patients, status.n_evaluated, status.n_responders) == (24, 20, 5)
    assert status.orr.estimate == 0.25
    assert status.monitoring_decision == ("continue" if expected >= m.theta_l else "stop for futility")


def test_interim_before_the_first_look_gives_no_predictive_probability(protocol):
    status = compute_interim([True, False], protocol=protocol)
    assert status.predictive_probability is None
    assert (
        status.monitoring_decision
        == f"before the first look (2 of {protocol.monitoring.first_look} evaluated)"
    )


def test_interim_stops_for_futility_with_no_responders(protocol):
    status = compute_interim([False] * 25, protocol=protocol)
    assert status.predictive_probability < protocol.monitoring.theta_l
    assert status.monitoring_decision == "stop for futility"


def test_outcomes_from_adam_follow_enrolment_order_and_pending_on_treatment(adam, protocol):
    # FAS in ENRLDT order: S01 CR (ongoing), S02 PR, S03 SD, S04 PD, S05 NE, S06 none
    assert outcomes_from_adam(adam, protocol=protocol) == [True, True, False, False, False, False]
    adam.adsl.loc[adam.adsl["USUBJID"] == "S03", "EOTSTT"] = "ONGOING"
    assert outcomes_from_adam(adam, protocol=protocol)[2] is None
