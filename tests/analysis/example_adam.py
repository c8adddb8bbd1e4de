"""A small hand-made ADaM package (7 patients) shaped as the project's ADaM conventions.

S01 confirmed CR (on treatment), S02 confirmed PR then PD, S03 SD then PD, S04 PD and
death, S05 NE, S06 no response record, S07 enrolled but never treated.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

D = pd.Timestamp


@dataclass
class ExampleAdam:
    adsl: pd.DataFrame
    adrs: pd.DataFrame
    adtr: pd.DataFrame
    adtte: pd.DataFrame
    adae: pd.DataFrame


def _adsl() -> pd.DataFrame:
    rows = [
        # USUBJID, ENRLDT, TRTSDT, TRTEDT, EOTSTT, DCTREAS, DTHDT, LSTALVDT, FAS, RESP
        ("S01", "2024-01-01", "2024-01-03", "2024-10-28", "ONGOING", "", None, "2024-10-28", "Y", "Y"),
        (
            "S02",
            "2024-01-05",
            "2024-01-08",
            "2024-06-01",
            "DISCONTINUED",
            "PROGRESSIVE DISEASE",
            None,
            "2024-11-22",
            "Y",
            "Y",
        ),
        (
            "S03",
            "2024-01-10",
            "2024-01-12",
            "2024-05-01",
            "DISCONTINUED",
            "PROGRESSIVE DISEASE",
            None,
            "2024-10-17",
            "Y",
            "N",
        ),
        (
            "S04",
            "2024-01-12",
            "2024-01-15",
            "2024-02-15",
            "DISCONTINUED",
            "PROGRESSIVE DISEASE",
            "2024-04-10",
            "2024-04-10",
            "Y",
            "N",
        ),
        (
            "S05",
            "2024-02-01",
            "2024-02-02",
            "2024-03-01",
            "DISCONTINUED",
            "ADVERSE EVENT",
            "2024-08-18",
            "2024-08-18",
            "Y",
            "N",
        ),
        (
            "S06",
            "2024-02-10",
            "2024-02-12",
            "2024-02-12",
            "DISCONTINUED",
            "WITHDRAWAL BY SUBJECT",
            None,
            "2024-03-10",
            "Y",
            "N",
        ),
        ("S07", "2024-02-20", None, None, "", "", None, "2024-02-20", "N", "N"),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "USUBJID",
            "ENRLDT",
            "TRTSDT",
            "TRTEDT",
            "EOTSTT",
            "DCTREAS",
            "DTHDT",
            "LSTALVDT",
            "FASFL",
            "RESPFL",
        ],
    )
    for col in ("ENRLDT", "TRTSDT", "TRTEDT", "DTHDT", "LSTALVDT"):
        frame[col] = pd.to_datetime(frame[col])
    frame["STUDYID"] = "PD1NABP-CC2"
    frame["SAFFL"] = frame["FASFL"]
    frame["EFFFL"] = ["Y", "Y", "Y", "Y", "Y", "N", "N"]
    frame["DTHFL"] = frame["DTHDT"].notna().map({True: "Y", False: ""})
    return frame


def _adrs() -> pd.DataFrame:
    per_subject = {
        # USUBJID: (BOR, CBOR, first confirmed response date, first PD date)
        "S01": ("CR", "CR", "2024-03-15", None),
        "S02": ("PR", "PR", "2024-02-14", "2024-06-01"),
        "S03": ("PR", "SD", None, "2024-05-01"),
        "S04": ("PD", "PD", None, "2024-02-15"),
        "S05": ("NE", "NE", None, None),
    }
    rows = []
    for usubjid, (bor, cbor, rsp_dt, pd_dt) in per_subject.items():
        rows.append((usubjid, "BOR", bor, None))
        rows.append((usubjid, "CBOR", cbor, None))
        rows.append((usubjid, "CRSP", "Y" if rsp_dt else "N", rsp_dt))
        rows.append((usubjid, "RSP", "Y" if bor in ("CR", "PR") else "N", rsp_dt))
        rows.append((usubjid, "PD", "Y" if pd_dt else "N", pd_dt))
        rows.append((usubjid, "OVR", bor, pd_dt or rsp_dt or "2024-03-01"))
    frame = pd.DataFrame(rows, columns=["USUBJID", "PARAMCD", "AVALC", "ADT"])
    frame["ADT"] = pd.to_datetime(frame["ADT"])
    return frame


def _adtr() -> pd.DataFrame:
    rows = [
        ("S01", "2024-01-02", "Y", 0.0),
        ("S01", "2024-02-14", "", -45.0),
        ("S01", "2024-03-15", "", -100.0),
        ("S02", "2024-01-07", "Y", 0.0),
        ("S02", "2024-02-14", "", -40.0),
        ("S02", "2024-03-20", "", -42.0),
        ("S02", "2024-06-01", "", -10.0),
        ("S03", "2024-01-11", "Y", 0.0),
        ("S03", "2024-02-24", "", -32.0),
        ("S03", "2024-05-01", "", 5.0),
        ("S04", "2024-01-14", "Y", 0.0),
        ("S04", "2024-02-15", "", 35.0),
    ]
    frame = pd.DataFrame(rows, columns=["USUBJID", "ADT", "ABLFL", "PCHG"])
    frame["ADT"] = pd.to_datetime(frame["ADT"])
    frame["PARAMCD"] = "SDIAM"
    frame.loc[frame["ABLFL"] == "Y", "PCHG"] = float("nan")
    return frame


def _adtte() -> pd.DataFrame:
    rows = [
        ("PFS", "S01", 300, 1),
        ("PFS", "S02", 150, 0),
        ("PFS", "S03", 119, 0),
        ("PFS", "S04", 44, 0),
        ("PFS", "S05", 60, 1),
        ("PFS", "S06", 1, 1),
        ("OS", "S01", 300, 1),
        ("OS", "S02", 320, 1),
        ("OS", "S03", 280, 1),
        ("OS", "S04", 90, 0),
        ("OS", "S05", 200, 0),
        ("OS", "S06", 30, 1),
        ("DOR", "S01", 200, 1),
        ("DOR", "S02", 108, 0),
    ]
    return pd.DataFrame(rows, columns=["PARAMCD", "USUBJID", "AVAL", "CNSR"])


def _adae() -> pd.DataFrame:
    rows = [
        # USUBJID, AEDECOD, AETOXGR, AESER, AEREL, AEOUT, TRTEMFL
        ("S01", "NEUTROPENIA", "3", "N", "Y", "RECOVERED/RESOLVED", "Y"),
        ("S01", "FATIGUE", "1", "N", "Y", "RECOVERED/RESOLVED", "Y"),
        ("S02", "NEUTROPENIA", "2", "N", "Y", "RECOVERED/RESOLVED", "Y"),
        ("S03", "PNEUMONITIS", "4", "Y", "Y", "RECOVERED/RESOLVED", "Y"),
        ("S04", "SEPSIS", "5", "Y", "N", "FATAL", "Y"),
        ("S05", "FATIGUE", "2", "N", "N", "NOT RECOVERED/NOT RESOLVED", "Y"),
        ("S05", "ANAEMIA", "3", "N", "N", "RECOVERED/RESOLVED", ""),  # before first dose: not TEAE
        ("S07", "HEADACHE", "1", "N", "N", "RECOVERED/RESOLVED", ""),  # never treated
    ]
    return pd.DataFrame(rows, columns=["USUBJID", "AEDECOD", "AETOXGR", "AESER", "AEREL", "AEOUT", "TRTEMFL"])


def example_adam() -> ExampleAdam:
    """A fresh copy of the example package (tests may modify it)."""
    return ExampleAdam(adsl=_adsl(), adrs=_adrs(), adtr=_adtr(), adtte=_adtte(), adae=_adae())
