"""Collected sums of diameters (TR ``SUMDIAM`` records) against the sums the engine computes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncotrial.recist._assessments import collected_sums
from oncotrial.recist._input import require_columns, select_reader
from oncotrial.recist._settings import RecistSettings

__all__ = ["SUM_COMPARISON_COLUMNS", "compare_collected_sums"]

SUM_COMPARISON_COLUMNS = ("USUBJID", "VISITNUM", "VISIT", "COLLECTED", "COMPUTED", "DIFFERENCE", "MESSAGE")
# Sums are compared to this tolerance (mm): both are sums of the same recorded diameters.
_TOLERANCE = 1e-6


def compare_collected_sums(
    tr: pd.DataFrame, timepoints: pd.DataFrame, settings: RecistSettings
) -> pd.DataFrame:
    """Every assessment whose collected sum (``TRTESTCD = SUMDIAM``) differs from the computed one.

    A collected sum is never read as a lesion; it is only checked. Post-baseline assessments
    are matched by ``USUBJID`` and ``VISITNUM`` with the timepoints' ``SUMDIAM``; the baseline
    is the subject's latest collected sum before its first post-baseline assessment, compared
    with ``BASE``. A computed sum is missing where no target lesion was measured. Only the
    accepted reader's sums count (as for the lesions).

    Returns one row per difference (columns :data:`SUM_COMPARISON_COLUMNS`); empty when the
    data carry no collected sums or every one agrees.

    Examples
    --------
    >>> tr = pd.DataFrame({"USUBJID": "S1", "TRTESTCD": "SUMDIAM", "TRLNKID": "",
    ...     "TRGRPID": "TARGET", "VISITNUM": [1, 2], "TRSTRESN": [40.0, 30.0]})
    >>> tp = pd.DataFrame({"USUBJID": ["S1"], "VISITNUM": [2], "VISIT": ["WEEK 6"],
    ...     "SUMDIAM": [26.0], "BASE": [40.0]})
    >>> compare_collected_sums(tr, tp, RecistSettings(28, 35, "INVESTIGATOR", 28))["MESSAGE"].tolist()
    ['collected sum 30 mm, computed 26 mm']
    """
    sums = collected_sums(tr)
    if sums.empty:
        return _none()
    require_columns(sums, "TR", ("USUBJID", "VISITNUM", "TRSTRESN"))
    sums = select_reader(sums, "TR", settings)
    collected = pd.DataFrame(
        {
            "USUBJID": sums["USUBJID"].to_numpy(dtype=object),
            "VISITNUM": pd.to_numeric(sums["VISITNUM"], errors="coerce").to_numpy(float),
            "COLLECTED": pd.to_numeric(sums["TRSTRESN"], errors="coerce").to_numpy(float),
        }
    )
    tp = pd.DataFrame(
        {
            "USUBJID": timepoints["USUBJID"].to_numpy(dtype=object),
            "VISITNUM": timepoints["VISITNUM"].to_numpy(float),
            "VISIT": timepoints["VISIT"].to_numpy(dtype=object) if "VISIT" in timepoints else None,
            "COMPUTED": timepoints["SUMDIAM"].to_numpy(float),
        }
    )
    first_post = tp.groupby("USUBJID", sort=False)["VISITNUM"].min()
    before = collected[collected["VISITNUM"] < collected["USUBJID"].map(first_post).to_numpy(float)]
    base_rows = before.loc[before.groupby("USUBJID", sort=False)["VISITNUM"].idxmax()]
    base_sum = timepoints.drop_duplicates("USUBJID").set_index("USUBJID")["BASE"]
    baseline = base_rows.assign(VISIT="BASELINE", COMPUTED=base_rows["USUBJID"].map(base_sum).to_numpy(float))
    post = collected.merge(tp, on=["USUBJID", "VISITNUM"], how="inner")
    both = pd.concat([baseline, post], ignore_index=True)
    both["DIFFERENCE"] = both["COLLECTED"] - both["COMPUTED"]
    one_missing = both["COLLECTED"].isna() != both["COMPUTED"].isna()
    bad = both[one_missing | (both["DIFFERENCE"].abs() > _TOLERANCE)]
    if bad.empty:
        return _none()
    messages = [
        f"collected sum {_mm(c)}, computed {_mm(m)}"
        + (" (no target lesion was measured)" if np.isnan(m) else "")
        for c, m in zip(bad["COLLECTED"], bad["COMPUTED"], strict=True)
    ]
    out = bad.assign(MESSAGE=messages).sort_values(["USUBJID", "VISITNUM"], kind="stable")
    return out[list(SUM_COMPARISON_COLUMNS)].reset_index(drop=True)


def _none() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in SUM_COMPARISON_COLUMNS})


def _mm(value: float) -> str:
    return "missing" if np.isnan(value) else f"{value:g} mm"
