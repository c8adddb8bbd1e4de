"""The accepted reader's rows of RS and TU, and the baseline tumour findings per subject."""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncotrial.adam._dates import parse_dtc

__all__ = ["accepted_rows", "baseline_findings", "derive_var_measdfl"]


def accepted_rows(df: pd.DataFrame, prefix: str, evaluator: str) -> pd.DataFrame:
    """Rows of the accepted evaluator (``<prefix>EVAL``); when it has several readers
    (``<prefix>EVALID``), those flagged ``<prefix>ACPTFL = "Y"``. No EVAL column: one reader."""
    ev, evid, acpt = f"{prefix}EVAL", f"{prefix}EVALID", f"{prefix}ACPTFL"
    if ev not in df:
        return df
    out = df[df[ev] == evaluator]
    if evid in out and acpt in out:
        several = out.groupby("USUBJID")[evid].transform("nunique") > 1
        out = out[~several | (out[acpt] == "Y")]
    return out


def baseline_findings(tr: pd.DataFrame, subjects: pd.DataFrame, evaluator: str) -> pd.DataFrame:
    """Per subject: BLTADT (date of the last tumour assessment on or before REFSTDT), the
    number of target and non-target lesions then (NTARGET, NNTARGET), and MEASDFL
    ("Y" when at least one target lesion was measured)."""
    tr = accepted_rows(tr, "TR", evaluator).assign(ADT=lambda d: parse_dtc(d["TRDTC"], "first"))
    tr = tr.merge(subjects[["USUBJID", "REFSTDT"]], on="USUBJID", how="inner")
    tr = tr[tr["ADT"].notna() & (tr["ADT"] <= tr["REFSTDT"])]
    last = tr.groupby("USUBJID")["ADT"].max().rename("BLTADT")
    base = tr.merge(last, on="USUBJID")
    base = base[base["ADT"] == base["BLTADT"]]
    measured = base["TRSTRESN"].notna() & (base["TRGRPID"] == "TARGET")
    ntarget = base[measured].groupby("USUBJID")["TRLNKID"].nunique()
    nntarget = base[base["TRGRPID"] == "NON-TARGET"].groupby("USUBJID")["TRLNKID"].nunique()
    out = subjects[["USUBJID"]].drop_duplicates().set_index("USUBJID")
    out["BLTADT"] = last.reindex(out.index)
    out["NTARGET"] = ntarget.reindex(out.index).fillna(0).astype(int)
    out["NNTARGET"] = nntarget.reindex(out.index).fillna(0).astype(int)
    out["MEASDFL"] = (out["NTARGET"] > 0).map({True: "Y", False: "N"})
    return out.reset_index()


#: Baseline checks (oncotrial.recist.check_baseline) that leave a subject without measurable
#: disease: no baseline scan, or one too early (RECIST 1.1 section 3.2 and the protocol's
#: window); per lesion, a target too small to be measurable or not measured (section 3.1.1).
_NO_BASELINE = ("NO_BASELINE", "BASELINE_TOO_EARLY")
_NOT_MEASURABLE = ("TARGET_TOO_SMALL", "TARGET_NOT_MEASURED")


def derive_var_measdfl(baseline: pd.DataFrame, checks: pd.DataFrame) -> pd.DataFrame:
    """MEASDFL from the baseline checks: "Y" when at least one target lesion measured at a
    baseline inside the protocol's window is measurable by RECIST 1.1 (10 mm, a node 15 mm
    short axis); the subjects and lesions the checks name no longer count. NMEASTGT is the
    number of such targets; MEASDRSN says why MEASDFL is "N"."""
    out = baseline.copy()
    bad_subject = set(checks.loc[checks["CHECK"].isin(_NO_BASELINE), "USUBJID"])
    lesions = checks[checks["CHECK"].isin(_NOT_MEASURABLE)]
    unusable = lesions.drop_duplicates(["USUBJID", "TRLNKID"]).groupby("USUBJID").size()
    usable = (out["NTARGET"] - out["USUBJID"].map(unusable).fillna(0)).clip(lower=0).astype(int)
    out["NMEASTGT"] = np.where(out["USUBJID"].isin(bad_subject), 0, usable)
    out["MEASDFL"] = np.where(out["NMEASTGT"] > 0, "Y", "N")
    out["MEASDRSN"] = np.select(
        [out["NMEASTGT"] > 0, out["USUBJID"].isin(bad_subject), out["NTARGET"] > 0],
        ["", "no baseline scan within the protocol's window", "no target lesion measurable at baseline"],
        "no target lesion measured at baseline",
    )
    return out
