"""ADTTE: PFS, OS and duration of response, one row per subject and parameter, with lineage."""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncotrial.adam._censoring import (
    Assessment,
    Outcome,
    ProgressionRules,
    Rule,
    SubjectHistory,
    compute_pfs_outcome,
    progression_rules,
)
from oncotrial.errors import OncotrialError
from oncotrial.protocol import Protocol

__all__ = ["OS_RULES", "aval_offset", "build_adtte", "check_tte_endpoints"]

OS_RULES = (
    Rule("DEATH", 0, "event", "DEATH", "Death from any cause: event at the date of death."),
    Rule("LSTALV", 1, "event", "LAST KNOWN ALIVE DATE", "Alive: censored at the last date known alive."),
)

_PARAMS = {
    "PFS": "Progression-Free Survival (days)",
    "OS": "Overall Survival (days)",
    "DOR": "Duration of Response (days)",
}


def aval_offset(protocol: Protocol) -> int:
    """Days added to ``ADT - STARTDT``: 1 for the convention ``end - start + 1``."""
    convention = protocol.analysis.aval_convention
    if convention == "end - start + 1":
        return 1
    raise OncotrialError(("analysis", "aval_convention"), convention, "unknown AVAL convention")


#: What ADTTE derives for each time-to-event endpoint: its events, and for DoR its origin.
_DERIVED = {
    "PFS": (("progression", "death"), None),
    "OS": (("death",), None),
    "DOR": (("progression", "death"), "first_response"),
}


def check_tte_endpoints(protocol: Protocol) -> None:
    """Raise when the protocol asks of PFS, OS or DoR what ADTTE does not derive.

    The events (and DoR's origin) are fixed by the derivation; a protocol stating others
    must not be analysed as if it did not (e.g. PFS with progression as its only event).
    """
    for i, endpoint in enumerate(protocol.endpoints):
        if endpoint.code not in _DERIVED:
            continue
        events, origin = _DERIVED[endpoint.code]
        if sorted(endpoint.events) != sorted(events):
            raise OncotrialError(
                ("endpoints", i, "events"),
                endpoint.events,
                f"ADTTE derives {endpoint.code} with the events {list(events)} only",
            )
        if origin is not None and endpoint.origin != origin:
            raise OncotrialError(
                ("endpoints", i, "origin"),
                endpoint.origin,
                f"ADTTE derives {endpoint.code} from {origin!r} only",
            )


def _origin(protocol: Protocol, code: str) -> str:
    origin = protocol.endpoint(code).origin
    return {"enrollment": "ENRLDT", "first_dose": "TRTSDT", "first_response": "FRSPDT"}[origin]


def _analysed_ovr(adrs: pd.DataFrame) -> pd.DataFrame:
    """The OVR rows the analysis reads: one per subject and date (ANL01FL = "Y"; a frame
    without ANL01FL is taken whole)."""
    ovr = adrs[(adrs["PARAMCD"] == "OVR") & adrs["ADT"].notna()]
    if "ANL01FL" in ovr:
        ovr = ovr[ovr["ANL01FL"] == "Y"]
    return ovr


def _assessments(adrs: pd.DataFrame) -> dict[str, list[Assessment]]:
    ovr = _analysed_ovr(adrs).sort_values(["USUBJID", "ADT"])
    out: dict[str, list[Assessment]] = {}
    for row in ovr.itertuples(index=False):
        out.setdefault(row.USUBJID, []).append(Assessment(row.ADT, row.AVALC, float(row.ASEQ)))
    return out


def _has_baseline(subj: pd.Series) -> bool:
    """BLTAFL "N" means no baseline tumour assessment; blank (no TU/TR data) is not judged."""
    if "BLTAFL" in subj.index:
        return subj["BLTAFL"] != "N"
    return "BLTADT" not in subj.index or not pd.isna(subj["BLTADT"])


def _row(subj: pd.Series, paramcd: str, start: pd.Timestamp, o: Outcome, offset: int, dpm: float) -> dict:
    aval = float((o.adt - start).days + offset)
    return {
        "STUDYID": subj["STUDYID"],
        "USUBJID": subj["USUBJID"],
        "PARAMCD": paramcd,
        "PARAM": _PARAMS[paramcd],
        "STARTDT": start,
        "ADT": o.adt,
        "AVAL": aval,
        "AVALU": "DAYS",
        "AVALM": aval / dpm,
        "CNSR": o.cnsr,
        "EVNTDESC": o.evntdesc,
        "CNSDTDSC": o.cnsdtdsc,
        "SRCDOM": o.srcdom,
        "SRCVAR": o.srcvar,
        "SRCSEQ": np.nan if o.srcseq is None else o.srcseq,
        "RULECD": o.rule.code,
    }


def _lineage_flags(adtte: pd.DataFrame, adsl: pd.DataFrame, adrs: pd.DataFrame) -> np.ndarray:
    """ADTF of each ADTTE row: the imputation flag of the record its date was taken from.

    SRCDOM ADRS with SRCSEQ: that row's ADTF; ADRS without SRCSEQ (a DoR censored at its
    start): the analysed OVR row of that date; ADSL: the flag variable of SRCVAR (DTHDTF for
    DTHDT), blank when there is none (LSTALVDT and ENRLDT come from complete dates).
    """
    out = np.full(len(adtte), "", dtype=object)
    if "ADTF" in adrs:
        by_seq = adrs.dropna(subset=["ASEQ"]).set_index(["USUBJID", "ASEQ"])["ADTF"]
        by_seq = by_seq[~by_seq.index.duplicated()]
        by_date = (
            _analysed_ovr(adrs).drop_duplicates(["USUBJID", "ADT"]).set_index(["USUBJID", "ADT"])["ADTF"]
        )
    subjects = adsl.set_index("USUBJID")
    for i, r in enumerate(adtte.itertuples(index=False)):
        if r.SRCDOM == "ADRS" and "ADTF" in adrs:
            key = (r.USUBJID, r.SRCSEQ) if not pd.isna(r.SRCSEQ) else (r.USUBJID, r.ADT)
            table = by_seq if not pd.isna(r.SRCSEQ) else by_date
            flag = table.get(key, "")
        elif r.SRCDOM == "ADSL" and f"{r.SRCVAR}F" in subjects:
            flag = subjects.at[r.USUBJID, f"{r.SRCVAR}F"]
        else:
            flag = ""
        out[i] = "" if pd.isna(flag) else flag
    return out


def build_adtte(
    adsl: pd.DataFrame,
    *,
    dataset_adrs: pd.DataFrame,
    protocol: Protocol,
    rules: ProgressionRules | None = None,
) -> pd.DataFrame:
    """PFS and OS for every FAS subject, DoR for every confirmed responder (``RESPFL = "Y"``).

    AVAL is in days, ``ADT - STARTDT + 1`` (protocol ``analysis.aval_convention``), AVALM in
    months (``analysis.days_per_month``); CNSR 0 is an event, 1 a censoring; RULECD names the
    rule applied (see :func:`progression_rules`); EVNTDESC/CNSDTDSC describe the date and
    SRCDOM/SRCVAR/SRCSEQ say where it was taken from; ADTF is that record's date imputation
    flag ("D", "M" or blank). Only the analysed OVR rows (ANL01FL = "Y") are read. ADSL needs ENRLDT, TRTSDT, DTHDT,
    LSTALVDT, NACTDT, BLTAFL ("N": no baseline tumour assessment), FASFL, RESPFL;
    ADRS its OVR rows (ADT, AVALC, ASEQ) and the CRSP rows (ADT = first confirmed response).
    """
    check_tte_endpoints(protocol)
    rules = rules or progression_rules(protocol)
    offset, dpm = aval_offset(protocol), protocol.analysis.days_per_month
    anchor_var = "TRTSDT" if protocol.schedule.imaging_anchor == "first_dose" else "ENRLDT"
    pfs_start, os_start = _origin(protocol, "PFS"), _origin(protocol, "OS")
    assessments = _assessments(dataset_adrs)
    crsp = dataset_adrs[(dataset_adrs["PARAMCD"] == "CRSP") & (dataset_adrs["AVALC"] == "Y")]
    first_response = crsp.set_index("USUBJID")["ADT"]
    rows = []
    for _, subj in adsl[adsl["FASFL"] == "Y"].iterrows():
        mine = assessments.get(subj["USUBJID"], [])
        has_baseline = _has_baseline(subj)
        start = subj[pfs_start]
        anchor = subj[anchor_var] if not pd.isna(subj[anchor_var]) else start
        history = SubjectHistory(
            start,
            anchor,
            has_baseline,
            tuple(a for a in mine if a.adt > start),
            subj["DTHDT"],
            subj["NACTDT"],
        )
        rows.append(
            _row(
                subj,
                "PFS",
                start,
                compute_pfs_outcome(history, rules, start_source=("ADSL", pfs_start)),
                offset,
                dpm,
            )
        )

        start = subj[os_start]
        if not pd.isna(subj["DTHDT"]):
            outcome = Outcome(subj["DTHDT"], 0, OS_RULES[0], "ADSL", "DTHDT")
        elif not pd.isna(subj["LSTALVDT"]):
            outcome = Outcome(max(subj["LSTALVDT"], start), 1, OS_RULES[1], "ADSL", "LSTALVDT")
        else:
            outcome = Outcome(start, 1, OS_RULES[1], "ADSL", os_start)
        rows.append(_row(subj, "OS", start, outcome, offset, dpm))

        if subj.get("RESPFL") == "Y" and subj["USUBJID"] in first_response.index:
            start = first_response[subj["USUBJID"]]
            history = SubjectHistory(
                start, start, True, tuple(a for a in mine if a.adt >= start), subj["DTHDT"], subj["NACTDT"]
            )
            outcome = compute_pfs_outcome(history, rules, start_source=("ADRS", "ADT"))
            rows.append(_row(subj, "DOR", start, outcome, offset, dpm))
    columns = [
        "STUDYID",
        "USUBJID",
        "PARAMCD",
        "PARAM",
        "STARTDT",
        "ADT",
        "AVAL",
        "AVALU",
        "AVALM",
        "CNSR",
        "EVNTDESC",
        "CNSDTDSC",
        "SRCDOM",
        "SRCVAR",
        "SRCSEQ",
        "RULECD",
    ]
    out = pd.DataFrame(rows, columns=columns)
    for col in ("STARTDT", "ADT"):
        out[col] = pd.to_datetime(out[col])
    out.insert(out.columns.get_loc("ADT") + 1, "ADTF", _lineage_flags(out, adsl, dataset_adrs))
    out["CNSR"] = out["CNSR"].astype(int)
    order = {"PFS": 0, "OS": 1, "DOR": 2}
    out = out.sort_values(["USUBJID", "PARAMCD"], key=lambda s: s.map(order) if s.name == "PARAMCD" else s)
    return out.reset_index(drop=True)
