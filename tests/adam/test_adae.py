"""ADAE: the treatment-emergent window read from the protocol, and worst-grade flags."""

from __future__ import annotations

import pandas as pd

from oncotrial.adam import build_adae, build_adsl
from oncotrial.protocol import Protocol

T = pd.Timestamp


def test_treatment_emergent_window_and_worst_grade(make_sdtm, protocol: Protocol) -> None:
    window = int(protocol.analysis.treatment_emergent_window.days)  # 30 in the bundled protocol
    last = T("2024-01-24")
    sdtm = make_sdtm(
        [
            {
                "id": "S-1",
                "entry": "2024-01-01",
                "doses": [("PD1", "2024-01-03", 200), ("PD1", "2024-01-24", 200)],
                "aes": [
                    ("Rash", "2023-12-30", 1),  # before the first dose
                    ("Rash", "2024-01-10", 2),
                    ("Rash", "2024-01-12", 3),
                    ("Rash", "2024-01-20", 3),  # same worst grade, later: not flagged
                    (
                        "Nausea",
                        (last + pd.Timedelta(days=window)).date().isoformat(),
                        1,
                    ),  # last day of window
                    ("Fatigue", (last + pd.Timedelta(days=window + 1)).date().isoformat(), 4),  # after it
                    ("Cough", "2024-01", 1),  # partial, same month as first dose: imputed to first dose
                ],
            }
        ]
    )
    adsl = build_adsl(sdtm, protocol)
    adae = build_adae(sdtm["AE"], dataset_adsl=adsl, protocol=protocol)
    assert adae["TRTEMFL"].tolist() == ["", "Y", "Y", "Y", "Y", "", "Y"]
    assert adae["AOCCPIFL"].tolist() == ["", "", "Y", "", "Y", "", "Y"]
    assert adae["AOCCIFL"].tolist() == ["", "", "Y", "", "", "", ""]
    assert adae.loc[6, "ASTDT"] == T("2024-01-03")
    assert adae["ATOXGRS"].unique().tolist() == ["AETOXGR"]


def test_severity_stands_in_for_grade_when_aetoxgr_is_absent(make_sdtm, protocol: Protocol) -> None:
    sdtm = make_sdtm([{"id": "S-1", "entry": "2024-01-01", "doses": [("PD1", "2024-01-03", 200)]}])
    ae = pd.DataFrame(
        {
            "STUDYID": "X",
            "USUBJID": ["S-1", "S-1"],
            "AETERM": ["a", "b"],
            "AEDECOD": ["A", "A"],
            "AESTDTC": ["2024-01-05", "2024-01-06"],
            "AESEV": ["MILD", "SEVERE"],
        }
    )
    adae = build_adae(ae, dataset_adsl=build_adsl(sdtm, protocol), protocol=protocol)
    assert adae["ATOXGRN"].tolist() == [1.0, 3.0] and adae["AOCCPIFL"].tolist() == ["", "Y"]
    assert adae["ATOXGRS"].unique().tolist() == ["AESEV"]
