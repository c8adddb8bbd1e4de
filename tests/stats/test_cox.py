"""cox_hazard_ratio against R's coxph with Efron ties.

Reference values: tests/reference/survival.json (``Rscript tests/reference/survival.R``,
R 4.2.2, survival 3.5-3: ``coxph(Surv(time, event) ~ group, ties = "efron",
control = coxph.control(eps = 1e-14, toler.chol = 1e-15, iter.max = 100))``; the
tight ``eps`` makes R iterate to the exact maximum). Tolerance 1e-10 relative.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from oncotrial.errors import OncotrialError
from oncotrial.stats import cox_hazard_ratio

REL = 1e-10


def test_coef_se_loglik_score_and_wald_p_match_r_coxph(survival_reference):
    cases = [(k, v) for k, v in survival_reference["datasets"].items() if "cox" in v]
    assert len(cases) >= 5
    for name, data in cases:
        got = cox_hazard_ratio(data["time"], data["event"], data["group"])
        ref = data["cox"]
        assert got.converged, name
        assert math.isclose(got.coef, ref["coef"], rel_tol=REL), (name, got.coef, ref["coef"])
        assert math.isclose(got.std_err, ref["se"], rel_tol=REL), name
        assert math.isclose(got.loglik[0], ref["loglik"][0], rel_tol=REL), name
        assert math.isclose(got.loglik[1], ref["loglik"][1], rel_tol=REL), name
        assert math.isclose(got.score_chisq, ref["score"], rel_tol=REL), name
        assert math.isclose(got.p_value, ref["wald_p"], rel_tol=REL), name


def test_interval_is_exp_of_coef_plus_minus_z_se(survival_reference):
    data = survival_reference["datasets"]["lung"]
    got = cox_hazard_ratio(data["time"], data["event"], data["group"], level=0.9)
    z = 1.6448536269514722  # qnorm(0.95) in R
    assert math.isclose(got.lower, math.exp(got.coef - z * got.std_err), rel_tol=1e-12)
    assert math.isclose(got.upper, math.exp(got.coef + z * got.std_err), rel_tol=1e-12)


def test_reversing_the_reference_inverts_the_hazard_ratio(survival_reference):
    data = survival_reference["datasets"]["aml"]
    a = cox_hazard_ratio(data["time"], data["event"], data["group"])
    b = cox_hazard_ratio(data["time"], data["event"], data["group"], reference=1)
    assert math.isclose(a.hazard_ratio * b.hazard_ratio, 1.0, rel_tol=1e-12)


def test_no_events_in_one_group_is_reported_not_estimable():
    got = cox_hazard_ratio([1, 2, 3, 4], [1, 1, 0, 0], np.array([0, 0, 1, 1]))
    assert not got.converged
    assert got.hazard_ratio is None and got.lower is None and got.p_value is None
    assert "not estimable" in repr(got)


def test_one_group_only_is_refused():
    with pytest.raises(OncotrialError, match=r"^group: must have exactly two distinct values \(got \[1\]\)$"):
        cox_hazard_ratio([1, 2, 3], [1, 0, 1], [1, 1, 1])
