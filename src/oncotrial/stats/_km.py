"""The Kaplan-Meier estimator with Greenwood standard errors and pointwise bands."""

from __future__ import annotations

import bisect
import operator
from dataclasses import dataclass, field
from functools import cached_property
from statistics import NormalDist
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from oncotrial.stats._checks import check_choice, check_probability
from oncotrial.stats._quantile import find_quantile
from oncotrial.stats._survival_data import Tabulated, check_survival_data, tabulate

__all__ = ["CONF_TYPES", "KaplanMeier", "SurvivalAt", "kaplan_meier"]

CONF_TYPES = ("log-log", "log", "plain")
Interval = tuple[float | None, float | None, float | None]


def _none_if_nan(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def _fmt(value: float | None) -> str:
    return "NE" if value is None else f"{value:.4g}"


@dataclass(frozen=True)
class SurvivalAt:
    """The Kaplan-Meier estimate at one time; ``None`` where not estimable."""

    time: float
    survival: float
    std_err: float | None
    lower: float | None
    upper: float | None
    n_risk: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "survival": self.survival,
            "std_err": self.std_err,
            "lower": self.lower,
            "upper": self.upper,
            "n_risk": self.n_risk,
        }

    def __repr__(self) -> str:
        return (
            f"SurvivalAt(time={self.time:g}, survival={self.survival:.4f} "
            f"({_fmt(self.lower)}, {_fmt(self.upper)}), n_risk={self.n_risk})"
        )


def _bands(
    surv: np.ndarray, se_log: np.ndarray, conf_type: str, level: float, scratch: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise limits as R's ``survfit`` computes them (NaN where R gives NA).

    ``scratch``, an array of the same shape no longer needed, is reused for log S.
    """
    # Wichura's AS241, the algorithm of R's qnorm (and cheaper to call than scipy's).
    z = NormalDist().inv_cdf(1.0 - (1.0 - level) / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "plain":
            half = se_log * surv
            half *= z
            return np.maximum(surv - half, 0.0), np.minimum(surv + half, 1.0)
        log_s = np.log(surv, out=scratch)  # 0 where survival is 1, -inf where it is 0
        # Survival is non-increasing: its leading 1s and trailing 0s are found by bisection.
        n_ones = bisect.bisect_right(surv, -1.0, key=operator.neg)
        first_zero = bisect.bisect_left(surv, 0.0, key=operator.neg)
        if conf_type == "log":
            shift = z * se_log
            upper = np.add(log_s, shift)  # -inf + inf = NaN where survival is 0, as R's NA
            np.exp(upper, out=upper)
            np.minimum(upper, 1.0, out=upper)
            lower = np.subtract(log_s, shift, out=log_s)
            np.exp(lower, out=lower)
            lower[first_zero:] = np.nan
            return lower, upper
        # R writes exp(-exp(log(-log S) -/+ shift)), shift = z se / log S; that is
        # S ** exp(-/+ shift): one power instead of two exponentials and two logs.
        w = np.multiply(se_log, z)
        w /= log_s  # NaN where S is 1 (0 / 0) or 0 (inf / -inf)
        np.exp(w, out=w)
        upper = np.power(surv, w)
        np.reciprocal(w, out=w)
        lower = np.power(surv, w, out=w)
        lower[:n_ones] = np.nan  # 1 ** NaN is 1; R gives NA there
        upper[:n_ones] = np.nan
        return lower, upper


@dataclass(frozen=True, repr=False, eq=False)
class KaplanMeier:
    """A Kaplan-Meier curve: one row per distinct time (events and censorings).

    ``std_err`` is Greenwood's standard error on the survival scale; ``lower`` and
    ``upper`` are pointwise limits of type ``conf_type``. Entries R reports as NA
    (e.g. the log-log band where survival is 1 or 0) are NaN here.
    """

    time: np.ndarray
    survival: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    conf_type: str
    level: float
    _se_log: np.ndarray = field(repr=False)

    # Not needed for the median and its interval, so made on first use.
    @cached_property
    def std_err(self) -> np.ndarray:
        """Greenwood's standard error on the survival scale (NaN where survival drops to 0)."""
        with np.errstate(invalid="ignore"):
            return self.survival * self._se_log

    @cached_property
    def n_censor(self) -> np.ndarray:
        """Censorings at each time."""
        return Tabulated(self.time, self.n_risk, self.n_event).n_censor

    @property
    def n(self) -> int:
        """Number of subjects."""
        return int(self.n_risk[0])

    @property
    def events(self) -> int:
        """Total number of events."""
        return int(self.n_event.sum())

    def quantile(self, p: float) -> Interval:
        """Time by which a fraction ``p`` has had the event, with its Brookmeyer-Crowley interval.

        The interval is where the pointwise band crosses ``1 - p``, with R's
        ``quantile.survfit`` rules for flat stretches; ``None`` where the curve
        or a band never gets there.

        References
        ----------
        Brookmeyer R, Crowley J (1982). A confidence interval for the median
        survival time. Biometrics 38:29-41.
        """
        p = check_probability("p", p)
        return (
            find_quantile(self.time, self.survival, p, monotone=True),
            find_quantile(self.time, self.lower, p),
            find_quantile(self.time, self.upper, p),
        )

    def median(self) -> Interval:
        """Median time to event and its Brookmeyer-Crowley interval (``quantile(0.5)``).

        Examples
        --------
        >>> kaplan_meier([1, 2, 3, 4, 5, 6], [1, 1, 0, 1, 1, 0]).median()
        (4.0, 1.0, None)
        """
        return self.quantile(0.5)

    def at(self, t: float) -> SurvivalAt:
        """Estimate, standard error, limits and number at risk at time ``t``.

        As R's ``summary(fit, times = t, extend = TRUE)``: the curve's value at
        the last jump at or before ``t``, and the number still at risk at ``t``
        (time >= t).

        Examples
        --------
        >>> kaplan_meier([1, 2, 3, 4], [1, 0, 1, 0]).at(2.5)
        SurvivalAt(time=2.5, survival=0.7500 (0.1279, 0.9605), n_risk=2)
        """
        t = float(t)
        i = int(np.searchsorted(self.time, t, side="right")) - 1
        j = int(np.searchsorted(self.time, t, side="left"))
        n_risk = int(self.n_risk[j]) if j < self.time.size else 0
        if i < 0:
            return SurvivalAt(t, 1.0, 0.0, 1.0, 1.0, n_risk)
        return SurvivalAt(
            time=t,
            survival=float(self.survival[i]),
            std_err=_none_if_nan(self.std_err[i]),
            lower=_none_if_nan(self.lower[i]),
            upper=_none_if_nan(self.upper[i]),
            n_risk=n_risk,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain lists (NaN as None) and the settings, for JSON."""

        def col(a: np.ndarray) -> list[Any]:
            return [None if isinstance(v, float) and np.isnan(v) else v for v in a.tolist()]

        return {
            "conf_type": self.conf_type,
            "level": self.level,
            **{
                name: col(getattr(self, name))
                for name in (
                    "time",
                    "survival",
                    "std_err",
                    "lower",
                    "upper",
                    "n_risk",
                    "n_event",
                    "n_censor",
                )
            },
        }

    def __repr__(self) -> str:
        med, lo, hi = self.median()
        return (
            f"KaplanMeier(n={self.n}, events={self.events}, median={_fmt(med)} "
            f"({_fmt(lo)}, {_fmt(hi)}), conf_type={self.conf_type!r}, level={self.level})"
        )


def kaplan_meier(
    time: ArrayLike, event: ArrayLike, conf_type: str = "log-log", level: float = 0.95
) -> KaplanMeier:
    """Kaplan-Meier estimate of the survival function.

    Parameters
    ----------
    time : array of float
        Follow-up time of each subject (>= 0).
    event : array of {0, 1} or bool
        1 (True) for an event, 0 (False) for a censored time.
    conf_type : {"log-log", "log", "plain"}
        Pointwise band: ``"log-log"`` (SAS PROC LIFETEST's default),
        ``"log"`` (R survfit's default) or ``"plain"``; formulas as in R's survival.
    level : float
        Confidence level of the band (and of the quantile intervals).

    Returns
    -------
    KaplanMeier

    References
    ----------
    Kaplan EL, Meier P (1958). JASA 53:457-481. Greenwood M (1926).

    Examples
    --------
    >>> km = kaplan_meier([3, 5, 5, 8, 10], [1, 1, 0, 1, 0])
    >>> km.survival.round(4).tolist()
    [0.8, 0.6, 0.3, 0.3]
    >>> km.n_risk.tolist()
    [5, 4, 2, 1]
    """
    conf_type = check_choice("conf_type", conf_type, CONF_TYPES)
    level = check_probability("level", level)
    t, e = check_survival_data(time, event)
    tab = tabulate(t, e)
    d = tab.n_event  # integers: numpy promotes in the mixed operations below
    r = tab.n_risk.astype(np.float64)
    # In-place steps: at 10^5+ distinct times each avoided temporary is measurable
    # (fresh memory costs page faults).
    alive = r - d
    surv = np.divide(alive, r)
    np.cumprod(surv, out=surv)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Greenwood. r >= 1 at every row and d = 0 adds 0; a time where everyone at
        # risk has the event adds infinity (and 0 * inf = NaN below), as in R.
        se_log = alive
        se_log *= r
        np.divide(d, se_log, out=se_log)
        np.cumsum(se_log, out=se_log)
        np.sqrt(se_log, out=se_log)
    lower, upper = _bands(surv, se_log, conf_type, level, scratch=r)  # r is not needed any more
    return KaplanMeier(
        time=tab.time,
        survival=surv,
        lower=lower,
        upper=upper,
        n_risk=tab.n_risk,
        n_event=tab.n_event,
        conf_type=conf_type,
        level=level,
        _se_log=se_log,
    )
