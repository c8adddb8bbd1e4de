"""Simon's two-stage design: the search for optimal, minimax and admissible designs."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import stats

from oncotrial.errors import OncotrialError
from oncotrial.stats._checks import check_choice, check_count, check_probability

__all__ = ["SimonDesign", "simon_design", "simon_design_from_spec"]

KINDS = ("optimal", "minimax")
DEFAULT_N_MAX = 100


@dataclass(frozen=True)
class SimonDesign:
    """A two-stage design: stop after ``n1`` patients if responses <= ``r1``;
    the treatment is promising if total responses among ``n`` exceed ``r``.

    ``alpha`` and ``power`` are the design's exact error rates at ``p0`` and
    ``p1``; ``en0`` and ``pet0`` the expected sample size and the probability of
    early termination under ``p0``. ``admissible`` lists the admissible designs
    (Jung et al. 2004), from the minimax to the optimal one.
    """

    r1: int
    n1: int
    r: int
    n: int
    en0: float
    pet0: float
    alpha: float
    power: float
    p0: float
    p1: float
    kind: str = "optimal"
    admissible: tuple[SimonDesign, ...] = field(default=(), repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out = {
            k: getattr(self, k)
            for k in ("r1", "n1", "r", "n", "en0", "pet0", "alpha", "power", "p0", "p1", "kind")
        }
        out["admissible"] = [d.to_dict() for d in self.admissible]
        return out

    def __repr__(self) -> str:
        return (
            f"SimonDesign({self.kind}: r1/n1 = {self.r1}/{self.n1}, r/n = {self.r}/{self.n}, "
            f"EN(p0) = {self.en0:.2f}, PET(p0) = {self.pet0:.3f}, alpha = {self.alpha:.4f}, "
            f"power = {self.power:.4f})"
        )


def _exceed_tables(p: float, n_max: int) -> np.ndarray:
    """``table[n2, k + n_max + 1] = P(Bin(n2, p) > k)`` for k = -(n_max + 1) .. n_max."""
    off = n_max + 1
    k = np.arange(-off, n_max + 1)
    table = np.empty((n_max + 1, k.size))
    for n2 in range(n_max + 1):
        table[n2] = np.where(k < 0, 1.0, stats.binom.sf(np.clip(k, 0, n2), n2, p))
    return table


def _reject(pmf1: np.ndarray, exceed2: np.ndarray) -> np.ndarray:
    """P(X1 > r1 and X1 + X2 > r): rows r1 = 0 .. n1, columns r, from P(X2 > r - x1) by x1."""
    weighted = pmf1[:, None] * exceed2
    tail = np.cumsum(weighted[::-1], axis=0)[::-1]  # row x1: sum over x1' >= x1
    out = np.zeros_like(tail)
    out[:-1] = tail[1:]
    return out


@lru_cache(maxsize=32)
def _best_per_n(p0: float, p1: float, alpha: float, beta: float, n_max: int) -> tuple[SimonDesign, ...]:
    """For each total size n, the design with the smallest EN(p0) meeting alpha and beta.

    Ties keep the smaller n1 (as clinfun's ph2simon); since EN(p0) >= n1, first
    stages at least as large as the best EN(p0) found for an n are skipped.
    """
    off = n_max + 1
    exceed0 = _exceed_tables(p0, n_max)
    exceed1 = _exceed_tables(p1, n_max)
    best: dict[int, SimonDesign] = {}
    r_all = np.arange(n_max + 1)
    for n1 in range(1, n_max):
        x1 = np.arange(n1 + 1)
        pmf0 = stats.binom.pmf(x1, n1, p0)
        pmf1 = stats.binom.pmf(x1, n1, p1)
        pet = stats.binom.cdf(x1, n1, p0)
        index = r_all[None, :] - x1[:, None] + off  # column of P(X2 > r - x1)
        above_r1 = r_all[None, :] >= x1[:, None]
        for n in range(n1 + 1, n_max + 1):
            if n in best and n1 >= best[n].en0:
                continue
            n2 = n - n1
            cols = index[:, : n + 1]
            rej1 = _reject(pmf1, exceed1[n2][cols])
            ok = rej1 >= 1.0 - beta
            if not ok.any():
                continue
            rej0 = _reject(pmf0, exceed0[n2][cols])
            ok &= (rej0 <= alpha) & above_r1[:, : n + 1]
            rows = np.flatnonzero(ok.any(axis=1))
            if rows.size == 0:
                continue
            en0 = n1 + (1.0 - pet[rows]) * n2
            i = int(np.argmin(en0))
            if n in best and not en0[i] < best[n].en0:
                continue
            r1 = int(rows[i])
            r = int(np.flatnonzero(ok[r1])[-1])  # the largest feasible r: the smallest alpha
            best[n] = SimonDesign(
                r1=r1,
                n1=n1,
                r=r,
                n=n,
                en0=float(en0[i]),
                pet0=float(pet[r1]),
                alpha=float(rej0[r1, r]),
                power=float(rej1[r1, r]),
                p0=p0,
                p1=p1,
            )
    return tuple(best[n] for n in sorted(best))


def _admissible(per_n: tuple[SimonDesign, ...]) -> list[SimonDesign]:
    """Designs minimising q * n + (1 - q) * EN(p0) for some q in [0, 1], minimax first."""
    optimal = min(range(len(per_n)), key=lambda i: (per_n[i].en0, i))
    chain, start = [0], 0
    while start < optimal:
        here = per_n[start]
        slopes = [(per_n[j].en0 - here.en0) / (per_n[j].n - here.n) for j in range(start + 1, optimal + 1)]
        start = start + 1 + int(np.argmin(slopes))
        chain.append(start)
    return [per_n[i] for i in chain]


def simon_design(
    p0: float, p1: float, alpha: float, beta: float, kind: str = "optimal", n_max: int | None = None
) -> SimonDesign:
    """Simon's optimal or minimax two-stage design for a single-arm phase II trial.

    Tests H0: p <= p0 against p >= p1 with one-sided type I error at most
    ``alpha`` and power at least ``1 - beta``. The optimal design minimises the
    expected sample size under p0; the minimax design minimises the total size
    (and, among those, the expected size).

    Parameters
    ----------
    p0, p1 : float
        Response rates not worth pursuing and worth pursuing (p0 < p1).
    alpha, beta : float
        Type I and type II error limits.
    kind : {"optimal", "minimax"}
    n_max : int, optional
        Largest total sample size searched (default 100).

    References
    ----------
    Simon R (1989). Optimal two-stage designs for phase II clinical trials.
    Controlled Clinical Trials 10:1-10. Jung SH, Lee T, Kim K, George SL (2004).
    Admissible two-stage designs for phase II cancer clinical trials. Stat Med 23:561-569.

    Examples
    --------
    >>> simon_design(0.2, 0.4, 0.05, 0.2)
    SimonDesign(optimal: r1/n1 = 3/13, r/n = 12/43, EN(p0) = 20.58, PET(p0) = 0.747, alpha = 0.0496, power = 0.8002)
    """
    p0 = check_probability("p0", p0)
    p1 = check_probability("p1", p1)
    if p1 <= p0:
        raise OncotrialError("p1", p1, f"must be above p0 ({p0})")
    alpha = check_probability("alpha", alpha)
    beta = check_probability("beta", beta)
    kind = check_choice("kind", kind, KINDS)
    n_max = DEFAULT_N_MAX if n_max is None else check_count("n_max", n_max, low=2)
    per_n = _best_per_n(p0, p1, alpha, beta, n_max)
    if not per_n:
        raise OncotrialError(
            "n_max", n_max, f"no two-stage design with n <= n_max meets alpha = {alpha} and beta = {beta}"
        )
    chain = _admissible(per_n)
    if len(chain) == 1:
        admissible: tuple[SimonDesign, ...] = (replace(chain[0], kind=kind),)
    else:
        middle = tuple(replace(d, kind="admissible") for d in chain[1:-1])
        admissible = (replace(chain[0], kind="minimax"), *middle, replace(chain[-1], kind="optimal"))
    chosen = admissible[-1] if kind == "optimal" else admissible[0]
    return replace(chosen, admissible=admissible)


def simon_design_from_spec(spec: Any) -> SimonDesign:
    """The design for a protocol's design section (anything with p0, p1, alpha, beta, kind, n_max)."""
    return simon_design(
        spec.p0, spec.p1, spec.alpha, spec.beta, kind=spec.kind, n_max=getattr(spec, "n_max", None)
    )
