"""ADAE: adverse events with dates, the treatment-emergent flag and worst-grade flags."""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncotrial.adam._dates import parse_dtc
from oncotrial.adam._imputation import ImputedDates, compute_partial_dates
from oncotrial.protocol import Protocol, StartDateRule

__all__ = ["SEVERITY_CODES", "build_adae"]

#: AESEV as a number when the data carry no CTCAE grade (AETOXGR), as the CDISC pilot.
SEVERITY_CODES = {"MILD": 1, "MODERATE": 2, "SEVERE": 3}


def _start_dates(ae: pd.DataFrame, trtsdt: pd.Series, rule: StartDateRule) -> ImputedDates:
    """ASTDT by ``analysis.date_imputation.adverse_event_start``: a missing day or month takes
    the first of its period; with the ``first_dose`` floor, the first dose instead when the
    event may have started on treatment (the first dose lies within the partial period)."""
    imputed = compute_partial_dates(ae["AESTDTC"], rule, ("AE", "AESTDTC"))
    if "first_dose" in rule.not_before:
        imputed, _ = imputed.raise_to(trtsdt)  # a first dose after the period: the AE came before
    return imputed


def build_adae(sdtm_ae: pd.DataFrame, *, dataset_adsl: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """ADAE: one row per AE record with ASTDT (ASTDTF its imputation flag), AENDT, ATOXGRN
    (CTCAE grade from AETOXGR, else AESEV mild/moderate/severe as 1/2/3, with ATOXGRS naming
    which), TRTEMFL, and
    AOCCPIFL / AOCCIFL: "Y" on the first treatment-emergent record of the worst grade per
    subject and term (AEDECOD), and per subject.

    TRTEMFL is "Y" when the event starts on or after the first dose (TRTSDT) and at most
    ``analysis.treatment_emergent_window`` after the last dose (TRTEDT).
    """
    window = pd.Timedelta(days=int(protocol.analysis.treatment_emergent_window.days))
    keep = ["USUBJID", "TRTSDT", "TRTEDT", "SAFFL"]
    ae = sdtm_ae.merge(dataset_adsl[keep], on="USUBJID", how="left").reset_index(drop=True)
    start = _start_dates(ae, ae["TRTSDT"], protocol.analysis.date_imputation.adverse_event_start)
    ae["ASTDT"], ae["ASTDTF"] = start.dates, start.flags
    end = ae["AEENDTC"] if "AEENDTC" in ae else pd.Series("", index=ae.index)
    ae["AENDT"] = parse_dtc(end, "last")
    if "AETOXGR" in ae and (ae["AETOXGR"].astype(str).str.strip() != "").any():
        ae["ATOXGRN"] = pd.to_numeric(ae["AETOXGR"], errors="coerce")
        ae["ATOXGRS"] = "AETOXGR"
    else:
        sev = ae["AESEV"] if "AESEV" in ae else pd.Series("", index=ae.index)
        ae["ATOXGRN"] = sev.map(SEVERITY_CODES).astype(float)
        ae["ATOXGRS"] = "AESEV"
    emergent = ae["ASTDT"].notna() & (ae["ASTDT"] >= ae["TRTSDT"]) & (ae["ASTDT"] <= ae["TRTEDT"] + window)
    ae["TRTEMFL"] = np.where(emergent, "Y", "")
    ae["AOCCPIFL"] = _worst(ae, ["USUBJID", "AEDECOD"], emergent)
    ae["AOCCIFL"] = _worst(ae, ["USUBJID"], emergent)
    return ae


def _worst(ae: pd.DataFrame, by: list[str], emergent: pd.Series) -> np.ndarray:
    te = ae[emergent].assign(_G=lambda d: d["ATOXGRN"].fillna(-1))
    te = te.sort_values([*by, "_G", "ASTDT"], ascending=[True] * len(by) + [False, True])
    first = te.drop_duplicates(by).index
    out = np.full(len(ae), "", dtype=object)
    out[first] = "Y"
    return out
