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


def find_quantile(time: np.ndarray, curve: np.ndarray, p: float, tol: float = TOLERANCE) -> float | None:
    """First time at which ``curve`` (a survival curve or band, NaN allowed) is at or below ``1 - p``.

    ``time`` and ``curve`` are the step function's jump times and values; the
    curve starts at 1 at time 0.
    """
    y = 1.0 - curve
    missing = np.isnan(y)
    has_nan = bool(missing.any())
    valid = np.flatnonzero(~missing) if has_nan else None
    yv = y[valid] if has_nan else y
    if yv.size and not np.all(yv[1:] >= yv[:-1]):
        x_all = np.concatenate(([0.0], time))
        y_all = np.concatenate(([0.0], y))
        return None if np.nanmax(y_all) < p else _general(x_all, y_all, p, tol)
    # A monotone curve (always, for the estimate; nearly always, for a band): equal
    # values are adjacent, so the first of a run is what R's duplicated() keeps and a
    # binary search over the valid values finds R's interpolation index directly.
    # Positions below are in ``curve``; R's vectors also hold the point (0, 0) first.
    top = float(yv[-1]) if yv.size else 0.0
    if top < p:
        return None

    def time_of(j: int) -> float:
        return float(time[valid[j] if has_nan else j])

    x1: float | None
    if p < tol:  # below R's interpolation range
        x1 = None
    else:
        j = int(np.searchsorted(yv + tol, p, side="left"))
        x1 = 0.0 if p <= tol else (time_of(j) if j < yv.size else None)
    j2 = int(np.searchsorted(yv - tol, p, side="left"))
    x2 = time_of(j2) if j2 < yv.size else None
    quant = None if x1 is None or x2 is None else (x1 + x2) / 2.0
    # The last value left after duplicated(): NaN if the first NaN comes after the
    # first occurrence of the final valid value (0 stands at R's position 0).
    if top == 0.0:
        first_of_last = 0
    else:
        k = int(np.searchsorted(yv, yv[-1], side="left"))
        first_of_last = 1 + int(valid[k] if has_nan else k)
    first_nan = 1 + int(np.argmax(missing)) if has_nan else -1
    if first_nan < first_of_last and abs(p - top) < tol:
        quant = None if x1 is None else (x1 + float(time[-1])) / 2.0
    return None if quant is None else float(quant)
