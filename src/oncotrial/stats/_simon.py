"""Simon's two-stage design: the search for optimal, minimax and admissible designs."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import stats

from oncotrial.errors import OncotrialError
from oncotrial.stats._checks import check_choice, check_count, check_probability

__all__ = ["SimonDesign", "SimonSearchBoundWarning", "simon_design", "simon_design_from_spec"]

KINDS = ("optimal", "minimax")
DEFAULT_N_MAX = 100
#: How to widen the search, said by every message about the bound.
WIDEN = "set design.n_max in the protocol file (or pass n_max=)"


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


class SimonSearchBoundWarning(UserWarning):
    """The optimal design found within ``n <= n_max`` is not the optimal design.

    Carries ``loc`` (``("n_max",)``), ``value`` (the bound), ``reason``, and ``beyond``:
    the optimal design of an unbounded search, whose ``n`` exceeds the bound.
    """

    def __init__(self, value: int, reason: str, beyond: SimonDesign) -> None:
        self.loc: tuple[str, ...] = ("n_max",)
        self.value = value
        self.reason = reason
        self.beyond = beyond
        super().__init__(f"n_max: {reason} (got {value!r})")


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


def _feasible_r(n1: int, r1: int, n: int, p0: float, p1: float, alpha: float, beta: float) -> int | None:
    """The largest r meeting alpha and beta for stage sizes (n1, n) and futility bound r1, or None."""
    x1 = np.arange(r1 + 1, n1 + 1)
    r = np.arange(r1, n + 1)
    k = r[None, :] - x1[:, None]
    rej = {
        p: (stats.binom.pmf(x1, n1, p)[:, None] * stats.binom.sf(k, n - n1, p)).sum(axis=0) for p in (p0, p1)
    }
    ok = np.flatnonzero((rej[p1] >= 1.0 - beta) & (rej[p0] <= alpha))
    return int(r[ok[-1]]) if ok.size else None


@lru_cache(maxsize=32)
def _better_beyond(
    p0: float, p1: float, alpha: float, beta: float, n_max: int, en0: float
) -> SimonDesign | None:
    """The design of smallest EN(p0) among those with n > n_max and EN(p0) < ``en0``, if any.

    Exhaustive, not a heuristic: a design (r1, n1, r, n) has EN(p0) = n1 + P0(X1 > r1) (n - n1),
    increasing in n, and meets the power only if P1(X1 <= r1) <= beta. So only first
    stages with n1 < en0 and P1(X1 <= r1) <= beta can beat ``en0``, each only for the n
    between n_max + 1 and the n where its EN(p0) reaches ``en0``; those n are tried in
    order, and the first feasible one is that first stage's best design beyond the bound.
    ``en0`` shrinks as better designs are found; among designs within a relative 1e-12
    of each other's EN(p0) the first found (smallest n1) is kept, and the bound's own
    optimal design wins such a tie (it has the smaller n, as the search's tie rule wants).
    """
    best: SimonDesign | None = None
    for n1 in range(1, math.ceil(en0)):
        r1s = np.arange(n1)
        sf0 = stats.binom.sf(r1s, n1, p0)
        # Necessary for the power; the 1e-12 keeps rounding from dropping a borderline first stage.
        powered = stats.binom.cdf(r1s, n1, p1) <= beta + 1e-12
        for r1 in np.flatnonzero(powered):
            go_on = float(sf0[r1])
            n = max(n_max, n1) + 1
            # Ends: if P0(X1 > r1) <= alpha, r = r1 is feasible at the first n tried;
            # otherwise fewer than en0 / alpha values of n are tried.
            while n1 + go_on * (n - n1) < en0 * (1.0 - 1e-12):
                r = _feasible_r(n1, int(r1), n, p0, p1, alpha, beta)
                if r is not None:
                    best = _design_of_rule(int(r1), n1, r, n, p0, p1)
                    en0 = best.en0
                    break
                n += 1
    return best


def _design_of_rule(r1: int, n1: int, r: int, n: int, p0: float, p1: float) -> SimonDesign:
    """The SimonDesign of given boundaries, with its exact EN(p0), PET(p0), alpha and power."""
    x1 = np.arange(r1 + 1, n1 + 1)
    rej = [float(np.sum(stats.binom.pmf(x1, n1, p) * stats.binom.sf(r - x1, n - n1, p))) for p in (p0, p1)]
    pet0 = float(stats.binom.cdf(r1, n1, p0))
    return SimonDesign(r1, n1, r, n, n1 + (1.0 - pet0) * (n - n1), pet0, rej[0], rej[1], p0, p1)


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
        Largest total sample size searched (default 100, as clinfun's ``ph2simon``).

    Raises
    ------
    OncotrialError
        When no design with n <= ``n_max`` meets alpha and beta (the minimax design
        needs a larger n); the message names ``n_max`` and how to widen it.

    Warns
    -----
    SimonSearchBoundWarning
        When a design with n > ``n_max`` has a smaller EN(p0) than the optimal design
        found within the bound. The warning names that design (the optimal design of
        an unbounded search, also on the warning's ``beyond``) and the ``n_max`` that
        reaches it. The design returned is still the best within the bound.

    Notes
    -----
    What the bound can change. The minimax design never depends on it: it is the
    smallest n with a feasible design, so it is either found within the bound or the
    search fails with the error above. The optimal design (and with it the admissible
    list, which ends there) does: a larger n can have a smaller EN(p0), even when the
    optimum found lies strictly inside the bound (0.2 / 0.35 / 0.05 / 0.05: 26/99
    within 100, 28/109 beyond). After the search, every design beyond the bound that
    could still have a smaller EN(p0) is checked (EN(p0) >= n1 + P0(X1 > r1) (n - n1)
    and the power needs P1(X1 <= r1) <= beta, which leave finitely many). So no warning
    means no two-stage design of any size has a smaller EN(p0) than the optimal design
    returned, and the optimal and admissible designs are those of an unbounded search.
    The designs searched are those of Simon and clinfun: 0 <= r1 < n1 < n.

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
            "n_max",
            n_max,
            f"no two-stage design with n <= {n_max} meets alpha = {alpha} and beta = {beta}: "
            f"the minimax design needs a larger n; {WIDEN} to a larger value",
        )
    chain = _admissible(per_n)
    beyond = _better_beyond(p0, p1, alpha, beta, n_max, chain[-1].en0)
    if beyond is not None:
        warnings.warn(_bound_warning(n_max, kind, chain[-1], beyond), stacklevel=2)
    if len(chain) == 1:
        admissible: tuple[SimonDesign, ...] = (replace(chain[0], kind=kind),)
    else:
        middle = tuple(replace(d, kind="admissible") for d in chain[1:-1])
        admissible = (replace(chain[0], kind="minimax"), *middle, replace(chain[-1], kind="optimal"))
    chosen = admissible[-1] if kind == "optimal" else admissible[0]
    return replace(chosen, admissible=admissible)


def _bound_warning(n_max: int, kind: str, found: SimonDesign, beyond: SimonDesign) -> SimonSearchBoundWarning:
    unaffected = (
        "the minimax design does not depend on the bound, but the optimal and admissible designs do; "
        if kind == "minimax"
        else ""
    )
    reason = (
        f"the search for the optimal design stopped at n = {n_max}, and a larger design has a smaller "
        f"EN(p0): r1/n1 = {beyond.r1}/{beyond.n1}, r/n = {beyond.r}/{beyond.n}, EN(p0) = {beyond.en0:.2f} "
        f"against {found.en0:.2f} for r1/n1 = {found.r1}/{found.n1}, r/n = {found.r}/{found.n} found "
        f"within it; {unaffected}{WIDEN} to {beyond.n} or more"
    )
    return SimonSearchBoundWarning(n_max, reason, replace(beyond, kind="optimal"))


def simon_design_from_spec(spec: Any) -> SimonDesign:
    """The design for a protocol's design section (anything with p0, p1, alpha, beta, kind, n_max)."""
    return simon_design(
        spec.p0, spec.p1, spec.alpha, spec.beta, kind=spec.kind, n_max=getattr(spec, "n_max", None)
    )
