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


def find_quantile(time: np.ndarray, curve: np.ndarray, p: float, tol: float = TOLERANCE) -> float | None:
    """First time at which ``curve`` (a survival curve or band, NaN allowed) is at or below ``1 - p``.

    ``time`` and ``curve`` are the step function's jump times and values; the
    curve starts at 1 at time 0.
    """
    x = np.concatenate(([0.0], time))
    y = np.concatenate(([0.0], 1.0 - curve))
    if np.all(np.isnan(y)) or np.nanmax(y) < p:
        return None
    xmax = x[-1]
    # Keep the first occurrence of each value (R's duplicated(); NaNs count as equal).
    _, first = np.unique(y, return_index=True)
    keep = np.sort(first)
    x, y = x[keep], y[keep]
    valid = np.flatnonzero(~np.isnan(y))
    order = np.argsort(y[valid], kind="stable")
    ids = valid[order]
    ys = y[ids]
    i1 = _first_reaching(ys + tol, ids, p)
    i2 = _first_reaching(ys - tol, ids, p)
    quant = None if i1 is None or i2 is None else (x[i1] + x[i2]) / 2.0
    if not np.isnan(y[-1]) and abs(p - y[-1]) < tol:
        quant = None if i1 is None else (x[i1] + xmax) / 2.0
    return None if quant is None else float(quant)
