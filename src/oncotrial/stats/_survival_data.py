"""Checking right-censored data and tabulating it by distinct time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from oncotrial.errors import OncotrialError

# Integer-valued times spanning at most this many days (or this many times the
# number of subjects) are tabulated by counting, which is linear in n.
_COUNTING_SPAN = 10_000_000


@dataclass(frozen=True)
class Tabulated:
    """Counts per distinct time, in increasing time order."""

    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray


def check_survival_data(time: ArrayLike, event: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Return ``time`` as float64 and ``event`` as bool, or raise naming the bad argument."""
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
    finite = np.isfinite(t)
    if not finite.all():
        raise OncotrialError("time", float(t[~finite][0]), "must be finite (no NaN or infinity)")
    if t.min() < 0:
        raise OncotrialError("time", float(t.min()), "must be >= 0")
    if e.dtype != np.bool_:
        if not np.issubdtype(e.dtype, np.number):
            raise OncotrialError("event", str(e.dtype), "must be 0/1 or boolean")
        ok = (e == 0) | (e == 1)
        if not ok.all():
            raise OncotrialError("event", e[~ok][0].item(), "must be 0 (censored) or 1 (event)")
        e = e == 1
    return t, e


def tabulate(time: np.ndarray, event: np.ndarray) -> Tabulated:
    """Number at risk, events and censorings at each distinct time."""
    n = time.shape[0]
    lo, hi = time.min(), time.max()
    span = hi - lo
    if span <= max(_COUNTING_SPAN, 4 * n) and np.array_equal(time, np.floor(time)):
        offset = (time - lo).astype(np.int64)
        total = np.bincount(offset, minlength=int(span) + 1)
        events = np.bincount(offset[event], minlength=int(span) + 1)
        present = np.flatnonzero(total)
        uniq = present.astype(np.float64) + lo
        total = total[present]
        n_event = events[present]
    else:
        ts = np.sort(time)
        starts = np.concatenate(([0], np.flatnonzero(np.diff(ts)) + 1))
        uniq = ts[starts]
        total = np.diff(np.append(starts, n))
        te = np.sort(time[event])
        n_event = np.searchsorted(te, uniq, side="right") - np.searchsorted(te, uniq, side="left")
    n_risk = n - np.concatenate(([0], np.cumsum(total)[:-1]))
    return Tabulated(
        time=uniq,
        n_risk=n_risk.astype(np.int64),
        n_event=n_event.astype(np.int64),
        n_censor=(total - n_event).astype(np.int64),
    )
