"""The two-group log-rank test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from oncotrial.stats._groups import split_two_groups
from oncotrial.stats._survival_data import check_survival_data, tabulate

__all__ = ["LogRankResult", "logrank_test"]


@dataclass(frozen=True)
class LogRankResult:
    """Log-rank chi-square (1 df), its p-value and observed / expected events per group."""

    chisq: float
    p_value: float
    groups: tuple[Any, Any]
    observed: tuple[int, int]
    expected: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "chisq": self.chisq,
            "p_value": self.p_value,
            "groups": list(self.groups),
            "observed": list(self.observed),
            "expected": list(self.expected),
        }

    def __repr__(self) -> str:
        return (
            f"LogRankResult(chisq={self.chisq:.4g}, p_value={self.p_value:.4g}, "
            f"groups={self.groups}, observed={self.observed}, "
            f"expected=({self.expected[0]:.4g}, {self.expected[1]:.4g}))"
        )


def logrank_test(
    time: ArrayLike, event: ArrayLike, group: ArrayLike, *, reference: Any = None
) -> LogRankResult:
    """Log-rank test comparing two groups' survival, as R's ``survdiff``.

    Parameters
    ----------
    time, event : array
        Follow-up time and event indicator (1 event, 0 censored).
    group : array
        Two distinct values; ``reference`` (default: the smaller) comes first in the result.

    References
    ----------
    Mantel N (1966). Cancer Chemotherapy Reports 50:163-170.

    Examples
    --------
    >>> r = logrank_test([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 1], [0, 0, 0, 1, 1, 1])
    >>> round(r.chisq, 4), r.observed
    (5.0517, (3, 3))
    """
    t, e = check_survival_data(time, event)
    in_other, ref, other = split_two_groups(group, t.shape[0], reference)
    all_ = tabulate(t, e)
    # The comparison group's counts at the same distinct times (zeros where it has none).
    grp = tabulate(t[in_other], e[in_other])
    pos = np.searchsorted(all_.time, grp.time)
    d1 = np.zeros(all_.time.size)
    d1[pos] = grp.n_event
    # At-risk count of the group is constant between its own distinct times.
    idx = np.searchsorted(grp.time, all_.time, side="left")
    r1 = np.where(idx < grp.time.size, np.append(grp.n_risk, 0)[idx], 0).astype(np.float64)
    d = all_.n_event.astype(np.float64)
    r = all_.n_risk.astype(np.float64)
    at_event = d > 0
    d, r, d1, r1 = d[at_event], r[at_event], d1[at_event], r1[at_event]
    e1 = float(np.sum(d * r1 / r))
    with np.errstate(divide="ignore", invalid="ignore"):
        var_terms = np.where(r > 1, d * (r1 / r) * (1 - r1 / r) * (r - d) / (r - 1), 0.0)
    var = float(var_terms.sum())
    o1 = int(d1.sum())
    o_total = int(d.sum())
    chisq = (o1 - e1) ** 2 / var if var > 0 else 0.0
    return LogRankResult(
        chisq=float(chisq),
        p_value=float(stats.chi2.sf(chisq, 1)),
        groups=(ref, other),
        observed=(o_total - o1, o1),
        expected=(float(d.sum()) - e1, e1),
    )
