"""Time-to-event endpoints (PFS, OS, DoR) and median follow-up from ADSL + ADTTE."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from oncotrial.analysis._datasets import population_ids, require_columns
from oncotrial.analysis._results import Estimate, FollowUp, KmCurve, Landmark, TimeToEventResult
from oncotrial.protocol import Duration, Endpoint, Protocol
from oncotrial.stats import kaplan_meier, landmark_survival, median_follow_up, numbers_at_risk

__all__ = ["AT_RISK_STEP_MONTHS", "compute_follow_up", "compute_time_to_event", "duration_in_days"]

#: Spacing of the numbers-at-risk table under Kaplan-Meier plots (a display choice).
AT_RISK_STEP_MONTHS = 3.0


def duration_in_days(duration: Duration, *, protocol: Protocol) -> float:
    """Days in a protocol duration, months and years counted with the protocol's month length."""
    per_month = protocol.analysis.days_per_month
    if duration.unit == "months":
        return duration.amount * per_month
    if duration.unit == "years":
        return duration.amount * 12 * per_month
    return duration.days


def _endpoint_rows(adtte: pd.DataFrame, adsl: pd.DataFrame, endpoint: Endpoint, protocol: Protocol):
    require_columns(adtte, "ADTTE", ["USUBJID", "PARAMCD", "AVAL", "CNSR"])
    pop = protocol.population(endpoint.population)
    subjects = population_ids(adsl, pop.flag)
    rows = adtte[adtte["PARAMCD"].astype(str).eq(endpoint.code)]
    rows = rows[rows["USUBJID"].astype(str).isin(subjects) & rows["AVAL"].notna()]
    time = rows["AVAL"].to_numpy(dtype=float)
    event = (pd.to_numeric(rows["CNSR"], errors="coerce").to_numpy() == 0).astype(int)
    return pop, time, event


def _opt(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _months(days: float | None, per_month: float) -> float | None:
    return None if days is None else days / per_month


def compute_time_to_event(
    adtte: pd.DataFrame, *, adsl: pd.DataFrame, endpoint: Endpoint, protocol: Protocol
) -> TimeToEventResult:
    """Kaplan-Meier analysis of one time-to-event endpoint in its population.

    Parameters
    ----------
    adtte : DataFrame
        ADTTE: ``AVAL`` (days) and ``CNSR`` (0 event, 1 censored) of the endpoint's ``PARAMCD``.
    adsl : DataFrame
        ADSL with the population flags.
    endpoint : Endpoint
        A ``time_to_event`` endpoint of the protocol (PFS, OS, DOR).
    protocol : Protocol
        Supplies the population, confidence level, band (``km_conf_type``), landmarks,
        horizon and month length.

    Returns
    -------
    TimeToEventResult
        In months (days / ``days_per_month``). The median's CI is Brookmeyer & Crowley's
        (1982); landmark rates carry the pointwise CI and are not estimable (None) beyond
        the last observed time unless the curve reached zero.
    """
    settings = protocol.analysis
    per_month = settings.days_per_month
    pop, time, event = _endpoint_rows(adtte, adsl, endpoint, protocol)
    n = len(time)
    level = settings.conf_level
    if n == 0:
        empty = KmCurve((), (), (), (), (), (), ())
        none = Estimate(None, None, None)
        landmarks = tuple(
            Landmark(str(lm), duration_in_days(lm, protocol=protocol) / per_month, none, 0)
            for lm in settings.landmarks
        )
        return TimeToEventResult(
            code=endpoint.code,
            name=endpoint.name,
            population=pop.code,
            n=0,
            n_events=0,
            n_censored=0,
            median=none,
            landmarks=landmarks,
            curve=empty,
            censor_times=(),
            at_risk=((0.0, 0),),
            conf_level=level,
            conf_type=settings.km_conf_type,
        )
    km = kaplan_meier(time, event, conf_type=settings.km_conf_type, level=level)
    km_time = np.asarray(km.time, dtype=float)
    surv = np.asarray(km.survival, dtype=float)
    days = [duration_in_days(lm, protocol=protocol) for lm in settings.landmarks]
    med = km.median()
    median = Estimate(*(_months(_opt(v), per_month) for v in med))
    landmarks = []
    last = float(time.max())
    reached_zero_at = float(km_time[surv == 0][0]) if (surv == 0).any() else None
    for lm, at in zip(settings.landmarks, landmark_survival(km, days), strict=True):
        t = at.time
        if t > last and (reached_zero_at is None or reached_zero_at > t):
            est = Estimate(None, None, None)  # beyond follow-up: not estimable
        else:
            est = Estimate(_opt(at.survival), _opt(at.lower), _opt(at.upper))
        landmarks.append(Landmark(str(lm), t / per_month, est, int(at.n_risk)))
    horizon = duration_in_days(endpoint.horizon, protocol=protocol) / per_month
    ticks = np.arange(0.0, min(horizon, last / per_month) + 1e-9, AT_RISK_STEP_MONTHS)
    risk = numbers_at_risk(km, ticks * per_month)
    at_risk = tuple((float(t), int(n)) for t, n in zip(ticks, risk, strict=True))
    curve = KmCurve(
        time=tuple(float(t) / per_month for t in km_time),
        survival=tuple(float(s) for s in surv),
        lower=tuple(_opt(v) for v in km.lower),
        upper=tuple(_opt(v) for v in km.upper),
        n_risk=tuple(int(v) for v in km.n_risk),
        n_event=tuple(int(v) for v in km.n_event),
        n_censor=tuple(int(v) for v in km.n_censor),
    )
    return TimeToEventResult(
        code=endpoint.code,
        name=endpoint.name,
        population=pop.code,
        n=n,
        n_events=int(event.sum()),
        n_censored=int(n - event.sum()),
        median=median,
        landmarks=tuple(landmarks),
        curve=curve,
        censor_times=tuple(float(t) / per_month for t in np.sort(time[event == 0])),
        at_risk=at_risk,
        conf_level=level,
        conf_type=settings.km_conf_type,
    )


def compute_follow_up(
    adtte: pd.DataFrame, *, adsl: pd.DataFrame, protocol: Protocol, endpoint_code: str = "OS"
) -> FollowUp:
    """Median follow-up by reverse Kaplan-Meier (Schemper & Smith 1996) on overall survival.

    Censoring is the event and deaths are censored; months as the other endpoints.
    """
    endpoint = protocol.endpoint(endpoint_code)
    per_month = protocol.analysis.days_per_month
    pop, time, event = _endpoint_rows(adtte, adsl, endpoint, protocol)
    method = f"reverse Kaplan-Meier on {endpoint.code} (Schemper & Smith 1996)"
    if len(time) == 0 or event.all():
        return FollowUp(endpoint.code, pop.code, len(time), Estimate(None, None, None), method)
    a = protocol.analysis
    med = median_follow_up(time, event, conf_type=a.km_conf_type, level=a.conf_level)
    est = Estimate(*(_months(_opt(v), per_month) for v in med))
    return FollowUp(endpoint.code, pop.code, len(time), est, method)
