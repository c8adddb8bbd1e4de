"""ADEX: per subject and protocol drug, cycles received, cumulative dose and relative dose intensity."""

from __future__ import annotations

import math

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
    rows = []
    for drug in protocol.regimen.drugs:
        mine = doses[drug_rows(doses, drug)]
        planned = drug.dose * len(drug.days_of_cycle)
        for usubjid, rec in mine.groupby("USUBJID"):
            given = rec[rec["EXDOSE"] > 0]
            if "EXSPID" in rec and (rec["EXSPID"].astype(str).str.strip() != "").all():
                ncycles = float(given["EXSPID"].nunique())
            else:
                ncycles = float(math.ceil(len(given) / len(drug.days_of_cycle)))
            cum = float(given["EXDOSE"].sum())
            span = (rec["AENDT"].max() - rec["ASTDT"].min()).days + cycle_days
            intensity = cum / (span / cycle_days) if span > 0 else np.nan
            values = {
                "NCYCLES": ncycles,
                "CUMDOSE": cum,
                "DOSEINT": intensity,
                "RDI": 100 * intensity / planned,
            }
            for paramcd, aval in values.items():
                rows.append(
                    {
                        "STUDYID": studyid.get(usubjid, ""),
                        "USUBJID": usubjid,
                        "PARAMCD": paramcd,
                        "PARAM": _PARAMS[paramcd],
                        "PARCAT1": drug.code,
                        "PARCAT2": drug.name,
                        "AVAL": aval,
                        "AVALU": {"NCYCLES": "CYCLES", "RDI": "%"}.get(
                            paramcd, drug.unit if drug.basis.value == "flat" else drug.basis.value
                        ),
                        "ASTDT": rec["ASTDT"].min(),
                        "AENDT": rec["AENDT"].max(),
                    }
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
    out = pd.DataFrame(rows, columns=columns)
    for col in ("ASTDT", "AENDT"):
        out[col] = pd.to_datetime(out[col])
    return out.sort_values(["USUBJID", "PARCAT1"], kind="stable").reset_index(drop=True)
