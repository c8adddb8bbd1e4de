"""Time ``simon_design`` (optimal and minimax from one search) for a spread of settings.

Run by hand from the repository root::

    .venv/bin/python benchmarks/bench_simon.py

The target is under 1 second per (p0, p1, alpha, beta) with n up to 100. Each
row is a fresh search (the per-setting cache is cleared first); the minimax
design then comes from the same search. CPU seconds (user + system), best of
three.
"""

from __future__ import annotations

import time

from oncotrial.stats import simon_design
from oncotrial.stats._simon import _best_per_n

SETTINGS = [
    (0.05, 0.25, 0.05, 0.20),
    (0.10, 0.30, 0.05, 0.10),
    (0.20, 0.40, 0.05, 0.20),
    (0.20, 0.40, 0.10, 0.10),
    (0.30, 0.50, 0.05, 0.10),
    (0.40, 0.60, 0.05, 0.20),
    (0.50, 0.70, 0.05, 0.10),
    (0.70, 0.90, 0.05, 0.10),
    (0.20, 0.35, 0.05, 0.05),  # needs n close to 100
]
TARGET_S = 1.0


def main() -> None:
    print(
        f"{'p0':>5} {'p1':>5} {'alpha':>6} {'beta':>5} | {'optimal':>13} {'minimax':>13} | {'CPU s':>6} {'of 1 s':>7}"
    )
    print("-" * 76)
    worst = 0.0
    for p0, p1, alpha, beta in SETTINGS:
        best = float("inf")
        for _ in range(3):
            _best_per_n.cache_clear()
            t0 = time.process_time()
            opt = simon_design(p0, p1, alpha, beta, n_max=100)
            best = min(best, time.process_time() - t0)
        mm = simon_design(p0, p1, alpha, beta, kind="minimax", n_max=100)
        worst = max(worst, best)
        print(
            f"{p0:>5} {p1:>5} {alpha:>6} {beta:>5} | "
            f"{f'{opt.r1}/{opt.n1}, {opt.r}/{opt.n}':>13} {f'{mm.r1}/{mm.n1}, {mm.r}/{mm.n}':>13} | "
            f"{best:>6.3f} {best / TARGET_S:>7.2f}"
        )
    print(f"\nslowest: {worst:.3f} s ({worst / TARGET_S:.2f} of the 1 s target)")


if __name__ == "__main__":
    main()
