"""What the checks found in the data, for ``results.json`` and the report: never left unsaid."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from oncotrial.analysis._results import DataCheck

__all__ = ["collect_data_checks", "summarise_data_checks"]

#: Sources, in the order a report lists them, with the sentence that sums each up.
SOURCES = {
    "SDTM check": "warnings of the SDTM check",
    "choice": "records read by the user's explicit choice",
    "RECIST baseline": "baseline problems (RECIST 1.1 sections 3 and 4.2; protocol baseline window)",
    "collected sum": "collected sums of diameters that differ from the computed sums",
    "dates": "dates that contradict each other",
}


def _frame_checks(frame: Any, source: str, message) -> list[DataCheck]:
    if frame is None or not isinstance(frame, pd.DataFrame) or frame.empty:
        return []
    return [DataCheck(source, str(r.USUBJID), message(r)) for r in frame.itertuples()]


def collect_data_checks(
    adam: Any, *, sdtm_warnings: Iterable[str] = (), choices: Iterable[str] = ()
) -> tuple[DataCheck, ...]:
    """Every finding of one run: the SDTM check's warnings and the rows an explicit choice
    changed (given by the caller), then what the ADaM package carries (``baseline_checks``,
    ``collected_sums``, ``date_findings``)."""
    out = [DataCheck("SDTM check", "", w) for w in sdtm_warnings]
    out += [DataCheck("choice", "", c) for c in choices]
    out += _frame_checks(
        getattr(adam, "baseline_checks", None),
        "RECIST baseline",
        lambda r: (f"{r.TRLNKID}: " if isinstance(r.TRLNKID, str) and r.TRLNKID else "") + str(r.MESSAGE),
    )
    out += _frame_checks(
        getattr(adam, "collected_sums", None),
        "collected sum",
        lambda r: f"VISITNUM {r.VISITNUM:g} ({r.VISIT}): {r.MESSAGE}",
    )
    out += _frame_checks(
        getattr(adam, "date_findings", None),
        "dates",
        lambda r: f"{r.VARIABLE} {r.VALUE}: {r.MESSAGE}" if hasattr(r, "VARIABLE") else str(r.MESSAGE),
    )
    return tuple(out)


def summarise_data_checks(checks: Iterable[DataCheck]) -> tuple[str, ...]:
    """One note per source: how many findings (and patients), listed under "Data checks"."""
    notes = []
    checks = list(checks)
    for source, what in SOURCES.items():
        mine = [c for c in checks if c.source == source]
        if not mine:
            continue
        patients = len({c.subject for c in mine if c.subject})
        who = f" in {patients} patients" if patients else ""
        notes.append(f"{len(mine)} {what}{who}: each is listed under Data checks.")
    return tuple(notes)
