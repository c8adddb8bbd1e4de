"""ADSL: one row per subject: dates of entry, dosing, end of treatment, death, last alive; populations."""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncotrial.adam._common import cutoff, drug_rows, drug_var, flag, valid_doses
from oncotrial.adam._dates import parse_dtc
from oncotrial.protocol import Protocol
from oncotrial.sdtm import SdtmPackage

__all__ = ["ENTRY_MILESTONES", "NEW_THERAPY_CATEGORY", "build_adsl"]

#: DS milestones that mark study entry, in order of preference; our EDC writes ENROLLED,
#: randomised studies (such as the CDISC pilot) RANDOMIZED.
ENTRY_MILESTONES = ("ENROLLED", "RANDOMIZED")
#: CM category of subsequent anti-tumour therapy.
NEW_THERAPY_CATEGORY = "SUBSEQUENT ANTI-CANCER THERAPY"

_DM_KEEP = (
    "STUDYID",
    "USUBJID",
    "SUBJID",
    "SITEID",
    "COUNTRY",
    "AGE",
    "AGEU",
    "SEX",
    "RACE",
    "ARM",
    "ACTARM",
)


def _first_by_subject(frame: pd.DataFrame, date: str, how: str = "min") -> pd.Series:
    frame = frame[frame[date].notna()]
    return frame.groupby("USUBJID")[date].agg(how)


def _entry(dm: pd.DataFrame, ds: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """ENRLDT and where it came from (ENRLSRC): DS milestone, else the first dose (DM.RFSTDTC)."""
    date = pd.Series(pd.NaT, index=dm["USUBJID"], dtype="datetime64[ns]")
    source = pd.Series("", index=dm["USUBJID"], dtype=object)
    for term in reversed(ENTRY_MILESTONES):
        rows = ds[ds["DSDECOD"] == term].assign(ADT=lambda d: parse_dtc(d["DSSTDTC"]))
        found = _first_by_subject(rows, "ADT")
        date.loc[found.index] = found
        source.loc[found.index] = f"DS.DSDECOD={term}"
    rfst = pd.Series(parse_dtc(dm["RFSTDTC"]).to_numpy(), index=dm["USUBJID"])
    fallback = date.isna() & rfst.notna()
    date[fallback] = rfst[fallback]
    source[fallback] = "DM.RFSTDTC"
    return date, source


def _end_of_treatment(ds: pd.DataFrame) -> pd.DataFrame:
    """The end-of-treatment record per subject: DSSCAT END OF TREATMENT, or (data without
    DSSCAT, as the CDISC pilot) the DISPOSITION EVENT record."""
    if "DSSCAT" in ds and (ds["DSSCAT"] == "END OF TREATMENT").any():
        rows = ds[ds["DSSCAT"] == "END OF TREATMENT"]
    else:
        rows = ds[ds["DSCAT"] == "DISPOSITION EVENT"]
    rows = rows.assign(EOTDT=parse_dtc(rows["DSSTDTC"])).sort_values(["USUBJID", "EOTDT"])
    rows = rows.drop_duplicates("USUBJID", keep="last").set_index("USUBJID")
    term = rows["DSTERM"] if "DSTERM" in rows else rows["DSDECOD"]
    return pd.DataFrame({"EOTDT": rows["EOTDT"], "DCTREAS": rows["DSDECOD"], "DCTREASP": term})


def _death(dm: pd.DataFrame, ds: pd.DataFrame) -> pd.Series:
    """DTHDT: DM.DTHDTC, else a DS DEATH record; a partial date is imputed to its first day."""
    dth = (
        pd.Series(parse_dtc(dm["DTHDTC"], "first").to_numpy(), index=dm["USUBJID"])
        if "DTHDTC" in dm
        else None
    )
    if dth is None:
        dth = pd.Series(pd.NaT, index=dm["USUBJID"], dtype="datetime64[ns]")
    rows = ds[ds["DSDECOD"] == "DEATH"].assign(ADT=lambda d: parse_dtc(d["DSSTDTC"], "first"))
    from_ds = _first_by_subject(rows, "ADT").reindex(dth.index)
    return dth.fillna(from_ds)


def _alive_dates(sdtm: SdtmPackage) -> pd.Series:
    """Last date each subject is known alive: the latest complete date of a dose, an adverse
    event, a tumour assessment, a visit or a disposition event other than death."""
    parts = []

    def add(frame: pd.DataFrame | None, *cols: str) -> None:
        if frame is None:
            return
        for col in cols:
            if col in frame:
                parts.append(pd.DataFrame({"USUBJID": frame["USUBJID"], "ADT": parse_dtc(frame[col])}))

    add(sdtm.get("EX"), "EXSTDTC", "EXENDTC")
    add(sdtm.get("AE"), "AESTDTC", "AEENDTC")
    add(sdtm.get("TR"), "TRDTC")
    add(sdtm.get("RS"), "RSDTC")
    add(sdtm.get("SV"), "SVSTDTC")
    ds = sdtm["DS"]
    add(ds[ds["DSDECOD"] != "DEATH"], "DSSTDTC")
    dates = pd.concat(parts, ignore_index=True)
    return _first_by_subject(dates, "ADT", "max")


def _new_therapy(sdtm: SdtmPackage) -> pd.Series:
    cm = sdtm.get("CM")
    if cm is None or cm.empty:
        return pd.Series(dtype="datetime64[ns]")
    rows = cm[cm["CMCAT"] == NEW_THERAPY_CATEGORY].assign(ADT=lambda d: parse_dtc(d["CMSTDTC"], "first"))
    return _first_by_subject(rows, "ADT")


def build_adsl(sdtm: SdtmPackage, protocol: Protocol) -> pd.DataFrame:
    """ADSL without the response-based flags (EFFFL, RESPFL: see :func:`derive_vars_response_flags`).

    ENRLDT is study entry: the DS milestone ENROLLED (or RANDOMIZED), else the first dose
    (DM.RFSTDTC); ENRLSRC says which. TRTSDT/TRTEDT are the first/last dose of any study
    drug; ``<code>SDT``/``<code>EDT`` those of each protocol drug (EX.EXCAT is the drug code,
    or EX.EXTRT its name). EOTSTT is COMPLETED, DISCONTINUED (DCTREAS = DS.DSDECOD) or
    ONGOING. FASFL: entered and dosed; SAFFL: dosed. With ``analysis.data_cutoff`` set,
    deaths and contacts after it are not counted and LSTALVDT is at most the cut-off.
    """
    dm, ds = sdtm["DM"], sdtm["DS"]
    adsl = dm[[c for c in _DM_KEEP if c in dm]].copy().set_index("USUBJID", drop=False)
    ids = adsl.index
    enrl, src = _entry(dm, ds)
    adsl["ENRLDT"], adsl["ENRLSRC"] = enrl.reindex(ids), src.reindex(ids)

    doses = valid_doses(sdtm["EX"])
    adsl["TRTSDT"] = _first_by_subject(doses, "ASTDT").reindex(ids)
    adsl["TRTEDT"] = _first_by_subject(doses, "AENDT", "max").reindex(ids)
    for drug in protocol.regimen.drugs:
        mine = doses[drug_rows(doses, drug)]
        adsl[drug_var(drug.code, "SDT")] = _first_by_subject(mine, "ASTDT").reindex(ids)
        adsl[drug_var(drug.code, "EDT")] = _first_by_subject(mine, "AENDT", "max").reindex(ids)

    eot = _end_of_treatment(ds).reindex(ids)
    dosed = adsl["TRTSDT"].notna()
    status = np.where(
        eot["DCTREAS"].isna(), "ONGOING", np.where(eot["DCTREAS"] == "COMPLETED", "COMPLETED", "DISCONTINUED")
    )
    adsl["EOTSTT"] = np.where(dosed, status, "")
    adsl["EOTDT"] = eot["EOTDT"]
    adsl["DCTREAS"] = eot["DCTREAS"].where(adsl["EOTSTT"] == "DISCONTINUED", "").fillna("")
    adsl["DCTREASP"] = eot["DCTREASP"].where(adsl["EOTSTT"] == "DISCONTINUED", "").fillna("")

    cut = cutoff(protocol)
    death = _death(dm, ds).reindex(ids)
    alive = _alive_dates(sdtm).reindex(ids)
    if cut is not None:
        death = death.where(death <= cut)
        alive = alive.where(alive.isna() | (alive <= cut), cut)
    adsl["DTHDT"] = death
    adsl["DTHFL"] = np.where(death.notna(), "Y", "")
    adsl["LSTALVDT"] = alive.where(death.isna() | (alive <= death), death)
    adsl["NACTDT"] = _new_therapy(sdtm).reindex(ids)

    entered = adsl["ENRLDT"].notna()
    adsl["FASFL"] = flag(entered & dosed)
    adsl["SAFFL"] = flag(dosed)
    return adsl.reset_index(drop=True)
