"""Landmarks, risk table, reverse-KM follow-up and RMST against R's survival.

Reference values: tests/reference/survival.json (``Rscript tests/reference/survival.R``,
R 4.2.2, survival 3.5-3): reverse KM via ``quantile(survfit(Surv(time, 1 - event) ~ 1,
conf.type = "log-log"), 0.5)``, RMST via ``survival:::survmean(fit, rmean = tau)``,
numbers at risk via ``summary(fit, times, extend = TRUE)$n.risk``. Tolerance 1e-10 relative.
"""

from __future__ import annotations

import math

import pytest

from oncotrial.errors import OncotrialError
from oncotrial.stats import kaplan_meier, landmark_survival, median_follow_up, numbers_at_risk, rmst

REL = 1e-10


def _same(ours, theirs) -> bool:
    if theirs is None:
        return ours is None
    return ours is not None and math.isclose(ours, theirs, rel_tol=REL, abs_tol=0.0)


def test_reverse_km_median_follow_up_matches_r(survival_reference):
    for name, data in survival_reference["datasets"].items():
        ref = data["followup"]
        got = median_follow_up(data["time"], data["event"])
        assert _same(got[0], ref["median"]), (name, got, ref)
        assert _same(got[1], ref["lower"]), (name, got, ref)
        assert _same(got[2], ref["upper"]), (name, got, ref)


def test_rmst_and_its_standard_error_match_r_survmean(survival_reference):
    for name, data in survival_reference["datasets"].items():
        for ref in data["km"]:
            km = kaplan_meier(data["time"], data["event"], conf_type=ref["conf_type"], level=ref["level"])
            got = rmst(km, ref["rmst_tau"])
            assert _same(got.estimate, ref["rmst"]), (name, got, ref["rmst"])
            if ref["rmst_se"] == 0:
                assert got.std_err == 0.0, name
            else:
                assert _same(got.std_err, ref["rmst_se"]), (name, got, ref["rmst_se"])


def test_numbers_at_risk_match_r_summary(survival_reference):
    for name, data in survival_reference["datasets"].items():
        ref = data["km"][0]
        km = kaplan_meier(data["time"], data["event"])
        assert numbers_at_risk(km, ref["at_time"]).tolist() == ref["at_n_risk"], name


def test_landmarks_are_the_curve_at_each_time(survival_reference):
    data = survival_reference["datasets"]["lung"]
    ref = data["km"][0]
    km = kaplan_meier(data["time"], data["event"])
    got = landmark_survival(km, ref["at_time"])
    assert [g.time for g in got] == ref["at_time"]
    assert all(_same(g.survival, s) for g, s in zip(got, ref["at_survival"], strict=True))


def test_rmst_before_the_first_time_is_tau():
    # Nobody has had the event by tau = 1, so the area is the rectangle 1 x 1.
    r = rmst(kaplan_meier([2, 3], [1, 1]), 1)
    assert (r.estimate, r.std_err) == (1.0, 0.0)


def test_rmst_interval_is_symmetric_around_the_estimate():
    r = rmst(kaplan_meier([2, 4, 7, 9, 13, 20], [1, 0, 1, 1, 0, 1]), 15)
    assert math.isclose(r.estimate - r.lower, r.upper - r.estimate)
    assert r.lower < r.estimate < r.upper


def test_rmst_needs_a_positive_horizon():
    with pytest.raises(OncotrialError, match=r"^tau: must be a positive finite time \(got 0\)$"):
        rmst(kaplan_meier([2, 3], [1, 1]), 0)
