"""Time-to-event endpoints and median follow-up."""

from __future__ import annotations

import pytest

from oncotrial.analysis import compute_follow_up, compute_time_to_event, duration_in_days
from oncotrial.protocol import Duration

# Reference values: R 4.2.2, survival 3.5.3, on the example package's days:
#   pfs <- survfit(Surv(c(300,150,119,44,60,1), c(0,1,1,1,0,0)) ~ 1, conf.type = "log-log")
#   os  <- survfit(Surv(c(300,320,280,90,200,30), c(0,0,0,1,1,0)) ~ 1, conf.type = "log-log")
#   summary(pfs)$table; summary(pfs, times = 182.625); summary(os, times = 182.625)
#   rev <- survfit(Surv(c(300,320,280,90,200,30), 1 - c(0,0,0,1,1,0)) ~ 1, conf.type = "log-log")
MONTH = 30.4375


def test_pfs_median_and_ci_match_r_survfit(adam, protocol):
    pfs = compute_time_to_event(
        adam.adtte, adsl=adam.adsl, endpoint=protocol.endpoint("PFS"), protocol=protocol
    )
    assert (pfs.n, pfs.n_events, pfs.n_censored) == (6, 3, 3)
    assert pfs.median.estimate == pytest.approx(150 / MONTH)
    assert pfs.median.low == pytest.approx(44 / MONTH)
    assert pfs.median.high is None  # R: 0.95UCL NA
    assert pfs.unit == "months"


def test_pfs_six_month_landmark_matches_r_summary(adam, protocol):
    pfs = compute_time_to_event(
        adam.adtte, adsl=adam.adsl, endpoint=protocol.endpoint("PFS"), protocol=protocol
    )
    six = pfs.landmarks[0]
    assert six.label == "6 months" and six.months == pytest.approx(6)
    assert six.survival.estimate == pytest.approx(0.26666666666666666, abs=1e-10)
    assert six.survival.low == pytest.approx(0.00967700057888136, abs=1e-10)
    assert six.survival.high == pytest.approx(0.68613627915701192, abs=1e-10)
    assert six.n_risk == 1


def test_landmark_beyond_follow_up_is_not_estimable(adam, protocol):
    pfs = compute_time_to_event(
        adam.adtte, adsl=adam.adsl, endpoint=protocol.endpoint("PFS"), protocol=protocol
    )
    twelve = pfs.landmarks[1]  # 365.25 days, last PFS time is 300 (censored)
    assert twelve.survival.estimate is None and twelve.n_risk == 0


def test_os_median_not_reached_and_landmark(adam, protocol):
    os_ = compute_time_to_event(
        adam.adtte, adsl=adam.adsl, endpoint=protocol.endpoint("OS"), protocol=protocol
    )
    assert os_.median.estimate is None
    assert os_.landmarks[0].survival.estimate == pytest.approx(0.8, abs=1e-10)
    assert os_.landmarks[0].survival.low == pytest.approx(0.203809263267639, abs=1e-10)
    assert os_.landmarks[0].survival.high == pytest.approx(0.969179788866743, abs=1e-10)


def test_dor_uses_the_responder_population(adam, protocol):
    dor = compute_time_to_event(
        adam.adtte, adsl=adam.adsl, endpoint=protocol.endpoint("DOR"), protocol=protocol
    )
    assert (dor.population, dor.n, dor.n_events) == ("RESP", 2, 1)


def test_curve_at_risk_and_censoring_in_months(adam, protocol):
    pfs = compute_time_to_event(
        adam.adtte, adsl=adam.adsl, endpoint=protocol.endpoint("PFS"), protocol=protocol
    )
    assert pfs.curve.time[0] == pytest.approx(1 / MONTH)
    assert pfs.censor_times == pytest.approx((1 / MONTH, 60 / MONTH, 300 / MONTH))
    # every 3 months up to the last time (300 days = 9.86 months); at risk = time >= t
    assert pfs.at_risk == ((0.0, 6), (3.0, 3), (6.0, 1), (9.0, 1))


def test_median_follow_up_by_reverse_km_matches_r(adam, protocol):
    fu = compute_follow_up(adam.adtte, adsl=adam.adsl, protocol=protocol)
    assert fu.median.estimate == pytest.approx(300 / MONTH)
    assert fu.median.low == pytest.approx(30 / MONTH)
    assert fu.median.high is None
    assert "reverse Kaplan-Meier" in fu.method


def test_empty_population_gives_empty_result(adam, protocol):
    adam.adsl["RESPFL"] = "N"
    dor = compute_time_to_event(
        adam.adtte, adsl=adam.adsl, endpoint=protocol.endpoint("DOR"), protocol=protocol
    )
    assert dor.n == 0 and dor.median.estimate is None and dor.curve.time == ()


def test_duration_in_days_uses_the_protocol_month(protocol):
    assert (
        duration_in_days(Duration.parse("6 months"), protocol=protocol)
        == 6 * protocol.analysis.days_per_month
    )
    assert (
        duration_in_days(Duration.parse("2 years"), protocol=protocol)
        == 24 * protocol.analysis.days_per_month
    )
    assert duration_in_days(Duration.parse("3 weeks"), protocol=protocol) == 21
