"""Operating characteristics: simulated agree with exact within Monte Carlo error."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from oncotrial.errors import OncotrialError
from oncotrial.protocol import Protocol
from oncotrial.simulate._oc import (
    SimonRule,
    exact_operating_characteristics,
    rate_grid,
    simulate_operating_characteristics,
)
from oncotrial.stats import simon_design_from_spec

# Simon (1989), Controlled Clinical Trials 10:1-10, table 1, p0 = 0.20, p1 = 0.40,
# alpha = 0.05, beta = 0.20, optimal design: r1/n1 = 3/13, r/n = 12/43, EN0 = 20.6, PET0 = 0.75.
SIMON = SimonRule(3, 13, 12, 43)


def test_protocol_design_is_simons_published_optimal_design(protocol: Protocol):
    assert SimonRule.of(simon_design_from_spec(protocol.design)) == SIMON


def test_exact_values_match_simons_table():
    oc = exact_operating_characteristics(SIMON, 0.2, conf_level=0.95)
    assert round(oc.expected_n, 1) == 20.6
    assert round(oc.early_stop, 2) == 0.75
    assert oc.promising <= 0.05
    assert exact_operating_characteristics(SIMON, 0.4, conf_level=0.95).promising >= 0.80


def test_exact_bias_and_coverage_by_brute_force_enumeration():
    # independent check: enumerate every (x1, x2) pair of the two stages
    p, rule = 0.3, SIMON
    bias = cover = 0.0
    for x1 in range(rule.n1 + 1):
        p1 = sps.binom.pmf(x1, rule.n1, p)
        if x1 <= rule.r1:
            pairs = [(x1, rule.n1, p1)]
        else:
            pairs = [(x1 + x2, rule.n, p1 * sps.binom.pmf(x2, rule.n2, p)) for x2 in range(rule.n2 + 1)]
        for x, n, w in pairs:
            bias += w * (x / n - p)
            lo = sps.beta.ppf(0.025, x, n - x + 1) if x > 0 else 0.0
            hi = sps.beta.ppf(0.975, x + 1, n - x) if x < n else 1.0
            cover += w * (lo <= p <= hi)
    oc = exact_operating_characteristics(rule, p, conf_level=0.95)
    assert oc.bias == pytest.approx(bias, abs=1e-12)
    assert oc.coverage == pytest.approx(cover, abs=1e-12)


@pytest.mark.parametrize("p", rate_grid(0.2, 0.4))
def test_simulated_agree_with_exact_within_four_monte_carlo_se(p: float):
    # 4 SE: with 5 quantities x 9 rates the chance of a false alarm is below 0.3%
    rng = np.random.default_rng(int(p * 1000))
    sim = simulate_operating_characteristics(SIMON, p, n_trials=100_000, rng=rng, conf_level=0.95)
    exact = exact_operating_characteristics(SIMON, p, conf_level=0.95)
    for name in ("promising", "early_stop", "expected_n", "bias", "coverage"):
        se = max(getattr(sim, f"{name}_se"), 1e-6)  # rare events at p = 0.1 can have SE ~ 0
        assert abs(getattr(sim, name) - getattr(exact, name)) <= 4 * se, name


def test_simulation_would_notice_a_wrong_design():
    # the same check must fail when the simulated rule differs from the exact one
    rng = np.random.default_rng(5)
    sim = simulate_operating_characteristics(
        SimonRule(3, 13, 11, 43), 0.3, n_trials=100_000, rng=rng, conf_level=0.95
    )
    exact = exact_operating_characteristics(SIMON, 0.3, conf_level=0.95)
    assert abs(sim.promising - exact.promising) > 4 * sim.promising_se


def test_patient_matrix_gives_the_same_counts_as_the_stages():
    responses = np.zeros((2, 43), bool)
    responses[0, :3] = True  # 3 of the first 13: stop early
    responses[1, :13] = True  # 13 of 43: promising
    sim = simulate_operating_characteristics(
        SIMON, 0.3, n_trials=2, rng=np.random.default_rng(0), conf_level=0.95, responses=responses
    )
    assert sim.early_stop == 0.5 and sim.promising == 0.5 and sim.expected_n == (13 + 43) / 2


def test_bad_inputs_name_the_field():
    with pytest.raises(
        OncotrialError, match=r"design: expected 0 <= r1 < n1 < n and r1 <= r < n \(got \(5, 4, 12, 43\)\)"
    ):
        SimonRule(5, 4, 12, 43)
    with pytest.raises(OncotrialError, match=r"n_trials: must be at least 1 \(got 0\)"):
        simulate_operating_characteristics(
            SIMON, 0.2, n_trials=0, rng=np.random.default_rng(0), conf_level=0.95
        )
    with pytest.raises(OncotrialError, match=r"responses: expected shape \(3, 43\)"):
        simulate_operating_characteristics(
            SIMON,
            0.2,
            n_trials=3,
            rng=np.random.default_rng(0),
            conf_level=0.95,
            responses=np.zeros((3, 40), bool),
        )
