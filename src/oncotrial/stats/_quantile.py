"""Where a survival curve (or one of its confidence bands) first reaches 1 - p.

A transcription of the rule in R's survival package (``quantile.survfit`` and
its helper ``findq``), so that quantiles and their Brookmeyer-Crowley
intervals agree with R to rounding:

* a value within ``tol`` of the target counts as reaching it;
* when the curve is flat exactly at the target, the quantile is the midpoint
  of the flat stretch (the first time the curve is there and the next time it
  moves); if it stays there to the end, the midpoint with the last time;
* when the curve (band) never reaches the target, the answer is ``None``.
"""

from __future__ import annotations

import bisect

import numpy as np

# R's default: sqrt(.Machine$double.eps)
TOLERANCE = float(np.sqrt(np.finfo(np.float64).eps))


def _first_reaching(sorted_y: np.ndarray, ids: np.ndarray, target: float) -> int | None:
    """R's ``approx(y, 1:n, target, method = "constant", f = 1)``: first index with y >= target."""
    if sorted_y.size == 0 or target < sorted_y[0] or target > sorted_y[-1]:
        return None
    return int(ids[np.searchsorted(sorted_y, target, side="left")])


def _general(x: np.ndarray, y: np.ndarray, p: float, tol: float) -> float | None:
    """R's steps as written: drop duplicated values, drop NA, interpolate on the sorted rest."""
    xmax = x[-1]
    _, first_at = np.unique(y, return_index=True)  # duplicated(): first of each value, NaNs equal
    keep = np.sort(first_at)
    x, y = x[keep], y[keep]
    valid_at = np.flatnonzero(~np.isnan(y))
    ids = valid_at[np.argsort(y[valid_at], kind="stable")]
    ys = y[ids]
    i1 = _first_reaching(ys + tol, ids, p)
    i2 = _first_reaching(ys - tol, ids, p)
    quant = None if i1 is None or i2 is None else (x[i1] + x[i2]) / 2.0
    if not np.isnan(y[-1]) and abs(p - y[-1]) < tol:
        quant = None if i1 is None else (x[i1] + xmax) / 2.0
    return None if quant is None else float(quant)


def find_quantile(
    time: np.ndarray, curve: np.ndarray, p: float, tol: float = TOLERANCE, *, monotone: bool = False
) -> float | None:
    """First time at which ``curve`` (a survival curve or band, NaN allowed) is at or below ``1 - p``.

    ``time`` and ``curve`` are the step function's jump times and values; the
    curve starts at 1 at time 0. ``monotone=True`` promises a non-increasing curve
    without NaN (a Kaplan-Meier estimate) and skips the checks.
    """
    n = curve.size
    lead, end = 0, n
    if not monotone:
        missing = np.isnan(curve)
        if missing.any():
            lead = int(np.argmin(missing))
            if missing[lead]:  # all NaN: R's y is then just its leading 0
                return None
            end = n - int(np.argmin(missing[::-1]))
            if missing[lead:end].any():
                return _general_from_curve(time, curve, p, tol)
        seg = curve[lead:end]
        if not np.all(seg[1:] <= seg[:-1]):
            return _general_from_curve(time, curve, p, tol)
    # A monotone curve with NaN at most at its ends (always so for the estimate and
    # our bands, nearly always for a band in general): equal values are adjacent, so
    # the first of a run is what R's duplicated() keeps, and bisection on y = 1 - curve,
    # with the same float operations as R's, finds R's interpolation index directly.
    # R's vectors also hold the point (time 0, y 0) in front.
    seg = curve[lead:end]
    m = end - lead
    top = 1.0 - float(seg[-1])
    if top < p:
        return None
    x1: float | None = None
    if p == tol:
        x1 = 0.0
    elif p > tol:
        j = bisect.bisect_left(seg, p, key=lambda c: (1.0 - c) + tol)
        x1 = float(time[lead + j]) if j < m else None
    j2 = bisect.bisect_left(seg, p, key=lambda c: (1.0 - c) - tol)
    x2 = float(time[lead + j2]) if j2 < m else None
    quant = None if x1 is None or x2 is None else (x1 + x2) / 2.0
    # The last value left after duplicated() (positions count R's leading point as 0):
    # NaN if the first NaN comes after the first occurrence of the final valid value.
    first_of_last = 0 if top == 0.0 else 1 + lead + bisect.bisect_left(seg, top, key=lambda c: 1.0 - c)
    first_nan = 1 if lead > 0 else (1 + end if end < n else -1)
    if first_nan < first_of_last and abs(p - top) < tol:
        quant = None if x1 is None else (x1 + float(time[-1])) / 2.0
    return None if quant is None else float(quant)


def _general_from_curve(time: np.ndarray, curve: np.ndarray, p: float, tol: float) -> float | None:
    x = np.concatenate(([0.0], time))
    y = np.concatenate(([0.0], 1.0 - curve))
    return None if np.nanmax(y) < p else _general(x, y, p, tol)
