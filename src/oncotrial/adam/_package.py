"""The ADaM package: every dataset of one build, with the discrepancies and baseline findings."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pandas as pd

from oncotrial.adam._censoring import ProgressionRules

__all__ = ["DATASETS", "AdamPackage"]

#: The datasets of a package, in the order they are written.
DATASETS = ("ADSL", "ADRS", "ADTR", "ADTTE", "ADAE", "ADEX")


@dataclass(frozen=True)
class AdamPackage(Mapping[str, pd.DataFrame]):
    """ADSL, ADRS, ADTR, ADTTE, ADAE and ADEX as DataFrames (attributes, or ``pkg["ADSL"]``).

    ``discrepancies`` lists where RS and the RECIST engine disagree (empty when one is
    absent); ``baseline`` has one row per subject (BLTADT, NTARGET, NNTARGET, NMEASTGT,
    MEASDFL and MEASDRSN, the reason MEASDFL is "N");
    ``baseline_checks`` the RECIST engine's baseline problems; ``collected_sums`` the collected
    sums of diameters (TR SUMDIAM) that differ from the computed sums; ``date_findings`` the dates
    that contradict each other (USUBJID, VARIABLE, VALUE, CHECK, MESSAGE: e.g. a death date
    before the last date known alive), reported instead of silently moved; ``response_source`` is
    "recist" or "rs"; ``rules`` the PFS/DoR rules applied, whose :meth:`methods` text a
    report prints.
    """

    adsl: pd.DataFrame
    adrs: pd.DataFrame
    adtr: pd.DataFrame
    adtte: pd.DataFrame
    adae: pd.DataFrame
    adex: pd.DataFrame
    discrepancies: pd.DataFrame
    baseline: pd.DataFrame
    baseline_checks: pd.DataFrame
    collected_sums: pd.DataFrame
    date_findings: pd.DataFrame
    response_source: str
    rules: ProgressionRules

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name.upper() not in DATASETS:
            raise KeyError(f"{name!r} is not an ADaM dataset of the package; known: {list(DATASETS)}")
        return getattr(self, name.lower())

    def __iter__(self) -> Iterator[str]:
        return iter(DATASETS)

    def __len__(self) -> int:
        return len(DATASETS)

    def methods(self) -> list[str]:
        """Sentences describing the derivation rules, for a report's methods section."""
        source = (
            "computed from TU/TR by the RECIST 1.1 engine"
            if self.response_source == "recist"
            else "as recorded in RS (RSTESTCD = OVRLRESP)"
        )
        return [f"Overall responses: {source}.", f"Censoring of PFS and DoR ({self.rules.guidance}):"] + [
            f"- {line}" for line in self.rules.describe()
        ]

    def __repr__(self) -> str:
        sizes = ", ".join(f"{n}: {len(self[n])}" for n in DATASETS)
        return (
            f"AdamPackage({sizes}; response_source={self.response_source!r}, "
            f"discrepancies: {len(self.discrepancies)}, date findings: {len(self.date_findings)})"
        )
