"""Benchmark: what the SDTM check (the gate of every command) adds to ``oncotrial analyze``.

Builds the RECIST benchmark's synthetic subjects (``bench_recist.synthesize``: about 5.6
lesions and 8 post-baseline assessments each) with the DM, EX, DS and AE records an analysis
needs, writes them as an SDTM folder, then in one process times, each on the same folder:

* ``read_sdtm`` (the reader, which ran before the check existed),
* ``check_sdtm`` on the package read (the gate),
* ``oncotrial analyze`` as a user runs it (``run_analysis``: read, check, ADaM, analyses,
  results.json, report), by step.

and prints the check's time as a share of the rest of ``analyze``. The target: under 20%.
Times are wall-clock seconds on one run; the machine is shared, so run it more than once.

Usage::

    .venv/bin/python benchmarks/bench_sdtm_check.py --subjects 100000
    .venv/bin/python benchmarks/bench_sdtm_check.py --subjects 20000 --fmt csv
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from oncotrial.cli.analyze import STEPS, run_analysis
from oncotrial.protocol import load_protocol
from oncotrial.sdtm import SdtmPackage, check_sdtm, read_sdtm, write_sdtm

STUDY = "BENCH"


def synthesize(n: int, seed: int):
    """``bench_recist.synthesize`` (TU, TR, subjects), loaded by path beside this file."""
    spec = importlib.util.spec_from_file_location("bench_recist", Path(__file__).with_name("bench_recist.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.synthesize(n, seed)


def package(n: int, seed: int) -> SdtmPackage:
    """The synthetic tumour data with one enrolment record, two doses and one AE per subject."""
    tu, tr, subjects = synthesize(n, seed)
    ids = subjects["USUBJID"].to_numpy(dtype=object)
    ref = pd.to_datetime(subjects["REFSTDT"])
    day = ref.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    later = (ref + pd.Timedelta(days=21)).dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    both = {"STUDYID": STUDY}
    dm = pd.DataFrame({**both, "USUBJID": ids, "SUBJID": ids, "SITEID": "01", "RFSTDTC": day, "SEX": "F"})
    ex = pd.DataFrame(
        {
            **both,
            "USUBJID": np.repeat(ids, 2),
            "EXTRT": np.tile(["albumin-bound paclitaxel", "anti-PD-1 antibody"], n),
            "EXCAT": np.tile(["NABP", "PD1"], n),
            "EXDOSE": np.tile([260.0, 200.0], n),
            "EXSTDTC": np.repeat(day, 2),
        }
    )
    ds = pd.DataFrame(
        {**both, "USUBJID": ids, "DSDECOD": "ENROLLED", "DSCAT": "PROTOCOL MILESTONE", "DSSTDTC": day}
    )
    ae = pd.DataFrame(
        {**both, "USUBJID": ids, "AETERM": "Fatigue", "AEDECOD": "Fatigue", "AESTDTC": later, "AETOXGR": "1"}
    )
    tu = tu.assign(STUDYID=STUDY)
    tr = tr.assign(STUDYID=STUDY, TRSTRESU=np.where(tr["TRGRPID"] == "TARGET", "mm", ""))
    return SdtmPackage({"DM": dm, "EX": ex, "DS": ds, "AE": ae, "TU": tu, "TR": tr})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2009)
    parser.add_argument("--fmt", choices=("xpt", "csv"), default="xpt")
    args = parser.parse_args()
    protocol = load_protocol()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "sdtm"
        t0 = time.perf_counter()
        write_sdtm(package(args.subjects, args.seed), folder, fmt=args.fmt)
        print(f"{args.subjects:,} subjects written as {args.fmt} in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        read = read_sdtm(folder)
        t_read = time.perf_counter() - t0
        t0 = time.perf_counter()
        checked = check_sdtm(read, protocol=protocol)
        t_check = time.perf_counter() - t0
        assert checked.ok, [str(e) for e in checked.errors[:5]]
        rows = sum(len(df) for df in read.values())
        del read, checked
        steps: dict[str, float] = {}
        marks: list[tuple[str, float]] = []

        def step(name: str) -> None:
            marks.append((name, time.perf_counter()))

        t0 = time.perf_counter()
        run_analysis(folder, Path(tmp) / "out", step=step)
        t_total = time.perf_counter() - t0
        end = t0 + t_total
        for (name, start), (_, stop) in zip(marks, [*marks[1:], ("", end)], strict=True):
            steps[name] = stop - start
    print(f"{rows:,} SDTM rows")
    print()
    print("| step | wall (s) |")
    print("|---|---:|")
    print(f"| read_sdtm alone | {t_read:.2f} |")
    print(f"| check_sdtm alone | {t_check:.2f} |")
    for name in STEPS:
        print(f"| analyze: {name} | {steps.get(name, float('nan')):.2f} |")
    print(f"| analyze, whole run | {t_total:.2f} |")
    rest = t_total - t_check
    print()
    print(f"check / (analyze without the check) = {t_check:.2f} / {rest:.2f} = {100 * t_check / rest:.1f}%")


if __name__ == "__main__":
    main()
