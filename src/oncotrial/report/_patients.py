"""Per-patient data behind the waterfall, swimmer and spider plots, from the ADaM package."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from oncotrial.analysis import best_response
from oncotrial.analysis._datasets import dataset, has_dataset, population_ids, require_columns, yes
from oncotrial.protocol import Protocol

__all__ = ["best_change", "change_over_time", "treatment_timelines"]


def _days(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (pd.to_datetime(later) - pd.to_datetime(earlier)).dt.days


def _primary_bor(adam: Any, protocol: Protocol) -> tuple[pd.Index, pd.Series]:
    adsl = dataset(adam, "ADSL", ["USUBJID"])
    endpoint = protocol.primary_endpoint
    subjects = population_ids(adsl, protocol.population(endpoint.population).flag)
    return subjects, best_response(dataset(adam, "ADRS"), subjects, confirmed=endpoint.confirmed)


def _sum_of_diameters(adam: Any, subjects: pd.Index) -> pd.DataFrame:
    """Post-baseline ADTR ``SDIAM`` rows with a % change from baseline, of ``subjects``.

    Only analysed sums count (``ANL01FL = "Y"`` where ADTR has it): a sum with a target lesion
    not assessed understates the disease, and an assessment without target measurements has
    no sum at all.
    """
    if not has_dataset(adam, "ADTR"):
        return pd.DataFrame(columns=["USUBJID", "ADT", "PCHG"])
    adtr = dataset(adam, "ADTR", ["USUBJID", "PARAMCD", "PCHG"])
    rows = adtr[adtr["PARAMCD"].astype(str).eq("SDIAM") & adtr["USUBJID"].astype(str).isin(subjects)].copy()
    rows["USUBJID"] = rows["USUBJID"].astype(str)
    rows["PCHG"] = pd.to_numeric(rows["PCHG"], errors="coerce")
    if "ABLFL" in rows.columns:
        rows = rows[~yes(rows["ABLFL"])]
    if "ANL01FL" in rows.columns:
        rows = rows[yes(rows["ANL01FL"])]
    return rows[rows["PCHG"].notna()]


def best_change(adam: Any, *, protocol: Protocol) -> pd.DataFrame:
    """Best (lowest) % change from baseline in the target-lesion sum per patient.

    Patients of the primary endpoint's population with at least one post-baseline sum;
    columns USUBJID, PCHG, BOR, sorted from the largest increase to the deepest shrinkage.
    """
    subjects, bor = _primary_bor(adam, protocol)
    rows = _sum_of_diameters(adam, subjects)
    best = rows.groupby("USUBJID")["PCHG"].min().rename("PCHG").reset_index()
    best["BOR"] = best["USUBJID"].map(bor)
    return best.sort_values(["PCHG", "USUBJID"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )


def change_over_time(adam: Any, *, protocol: Protocol) -> pd.DataFrame:
    """% change of the target-lesion sum over time: USUBJID, MONTHS (from first dose), PCHG, BOR.

    Each patient's line starts at (0, 0), the baseline.
    """
    subjects, bor = _primary_bor(adam, protocol)
    adsl = dataset(adam, "ADSL", ["USUBJID", "TRTSDT"])
    rows = _sum_of_diameters(adam, subjects)
    require_columns(rows, "ADTR", ["ADT"])
    start = adsl.assign(USUBJID=adsl["USUBJID"].astype(str)).drop_duplicates("USUBJID").set_index("USUBJID")
    rows = rows.assign(
        MONTHS=_days(rows["ADT"], rows["USUBJID"].map(start["TRTSDT"])) / protocol.analysis.days_per_month
    )
    base = pd.DataFrame({"USUBJID": rows["USUBJID"].unique(), "MONTHS": 0.0, "PCHG": 0.0})
    out = pd.concat([base, rows[["USUBJID", "MONTHS", "PCHG"]]], ignore_index=True)
    out = out[out["MONTHS"].notna()].sort_values(["USUBJID", "MONTHS"], kind="stable")
    out["BOR"] = out["USUBJID"].map(bor)
    return out.reset_index(drop=True)


def treatment_timelines(adam: Any, *, protocol: Protocol) -> pd.DataFrame:
    """One row per patient for the swimmer plot (months from first dose).

    Columns USUBJID, BOR, ON_TREATMENT (treatment duration), FOLLOW_UP (last known alive
    or death), ONGOING (bool), RESPONSE (first confirmed response), PD (first
    progression), DEATH; times NaN where not applicable. Patients of the primary
    population with a first dose and at least one post-baseline response assessment,
    or a death, sorted by time on treatment.
    """
    subjects, bor = _primary_bor(adam, protocol)
    adsl = dataset(adam, "ADSL", ["USUBJID", "TRTSDT"])
    adrs = dataset(adam, "ADRS", ["USUBJID", "PARAMCD"])
    per_month = protocol.analysis.days_per_month
    frame = adsl.assign(USUBJID=adsl["USUBJID"].astype(str)).drop_duplicates("USUBJID")
    frame = frame[frame["USUBJID"].isin(subjects) & frame["TRTSDT"].notna()].set_index("USUBJID")
    start = pd.to_datetime(frame["TRTSDT"])

    def months(dates: pd.Series) -> pd.Series:
        return (pd.to_datetime(dates.reindex(frame.index)) - start).dt.days / per_month

    end = frame["TRTEDT"] if "TRTEDT" in frame.columns else frame["TRTSDT"]
    out = pd.DataFrame(index=frame.index)
    out["BOR"] = bor.reindex(frame.index)
    out["ON_TREATMENT"] = ((pd.to_datetime(end) - start).dt.days + 1) / per_month
    last = pd.concat([pd.to_datetime(frame[c]) for c in ("LSTALVDT", "DTHDT") if c in frame.columns], axis=1)
    out["FOLLOW_UP"] = months(last.max(axis=1)) if len(last.columns) else np.nan
    out["ONGOING"] = (
        frame["EOTSTT"].astype("string").str.upper().eq("ONGOING").fillna(False).astype(bool)
        if "EOTSTT" in frame.columns
        else False
    )
    out["RESPONSE"] = months(_param_dates(adrs, "CRSP" if protocol.primary_endpoint.confirmed else "RSP"))
    out["PD"] = months(_param_dates(adrs, "PD"))
    out["DEATH"] = months(pd.to_datetime(frame["DTHDT"])) if "DTHDT" in frame.columns else np.nan
    assessed = set(adrs.loc[adrs["PARAMCD"].astype(str).eq("OVR"), "USUBJID"].astype(str))
    keep = out.index.isin(list(assessed)) | out["DEATH"].notna()
    out = out[keep].reset_index().sort_values(["ON_TREATMENT", "USUBJID"], kind="stable")
    return out.reset_index(drop=True)


def _param_dates(adrs: pd.DataFrame, paramcd: str) -> pd.Series:
    """ADT of the ``paramcd`` records whose AVALC is "Y", by USUBJID."""
    if "ADT" not in adrs.columns or "AVALC" not in adrs.columns:
        return pd.Series(dtype="datetime64[ns]")
    rows = adrs[adrs["PARAMCD"].astype(str).eq(paramcd) & yes(adrs["AVALC"]) & adrs["ADT"].notna()]
    rows = rows.assign(USUBJID=rows["USUBJID"].astype(str))
    return pd.to_datetime(rows.groupby("USUBJID")["ADT"].min())
