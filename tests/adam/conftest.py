"""Hand-built subjects for the ADaM tests.

``make_sdtm`` turns short subject descriptions into an SDTM package; ``make_adsl`` and
``make_ovr`` build ADSL rows and ADRS OVR rows directly, so that the censoring rules and
population flags are tested on exactly the dates a test names.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from oncotrial.sdtm import SdtmPackage

STUDY = "PD1NABP-CC2"
REFERENCE = Path(__file__).parents[1] / "data" / "pharmaverse-recist"


def _t(value: str | None) -> pd.Timestamp:
    return pd.Timestamp(value) if value else pd.NaT


def _sdtm(subjects: list[dict[str, Any]]) -> SdtmPackage:
    """Each subject: id, and optionally entry (DS ENROLLED date), first_dose (DM.RFSTDTC),
    doses [(EXCAT, date, dose[, EXSPID])], death (DM.DTHDTC), eot (DSDECOD, date),
    aes [(AEDECOD, start, grade)], cm [(CMCAT, date)], rs [(date, OVRLRESP)]."""
    dm, ex, ds, ae, cm, rs = [], [], [], [], [], []
    names = {"NABP": "albumin-bound paclitaxel", "PD1": "anti-PD-1 antibody", "XXX": "other drug"}
    for s in subjects:
        u = s["id"]
        base = {"STUDYID": STUDY, "USUBJID": u}
        dm.append(
            {
                **base,
                "SUBJID": u[-3:],
                "SITEID": s.get("site", "01"),
                "RFSTDTC": s.get("first_dose", ""),
                "DTHDTC": s.get("death", ""),
                "AGE": 50.0,
                "SEX": "F",
            }
        )
        if s.get("entry"):
            ds.append(
                {
                    **base,
                    "DSDECOD": "ENROLLED",
                    "DSCAT": "PROTOCOL MILESTONE",
                    "DSSCAT": "",
                    "DSTERM": "Enrolled",
                    "DSSTDTC": s["entry"],
                }
            )
        if s.get("eot"):
            decod, date = s["eot"]
            ds.append(
                {
                    **base,
                    "DSDECOD": decod,
                    "DSCAT": "DISPOSITION EVENT",
                    "DSSCAT": "END OF TREATMENT",
                    "DSTERM": decod.title(),
                    "DSSTDTC": date,
                }
            )
        for i, dose in enumerate(s.get("doses", [])):
            code, date, amount, *spid = dose
            ex.append(
                {
                    **base,
                    "EXTRT": names[code],
                    "EXCAT": code,
                    "EXDOSE": float(amount),
                    "EXSTDTC": date,
                    "EXENDTC": date,
                    "EXSPID": spid[0] if spid else f"CYCLE {i + 1}",
                }
            )
        for term, start, grade in s.get("aes", []):
            ae.append({**base, "AETERM": term, "AEDECOD": term, "AESTDTC": start, "AETOXGR": str(grade)})
        for cat, date in s.get("cm", []):
            cm.append({**base, "CMTRT": "CISPLATIN", "CMCAT": cat, "CMSTDTC": date})
        for i, (date, resp) in enumerate(s.get("rs", [])):
            rs.append(
                {
                    **base,
                    "RSTESTCD": "OVRLRESP",
                    "RSSTRESC": resp,
                    "RSEVAL": "INVESTIGATOR",
                    "VISITNUM": float(i + 1),
                    "VISIT": f"WEEK {6 * (i + 1)}",
                    "RSDTC": date,
                }
            )

    def frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
        return pd.DataFrame(rows, columns=columns) if not rows else pd.DataFrame(rows)

    domains = {
        "DM": frame(dm, []),
        "EX": frame(ex, ["STUDYID", "USUBJID", "EXTRT", "EXCAT", "EXDOSE", "EXSTDTC", "EXENDTC", "EXSPID"]),
        "DS": frame(ds, ["STUDYID", "USUBJID", "DSDECOD", "DSCAT", "DSSCAT", "DSTERM", "DSSTDTC"]),
        "AE": frame(ae, ["STUDYID", "USUBJID", "AETERM", "AEDECOD", "AESTDTC", "AETOXGR"]),
        "RS": frame(
            rs, ["STUDYID", "USUBJID", "RSTESTCD", "RSSTRESC", "RSEVAL", "VISITNUM", "VISIT", "RSDTC"]
        ),
    }
    if cm:
        domains["CM"] = pd.DataFrame(cm)
    domains["EX"]["EXDOSE"] = domains["EX"]["EXDOSE"].astype(float)
    return SdtmPackage(domains, source="hand-built")


def _adsl(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """ADSL rows; dates as text. Defaults: entered 2024-01-01, first dose 2024-01-02, FAS."""
    out = []
    for r in rows:
        out.append(
            {
                "STUDYID": STUDY,
                "USUBJID": r["id"],
                "ENRLDT": _t(r.get("entry", "2024-01-01")),
                "TRTSDT": _t(r.get("first_dose", "2024-01-02")),
                "DTHDT": _t(r.get("death")),
                "LSTALVDT": _t(r.get("alive", "2024-06-01")),
                "NACTDT": _t(r.get("new_therapy")),
                "BLTADT": _t(r.get("baseline", "2023-12-20")),
                "FASFL": r.get("fas", "Y"),
                "RESPFL": r.get("resp", "N"),
            }
        )
    return pd.DataFrame(out)


def _ovr(assessments: dict[str, list[tuple[str, str]]], crsp: dict[str, str] | None = None) -> pd.DataFrame:
    """ADRS OVR rows {USUBJID: [(date, response), ...]} with ASEQ 1, 2, ...; CRSP rows for
    confirmed responders {USUBJID: first response date}."""
    rows = []
    for u, items in assessments.items():
        for i, (date, resp) in enumerate(items):
            rows.append(
                {"USUBJID": u, "PARAMCD": "OVR", "AVALC": resp, "ADT": _t(date), "ASEQ": float(i + 1)}
            )
    for u, date in (crsp or {}).items():
        rows.append({"USUBJID": u, "PARAMCD": "CRSP", "AVALC": "Y", "ADT": _t(date), "ASEQ": np.nan})
    return pd.DataFrame(rows, columns=["USUBJID", "PARAMCD", "AVALC", "ADT", "ASEQ"])


@pytest.fixture
def make_sdtm() -> Callable[[list[dict[str, Any]]], SdtmPackage]:
    return _sdtm


@pytest.fixture
def make_adsl() -> Callable[[list[dict[str, Any]]], pd.DataFrame]:
    return _adsl


@pytest.fixture
def make_ovr() -> Callable[..., pd.DataFrame]:
    return _ovr


@pytest.fixture(scope="session")
def reference() -> Path:
    return REFERENCE
