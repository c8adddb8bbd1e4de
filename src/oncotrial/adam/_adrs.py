"""ADRS: overall response per assessment (OVR) and per-subject BOR, CBOR, RSP, CRSP, DCR, PD.

The assessments come from the RECIST engine on TU/TR (``response_source="recist"``) or as
recorded in RS (``"rs"``, RSTESTCD = OVRLRESP); ``"auto"`` takes TU/TR when present. When
both are present, :func:`compare_responses` lists every assessment and subject where they
disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from oncotrial.adam._common import cutoff
from oncotrial.adam._dates import parse_dtc
from oncotrial.adam._readers import accepted_rows
from oncotrial.errors import OncotrialError
from oncotrial.protocol import Protocol
from oncotrial.recist import (
    SAME_DATE_ORDER,
    RecistSettings,
    best_overall_response,
    compute_assessment_dates,
    evaluate_timepoints,
)
from oncotrial.sdtm import SdtmPackage

__all__ = [
    "AVAL_CODES",
    "ResponseSource",
    "ResponseTables",
    "build_adrs",
    "compare_responses",
    "recorded_timepoints",
    "resolve_response_source",
    "response_tables",
]

ResponseSource = Literal["auto", "recist", "rs"]

#: Numeric coding of responses in AVAL (as admiralonco's ``aval_resp()``); flags are Y=1, N=0.
AVAL_CODES = {"CR": 1, "PR": 2, "SD": 3, "NON-CR/NON-PD": 4, "PD": 5, "NE": 6, "MISSING": 7}

_COLUMNS = [
    "STUDYID",
    "USUBJID",
    "PARAMCD",
    "PARAM",
    "AVALC",
    "AVAL",
    "ADT",
    "ADTF",
    "AVISIT",
    "AVISITN",
    "ANL01FL",
    "SRCDOM",
    "RULE",
    "ASEQ",
]


def resolve_response_source(sdtm: SdtmPackage, response_source: str) -> Literal["recist", "rs"]:
    """Which assessments to use; ``auto`` is ``recist`` when TU and TR are present."""
    has_tr = "TU" in sdtm and "TR" in sdtm and not sdtm["TR"].empty
    if response_source == "auto":
        return "recist" if has_tr else "rs"
    if response_source == "recist" and not has_tr:
        raise OncotrialError(("response_source",), response_source, "needs the TU and TR domains")
    if response_source == "rs" and "RS" not in sdtm:
        raise OncotrialError(("response_source",), response_source, "needs the RS domain")
    if response_source not in ("recist", "rs"):
        raise OncotrialError(("response_source",), response_source, "expected 'auto', 'recist' or 'rs'")
    return response_source  # type: ignore[return-value]


def recorded_timepoints(rs: pd.DataFrame, subjects: pd.DataFrame, settings: RecistSettings) -> pd.DataFrame:
    """RS OVRLRESP of the accepted reader as timepoints: USUBJID, VISITNUM, VISIT, ADT, ADTC,
    ADTF, OVRLRESP, RULE; post-baseline (after REFSTDT) only.

    Dates follow the RECIST engine's rule (protocol ``analysis.date_imputation.tumour_assessment``):
    a partial RSDTC takes the first day of its period, never on or before the subject's
    previous RS assessment (rows in VISITNUM order, then date); ADTF says "D" or "M".
    """
    rows = accepted_rows(rs[rs["RSTESTCD"] == "OVRLRESP"], "RS", settings.accepted_evaluator)
    out = pd.DataFrame(
        {
            "USUBJID": rows["USUBJID"],
            "VISITNUM": rows.get("VISITNUM", np.nan),
            "VISIT": rows.get("VISIT", ""),
            "ADT": parse_dtc(rows["RSDTC"], "first"),  # provisional, to order rows without VISITNUM
            "ADTC": rows["RSDTC"],
            "OVRLRESP": rows["RSSTRESC"].replace("", "NE"),
            "RULE": "as recorded in RS (RSTESTCD = OVRLRESP)",
        }
    )
    out = out.sort_values(["USUBJID", "VISITNUM", "ADT"], kind="stable", na_position="last")
    out["ADT"], out["ADTF"] = compute_assessment_dates(out["USUBJID"], out["ADTC"], ("RS", "RSDTC"))
    out = out.merge(subjects[["USUBJID", "REFSTDT"]], on="USUBJID", how="inner")
    out = out[out["ADT"].notna() & (out["ADT"] > out["REFSTDT"])].drop(columns="REFSTDT")
    columns = ["USUBJID", "VISITNUM", "VISIT", "ADT", "ADTC", "ADTF", "OVRLRESP", "RULE"]
    return out.sort_values(["USUBJID", "ADT"], kind="stable").reset_index(drop=True)[columns]


@dataclass(frozen=True)
class ResponseTables:
    """Timepoints and best responses from each source available, and which one is used."""

    source: Literal["recist", "rs"]
    timepoints: pd.DataFrame
    best: pd.DataFrame
    computed: pd.DataFrame | None
    recorded: pd.DataFrame | None
    subjects: pd.DataFrame


def _subjects(adsl: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    ref = "TRTSDT" if protocol.response.reference_start == "first_dose" else "ENRLDT"
    subj = adsl[adsl[ref].notna()]
    return pd.DataFrame({"USUBJID": subj["USUBJID"], "REFSTDT": subj[ref], "NACTDT": subj["NACTDT"]})


def _cut(timepoints: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    cut = cutoff(protocol)
    return timepoints if cut is None else timepoints[timepoints["ADT"] <= cut]


def response_tables(
    sdtm: SdtmPackage, adsl: pd.DataFrame, protocol: Protocol, response_source: ResponseSource = "auto"
) -> ResponseTables:
    """Evaluate TU/TR with the RECIST engine and read RS, as available; best response of the chosen one."""
    source = resolve_response_source(sdtm, response_source)
    settings = RecistSettings.from_protocol(protocol)
    subjects = _subjects(adsl, protocol)
    computed = recorded = None
    if "TU" in sdtm and "TR" in sdtm and not sdtm["TR"].empty:
        computed = _cut(evaluate_timepoints(sdtm["TU"], sdtm["TR"], settings, subjects=subjects), protocol)
        computed = computed.merge(subjects[["USUBJID", "REFSTDT"]], on="USUBJID")
        computed = computed[computed["ADT"] > computed["REFSTDT"]].drop(columns="REFSTDT")
    if "RS" in sdtm:
        recorded = _cut(recorded_timepoints(sdtm["RS"], subjects, settings), protocol)
    chosen = computed if source == "recist" else recorded
    if chosen is None:  # no tumour data yet (a live trial before its first scan): no assessments
        chosen = pd.DataFrame(
            {
                "USUBJID": pd.Series(dtype=object),
                "ADT": pd.Series(dtype="datetime64[ns]"),
                "OVRLRESP": pd.Series(dtype=object),
            }
        )
    best = _best(chosen, subjects, settings)
    return ResponseTables(source, chosen.reset_index(drop=True), best, computed, recorded, subjects)


_BEST_DATES = ("BORDT", "CBORDT", "FRSPDT", "PDDT", "LSTADT")


def _best(timepoints: pd.DataFrame, subjects: pd.DataFrame, settings: RecistSettings) -> pd.DataFrame:
    """Best overall response per subject; with no assessment at all, every subject is unassessed."""
    if timepoints.empty:
        out = pd.DataFrame({"USUBJID": subjects["USUBJID"].to_numpy()})
        for col in ("BOR", "CBOR", "RSPFL", "CRSPFL", "DCRFL", "BORRULE", "CBORRULE"):
            out[col] = "N" if col.endswith("FL") else ""
        for col in _BEST_DATES:
            out[col] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
        return out
    return best_overall_response(timepoints[["USUBJID", "ADT", "OVRLRESP"]], subjects, settings)


def compare_responses(tables: ResponseTables, protocol: Protocol) -> pd.DataFrame:
    """Where the RECIST engine and RS disagree: one row per assessment (LEVEL = OVR, matched by
    subject and VISITNUM, or by date when a visit number is missing) and per subject's
    confirmed BOR (LEVEL = CBOR); empty if one source is absent.

    Columns: USUBJID, LEVEL, VISIT, ADT, COMPUTED, RECORDED, RULE (the engine's reason).
    """
    columns = ["USUBJID", "LEVEL", "VISIT", "ADT", "COMPUTED", "RECORDED", "RULE"]
    if tables.computed is None or tables.recorded is None:
        return pd.DataFrame(columns=columns)
    c = tables.computed[["USUBJID", "VISITNUM", "VISIT", "ADT", "OVRLRESP", "RULE"]]
    r = tables.recorded[["USUBJID", "VISITNUM", "VISIT", "ADT", "OVRLRESP"]]
    by_visit = c["VISITNUM"].notna().all() and r["VISITNUM"].notna().all()
    key = "VISITNUM" if by_visit else "ADT"
    both = c.merge(r, on=["USUBJID", key], how="outer", suffixes=("_C", "_R"))
    differ = both["OVRLRESP_C"].fillna("") != both["OVRLRESP_R"].fillna("")
    adt = both["ADT"] if key == "ADT" else both["ADT_C"].fillna(both["ADT_R"])
    ovr = pd.DataFrame(
        {
            "USUBJID": both["USUBJID"],
            "LEVEL": "OVR",
            "VISIT": both["VISIT_C"].fillna(both["VISIT_R"]),
            "ADT": adt,
            "COMPUTED": both["OVRLRESP_C"].fillna(""),
            "RECORDED": both["OVRLRESP_R"].fillna(""),
            "RULE": both["RULE"].fillna(""),
        }
    )[differ]
    other = tables.recorded if tables.source == "recist" else tables.computed
    other_best = _best(other, tables.subjects, RecistSettings.from_protocol(protocol))
    cb, rb = (tables.best, other_best) if tables.source == "recist" else (other_best, tables.best)
    bb = cb[["USUBJID", "CBOR", "CBORDT", "CBORRULE"]].merge(
        rb[["USUBJID", "CBOR"]], on="USUBJID", suffixes=("_C", "_R")
    )
    bb = bb[bb["CBOR_C"].fillna("") != bb["CBOR_R"].fillna("")]
    cbor = pd.DataFrame(
        {
            "USUBJID": bb["USUBJID"],
            "LEVEL": "CBOR",
            "VISIT": "",
            "ADT": bb["CBORDT"],
            "COMPUTED": bb["CBOR_C"].fillna(""),
            "RECORDED": bb["CBOR_R"].fillna(""),
            "RULE": bb["CBORRULE"].fillna(""),
        }
    )
    out = pd.concat([ovr, cbor], ignore_index=True)
    return out.sort_values(["USUBJID", "LEVEL", "ADT"]).reset_index(drop=True)[columns]


def _code(values: pd.Series) -> pd.Series:
    return values.map(lambda v: AVAL_CODES.get(v, {"Y": 1, "N": 0}.get(v, np.nan))).astype(float)


def _param(
    best: pd.DataFrame, paramcd: str, param: str, avalc: pd.Series, adt: pd.Series, rule: pd.Series | str
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "USUBJID": best["USUBJID"],
            "PARAMCD": paramcd,
            "PARAM": param,
            "AVALC": avalc.to_numpy(),
            "ADT": adt.to_numpy(),
            "RULE": rule if isinstance(rule, str) else rule.to_numpy(),
        }
    )


def _yn(mask: pd.Series) -> pd.Series:
    return mask.map({True: "Y", False: "N"})


def _dcr_responses(protocol: Protocol) -> set[str]:
    """The best responses that count as disease control: the protocol's DCR endpoint's."""
    try:
        return set(protocol.endpoint("DCR").responses)
    except KeyError:
        raise OncotrialError(("endpoints",), "DCR", "the protocol defines no DCR endpoint") from None


def _worst_of_each_date(ovr: pd.DataFrame) -> np.ndarray:
    """ANL01FL of OVR rows: "Y" on the worst response of each subject and date (the order of
    :data:`oncotrial.recist.SAME_DATE_ORDER`, NE last), the first by VISITNUM on a tie."""
    rank = {response: i for i, response in enumerate(SAME_DATE_ORDER)}
    keyed = pd.DataFrame(
        {
            "USUBJID": ovr["USUBJID"].to_numpy(),
            "ADT": ovr["ADT"].to_numpy(),
            "R": ovr["AVALC"].map(rank).fillna(len(rank)).to_numpy(),
            "V": pd.to_numeric(ovr["AVISITN"], errors="coerce").to_numpy(),
        }
    )
    keyed = keyed.sort_values(["USUBJID", "ADT", "R", "V"], kind="stable", na_position="last")
    first = keyed.index[~keyed.duplicated(["USUBJID", "ADT"]).to_numpy()]
    out = np.full(len(ovr), "", dtype=object)
    out[first] = "Y"
    return out


def build_adrs(tables: ResponseTables, adsl: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """ADRS rows: OVR per assessment, then per subject BOR, CBOR, RSP, CRSP, DCR and PD.

    Per-subject rows exist for every subject with a reference start date; a subject without
    post-baseline assessments has BOR/CBOR "MISSING" (AVAL 7, as admiralonco) and flags "N".
    RSP's ADT is the first CR/PR; CRSP's the first confirmed CR/PR (the start of duration of
    response); DCR is "Y" when the confirmed BOR is one of the DCR endpoint's ``responses``.
    AVAL codes responses by :data:`AVAL_CODES`.

    ANL01FL is "Y" on one OVR row per subject and date, the one best response reads: the worst
    of the day (:data:`oncotrial.recist.SAME_DATE_ORDER`; the first by VISITNUM on a tie); the
    other rows of that date stay, with ANL01FL blank. ADTF is the date imputation flag of the
    assessment ("D" day imputed, "M" month and day); on BOR, CBOR, RSP, CRSP, DCR and PD rows
    it is that of the analysed OVR row of the same date.
    """
    evaluator = protocol.response.accepted_evaluator.title()
    tp = tables.timepoints
    ovr = pd.DataFrame(
        {
            "USUBJID": tp["USUBJID"],
            "PARAMCD": "OVR",
            "PARAM": f"Overall Response by {evaluator}",
            "AVALC": tp["OVRLRESP"],
            "ADT": tp["ADT"],
            "ADTF": tp["ADTF"].fillna("") if "ADTF" in tp else "",
            "AVISIT": tp.get("VISIT", ""),
            "AVISITN": tp.get("VISITNUM", np.nan),
            "RULE": tp.get("RULE", ""),
        }
    )
    ovr["ANL01FL"] = _worst_of_each_date(ovr)
    best = tables.best
    assessed = best["USUBJID"].isin(set(tp["USUBJID"]))
    analysed = ovr[ovr["ANL01FL"] == "Y"]
    responses = analysed[analysed["AVALC"].isin(["CR", "PR"])]
    # reindex, not Series.map: pandas 3 maps through an empty datetime Series as float and fails
    first_dates = responses.groupby("USUBJID")["ADT"].min().reindex(best["USUBJID"])
    first_response = pd.Series(first_dates.to_numpy(), index=best.index, dtype=tp["ADT"].dtype)
    dcr_codes = _dcr_responses(protocol)
    bor = best["BOR"].fillna("").where(assessed, "MISSING").replace("", "MISSING")
    cbor = best["CBOR"].fillna("").where(assessed, "MISSING").replace("", "MISSING")
    subject_rows = [
        _param(best, "BOR", f"Best Overall Response by {evaluator}", bor, best["BORDT"], best["BORRULE"]),
        _param(
            best,
            "CBOR",
            f"Best Confirmed Overall Response by {evaluator}",
            cbor,
            best["CBORDT"],
            best["CBORRULE"],
        ),
        _param(
            best,
            "RSP",
            "Response (CR or PR), unconfirmed",
            best["RSPFL"].fillna("N"),
            first_response.where(best["RSPFL"] == "Y"),
            "",
        ),
        _param(best, "CRSP", "Confirmed Response (CR or PR)", best["CRSPFL"].fillna("N"), best["FRSPDT"], ""),
        _param(
            best,
            "DCR",
            f"Disease Control (confirmed BOR {', '.join(sorted(dcr_codes, key=AVAL_CODES.get))})",
            _yn(cbor.isin(dcr_codes)),
            best["CBORDT"].where(cbor.isin(dcr_codes)),
            "",
        ),
        _param(best, "PD", "Disease Progression", _yn(best["PDDT"].notna()), best["PDDT"], ""),
    ]
    out = pd.concat([ovr, *subject_rows], ignore_index=True)
    out["SRCDOM"] = "TR" if tables.source == "recist" else "RS"
    out["AVAL"] = _code(out["AVALC"])
    out = adsl[["STUDYID", "USUBJID"]].merge(out, on="USUBJID", how="inner")
    order = {p: i for i, p in enumerate(["OVR", "BOR", "CBOR", "RSP", "CRSP", "DCR", "PD"])}
    out = out.sort_values(
        ["USUBJID", "PARAMCD", "ADT"], key=lambda s: s.map(order) if s.name == "PARAMCD" else s
    )
    out["ASEQ"] = out.groupby("USUBJID").cumcount().astype(float) + 1
    out["ADT"] = pd.to_datetime(out["ADT"])
    # A subject-level date is an assessment's date: it carries that assessment's flag.
    flags = analysed[["USUBJID", "ADT", "ADTF"]].rename(columns={"ADTF": "_F"})
    flags = flags.astype({"ADT": out["ADT"].dtype})
    out = out.merge(flags, on=["USUBJID", "ADT"], how="left")
    out["ADTF"] = out["ADTF"].where(out["PARAMCD"] == "OVR", out["_F"])
    out = out.drop(columns="_F")
    for col in ("AVISIT", "RULE", "ANL01FL", "ADTF"):
        out[col] = out[col].fillna("")
    return out[_COLUMNS].reset_index(drop=True)
