"""Benchmark: RECIST 1.1 timepoint and best-response derivation for many synthetic subjects.

Runs the vectorized engine (``oncotrial.recist``) and a straightforward per-subject loop of
the same rules (``tests/recist/oracle.py``, also the property-test oracle) side by side, and
prints a table with time, peak memory and the speed ratio. Each implementation runs in its
own fresh Python process, which first builds the same synthetic tables (same seed) and then
times only the derivation (timepoints + best response); peak memory is that process's
largest resident set size during the run (the kernel's high-water mark ``VmHWM``, reset
just before the run via ``/proc/self/clear_refs``; sampled every 5 ms where that is not allowed),
shown with the size just before the run (interpreter + input tables).

The loop is slow, so by default it runs on the first ``--oracle-subjects`` subjects and its
time is scaled linearly to all subjects (a per-subject loop is linear in subjects); pass
``--oracle-subjects`` equal to ``--subjects`` to time it in full. The two results are
compared on the subjects both ran.

Usage::

    .venv/bin/python benchmarks/bench_recist.py --subjects 100000
    .venv/bin/python benchmarks/bench_recist.py --subjects 2000 --oracle-subjects 2000
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

from oncotrial.protocol import load_protocol
from oncotrial.recist import RecistSettings, best_overall_response, evaluate_timepoints

ROOT = Path(__file__).resolve().parents[1]
PAGE = os.sysconf("SC_PAGE_SIZE")


def _oracle():
    spec = importlib.util.spec_from_file_location("recist_oracle", ROOT / "tests" / "recist" / "oracle.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def synthesize(n: int, seed: int = 2009, visits: int = 8) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """TU, TR and subjects for ``n`` subjects: about 6 lesions and ``visits`` assessments each.

    Each subject has a tumour trajectory (log-linear with noise) shared by its lesions; targets
    are 0-5 (5% have non-target disease only), nodes measured by short axis; 2% of target
    reads are NOT DONE, 1% of assessment dates are partial (YYYY-MM); new lesions appear more
    often as the tumour grows.
    """
    rng = np.random.default_rng(seed)
    subj_ids = np.array([f"BENCH-{i:06d}" for i in range(n)], dtype=object)
    n_t = rng.choice([2, 3, 4, 5], size=n, p=[0.2, 0.3, 0.3, 0.2])
    n_t[rng.random(n) < 0.05] = 0
    n_nt = rng.choice([1, 2, 3, 4], size=n, p=[0.2, 0.4, 0.3, 0.1])
    n_les = n_t + n_nt
    les_subj = np.repeat(np.arange(n), n_les)
    les_pos = np.arange(len(les_subj)) - np.repeat(np.cumsum(n_les) - n_les, n_les)
    is_target = les_pos < n_t[les_subj]
    les_num = np.where(is_target, les_pos + 1, les_pos - n_t[les_subj] + 1)
    les_id = np.where(is_target, "T", "NT").astype(object) + np.char.zfill(les_num.astype(str), 2).astype(
        object
    )
    organs = np.array(["LIVER", "LUNG", "LYMPH NODE", "BONE", "PERITONEUM", "ADRENAL GLAND"], dtype=object)
    loc = organs[rng.integers(0, len(organs), size=len(les_subj))]
    nodal = loc == "LYMPH NODE"
    base_size = np.where(nodal, rng.uniform(15, 40, len(les_subj)), rng.uniform(10, 60, len(les_subj)))
    tu = pd.DataFrame(
        {
            "USUBJID": subj_ids[les_subj],
            "TULNKID": les_id,
            "TULOC": loc,
            "TUSTRESC": np.where(is_target, "TARGET", "NON-TARGET"),
            "TUEVAL": "INVESTIGATOR",
        }
    )
    # Assessment dates: baseline 0-7 days before first dose, then every 6 weeks +-7 days.
    ref = np.datetime64("2024-01-01") + rng.integers(0, 730, n).astype("timedelta64[D]")
    nv = visits + 1
    k = np.tile(np.arange(nv), n)
    a_subj = np.repeat(np.arange(n), nv)
    offset = np.where(k == 0, -rng.integers(0, 8, n * nv), 42 * k + rng.integers(-7, 8, n * nv))
    a_date = ref[a_subj] + offset.astype("timedelta64[D]")
    a_text = np.datetime_as_string(a_date, unit="D").astype(object)
    partial = (k > 0) & (rng.random(n * nv) < 0.01)
    a_text[partial] = np.array([t[:7] for t in a_text[partial]], dtype=object)
    slope = rng.normal(-0.04, 0.12, n)
    factor = np.exp(slope[a_subj] * k + rng.normal(0, 0.05, n * nv) * (k > 0))
    # Records: every lesion at every assessment.
    per_subj_les_start = np.cumsum(n_les) - n_les
    rec_a = np.repeat(np.arange(n * nv), n_les[a_subj])
    rec_les = per_subj_les_start[a_subj[rec_a]] + (
        np.arange(len(rec_a)) - np.repeat(np.cumsum(n_les[a_subj]) - n_les[a_subj], n_les[a_subj])
    )
    f = factor[rec_a]
    size = base_size[rec_les] * f * np.exp(rng.normal(0, 0.05, len(rec_a)) * (k[rec_a] > 0))
    size = np.round(np.where(~nodal[rec_les] & (size < 5), 0.0, size), 1)
    tgt = is_target[rec_les]
    not_done = tgt & (k[rec_a] > 0) & (rng.random(len(rec_a)) < 0.02)
    u = rng.random(len(rec_a))
    p_absent = np.clip(0.8 - f, 0, 0.8)
    p_prog = 0.01 + 0.3 * (f > 1.3)
    # Code-like text columns take their values from small vocabularies (shared string objects).
    state = np.where(u < p_absent, 1, np.where(u < p_absent + p_prog, 2, 3))
    state = np.where(k[rec_a] == 0, 3, state)
    states = np.array([None, "ABSENT", "UNEQUIVOCAL PROGRESSION", "PRESENT"], dtype=object)
    groups = np.array(["TARGET", "NON-TARGET"], dtype=object)
    tests = np.array(["LDIAM", "LPERP", "TUMSTATE"], dtype=object)
    tr = pd.DataFrame(
        {
            "USUBJID": subj_ids[a_subj[rec_a]],
            "TRLNKID": les_id[rec_les],
            "TRGRPID": groups[(~tgt).astype(int)],
            "TRTESTCD": tests[np.where(tgt, nodal[rec_les].astype(int), 2)],
            "TRSTRESN": np.where(tgt & ~not_done, size, np.nan),
            "TRSTRESC": states[np.where(tgt, 0, state)],
            "TRSTAT": np.array([None, "NOT DONE"], dtype=object)[not_done.astype(int)],
            "VISITNUM": k[rec_a] + 1,
            "TRDTC": a_text[rec_a],
            "TREVAL": "INVESTIGATOR",
        }
    )
    # New lesions.
    new_a = np.flatnonzero((k > 0) & (rng.random(n * nv) < 0.02 + 0.15 * (factor > 1.2)))
    new = pd.DataFrame(
        {
            "USUBJID": subj_ids[a_subj[new_a]],
            "TRLNKID": "NEW01",
            "TRGRPID": "NEW",
            "TRTESTCD": "TUMSTATE",
            "TRSTRESN": np.nan,
            "TRSTRESC": np.where(rng.random(len(new_a)) < 0.1, "EQUIVOCAL", "UNEQUIVOCAL").astype(object),
            "TRSTAT": None,
            "VISITNUM": k[new_a] + 1,
            "TRDTC": a_text[new_a],
            "TREVAL": "INVESTIGATOR",
        }
    )
    tr = pd.concat([tr, new], ignore_index=True)
    subjects = pd.DataFrame({"USUBJID": subj_ids, "REFSTDT": ref.astype("datetime64[ns]")})
    return tu, tr, subjects


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS counter (Linux >= 4.0); False where that is not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _peak_rss() -> int:
    """Peak RSS since the last reset (VmHWM), in bytes."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return _rss()


def _phase(args: argparse.Namespace) -> None:
    """Child process: make the data, run one implementation, pickle the figures and results."""
    settings = RecistSettings.from_protocol(load_protocol())
    tu, tr, subjects = synthesize(args.subjects, args.seed)
    if args.phase == "loop":
        keep = set(subjects["USUBJID"].iloc[: args.oracle_subjects])
        tu, tr = tu[tu["USUBJID"].isin(keep)], tr[tr["USUBJID"].isin(keep)]
        subjects = subjects.iloc[: args.oracle_subjects]
        oracle = _oracle()

        def run():
            tp = oracle.oracle_timepoints(tu, tr, settings, subjects=subjects)
            return tp, oracle.oracle_best(tp, subjects, settings)

    else:

        def run():
            tp = evaluate_timepoints(tu, tr, settings, subjects=subjects)
            return tp, best_overall_response(tp, subjects, settings)

    start_rss = _rss()
    peak_reset = _reset_peak()
    if not peak_reset:  # no /proc/self/clear_refs: sample the RSS instead (costs some wall time)
        peak = [start_rss]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                peak[0] = max(peak[0], _rss())
                time.sleep(0.005)

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
    t0, c0 = time.perf_counter(), time.process_time()
    tp, best = run()
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    if peak_reset:
        peak = [_peak_rss()]
    else:
        stop.set()
        thread.join()
        peak[0] = max(peak[0], _rss())
    m = args.oracle_subjects
    first = set(subjects["USUBJID"].iloc[:m])
    tp = tp[tp["USUBJID"].isin(first)][["USUBJID", "VISITNUM", "OVRLRESP"]]
    best = best[best["USUBJID"].isin(first)][["USUBJID", "BOR", "CBOR"]]
    sizes = (len(subjects), len(tu), len(tr), tr.groupby(["USUBJID", "VISITNUM"], sort=False).ngroups)
    pd.to_pickle(
        {
            "time": elapsed,
            "cpu": cpu,
            "peak": peak[0],
            "start": start_rss,
            "tp": tp,
            "best": best,
            "sizes": sizes,
        },
        args.out,
    )


def _run_child(phase: str, args: argparse.Namespace, out: str) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--phase",
        phase,
        "--out",
        out,
        "--subjects",
        str(args.subjects),
        "--oracle-subjects",
        str(args.oracle_subjects),
        "--seed",
        str(args.seed),
    ]
    subprocess.run(cmd, check=True)
    return pd.read_pickle(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument(
        "--oracle-subjects", type=int, default=5_000, help="subjects the per-subject loop runs on"
    )
    parser.add_argument("--seed", type=int, default=2009)
    parser.add_argument("--phase", choices=["vectorized", "loop"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.oracle_subjects = min(args.oracle_subjects, args.subjects)
    if args.phase:
        _phase(args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        v = _run_child("vectorized", args, os.path.join(tmp, "v.pkl"))
        o = _run_child("loop", args, os.path.join(tmp, "o.pkl"))
    n, n_les, n_tr, n_assess = v["sizes"]
    print(
        f"{n:,} subjects, {n_les:,} lesions ({n_les / n:.1f} per subject), {n_assess:,} assessments "
        f"({n_assess / n - 1:.1f} after baseline per subject), {n_tr:,} TR rows"
    )
    m = args.oracle_subjects
    key = ["USUBJID", "VISITNUM"]
    vt = v["tp"].sort_values(key).reset_index(drop=True)
    ot = o["tp"].sort_values(key).reset_index(drop=True)
    tp_diff = (
        int((vt["OVRLRESP"].to_numpy() != ot["OVRLRESP"].to_numpy()).sum()) if len(vt) == len(ot) else -1
    )
    vb, ob = v["best"].set_index("USUBJID"), o["best"].set_index("USUBJID")
    ob = ob.loc[vb.index]
    bor_diff = int((vb["BOR"] != ob["BOR"]).sum() + (vb["CBOR"] != ob["CBOR"]).sum())
    scaled, scaled_cpu = o["time"] * n / m, o["cpu"] * n / m
    mb = 1024 * 1024
    label = "measured" if m == n else "scaled linearly"
    print()
    print(
        f"| implementation | subjects run | wall (s) | CPU (s) | wall for {n:,} (s) | CPU for {n:,} (s) | "
        "peak RSS (MB) | RSS before run (MB) | ratio wall | ratio CPU |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| vectorized (oncotrial.recist) | {n:,} | {v['time']:.2f} | {v['cpu']:.2f} | {v['time']:.2f} | "
        f"{v['cpu']:.2f} | {v['peak'] / mb:,.0f} | {v['start'] / mb:,.0f} | 1.0 | 1.0 |"
    )
    print(
        f"| per-subject loop (tests/recist/oracle.py) | {m:,} | {o['time']:.2f} | {o['cpu']:.2f} | "
        f"{scaled:.1f} ({label}) | {scaled_cpu:.1f} | {o['peak'] / mb:,.0f} | {o['start'] / mb:,.0f} | "
        f"{scaled / v['time']:.1f}x | {scaled_cpu / v['cpu']:.1f}x |"
    )
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print()
    print(
        f"On the first {m:,} subjects: OVRLRESP mismatches {tp_diff} of {len(vt):,} rows, BOR/CBOR mismatches {bor_diff}."
    )


if __name__ == "__main__":
    main()
