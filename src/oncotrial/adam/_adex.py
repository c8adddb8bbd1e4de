"""ADEX: per subject and protocol drug, cycles received, cumulative dose and relative dose intensity."""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncotrial.adam._common import drug_rows, valid_doses
from oncotrial.protocol import Protocol

__all__ = ["build_adex"]

_PARAMS = {
    "NCYCLES": "Number of cycles received",
    "CUMDOSE": "Cumulative dose",
    "DOSEINT": "Dose intensity per cycle length",
    "RDI": "Relative dose intensity (%)",
}


def build_adex(sdtm_ex: pd.DataFrame, *, dataset_adsl: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """ADEX (BDS): for each dosed subject and each protocol drug given, PARAMCD NCYCLES, CUMDOSE,
    DOSEINT and RDI, with PARCAT1 the drug code and PARCAT2 its name.

    Cycles are the distinct EXSPID ("CYCLE n") values, else the doses given divided by the
    drug's administrations per cycle. Dose intensity is the cumulative dose over the time on
    the drug, from its first dose to one cycle length after its last, in cycles; RDI is it
    over the planned dose per cycle (``regimen.drugs[].dose`` x days of the cycle), in percent.
    EXDOSE is taken in the unit of the drug's dose basis (mg/m2 for nab-paclitaxel).
    """
    doses = valid_doses(sdtm_ex)
    cycle_days = protocol.regimen.cycle_length.days
    studyid = dataset_adsl.set_index("USUBJID")["STUDYID"]
    parts = []
    for drug in protocol.regimen.drugs:
        mine = doses[drug_rows(doses, drug)]
        if mine.empty:
            continue
        given = mine[mine["EXDOSE"] > 0]
        by = mine.groupby("USUBJID")
        first, last = by["ASTDT"].min(), by["AENDT"].max()
        ids = first.index
        per = given.groupby("USUBJID")
        if "EXSPID" in given and (given["EXSPID"].astype(str).str.strip() != "").all():
            ncycles = per["EXSPID"].nunique().reindex(ids, fill_value=0).astype(float)
        else:
            counts = per.size().reindex(ids, fill_value=0)
            ncycles = np.ceil(counts / len(drug.days_of_cycle)).astype(float)
        cum = per["EXDOSE"].sum().reindex(ids, fill_value=0.0)
        span = (last - first).dt.days + cycle_days
        intensity = cum / (span / cycle_days)
        planned = drug.dose * len(drug.days_of_cycle)
        unit = drug.unit if drug.basis.value == "flat" else drug.basis.value
        values = {"NCYCLES": ncycles, "CUMDOSE": cum, "DOSEINT": intensity, "RDI": 100 * intensity / planned}
        for paramcd, aval in values.items():
            parts.append(
                pd.DataFrame(
                    {
                        "STUDYID": ids.map(studyid).fillna(""),
                        "USUBJID": ids,
                        "PARAMCD": paramcd,
                        "PARAM": _PARAMS[paramcd],
                        "PARCAT1": drug.code,
                        "PARCAT2": drug.name,
                        "AVAL": aval.to_numpy(dtype=float),
                        "AVALU": {"NCYCLES": "CYCLES", "RDI": "%"}.get(paramcd, unit),
                        "ASTDT": first.to_numpy(),
                        "AENDT": last.to_numpy(),
                    }
                )
            )
    columns = [
        "STUDYID",
        "USUBJID",
        "PARAMCD",
        "PARAM",
        "PARCAT1",
        "PARCAT2",
        "AVAL",
        "AVALU",
        "ASTDT",
        "AENDT",
    ]
    out = pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)
    for col in ("ASTDT", "AENDT"):
        out[col] = pd.to_datetime(out[col])
    return out.sort_values(["USUBJID", "PARCAT1"], kind="stable").reset_index(drop=True)
