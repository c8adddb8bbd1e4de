"""Bayesian predictive-probability monitoring of a single-arm response rate (Lee & Liu 2008)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from oncotrial.errors import OncotrialError
from oncotrial.stats._checks import check_count, check_probability

__all__ = ["PredictiveBoundary", "predictive_probability", "predictive_stopping_table"]


def _check_prior(prior: tuple[float, float]) -> tuple[float, float]:
    try:
        a, b = prior
    except (TypeError, ValueError):
        raise OncotrialError("prior", prior, "must be a pair (a, b) of beta parameters") from None
    for name, v in (("prior.a", a), ("prior.b", b)):
        if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v) or v <= 0:
            raise OncotrialError(name, v, "must be a positive number")
    return float(a), float(b)


def _pp_all(n: int, n_max: int, p0: float, theta_t: float, a: float, b: float) -> np.ndarray:
    """Predictive probability of success for every x = 0 .. n responses among n patients."""
    m = n_max - n
    x = np.arange(n + 1)[:, None]
    i = np.arange(m + 1)[None, :]
    success = stats.beta.sf(p0, a + x + i, b + n_max - x - i) > theta_t
    if m == 0:
        return success[:, 0].astype(np.float64)
    weight = stats.betabinom.pmf(i, m, a + x, b + n - x)
    # Clipped: a sum of all the weights can round to just above 1.
    return np.clip(np.sum(weight * success, axis=1), 0.0, 1.0)


def _check_counts(x: object, n: object, n_max: object) -> tuple[int, int, int]:
    n_max = check_count("n_max", n_max, low=1)
    n = check_count("n", n)
    if n > n_max:
        raise OncotrialError("n", n, f"must not exceed n_max ({n_max})")
    x = check_count("x", x)
    if x > n:
        raise OncotrialError("x", x, f"must not exceed n ({n})")
    return x, n, n_max


def predictive_probability(
    x: int, n: int, n_max: int, p0: float, theta_t: float, prior: tuple[float, float] = (1.0, 1.0)
) -> float:
    """Predictive probability that the trial ends in success, given x responses in n patients.

    Success at the end means P(p > p0 | all n_max patients) > theta_t; the
    responses of the n_max - n patients still to come are predicted from the
    beta-binomial posterior predictive under a Beta(a, b) prior.

    Parameters
    ----------
    x, n : int
        Responses so far and patients so far.
    n_max : int
        Maximum number of patients.
    p0 : float
        Response rate not worth pursuing.
    theta_t : float
        Posterior probability needed to declare success at the end.
    prior : (a, b)
        Beta prior parameters.

    References
    ----------
    Lee JJ, Liu DD (2008). A predictive probability design for phase II cancer
    clinical trials. Clinical Trials 5:93-106.

    Examples
    --------
    The worked example of Lee & Liu (2008): 16 responses in 23 patients.

    >>> round(predictive_probability(16, 23, 40, 0.6, 0.9, prior=(0.6, 0.4)), 4)
    0.5656
    """
    x, n, n_max = _check_counts(x, n, n_max)
    p0 = check_probability("p0", p0)
    theta_t = check_probability("theta_t", theta_t)
    a, b = _check_prior(prior)
    return float(_pp_all(n, n_max, p0, theta_t, a, b)[x])


@dataclass(frozen=True)
class PredictiveBoundary:
    """Stopping rule after ``n`` patients.

    Stop for futility when responses <= ``futility`` (PP < theta_L); stop for
    efficacy when responses >= ``efficacy`` (PP > theta_U). ``None``: no such stop
    at this look.
    """

    n: int
    futility: int | None
    efficacy: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "futility": self.futility, "efficacy": self.efficacy}


def predictive_stopping_table(
    n_max: int,
    p0: float,
    theta_t: float,
    theta_l: float,
    prior: tuple[float, float] = (1.0, 1.0),
    *,
    theta_u: float = 1.0,
    first_look: int = 1,
) -> tuple[PredictiveBoundary, ...]:
    """Futility (and efficacy) boundaries by number of patients, from ``first_look`` to ``n_max``.

    With ``theta_u = 1`` there is no early stop for efficacy. At ``n_max`` the
    boundaries are the final analysis: success when PP = 1, i.e. P(p > p0) > theta_t.

    Examples
    --------
    >>> table = predictive_stopping_table(40, 0.6, 0.9, 0.05, prior=(0.6, 0.4), first_look=20)
    >>> table[0]
    PredictiveBoundary(n=20, futility=11, efficacy=None)
    """
    n_max = check_count("n_max", n_max, low=1)
    p0 = check_probability("p0", p0)
    theta_t = check_probability("theta_t", theta_t)
    theta_l = check_probability("theta_l", theta_l)
    theta_u = check_probability("theta_u", theta_u, closed=True)
    if theta_u <= theta_l:
        raise OncotrialError("theta_u", theta_u, f"must be above theta_l ({theta_l})")
    first_look = check_count("first_look", first_look, low=1)
    if first_look > n_max:
        raise OncotrialError("first_look", first_look, f"must not exceed n_max ({n_max})")
    a, b = _check_prior(prior)
    rows = []
    for n in range(first_look, n_max + 1):
        pp = _pp_all(n, n_max, p0, theta_t, a, b)
        futile = np.flatnonzero(pp < theta_l)
        good = np.flatnonzero(pp > theta_u)
        rows.append(
            PredictiveBoundary(
                n=n,
                futility=int(futile[-1]) if futile.size else None,
                efficacy=int(good[0]) if good.size else None,
            )
        )
    return tuple(rows)
