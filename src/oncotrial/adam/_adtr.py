"""ADTR: sum of target lesion diameters per assessment (PARAMCD SDIAM), with baseline and nadir."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["build_adtr"]

_COLUMNS = [
    "STUDYID",
    "USUBJID",
    "PARAMCD",
    "PARAM",
    "AVAL",
    "BASE",
    "CHG",
    "PCHG",
    "NADIR",
    "CHGNAD",
    "PCHGNAD",
    "ADT",
    "AVISIT",
    "AVISITN",
    "ABLFL",
    "ANL01FL",
]


def build_adtr(
    timepoints: pd.DataFrame | None, *, dataset_adsl: pd.DataFrame, baseline: pd.DataFrame
) -> pd.DataFrame:
    """One SDIAM row per subject at baseline (ABLFL = "Y", AVAL = BASE) and per post-baseline
    assessment of the RECIST engine (its SUMDIAM, BASE, CHG, PCHG, NADIR, CHGNAD, PCHGNAD).
    ANL01FL = "Y" marks the baseline and the assessments at which every baseline target was
    assessed (a partial sum understates the disease); AVAL is missing where no target was
    measured at all. Empty (with the columns) when the responses come from RS only."""
    if timepoints is None or timepoints.empty or "SUMDIAM" not in timepoints:
        return pd.DataFrame(columns=_COLUMNS)
    tp = timepoints[timepoints["BASE"].notna()]
    post = pd.DataFrame(
        {
            "USUBJID": tp["USUBJID"],
            "AVAL": tp["SUMDIAM"],
            "BASE": tp["BASE"],
            "CHG": tp["CHG"],
            "PCHG": tp["PCHG"],
            "NADIR": tp["NADIR"],
            "CHGNAD": tp["CHGNAD"],
            "PCHGNAD": tp["PCHGNAD"],
            "ADT": tp["ADT"],
            "AVISIT": tp["VISIT"],
            "AVISITN": tp["VISITNUM"],
            "ABLFL": "",
            # Analysed: every baseline target lesion assessed (as admiralonco's ANL01FL, where
            # the lesions expected equal the lesions assessed); a partial sum understates.
            "ANL01FL": np.where(tp["NMISS"].to_numpy(float) == 0, "Y", "") if "NMISS" in tp else "",
        }
    )
    first = tp.drop_duplicates("USUBJID")[["USUBJID", "BASE"]].merge(
        baseline[["USUBJID", "BLTADT"]], on="USUBJID", how="left"
    )
    base = pd.DataFrame(
        {
            "USUBJID": first["USUBJID"],
            "AVAL": first["BASE"],
            "BASE": first["BASE"],
            "CHG": 0.0,
            "PCHG": 0.0,
            "NADIR": np.nan,
            "CHGNAD": np.nan,
            "PCHGNAD": np.nan,
            "ADT": first["BLTADT"],
            "AVISIT": "BASELINE",
            "AVISITN": 0.0,
            "ABLFL": "Y",
            "ANL01FL": "Y",
        }
    )
    out = pd.concat([base, post], ignore_index=True)
    out["PARAMCD"], out["PARAM"] = "SDIAM", "Sum of Diameters of Target Lesions (mm)"
    out = dataset_adsl[["STUDYID", "USUBJID"]].merge(out, on="USUBJID", how="inner")
    out["ADT"] = pd.to_datetime(out["ADT"])
    return out.sort_values(["USUBJID", "ADT"], kind="stable").reset_index(drop=True)[_COLUMNS]
