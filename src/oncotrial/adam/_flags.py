"""ADSL variables that need the tumour data: baseline, measurable disease, EFFFL and RESPFL."""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncotrial.adam._common import flag

__all__ = ["derive_vars_response_flags"]


def derive_vars_response_flags(
    adsl: pd.DataFrame, *, baseline: pd.DataFrame | None, dataset_adrs: pd.DataFrame
) -> pd.DataFrame:
    """Add BLTADT, BLTAFL, MEASDFL, EFFFL and RESPFL to ADSL.

    BLTADT is the baseline tumour assessment date; BLTAFL "Y"/"N" whether there is one and
    MEASDFL whether it has a measured target lesion, both blank when the package has no
    TU/TR (responses from RS only: then measurable disease is assumed, as for eligibility).
    EFFFL: in the FAS, measurable disease at baseline, and at least one post-baseline overall
    response (OVR, NE included) or death. RESPFL: in the FAS with a confirmed CR or PR (CRSP).
    """
    out = adsl.copy()
    ids = out["USUBJID"]
    if baseline is not None:
        b = baseline.set_index("USUBJID")
        out["BLTADT"] = ids.map(b["BLTADT"]).astype("datetime64[ns]")
        out["BLTAFL"] = flag(out["BLTADT"].notna())
        out["MEASDFL"] = ids.map(b["MEASDFL"]).fillna("N")
    else:
        out["BLTADT"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
        out["BLTAFL"] = ""
        out["MEASDFL"] = ""
    assessed = set(dataset_adrs.loc[dataset_adrs["PARAMCD"] == "OVR", "USUBJID"])
    confirmed = set(
        dataset_adrs.loc[(dataset_adrs["PARAMCD"] == "CRSP") & (dataset_adrs["AVALC"] == "Y"), "USUBJID"]
    )
    fas = out["FASFL"] == "Y"
    followed = ids.isin(assessed) | out["DTHDT"].notna()
    out["EFFFL"] = flag(fas & (out["MEASDFL"] != "N") & followed)
    out["RESPFL"] = flag(fas & ids.isin(confirmed))
    out["BLTAFL"] = np.where(out["BLTAFL"].isna(), "", out["BLTAFL"])
    return out
