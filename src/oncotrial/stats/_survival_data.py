"""Checking right-censored data and tabulating it by distinct time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from oncotrial.errors import OncotrialError

# Whole-number times are tabulated by counting (linear in n) when the largest is at
# most 2 n + _COUNTING_SLACK and at most _COUNTING_MAX, so the count array stays
# proportional to the data; otherwise by sorting.
_COUNTING_SLACK = 100_000
_COUNTING_MAX = 10_000_000


@dataclass(frozen=True)
class Tabulated:
    """Counts per distinct time, in increasing time order."""

    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray

    @property
    def n_censor(self) -> np.ndarray:
        """Censorings at each time: those at risk, less the events, less those still at risk next."""
        leaving = self.n_risk - self.n_event
        leaving[:-1] -= self.n_risk[1:]
        return leaving


def check_survival_data(time: ArrayLike, event: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Return ``time`` as float64 and ``event`` as a 0/1 array, or raise naming the bad argument.

    ``event`` comes back as given when it already is boolean or a 0/1 integer
    array (no copy), else as bool.
    """
    t = np.asarray(time)
    e = np.asarray(event)
    if t.ndim != 1:
        raise OncotrialError("time", t.shape, "must be one-dimensional")
    if e.shape != t.shape:
        raise OncotrialError("event", e.shape, f"must have the same length as time ({t.shape[0]})")
    if t.shape[0] == 0:
        raise OncotrialError("time", 0, "needs at least one subject")
    if not np.issubdtype(t.dtype, np.number) or np.issubdtype(t.dtype, np.complexfloating):
        raise OncotrialError("time", str(t.dtype), "must be numeric")
    t = t.astype(np.float64, copy=False)
    lo, hi = t.min(), t.max()  # NaN propagates, so two reductions check everything
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise OncotrialError("time", float(t[~np.isfinite(t)][0]), "must be finite (no NaN or infinity)")
    if lo < 0:
        raise OncotrialError("time", float(lo), "must be >= 0")
    if e.dtype == np.bool_:
        return t, e
    if not np.issubdtype(e.dtype, np.number):
        raise OncotrialError("event", str(e.dtype), "must be 0/1 or boolean")
    if np.issubdtype(e.dtype, np.integer) and e.min() >= 0 and e.max() <= 1:
        return t, e
    ok = (e == 0) | (e == 1)
    if not ok.all():
        raise OncotrialError("event", e[~ok][0].item(), "must be 0 (censored) or 1 (event)")
    return t, e == 1


def _sorted_counts(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Distinct times with their totals and event counts, from one sort.

    For times >= 0 the IEEE-754 bit pattern read as an unsigned integer orders
    like the time itself, so ``bits << 1 | event`` sorts by time and carries the
    event flag along: one sort of n integers instead of a sort plus searches.
    The totals come back as None when every time is distinct (all totals 1).
    """
    key = (time + 0.0).view(np.uint64)  # a new array; + 0.0 turns -0.0 into 0.0
    np.left_shift(key, np.uint64(1), out=key)
    np.bitwise_or(key, event, out=key, dtype=np.uint64, casting="unsafe")  # event is 0/1
    key.sort()
    flags = np.bitwise_and(key, np.uint64(1)).view(np.int64)  # 0/1: same bits either way
    np.right_shift(key, np.uint64(1), out=key)
    times = key.view(np.float64)
    distinct = times[1:] != times[:-1]
    if distinct.all():  # no ties (the usual case for continuous times)
        return times, None, flags
    starts = np.flatnonzero(np.concatenate(([True], distinct)))
    total = np.diff(starts, append=times.size)
    return times[starts], total, np.add.reduceat(flags, starts)


def tabulate(time: np.ndarray, event: np.ndarray) -> Tabulated:
    """Number at risk, events and censorings at each distinct time."""
    n = time.shape[0]
    hi = time.max()
    days = None
    if hi <= min(_COUNTING_MAX, 2 * n + _COUNTING_SLACK):
        days = time.astype(np.int64)
        if not np.equal(days, time).all():
            days = None
    if days is not None:
        # One counting pass over 2 * day + event: censorings and events land side by side.
        np.left_shift(days, 1, out=days)
        np.bitwise_or(days, event, out=days, dtype=np.int64, casting="unsafe")  # event is 0/1
        counts = np.bincount(days, minlength=2 * (int(hi) + 1)).reshape(-1, 2)
        total = counts.sum(axis=1)
        present = np.flatnonzero(total)
        uniq = present.astype(np.float64)
        total = total[present]
        n_event = counts[present, 1]
    else:
        uniq, total, n_event = _sorted_counts(time, event)
        if total is None:  # every time distinct
            return Tabulated(time=uniq, n_risk=np.arange(n, 0, -1), n_event=n_event)
    n_risk = np.empty(total.size, dtype=np.int64)
    n_risk[0] = n
    np.subtract(n, np.cumsum(total[:-1]), out=n_risk[1:])
    n_event = n_event.astype(np.int64, copy=False)
    return Tabulated(time=uniq, n_risk=n_risk, n_event=n_event)
