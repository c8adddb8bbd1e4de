"""A Cox proportional-hazards model with one binary covariate (Efron's ties)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from oncotrial.stats._checks import check_probability
from oncotrial.stats._groups import split_two_groups
from oncotrial.stats._survival_data import check_survival_data, tabulate

__all__ = ["CoxResult", "cox_hazard_ratio"]

# Beyond this |log hazard ratio| the likelihood is taken to be monotone (no finite estimate).
_DIVERGED = 25.0
_MAX_ITER = 100


@dataclass(frozen=True)
class CoxResult:
    """Hazard ratio of the comparison group versus the reference, with its Wald interval.

    Estimates are ``None`` when the likelihood has no finite maximum (e.g. no
    events in one group); ``converged`` then is False.
    """

    hazard_ratio: float | None
    lower: float | None
    upper: float | None
    coef: float | None
    std_err: float | None
    p_value: float | None
    score_chisq: float
    loglik: tuple[float, float | None]
    groups: tuple[Any, Any]
    n: int
    events: int
    level: float
    converged: bool

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["loglik"] = list(self.loglik)
        out["groups"] = list(self.groups)
        return out

    def __repr__(self) -> str:
        if self.hazard_ratio is None:
            return (
                f"CoxResult(groups={self.groups}, not estimable: monotone likelihood, events={self.events})"
            )
        return (
            f"CoxResult(groups={self.groups}, hazard_ratio={self.hazard_ratio:.4g} "
            f"({self.lower:.4g}, {self.upper:.4g}), p_value={self.p_value:.4g}, "
            f"n={self.n}, events={self.events})"
        )


def cox_hazard_ratio(
    time: ArrayLike,
    event: ArrayLike,
    group: ArrayLike,
    *,
    reference: Any = None,
    level: float = 0.95,
) -> CoxResult:
    """Hazard ratio from a Cox model with one two-level covariate, Efron's method for ties.

    Agrees with R's ``coxph(Surv(time, event) ~ group, ties = "efron")``; the
    interval is exp(coef +/- z * se), the p-value Wald's.

    References
    ----------
    Cox DR (1972). JRSS B 34:187-220. Efron B (1977). JASA 72:557-565.

    Examples
    --------
    >>> r = cox_hazard_ratio([1, 2, 2, 3, 4, 5, 6, 7], [1, 1, 1, 0, 1, 1, 0, 1], [1, 0, 1, 1, 0, 0, 1, 0])
    >>> round(r.hazard_ratio, 4), round(r.coef, 4)
    (1.0638, 0.0618)
    """
    level = check_probability("level", level)
    t, e = check_survival_data(time, event)
    in_other, ref, other = split_two_groups(group, t.shape[0], reference)
    all_ = tabulate(t, e)
    grp = tabulate(t[in_other], e[in_other])
    idx = np.searchsorted(grp.time, all_.time, side="left")
    r1_all = np.where(idx < grp.time.size, np.append(grp.n_risk, 0)[idx], 0)
    d1_all = np.zeros(all_.time.size, dtype=np.int64)
    d1_all[np.searchsorted(all_.time, grp.time)] = grp.n_event
    at_event = all_.n_event > 0
    d = all_.n_event[at_event]
    d1 = d1_all[at_event].astype(np.float64)
    r1 = r1_all[at_event].astype(np.float64)
    r0 = all_.n_risk[at_event] - r1
    d0 = d - d1
    # One row per death: Efron's k / d for k = 0 .. d - 1 within each event time.
    starts = np.repeat(np.cumsum(d) - d, d)
    k_frac = (np.arange(int(d.sum())) - starts) / np.repeat(d, d)
    r0, r1, d0, d1_rows = (np.repeat(v.astype(np.float64), d) for v in (r0, r1, d0, d1))
    total_d1 = float(d1.sum())
    events = int(d.sum())
    n = int(t.shape[0])

    def terms(beta: float) -> tuple[float, float, float]:
        """Log partial likelihood, score and information at ``beta``."""
        w = np.exp(beta)
        a = (r0 + r1 * w) - k_frac * (d0 + d1_rows * w)
        ratio = (r1 - k_frac * d1_rows) * w / a
        return (
            beta * total_d1 - float(np.log(a).sum()),
            total_d1 - float(ratio.sum()),
            float((ratio - ratio * ratio).sum()),
        )

    loglik0, score0, info0 = terms(0.0)
    score_chisq = score0 * score0 / info0 if info0 > 0 else 0.0
    beta, loglik, converged = 0.0, loglik0, False
    score, info = score0, info0
    for _ in range(_MAX_ITER):
        if info <= 0 or abs(beta) > _DIVERGED:
            break
        step = score / info
        new = beta + step
        new_loglik, new_score, new_info = terms(new)
        while new_loglik < loglik - 1e-12 * abs(loglik) and abs(step) > 1e-15:
            step /= 2.0  # step-halving, as coxph does when the likelihood falls
            new = beta + step
            new_loglik, new_score, new_info = terms(new)
        beta, loglik, score, info = new, new_loglik, new_score, new_info
        if abs(step) <= 1e-13 * max(1.0, abs(beta)):
            converged = info > 0 and abs(beta) <= _DIVERGED
            break
    if not converged:
        return CoxResult(
            None,
            None,
            None,
            None,
            None,
            None,
            score_chisq,
            (loglik0, None),
            (ref, other),
            n,
            events,
            level,
            False,
        )
    se = 1.0 / np.sqrt(info)
    z = float(stats.norm.ppf(1.0 - (1.0 - level) / 2.0))
    return CoxResult(
        hazard_ratio=float(np.exp(beta)),
        lower=float(np.exp(beta - z * se)),
        upper=float(np.exp(beta + z * se)),
        coef=float(beta),
        std_err=float(se),
        p_value=float(2.0 * stats.norm.sf(abs(beta / se))),
        score_chisq=float(score_chisq),
        loglik=(float(loglik0), float(loglik)),
        groups=(ref, other),
        n=n,
        events=events,
        level=level,
        converged=True,
    )
