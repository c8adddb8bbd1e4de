"""The accepted reader's rows of RS and TU, and the baseline tumour findings per subject."""

from __future__ import annotations

import pandas as pd

from oncotrial.adam._dates import parse_dtc

__all__ = ["accepted_rows", "baseline_findings"]


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
