"""predictive_probability and predictive_stopping_table (Lee & Liu 2008).

Reference: the worked example of Lee JJ, Liu DD (2008), Clinical Trials 5:93-106:
n_max = 40, p0 = 0.6, Beta(0.6, 0.4) prior, theta_T = 0.90; after 16 responses in
23 patients the predictive probability is 0.5656, and the final posterior
P(p > 0.6) passes 0.90 only from 12 further responses on (0.8415 with 11, 0.9089
with 12, in the paper's table of that example). The figures are transcribed from
the paper as widely quoted (it could not be consulted where these tests were
written); the computation reproduces all three to four decimals, and an
independent numerical integration checks the predictive sum itself.
"""

from __future__ import annotations

import itertools
import math

import pytest
from scipy import integrate, stats

from oncotrial.errors import OncotrialError
from oncotrial.stats import predictive_probability, predictive_stopping_table

LEE_LIU = {"n_max": 40, "p0": 0.6, "theta_t": 0.9, "prior": (0.6, 0.4)}


def test_lee_liu_worked_example_gives_0_5656():
    pp = predictive_probability(16, 23, **LEE_LIU)
    assert round(pp, 4) == 0.5656


def test_lee_liu_table_1_posterior_threshold_is_twelve_more_responses():
    a, b = LEE_LIU["prior"]
    b_11 = stats.beta.sf(0.6, a + 16 + 11, b + 40 - 16 - 11)
    b_12 = stats.beta.sf(0.6, a + 16 + 12, b + 40 - 16 - 12)
    assert (round(b_11, 4), round(b_12, 4)) == (0.8415, 0.9089)


def _by_integration(x, n, n_max, p0, theta_t, prior):
    """Predictive probability from the beta-binomial written as an integral over p."""
    a, b = prior
    m = n_max - n
    total = 0.0
    for i in range(m + 1):
        if stats.beta.sf(p0, a + x + i, b + n_max - x - i) > theta_t:
            w, _ = integrate.quad(
                lambda p, i=i: stats.binom.pmf(i, m, p) * stats.beta.pdf(p, a + x, b + n - x),
                0,
                1,
                epsabs=1e-13,
            )
            total += w
    return total


@pytest.mark.parametrize(("x", "n"), [(2, 10), (5, 17), (16, 23), (20, 30)])
def test_agrees_with_numerical_integration(x, n):
    args = {"n_max": 40, "p0": 0.2, "theta_t": 0.9, "prior": (0.2, 0.8)}
    assert math.isclose(predictive_probability(x, n, **args), _by_integration(x, n, **args), abs_tol=1e-9)


def test_at_the_last_patient_the_probability_is_the_final_verdict():
    assert predictive_probability(28, 40, **LEE_LIU) == 1.0
    assert predictive_probability(27, 40, **LEE_LIU) == 0.0


def test_probability_never_decreases_with_more_responses():
    pps = [predictive_probability(x, 20, **LEE_LIU) for x in range(21)]
    assert all(b >= a for a, b in itertools.pairwise(pps))
    assert min(pps) >= 0.0 and max(pps) <= 1.0


def test_stopping_table_boundaries_sit_where_the_probability_crosses_theta_l():
    table = predictive_stopping_table(40, 0.6, 0.9, 0.05, prior=(0.6, 0.4), first_look=10)
    assert [row.n for row in table] == list(range(10, 41))
    for row in table:
        assert row.efficacy is None  # theta_u = 1: no early stop for efficacy
        if row.futility is not None:
            assert predictive_probability(row.futility, row.n, **LEE_LIU) < 0.05
        nxt = -1 if row.futility is None else row.futility
        if nxt + 1 <= row.n:
            assert predictive_probability(nxt + 1, row.n, **LEE_LIU) >= 0.05


def test_efficacy_boundary_appears_when_theta_u_is_below_one():
    table = predictive_stopping_table(40, 0.6, 0.9, 0.05, prior=(0.6, 0.4), theta_u=0.99, first_look=30)
    row = table[0]
    assert row.efficacy is not None
    assert predictive_probability(row.efficacy, row.n, **LEE_LIU) > 0.99
    assert predictive_probability(row.efficacy - 1, row.n, **LEE_LIU) <= 0.99


def test_the_bundled_protocol_monitoring_section_gives_a_table(protocol):
    m = protocol.monitoring
    d = protocol.design
    table = predictive_stopping_table(
        40,
        d.p0,
        m.theta_t,
        m.theta_l,
        prior=(m.prior_a, m.prior_b),
        theta_u=m.theta_u,
        first_look=m.first_look,
    )
    assert table[0].n == m.first_look and table[-1].n == 40


def test_more_responses_than_patients_is_refused():
    with pytest.raises(OncotrialError, match=r"^x: must not exceed n \(5\) \(got 6\)$"):
        predictive_probability(6, 5, **LEE_LIU)


def test_more_patients_than_n_max_is_refused():
    with pytest.raises(OncotrialError, match=r"^n: must not exceed n_max \(40\) \(got 41\)$"):
        predictive_probability(6, 41, **LEE_LIU)


def test_non_positive_prior_is_refused():
    with pytest.raises(OncotrialError, match=r"^prior\.b: must be a positive number \(got 0\)$"):
        predictive_probability(6, 10, 40, 0.6, 0.9, prior=(1, 0))


def test_theta_u_below_theta_l_is_refused():
    with pytest.raises(OncotrialError, match=r"^theta_u: must be above theta_l \(0\.1\) \(got 0\.05\)$"):
        predictive_stopping_table(40, 0.6, 0.9, 0.1, theta_u=0.05)
