"""Kaplan-Meier with its median and Brookmeyer-Crowley interval: oncotrial vs lifelines vs R.

Run by hand from the repository root::

    .venv/bin/python benchmarks/bench_km.py            # 10^3, 10^5, 10^7 subjects
    .venv/bin/python benchmarks/bench_km.py --sizes 1000 100000

Each tool gets the same data (exponential event times with uniform censoring,
about 30% censored) in two forms: whole days (as trial data are recorded) and
continuous times. Times are CPU seconds (user + system of the process, which
other work on a shared machine does not inflate as it does wall time), the best
of several runs (three at 10^7), of fitting the curve and computing the median
with its 95% interval (log-log band for oncotrial and R; lifelines' own
exponential Greenwood band, its only choice). Peak memory: tracemalloc's peak for the Python tools, R's
``gc()`` "max used" for R (both net of the input data). R runs through
Rscript when it is installed; its CPU time is measured inside R
(``proc.time``), so process start-up and data loading are not counted.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import subprocess
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

from oncotrial.stats import kaplan_meier

R_SCRIPT = r"""
suppressMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
n <- as.integer(args[3]); reps <- as.integer(args[4])
time <- readBin(args[1], "double", n); event <- readBin(args[2], "integer", n, size = 4)
best <- Inf
mem <- 0
for (i in seq_len(reps)) {
  invisible(gc(reset = TRUE))
  base <- sum(gc()[, 2])  # Mb in use before the fit (R itself and the data)
  t0 <- proc.time()
  fit <- survfit(Surv(time, event) ~ 1, conf.type = "log-log")
  q <- quantile(fit, 0.5)
  used <- proc.time() - t0
  best <- min(best, used[["user.self"]] + used[["sys.self"]])
  mem <- max(mem, sum(gc()[, 6]) - base)  # max used since the reset, net of what was there
}
cat(sprintf("%.9f %.3f %.10g\n", best, mem, q$quantile))
"""


def make_data(n: int, integer_days: bool, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    event_time = rng.exponential(365.0, n)
    censor_time = rng.uniform(0, 1500.0, n)
    t = np.minimum(event_time, censor_time)
    if integer_days:
        t = np.ceil(t)
    return t, (event_time <= censor_time).astype(np.int32)


def measure(fn: Callable[[], object], reps: int) -> tuple[float, float, object]:
    """Best CPU time over ``reps`` runs, and tracemalloc peak (MiB) of one run."""
    best = float("inf")
    result = None
    for _ in range(reps):
        gc.collect()
        t0 = time.process_time()
        result = fn()
        best = min(best, time.process_time() - t0)
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return best, peak, result


def ours(t: np.ndarray, e: np.ndarray) -> Callable[[], object]:
    return lambda: kaplan_meier(t, e, conf_type="log-log").median()


def lifelines_km(t: np.ndarray, e: np.ndarray) -> Callable[[], object]:
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    def run() -> object:
        kmf = KaplanMeierFitter().fit(t, e)
        ci = median_survival_times(kmf.confidence_interval_)
        return kmf.median_survival_time_, float(ci.iloc[0, 0]), float(ci.iloc[0, 1])

    return run


def r_survfit(t: np.ndarray, e: np.ndarray, reps: int) -> tuple[float, float, float] | None:
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        tf, ef, script = Path(tmp, "t.bin"), Path(tmp, "e.bin"), Path(tmp, "km.R")
        t.astype("<f8").tofile(tf)
        e.astype("<i4").tofile(ef)
        script.write_text(R_SCRIPT)
        out = subprocess.run(
            ["Rscript", str(script), str(tf), str(ef), str(t.size), str(reps)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    return float(out[0]), float(out[1]), float(out[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000, 10_000_000])
    parser.add_argument("--no-lifelines", action="store_true")
    parser.add_argument("--no-r", action="store_true")
    args = parser.parse_args()

    header = (
        f"{'n':>10} {'times':>6} | {'oncotrial s':>11} {'MiB':>6} | {'lifelines s':>11} {'MiB':>7} "
        f"{'ratio':>6} | {'R survfit s':>11} {'Mb':>7} {'ratio':>6} | median (ours / lifelines / R)"
    )
    print(header)
    print("-" * len(header))
    for n in args.sizes:
        reps = 3 if n >= 10**7 else (10 if n >= 10**5 else 50)
        for integer_days in (True, False):
            t, e = make_data(n, integer_days)
            o_time, o_mem, o_res = measure(ours(t, e), reps)
            row = f"{n:>10} {'days' if integer_days else 'cont.':>6} | {o_time:>11.4f} {o_mem:>6.0f} | "
            l_med = r_med = "-"
            if args.no_lifelines:
                row += f"{'-':>11} {'-':>7} {'-':>6} | "
            else:
                l_time, l_mem, l_res = measure(lifelines_km(t, e), reps)
                row += f"{l_time:>11.4f} {l_mem:>7.0f} {l_time / o_time:>5.1f}x | "
                l_med = f"{l_res[0]:g}"
            r = None if args.no_r else r_survfit(t, e, reps)
            if r is None:
                row += f"{'-':>11} {'-':>7} {'-':>6} | "
            else:
                row += f"{r[0]:>11.4f} {r[1]:>7.0f} {r[0] / o_time:>5.1f}x | "
                r_med = f"{r[2]:g}"
            print(row + f"{o_res[0]:g} / {l_med} / {r_med}", flush=True)
    print("\nratio = other tool's time / oncotrial's time (higher: oncotrial faster).")


if __name__ == "__main__":
    main()
