"""Summaries of a Kaplan-Meier curve for the report: landmarks, follow-up, RMST, risk table."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from oncotrial.errors import OncotrialError
from oncotrial.stats._km import Interval, KaplanMeier, SurvivalAt, kaplan_meier
from oncotrial.stats._survival_data import check_survival_data

__all__ = ["RestrictedMean", "landmark_survival", "median_follow_up", "numbers_at_risk", "rmst"]


def landmark_survival(km: KaplanMeier, times: Iterable[float]) -> tuple[SurvivalAt, ...]:
    """Survival at each landmark time (e.g. 6, 12 and 24 months in the curve's unit).

    Examples
    --------
    >>> km = kaplan_meier([2, 4, 7, 9, 13, 20], [1, 0, 1, 1, 0, 1])
    >>> [round(s.survival, 4) for s in landmark_survival(km, [6, 12])]
    [0.8333, 0.4167]
    """
    return tuple(km.at(t) for t in times)


def numbers_at_risk(km: KaplanMeier, times: Iterable[float]) -> np.ndarray:
    """Number still at risk (time >= t) at each of ``times``, e.g. under a plot's axis.

    Examples
    --------
    >>> km = kaplan_meier([2, 4, 7, 9, 13, 20], [1, 0, 1, 1, 0, 1])
    >>> numbers_at_risk(km, [0, 5, 10, 25]).tolist()
    [6, 4, 2, 0]
    """
    t = np.asarray(list(times), dtype=np.float64)
    j = np.searchsorted(km.time, t, side="left")
    padded = np.append(km.n_risk, 0)
    return padded[j]


def median_follow_up(
    time: ArrayLike, event: ArrayLike, conf_type: str = "log-log", level: float = 0.95
) -> Interval:
    """Median follow-up by the reverse Kaplan-Meier method, with its interval.

    Censoring is treated as the event and events as censoring, so that a death
    does not shorten the follow-up estimate.

    References
    ----------
    Schemper M, Smith TL (1996). Controlled Clinical Trials 17:343-346.

    Examples
    --------
    >>> median_follow_up([2, 4, 7, 9, 13, 20], [1, 0, 1, 1, 0, 1])
    (13.0, 4.0, None)
    """
    t, e = check_survival_data(time, event)
    return kaplan_meier(t, np.logical_not(e), conf_type=conf_type, level=level).median()


@dataclass(frozen=True)
class RestrictedMean:
    """Restricted mean survival time up to ``tau`` with a normal-approximation interval."""

    tau: float
    estimate: float
    std_err: float
    lower: float
    upper: float
    level: float

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("tau", "estimate", "std_err", "lower", "upper", "level")}

    def __repr__(self) -> str:
        return (
            f"RestrictedMean(tau={self.tau:g}, estimate={self.estimate:.4g} "
            f"({self.lower:.4g}, {self.upper:.4g}), std_err={self.std_err:.4g})"
        )


def rmst(km: KaplanMeier, tau: float) -> RestrictedMean:
    """Area under the Kaplan-Meier curve from 0 to ``tau``, as R's ``print(fit, rmean = tau)``.

    The standard error is the one R's survival computes (``survmean``); the
    interval is estimate +/- z * std_err at the curve's ``level``.

    Examples
    --------
    >>> r = rmst(kaplan_meier([2, 4, 7, 9, 13, 20], [1, 0, 1, 1, 0, 1]), 12)
    >>> round(r.estimate, 4)
    8.6667
    """
    if not np.isfinite(tau) or tau <= 0:
        raise OncotrialError("tau", tau, "must be a positive finite time")
    tau = float(tau)
    d = km.n_event.astype(np.float64)
    r = km.n_risk.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        hh = np.where(r - d == 0, 0.0, d / (r * (r - d)))
    keep = km.time <= tau
    if not keep.any():
        times, surv, hh = np.array([tau]), np.array([1.0]), np.array([0.0])
    else:
        times = np.append(km.time[keep], tau)
        surv = np.append(km.survival[keep], km.survival[keep][-1])
        hh = np.append(hh[keep], 0.0)
    rectangles = np.diff(np.concatenate(([0.0], times))) * np.concatenate(([1.0], surv[:-1]))
    variance = float(np.sum(np.cumsum(rectangles[1:][::-1]) ** 2 * hh[::-1][1:]))
    estimate = float(rectangles.sum())
    std_err = float(np.sqrt(variance))
    z = float(stats.norm.ppf(1.0 - (1.0 - km.level) / 2.0))
    return RestrictedMean(tau, estimate, std_err, estimate - z * std_err, estimate + z * std_err, km.level)
