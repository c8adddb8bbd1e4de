"""Exact and score confidence intervals and the exact test for one proportion."""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from oncotrial.errors import OncotrialError
from oncotrial.stats._checks import check_choice, check_count, check_probability

__all__ = ["binomial_ci", "binomial_test"]

CI_METHODS = ("clopper-pearson", "wilson")
ALTERNATIVES = ("greater", "less", "two-sided")
# R's binom.test treats probabilities within this relative tolerance as equal
# when it collects the "as or less likely" outcomes of the two-sided test.
_R_REL_ERR = 1.0 + 1e-7


def _check_xn(x: object, n: object) -> tuple[int, int]:
    n = check_count("n", n, low=1)
    x = check_count("x", x)
    if x > n:
        raise OncotrialError("x", x, f"must not exceed n ({n})")
    return x, n


def binomial_ci(x: int, n: int, level: float = 0.95, method: str = "clopper-pearson") -> tuple[float, float]:
    """Two-sided confidence interval for a binomial proportion.

    Parameters
    ----------
    x, n : int
        Number of responders and of patients (``0 <= x <= n``, ``n >= 1``).
    level : float
        Confidence level, e.g. 0.95.
    method : {"clopper-pearson", "wilson"}
        ``"clopper-pearson"``: the exact interval from beta quantiles, as R's
        ``binom.test``; ``"wilson"``: the score interval without continuity
        correction, as R's ``prop.test(x, n, correct = FALSE)``.

    Returns
    -------
    (low, high) : tuple of float

    References
    ----------
    Clopper CJ, Pearson ES (1934). Biometrika 26:404-413.
    Wilson EB (1927). JASA 22:209-212.

    Examples
    --------
    >>> low, high = binomial_ci(7, 20)
    >>> round(low, 4), round(high, 4)
    (0.1539, 0.5922)
    >>> binomial_ci(0, 10)[0]
    0.0
    """
    x, n = _check_xn(x, n)
    level = check_probability("level", level)
    method = check_choice("method", method, CI_METHODS)
    tail = (1.0 - level) / 2.0
    if method == "clopper-pearson":
        low = 0.0 if x == 0 else float(special.betaincinv(x, n - x + 1, tail))
        high = 1.0 if x == n else float(special.betaincinv(x + 1, n - x, 1.0 - tail))
        return low, high
    # Written as R's prop.test writes it, so the two agree to the last bits.
    z = float(stats.norm.ppf((1.0 + level) / 2.0))
    p = x / n
    z2n = z * z / n
    centre = p + z2n / 2.0
    half = z * np.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n))
    denom = 1.0 + z2n
    low = 0.0 if x == 0 else max(0.0, float((centre - half) / denom))
    high = 1.0 if x == n else min(1.0, float((centre + half) / denom))
    return low, high


def binomial_test(x: int, n: int, p0: float, alternative: str = "greater") -> float:
    """Exact binomial test of H0: p = p0; returns the p-value.

    The two-sided p-value sums the probabilities of all outcomes no more likely
    than the one observed (with R's relative tolerance of 1e-7), exactly as R's
    ``binom.test`` computes it.

    Parameters
    ----------
    x, n : int
        Number of responders and of patients.
    p0 : float
        Response rate under the null hypothesis, strictly between 0 and 1.
    alternative : {"greater", "less", "two-sided"}

    Examples
    --------
    >>> round(binomial_test(8, 20, 0.2), 6)
    0.032143
    """
    x, n = _check_xn(x, n)
    p0 = check_probability("p0", p0)
    alternative = check_choice("alternative", alternative, ALTERNATIVES)
    if alternative == "greater":
        return float(stats.binom.sf(x - 1, n, p0))
    if alternative == "less":
        return float(stats.binom.cdf(x, n, p0))
    d = stats.binom.pmf(x, n, p0)
    m = n * p0
    if x == m:
        return 1.0
    if x < m:
        i = np.arange(int(np.ceil(m)), n + 1)
        y = int(np.sum(stats.binom.pmf(i, n, p0) <= d * _R_REL_ERR))
        pval = stats.binom.cdf(x, n, p0) + stats.binom.sf(n - y, n, p0)
    else:
        i = np.arange(0, int(np.floor(m)) + 1)
        y = int(np.sum(stats.binom.pmf(i, n, p0) <= d * _R_REL_ERR))
        pval = stats.binom.cdf(y - 1, n, p0) + stats.binom.sf(x - 1, n, p0)
    return min(1.0, float(pval))
