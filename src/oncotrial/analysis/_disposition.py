"""Disposition and analysis-population counts from ADSL."""

from __future__ import annotations

import pandas as pd

from oncotrial.analysis._datasets import require_columns, yes
from oncotrial.analysis._results import CountRow, Disposition, PopulationCount
from oncotrial.protocol import Protocol

__all__ = ["compute_disposition", "count_rows"]


def count_rows(values: pd.Series, denominator: int, order: list[str] | None = None) -> tuple[CountRow, ...]:
    """Counts of each category in ``values`` (blank values dropped), in ``order`` then by count."""
    text = values.astype("string").str.strip()
    counts = text[text.notna() & (text != "")].value_counts()
    ordered = [c for c in (order or []) if c in counts.index]
    ordered += [c for c in counts.index if c not in ordered]
    return tuple(
        CountRow(
            category=str(cat),
            n=int(counts[cat]),
            percent=100.0 * int(counts[cat]) / denominator if denominator else None,
        )
        for cat in ordered
    )


def compute_disposition(adsl: pd.DataFrame, *, protocol: Protocol) -> Disposition:
    """Enrolled, treated, treatment status and end-of-treatment reasons, deaths, populations.

    Enrolled patients are the ADSL rows with an enrollment date (``ENRLDT``) when the
    variable is present, else every row. Status and reasons are counted among the treated
    (safety set flag of the protocol's ``SAF`` population).
    """
    require_columns(adsl, "ADSL", ["USUBJID"])
    enrolled = adsl[adsl["ENRLDT"].notna()] if "ENRLDT" in adsl.columns else adsl
    saf_flag = _safety_flag(protocol)
    require_columns(adsl, "ADSL", [saf_flag])
    treated = enrolled[yes(enrolled[saf_flag])]
    n_treated = len(treated)
    status = count_rows(treated["EOTSTT"], n_treated) if "EOTSTT" in treated.columns else ()
    reason_order = [r.dsdecod for r in protocol.treatment_end_reasons]
    reasons = count_rows(treated["DCTREAS"], n_treated, reason_order) if "DCTREAS" in treated.columns else ()
    deaths = int(yes(enrolled["DTHFL"]).sum()) if "DTHFL" in enrolled.columns else 0
    pops = []
    for pop in protocol.populations:
        n = int(yes(adsl[pop.flag]).sum()) if pop.flag in adsl.columns else 0
        pops.append(PopulationCount(code=pop.code, flag=pop.flag, label=pop.label, n=n))
    return Disposition(
        n_enrolled=len(enrolled),
        n_treated=n_treated,
        n_deaths=deaths,
        treatment_status=status,
        treatment_end_reasons=reasons,
        populations=tuple(pops),
    )


def _safety_flag(protocol: Protocol) -> str:
    """The ADSL flag of the safety population (code ``SAF``)."""
    return protocol.population("SAF").flag
