"""ADSL from hand-built SDTM: entry, dosing, end of treatment, death, last alive, FAS and SAF."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from oncotrial.adam import build_adsl
from oncotrial.protocol import Protocol

T = pd.Timestamp
NEW_THERAPY = "SUBSEQUENT ANTI-CANCER THERAPY"


@pytest.fixture
def subjects() -> list[dict]:
    return [
        {  # enrolled and dosed with both drugs; ended treatment for toxicity; died (partial date)
            "id": "S-001",
            "entry": "2024-01-01",
            "first_dose": "2024-01-03",
            "doses": [("NABP", "2024-01-03", 260), ("PD1", "2024-01-03", 200), ("PD1", "2024-01-24", 200)],
            "eot": ("ADVERSE EVENT", "2024-02-10"),
            "death": "2024-05",
            "aes": [("Neutropenia", "2024-01-20", 3)],
            "cm": [(NEW_THERAPY, "2024-03-05")],
        },
        {"id": "S-002", "entry": "2024-01-05"},  # enrolled, never dosed
        {"id": "S-003", "first_dose": "2024-02-01", "doses": [("PD1", "2024-02-01", 200)]},  # no DS milestone
        {"id": "S-004"},  # screen failure: neither entry nor dose
        {
            "id": "S-005",
            "entry": "2024-01-02",
            "doses": [("PD1", "2024-01-04", 200)],
            "eot": ("COMPLETED", "2025-12-20"),
        },
    ]


@pytest.fixture
def adsl(make_sdtm, subjects, protocol: Protocol) -> pd.DataFrame:
    return build_adsl(make_sdtm(subjects), protocol).set_index("USUBJID")


def test_full_analysis_set_is_entered_and_dosed(adsl: pd.DataFrame) -> None:
    assert adsl["FASFL"].to_dict() == {"S-001": "Y", "S-002": "N", "S-003": "Y", "S-004": "N", "S-005": "Y"}


def test_safety_set_is_dosed_whether_entered_or_not(adsl: pd.DataFrame) -> None:
    assert adsl["SAFFL"].to_dict() == {"S-001": "Y", "S-002": "N", "S-003": "Y", "S-004": "N", "S-005": "Y"}


def test_entry_is_the_enrolled_milestone_else_first_dose(adsl: pd.DataFrame) -> None:
    assert adsl.loc["S-001", "ENRLDT"] == T("2024-01-01")
    assert adsl.loc["S-001", "ENRLSRC"] == "DS.DSDECOD=ENROLLED"
    assert adsl.loc["S-003", "ENRLDT"] == T("2024-02-01") and adsl.loc["S-003", "ENRLSRC"] == "DM.RFSTDTC"
    assert pd.isna(adsl.loc["S-004", "ENRLDT"]) and adsl.loc["S-004", "ENRLSRC"] == ""


def test_first_and_last_dose_overall_and_per_drug(adsl: pd.DataFrame) -> None:
    row = adsl.loc["S-001"]
    assert (row["TRTSDT"], row["TRTEDT"]) == (T("2024-01-03"), T("2024-01-24"))
    assert (row["NABPSDT"], row["NABPEDT"]) == (T("2024-01-03"), T("2024-01-03"))
    assert (row["PD1SDT"], row["PD1EDT"]) == (T("2024-01-03"), T("2024-01-24"))
    assert pd.isna(adsl.loc["S-003", "NABPSDT"])


def test_end_of_treatment_status_and_reason(adsl: pd.DataFrame) -> None:
    got = adsl[["EOTSTT", "DCTREAS"]].to_dict("index")
    assert got["S-001"] == {"EOTSTT": "DISCONTINUED", "DCTREAS": "ADVERSE EVENT"}
    assert got["S-003"] == {"EOTSTT": "ONGOING", "DCTREAS": ""}
    assert got["S-005"] == {"EOTSTT": "COMPLETED", "DCTREAS": ""}
    assert got["S-002"]["EOTSTT"] == ""  # never dosed


def test_partial_death_date_takes_the_first_of_the_month(adsl: pd.DataFrame) -> None:
    # last known alive 2024-02-10, before May: nothing later is known, the first day stands
    assert adsl.loc["S-001", "DTHDT"] == T("2024-05-01") and adsl.loc["S-001", "DTHFL"] == "Y"
    assert adsl.loc["S-001", "DTHDTF"] == "D"
    assert pd.isna(adsl.loc["S-003", "DTHDT"]) and adsl.loc["S-003", "DTHFL"] == ""
    assert adsl.loc["S-003", "DTHDTF"] == ""


def test_last_known_alive_is_the_latest_contact(adsl: pd.DataFrame) -> None:
    # S-001: dose 2024-01-24, AE 2024-01-20, end of treatment 2024-02-10 (the latest)
    assert adsl.loc["S-001", "LSTALVDT"] == T("2024-02-10")
    assert adsl.loc["S-005", "LSTALVDT"] == T("2025-12-20")


def test_new_anti_cancer_therapy_date_from_cm(adsl: pd.DataFrame) -> None:
    assert adsl.loc["S-001", "NACTDT"] == T("2024-03-05") and pd.isna(adsl.loc["S-003", "NACTDT"])


def test_data_cutoff_drops_later_deaths_and_caps_last_alive(make_sdtm, subjects, protocol: Protocol) -> None:
    cut = protocol.model_copy(
        update={"analysis": protocol.analysis.model_copy(update={"data_cutoff": dt.date(2024, 4, 1)})}
    )
    adsl = build_adsl(make_sdtm(subjects), cut).set_index("USUBJID")
    assert pd.isna(adsl.loc["S-001", "DTHDT"])
    assert adsl.loc["S-005", "LSTALVDT"] == T("2024-04-01")
