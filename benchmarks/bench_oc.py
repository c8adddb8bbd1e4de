"""Benchmark: operating characteristics of the protocol's Simon design, and cohort generation.

Side by side:

- the vectorised binomial simulation (``simulate_operating_characteristics``) against a
  per-trial Python loop that a user would otherwise write (two binomial draws, the Simon
  rule and a Clopper-Pearson interval per trial, ``scipy.stats.beta``), on the same design
  and true rate; the loop runs on ``--loop-trials`` trials and is scaled linearly;
- patient-level virtual trials (tumours measured scan by scan, read by RECIST), in trials/s;
- one SDTM cohort (``simulate_cohort``) of 27 and 300 patients.

Usage::

    .venv/bin/python benchmarks/bench_oc.py
    .venv/bin/python benchmarks/bench_oc.py --trials 1000000 --loop-trials 20000
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy import stats as sps

from oncotrial.protocol import load_protocol
from oncotrial.simulate import Scenario, simulate_cohort
from oncotrial.simulate._oc import SimonRule, simulate_operating_characteristics
from oncotrial.simulate._patient_level import simulate_patient_responses
from oncotrial.stats import simon_design_from_spec


def loop_oc(rule: SimonRule, p: float, n_trials: int, seed: int, conf_level: float) -> tuple[float, float]:
    """The straightforward per-trial loop: P(promising) and CI coverage."""
    rng = np.random.default_rng(seed)
    tail = (1 - conf_level) / 2
    promising = covered = 0
    for _ in range(n_trials):
        x1 = rng.binomial(rule.n1, p)
        if x1 <= rule.r1:
            x, n = x1, rule.n1
        else:
            x, n = x1 + rng.binomial(rule.n2, p), rule.n
            promising += x > rule.r
        lo = sps.beta.ppf(tail, x, n - x + 1) if x > 0 else 0.0
        hi = sps.beta.ppf(1 - tail, x + 1, n - x) if x < n else 1.0
        covered += lo <= p <= hi
    return promising / n_trials, covered / n_trials


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100_000)
    parser.add_argument("--loop-trials", type=int, default=5_000)
    parser.add_argument("--patient-trials", type=int, default=200)
    parser.add_argument("--p", type=float, default=0.3)
    args = parser.parse_args()

    protocol = load_protocol()
    conf = protocol.analysis.conf_level
    rule = SimonRule.of(simon_design_from_spec(protocol.design))
    print(f"design r1/n1 = {rule.r1}/{rule.n1}, r/n = {rule.r}/{rule.n}; true rate {args.p}")

    vec, t_vec = timed(
        simulate_operating_characteristics,
        rule,
        args.p,
        n_trials=args.trials,
        rng=np.random.default_rng(1),
        conf_level=conf,
    )
    (loop_promising, loop_cover), t_loop = timed(loop_oc, rule, args.p, args.loop_trials, 1, conf)
    t_loop_scaled = t_loop * args.trials / args.loop_trials
    responses, t_pat = timed(
        simulate_patient_responses,
        protocol,
        Scenario(orr=args.p),
        n_trials=args.patient_trials,
        n_patients=rule.n,
        rng=np.random.default_rng(2),
    )
    _, t_c27 = timed(simulate_cohort, protocol, Scenario(), seed=1)
    _, t_c300 = timed(simulate_cohort, protocol, Scenario(n_subjects=300), seed=1)

    rows = [
        (
            "binomial OC, vectorised",
            args.trials,
            t_vec,
            f"P(prom) {vec.promising:.4f}, cover {vec.coverage:.4f}",
        ),
        (
            "binomial OC, per-trial loop",
            args.trials,
            t_loop_scaled,
            f"P(prom) {loop_promising:.4f}, cover {loop_cover:.4f} (ran {args.loop_trials:,}, scaled)",
        ),
        ("patient-level trials (RECIST)", args.patient_trials, t_pat, f"ORR read {responses.mean():.3f}"),
        ("SDTM cohort, 27 patients", 1, t_c27, ""),
        ("SDTM cohort, 300 patients", 1, t_c300, ""),
    ]
    print(f"{'what':<32}{'runs':>10}{'seconds':>10}{'per second':>14}  note")
    for name, runs, seconds, note in rows:
        print(f"{name:<32}{runs:>10,}{seconds:>10.3f}{runs / seconds:>14,.0f}  {note}")
    print(f"\nvectorised vs loop: {t_loop_scaled / t_vec:,.0f}x faster")


if __name__ == "__main__":
    main()
