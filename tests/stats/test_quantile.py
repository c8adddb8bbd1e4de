"""find_quantile against a line-by-line transcription of R survival's ``findq``.

The transcription below is deliberately naive (Python loops, R's steps in R's
order) so that it checks the vectorised version, including bands that are not
monotone and bands with NA at either end, which the R reference datasets may
not reach.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from oncotrial.stats._quantile import TOLERANCE, find_quantile


def _r_approx_constant_f1(xs, ys, v):
    """R's approx(xs, ys, v, method = "constant", f = 1) after dropping NA pairs (ties absent)."""
    pairs = sorted((a, b) for a, b in zip(xs, ys, strict=True) if not math.isnan(a))
    if not pairs or v < pairs[0][0] or v > pairs[-1][0]:
        return None
    for a, b in pairs:
        if a >= v:
            return b
    return None


def _findq_transcribed(time, curve, p, tol=TOLERANCE):
    x = [0.0, *time]
    y = [0.0, *(1.0 - c for c in curve)]
    finite = [v for v in y if not math.isnan(v)]
    if not finite or max(finite) < p:
        return None
    xmax = x[-1]
    seen_nan, seen, kx, ky = False, set(), [], []
    for a, b in zip(x, y, strict=True):
        if math.isnan(b):
            if seen_nan:
                continue
            seen_nan = True
        elif b in seen:
            continue
        seen.add(b)
        kx.append(a)
        ky.append(b)
    idx = list(range(len(ky)))
    i1 = _r_approx_constant_f1([v + tol for v in ky], idx, p)
    i2 = _r_approx_constant_f1([v - tol for v in ky], idx, p)
    quant = None if i1 is None or i2 is None else (kx[i1] + kx[i2]) / 2
    if not math.isnan(ky[-1]) and abs(p - ky[-1]) < tol:
        quant = None if i1 is None else (kx[i1] + xmax) / 2
    return quant


def _random_curves(seed: int, count: int):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        k = int(rng.integers(1, 25))
        time = np.cumsum(rng.integers(1, 4, k)).astype(float)
        steps = rng.choice([0.0, 0.0, 0.125, 0.25], k)
        curve = np.clip(1.0 - np.cumsum(steps), 0.0, 1.0)
        if rng.random() < 0.3:  # a band that wiggles (not monotone)
            curve = np.clip(curve + rng.normal(0, 0.05, k), 0.0, 1.0)
        if rng.random() < 0.4:  # NA at the start and/or end, as R's log-log band has
            curve[: int(rng.integers(0, 3))] = np.nan
            if rng.random() < 0.5:
                curve[-1] = np.nan
        yield time, curve


@pytest.mark.parametrize("p", [0.25, 0.5, 0.75])
def test_matches_the_transcription_on_random_curves(p):
    for time, curve in _random_curves(seed=int(p * 100), count=400):
        assert find_quantile(time, curve, p) == _findq_transcribed(time, curve, p), (time, curve)


def test_flat_at_the_target_takes_the_midpoint():
    assert find_quantile(np.array([1.0, 2.0, 5.0]), np.array([0.75, 0.5, 0.25]), 0.5) == 3.5


def test_flat_at_the_target_to_the_end_takes_the_midpoint_with_the_last_time():
    assert find_quantile(np.array([1.0, 2.0, 9.0]), np.array([0.75, 0.5, 0.5]), 0.5) == 5.5


def test_never_reaching_the_target_is_none():
    assert find_quantile(np.array([1.0, 2.0]), np.array([0.9, 0.8]), 0.5) is None
