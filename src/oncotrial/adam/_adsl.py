"""ADSL: one row per subject: dates of entry, dosing, end of treatment, death, last alive; populations."""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncotrial.adam._common import cutoff, drug_rows, drug_var, flag, valid_doses
from oncotrial.adam._dates import parse_dtc
from oncotrial.adam._imputation import ImputedDates, compute_partial_dates, date_findings_frame
from oncotrial.protocol import PartialDateRule, Protocol, StartDateRule
from oncotrial.sdtm import SdtmPackage

__all__ = ["ENTRY_MILESTONES", "NEW_THERAPY_CATEGORY", "build_adsl", "derive_vars_death"]

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


def _death_candidates(dm: pd.DataFrame, ds: pd.DataFrame, rule: PartialDateRule) -> pd.DataFrame:
    """Per subject the death record used: DM.DTHDTC, else the earliest DS DEATH record.

    Columns USUBJID, DTC (text), SRC (its variable), ADT, FLAG, LATEST (before floors).
    """
    parts = []
    if "DTHDTC" in dm:
        parts.append(
            pd.DataFrame({"USUBJID": dm["USUBJID"], "DTC": dm["DTHDTC"], "SRC": "DM.DTHDTC", "P": 0})
        )
    rows = ds[ds["DSDECOD"] == "DEATH"]
    parts.append(
        pd.DataFrame({"USUBJID": rows["USUBJID"], "DTC": rows["DSSTDTC"], "SRC": "DS.DSSTDTC", "P": 1})
    )
    cands = pd.concat(parts, ignore_index=True)
    found = []
    for src, group in cands.groupby("SRC", sort=False):
        imputed = compute_partial_dates(group["DTC"], rule, tuple(src.split(".")))  # type: ignore[arg-type]
        found.append(group.assign(ADT=imputed.dates, FLAG=imputed.flags, LATEST=imputed.latest))
    cands = pd.concat(found) if found else cands.assign(ADT=pd.NaT, FLAG="", LATEST=pd.NaT)
    cands = cands[cands["ADT"].notna()].sort_values(["USUBJID", "P", "ADT"], kind="stable")
    return cands.drop_duplicates("USUBJID").set_index("USUBJID")


def _alive_dates(sdtm: SdtmPackage) -> pd.DataFrame:
    """Last date each subject is known alive: the latest complete date of a dose, an adverse
    event, a tumour assessment, a visit or a disposition event other than death, with the
    variable it came from (columns LSTALVDT, SRC; index USUBJID)."""
    parts = []

    def add(frame: pd.DataFrame | None, domain: str, *cols: str) -> None:
        if frame is None:
            return
        for col in cols:
            if col in frame:
                parts.append(
                    pd.DataFrame(
                        {"USUBJID": frame["USUBJID"], "ADT": parse_dtc(frame[col]), "SRC": f"{domain}.{col}"}
                    )
                )

    add(sdtm.get("EX"), "EX", "EXSTDTC", "EXENDTC")
    add(sdtm.get("AE"), "AE", "AESTDTC", "AEENDTC")
    add(sdtm.get("TR"), "TR", "TRDTC")
    add(sdtm.get("RS"), "RS", "RSDTC")
    add(sdtm.get("SV"), "SV", "SVSTDTC")
    ds = sdtm["DS"]
    add(ds[ds["DSDECOD"] != "DEATH"], "DS", "DSSTDTC")
    dates = pd.concat(parts, ignore_index=True)
    dates = dates[dates["ADT"].notna()].sort_values(["USUBJID", "ADT"], kind="stable")
    last = dates.drop_duplicates("USUBJID", keep="last").set_index("USUBJID")
    return last.rename(columns={"ADT": "LSTALVDT"})[["LSTALVDT", "SRC"]]


def _new_therapy(sdtm: SdtmPackage, trtsdt: pd.Series, rule: StartDateRule) -> pd.DataFrame:
    """NACTDT and NACTDTF per subject (index USUBJID): the first CM record of subsequent
    anti-cancer therapy, a partial date imputed by ``rule`` (floor: the first dose)."""
    empty = pd.DataFrame({"NACTDT": pd.Series(dtype="datetime64[ns]"), "NACTDTF": pd.Series(dtype=object)})
    cm = sdtm.get("CM")
    if cm is None or cm.empty:
        return empty
    rows = cm[cm["CMCAT"] == NEW_THERAPY_CATEGORY]
    imputed = compute_partial_dates(rows["CMSTDTC"], rule, ("CM", "CMSTDTC"))
    if "first_dose" in rule.not_before:
        imputed, _ = imputed.raise_to(rows["USUBJID"].map(trtsdt))
    frame = pd.DataFrame({"USUBJID": rows["USUBJID"], "NACTDT": imputed.dates, "NACTDTF": imputed.flags})
    frame = frame[frame["NACTDT"].notna()].sort_values(["USUBJID", "NACTDT", "NACTDTF"], kind="stable")
    return frame.drop_duplicates("USUBJID").set_index("USUBJID") if len(frame) else empty


def derive_vars_death(
    adsl: pd.DataFrame,
    *,
    sdtm: SdtmPackage,
    protocol: Protocol,
    last_assessment: pd.Series | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Set DTHDT, DTHDTF, DTHFL and LSTALVDT by the protocol's death date rule; list contradictions.

    DTHDT is DM.DTHDTC, else the earliest DS DEATH record, a partial date imputed by
    ``analysis.date_imputation.death``: its missing parts filled, then raised to each of its
    ``not_before`` dates that lies within the partial date's period: ``last_known_alive``
    (the last complete date of any record but death) and ``tumour_assessment``
    (``last_assessment``, per subject the last tumour assessment date as analysed; skipped
    when None). DTHDTF is "D" (day imputed), "M" (month and day) or blank. A death date
    (complete, or the whole partial period) before one of those dates is not moved but
    reported; LSTALVDT is then capped at DTHDT as always. With ``analysis.data_cutoff``, a
    death after it is not counted and LSTALVDT is at most the cut-off.

    Returns ADSL with the columns set, and the date findings (USUBJID, VARIABLE, VALUE,
    CHECK, MESSAGE).
    """
    rule = protocol.analysis.date_imputation.death
    out = adsl.copy()
    ids = pd.Index(out["USUBJID"])
    death = _death_candidates(sdtm["DM"], sdtm["DS"], rule).reindex(ids)
    alive = _alive_dates(sdtm).reindex(ids)
    imputed = ImputedDates(death["ADT"], death["FLAG"].fillna(""), death["LATEST"])
    floors = []
    if "last_known_alive" in rule.not_before:
        floors.append(
            ("DEATH_BEFORE_LAST_ALIVE", "the last date known alive", alive["LSTALVDT"], alive["SRC"])
        )
    if "tumour_assessment" in rule.not_before and last_assessment is not None:
        last = last_assessment.reindex(ids)
        floors.append(
            ("DEATH_BEFORE_ASSESSMENT", "a tumour assessment", last, pd.Series("ADRS.ADT", index=ids))
        )
    findings, reported = [], set()
    first_guess = imputed.dates
    for check, what, floor, src in floors:
        imputed, beyond = imputed.raise_to(floor)
        for u in ids[beyond.to_numpy()]:
            if u in reported:  # one finding per death date: a scan is also a contact
                continue
            reported.add(u)
            partial = death.at[u, "FLAG"] != ""
            stated = f"{death.at[u, 'DTC']!r}" + (f" (imputed {_day(first_guess[u])})" if partial else "")
            findings.append(
                {
                    "USUBJID": u,
                    "VARIABLE": death.at[u, "SRC"],
                    "VALUE": death.at[u, "DTC"],
                    "CHECK": check,
                    "MESSAGE": (
                        f"death date {stated} is before {what} on {_day(floor[u])} ({src[u]}); DTHDT is "
                        f"kept at {_day(imputed.dates[u])} and LSTALVDT capped at it: check both records"
                    ),
                }
            )
    dthdt, flags = imputed.dates, imputed.flags
    lstalvdt = alive["LSTALVDT"]
    cut = cutoff(protocol)
    if cut is not None:
        dthdt = dthdt.where(dthdt <= cut)
        lstalvdt = lstalvdt.where(lstalvdt.isna() | (lstalvdt <= cut), cut)
    out["DTHDT"] = dthdt.to_numpy()
    out["DTHDTF"] = np.where(dthdt.notna(), flags, "")
    out["DTHFL"] = np.where(dthdt.notna(), "Y", "")
    out["LSTALVDT"] = lstalvdt.where(dthdt.isna() | (lstalvdt <= dthdt), dthdt).to_numpy()
    return out, date_findings_frame(findings)


def _day(value) -> str:
    return "" if pd.isna(value) else pd.Timestamp(value).date().isoformat()


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

    adsl, _ = derive_vars_death(adsl, sdtm=sdtm, protocol=protocol)
    rule = protocol.analysis.date_imputation.new_anticancer_therapy
    new_therapy = _new_therapy(sdtm, adsl["TRTSDT"], rule).reindex(ids)
    adsl["NACTDT"] = new_therapy["NACTDT"]
    adsl["NACTDTF"] = new_therapy["NACTDTF"].fillna("")

    entered = adsl["ENRLDT"].notna()
    adsl["FASFL"] = flag(entered & dosed)
    adsl["SAFFL"] = flag(dosed)
    return adsl.reset_index(drop=True)
