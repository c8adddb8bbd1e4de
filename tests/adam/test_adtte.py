"""ADTTE rows: PFS, OS and DoR from hand-built ADSL and ADRS, with AVAL and lineage."""

from __future__ import annotations

import pandas as pd
import pytest

from oncotrial.adam import build_adtte
from oncotrial.errors import OncotrialError
from oncotrial.protocol import Protocol

T = pd.Timestamp


@pytest.fixture
def adtte(make_adsl, make_ovr, protocol: Protocol) -> pd.DataFrame:
    adsl = make_adsl(
        [
            {"id": "S-01", "resp": "Y"},  # confirmed PR, then PD
            {"id": "S-02", "death": "2024-03-01", "alive": "2024-02-20"},  # dies before any scan
            {"id": "S-03", "fas": "N"},  # not in the FAS: no rows
            {"id": "S-04", "alive": "2024-08-01", "new_therapy": "2024-04-01"},
        ]
    )
    adrs = make_ovr(
        {
            "S-01": [("2024-02-12", "PR"), ("2024-03-25", "PR"), ("2024-05-06", "PD")],
            "S-04": [("2024-02-12", "SD"), ("2024-03-25", "SD"), ("2024-05-06", "PD")],
        },
        crsp={"S-01": "2024-02-12"},
    )
    return build_adtte(adsl, dataset_adrs=adrs, protocol=protocol).set_index(["USUBJID", "PARAMCD"])


def test_rows_are_pfs_and_os_per_fas_subject_and_dor_per_responder(adtte: pd.DataFrame) -> None:
    assert sorted(adtte.index) == [
        ("S-01", "DOR"),
        ("S-01", "OS"),
        ("S-01", "PFS"),
        ("S-02", "OS"),
        ("S-02", "PFS"),
        ("S-04", "OS"),
        ("S-04", "PFS"),
    ]


def test_pfs_starts_at_entry_and_aval_is_end_minus_start_plus_one(
    adtte: pd.DataFrame, protocol: Protocol
) -> None:
    row = adtte.loc[("S-01", "PFS")]
    assert row["STARTDT"] == T("2024-01-01") and row["ADT"] == T("2024-05-06")
    # 2024-01-01 .. 2024-05-06 is 126 days apart; + 1 (protocol analysis.aval_convention)
    assert row["AVAL"] == 127.0 and row["AVALU"] == "DAYS"
    assert row["AVALM"] == pytest.approx(127 / protocol.analysis.days_per_month)
    assert (row["CNSR"], row["EVNTDESC"], row["CNSDTDSC"]) == (0, "PROGRESSIVE DISEASE", "")
    assert (row["SRCDOM"], row["SRCVAR"], row["SRCSEQ"], row["RULECD"]) == ("ADRS", "ADT", 3.0, "PD")


def test_early_death_is_a_pfs_event_and_an_os_event(adtte: pd.DataFrame) -> None:
    pfs, os_ = adtte.loc[("S-02", "PFS")], adtte.loc[("S-02", "OS")]
    assert (pfs["ADT"], pfs["CNSR"], pfs["RULECD"], pfs["SRCVAR"]) == (
        T("2024-03-01"),
        0,
        "EARLYDTH",
        "DTHDT",
    )
    assert (os_["ADT"], os_["CNSR"], os_["EVNTDESC"], os_["SRCDOM"]) == (T("2024-03-01"), 0, "DEATH", "ADSL")


def test_os_is_censored_at_last_known_alive(adtte: pd.DataFrame) -> None:
    row = adtte.loc[("S-04", "OS")]
    assert (row["ADT"], row["CNSR"], row["CNSDTDSC"], row["SRCVAR"]) == (
        T("2024-08-01"),
        1,
        "LAST KNOWN ALIVE DATE",
        "LSTALVDT",
    )


def test_pfs_is_censored_before_new_therapy(adtte: pd.DataFrame) -> None:
    row = adtte.loc[("S-04", "PFS")]
    assert (row["ADT"], row["CNSR"], row["CNSDTDSC"], row["SRCSEQ"]) == (
        T("2024-03-25"),
        1,
        "NEW ANTI-CANCER THERAPY STARTED",
        2.0,
    )


def test_dor_runs_from_first_confirmed_response_to_progression(adtte: pd.DataFrame) -> None:
    row = adtte.loc[("S-01", "DOR")]
    assert (row["STARTDT"], row["ADT"], row["CNSR"]) == (T("2024-02-12"), T("2024-05-06"), 0)
    assert row["AVAL"] == (T("2024-05-06") - T("2024-02-12")).days + 1


def test_dor_of_responder_without_progression_is_censored_at_last_adequate(
    make_adsl, make_ovr, protocol
) -> None:
    adsl = make_adsl([{"id": "S-09", "resp": "Y"}])
    adrs = make_ovr(
        {"S-09": [("2024-02-12", "CR"), ("2024-03-25", "CR"), ("2024-05-06", "NE")]},
        crsp={"S-09": "2024-02-12"},
    )
    row = build_adtte(adsl, dataset_adrs=adrs, protocol=protocol).set_index("PARAMCD").loc["DOR"]
    assert (row["ADT"], row["CNSR"], row["CNSDTDSC"]) == (T("2024-03-25"), 1, "LAST ADEQUATE ASSESSMENT")


def test_baseline_flag_n_censors_at_start_and_blank_is_not_judged(make_adsl, make_ovr, protocol) -> None:
    adsl = make_adsl([{"id": "N"}, {"id": "U"}]).assign(BLTAFL=["N", ""])
    adrs = make_ovr({"N": [("2024-02-12", "PD")], "U": [("2024-02-12", "PD")]})
    pfs = (
        build_adtte(adsl, dataset_adrs=adrs, protocol=protocol).query("PARAMCD == 'PFS'").set_index("USUBJID")
    )
    assert pfs.loc["N", ["CNSR", "RULECD", "CNSDTDSC"]].tolist() == [1, "NOBASE", "NO BASELINE ASSESSMENT"]
    assert pfs.loc["U", ["CNSR", "RULECD"]].tolist() == [0, "PD"]


def test_endpoint_events_adtte_does_not_derive_are_an_error(make_adsl, make_ovr, protocol) -> None:
    # PFS with progression as its only event would otherwise be derived with deaths counted.
    endpoints = [
        e.model_copy(update={"events": ["progression"]}) if e.code == "PFS" else e for e in protocol.endpoints
    ]
    changed = protocol.model_copy(update={"endpoints": endpoints})
    with pytest.raises(OncotrialError) as err:
        build_adtte(make_adsl([{"id": "S-1"}]), dataset_adrs=make_ovr({}), protocol=changed)
    i = [e.code for e in protocol.endpoints].index("PFS")
    assert str(err.value) == (
        f"endpoints[{i}].events: ADTTE derives PFS with the events ['progression', 'death'] only "
        "(got ['progression'])"
    )
