"""ADRS: the response source option and the RS-vs-computed discrepancy list."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from oncotrial.adam import build_adam
from oncotrial.errors import OncotrialError
from oncotrial.protocol import Protocol
from oncotrial.sdtm import SdtmPackage, read_sdtm

T = pd.Timestamp


@pytest.fixture(scope="module")
def reference_sdtm(reference: Path) -> SdtmPackage:
    return read_sdtm(reference / "sdtm")


def _with_rs(sdtm: SdtmPackage, rs: pd.DataFrame) -> SdtmPackage:
    return SdtmPackage({**sdtm.domains, "RS": rs}, source="edited")


def _recorded_as(sdtm: SdtmPackage, usubjid: str, visit: str, response: str) -> SdtmPackage:
    rs = sdtm["RS"].copy()
    rows = (rs["USUBJID"] == usubjid) & (rs["VISIT"] == visit) & (rs["RSEVAL"] == "INVESTIGATOR")
    assert rows.sum() == 1
    rs.loc[rows, "RSSTRESC"] = response
    return _with_rs(sdtm, rs)


def test_auto_uses_the_recist_engine_when_tr_is_present(reference_sdtm, protocol: Protocol) -> None:
    adam = build_adam(reference_sdtm, protocol)
    assert adam.response_source == "recist" and set(adam.adrs["SRCDOM"]) == {"TR"}
    assert adam.methods()[0] == "Overall responses: computed from TU/TR by the RECIST 1.1 engine."


def test_discrepancies_list_each_assessment_and_subject_that_differ(
    reference_sdtm, protocol: Protocol
) -> None:
    # 01-701-1118: PR at WEEK 6 confirmed at WEEK 12; recorded as SD at WEEK 6 instead
    edited = _recorded_as(reference_sdtm, "01-701-1118", "WEEK 6", "SD")
    adam = build_adam(edited, protocol, response_source="recist")
    d = adam.discrepancies
    assert d[["USUBJID", "LEVEL", "VISIT", "COMPUTED", "RECORDED"]].values.tolist() == [
        ["01-701-1118", "CBOR", "", "PR", "SD"],
        ["01-701-1118", "OVR", "WEEK 6", "PR", "SD"],
    ]
    assert d.loc[d["LEVEL"] == "OVR", "ADT"].tolist() == [T("2014-04-23")]
    assert d.loc[d["LEVEL"] == "OVR", "RULE"].str.contains("target PR").all()
    # the engine's response is the one used
    cbor = adam.adrs[(adam.adrs["USUBJID"] == "01-701-1118") & (adam.adrs["PARAMCD"] == "CBOR")]
    assert cbor["AVALC"].tolist() == ["PR"]


def test_rs_source_uses_the_recorded_responses(reference_sdtm, protocol: Protocol) -> None:
    edited = _recorded_as(reference_sdtm, "01-701-1118", "WEEK 6", "SD")
    adam = build_adam(edited, protocol, response_source="rs")
    assert adam.response_source == "rs" and set(adam.adrs["SRCDOM"]) == {"RS"}
    rows = adam.adrs[adam.adrs["USUBJID"] == "01-701-1118"].set_index("PARAMCD")
    # recorded: SD, PR, NE, PR -> the PR of WEEK 12 is unconfirmed, best confirmed SD
    assert rows.loc["CBOR", "AVALC"] == "SD" and rows.loc["CRSP", "AVALC"] == "N"
    assert adam.adsl.set_index("USUBJID").loc["01-701-1118", "RESPFL"] == "N"
    assert len(adam.discrepancies) == 2  # listed the same whichever source is used


def test_recist_source_without_tr_is_an_error(make_sdtm, protocol: Protocol) -> None:
    sdtm = make_sdtm([{"id": "S-1", "entry": "2024-01-01", "doses": [("PD1", "2024-01-02", 200)]}])
    with pytest.raises(OncotrialError, match="response_source: needs the TU and TR domains"):
        build_adam(sdtm, protocol, response_source="recist")


def test_unknown_response_source_is_an_error(reference_sdtm, protocol: Protocol) -> None:
    with pytest.raises(OncotrialError, match="expected 'auto', 'recist' or 'rs'"):
        build_adam(reference_sdtm, protocol, response_source="central")  # type: ignore[arg-type]


def test_rs_only_package_builds_every_dataset(make_sdtm, protocol: Protocol) -> None:
    sdtm = make_sdtm(
        [
            {
                "id": "S-1",
                "entry": "2024-01-01",
                "doses": [("PD1", "2024-01-02", 200), ("NABP", "2024-01-02", 260)],
                "rs": [("2024-02-13", "PR"), ("2024-03-26", "PR"), ("2024-05-07", "PD")],
                "aes": [("Neutropenia", "2024-01-15", 3)],
            },
            {"id": "S-2", "entry": "2024-01-03", "doses": [("PD1", "2024-01-04", 200)]},
        ]
    )
    adam = build_adam(sdtm, protocol)
    assert adam.response_source == "rs" and adam.adtr.empty and adam.discrepancies.empty
    adsl = adam.adsl.set_index("USUBJID")
    assert adsl["RESPFL"].to_dict() == {"S-1": "Y", "S-2": "N"}
    assert adsl["EFFFL"].to_dict() == {"S-1": "Y", "S-2": "N"}  # S-2 has no assessment and is alive
    bor = adam.adrs[adam.adrs["PARAMCD"] == "BOR"].set_index("USUBJID")
    assert bor["AVALC"].to_dict() == {"S-1": "PR", "S-2": "MISSING"} and bor.loc["S-2", "AVAL"] == 7
    tte = adam.adtte.set_index(["USUBJID", "PARAMCD"])
    assert tte.loc[("S-1", "PFS"), ["ADT", "CNSR"]].tolist() == [T("2024-05-07"), 0]
    assert tte.loc[("S-1", "DOR"), ["STARTDT", "ADT"]].tolist() == [T("2024-02-13"), T("2024-05-07")]
    assert tte.loc[("S-2", "PFS"), ["CNSR", "RULECD"]].tolist() == [1, "NOASSESS"]
    assert sorted(adam) == ["ADAE", "ADEX", "ADRS", "ADSL", "ADTR", "ADTTE"] and adam["adsl"] is adam.adsl


def test_trial_without_any_assessment_or_adverse_event_yet_builds(make_sdtm, protocol: Protocol) -> None:
    sdtm = make_sdtm([{"id": "S-1", "entry": "2024-01-01", "doses": [("PD1", "2024-01-02", 200)]}])
    assert sdtm["RS"].empty and sdtm["AE"].empty
    adam = build_adam(sdtm, protocol)
    assert adam.adae.empty and len(adam.adtte) == 2
    rows = adam.adrs.set_index("PARAMCD")
    assert rows.loc["CBOR", "AVALC"] == "MISSING" and rows.loc["CRSP", "AVALC"] == "N"


def test_live_trial_with_no_tumour_or_ae_domain_yet_builds(make_sdtm, protocol: Protocol) -> None:
    # What the EDC extracts before the first scan: no TU, TR, RS or AE domain at all.
    sdtm = make_sdtm([{"id": "S-1", "entry": "2024-01-01", "doses": [("PD1", "2024-01-02", 200)]}])
    bare = SdtmPackage({k: v for k, v in sdtm.items() if k in ("DM", "EX", "DS")})
    adam = build_adam(bare, protocol)
    assert adam.adae.empty
    assert adam.adrs.set_index("PARAMCD").loc["CBOR", "AVALC"] == "MISSING"


def test_assessments_are_matched_by_visit_so_a_date_shift_is_no_discrepancy(reference_sdtm, protocol) -> None:
    rs = reference_sdtm["RS"].copy()
    rows = (rs["USUBJID"] == "01-701-1130") & (rs["VISIT"] == "WEEK 9")
    rs.loc[rows, "RSDTC"] = "2014-04-20"  # TR says 2014-04-19
    adam = build_adam(_with_rs(reference_sdtm, rs), protocol)
    assert adam.discrepancies.empty


def test_assessments_after_the_data_cutoff_are_not_used(reference_sdtm, protocol) -> None:
    cut = protocol.model_copy(
        update={"analysis": protocol.analysis.model_copy(update={"data_cutoff": dt.date(2014, 4, 30)})}
    )
    adam = build_adam(reference_sdtm, cut)
    rows = adam.adrs[adam.adrs["USUBJID"] == "01-701-1118"]
    # WEEK 9 (2014-05-14) and WEEK 12 (2014-06-04) are after the cut-off: the PR is unconfirmed
    assert rows.loc[rows["PARAMCD"] == "OVR", "AVISIT"].tolist() == ["WEEK 3", "WEEK 6"]
    assert rows.set_index("PARAMCD").loc["CRSP", "AVALC"] == "N"


# --- one analysed OVR record per subject and date (ANL01FL) --------------------------------


def _one_subject(make_sdtm, rs: list[tuple[str, str]]) -> SdtmPackage:
    return make_sdtm(
        [
            {
                "id": "S-1",
                "entry": "2024-01-01",
                "first_dose": "2024-01-02",
                "doses": [("PD1", "2024-01-02", 200)],
                "rs": rs,
            }
        ]
    )


def test_two_assessments_on_one_date_flag_the_worst_as_analysed(make_sdtm, protocol: Protocol) -> None:
    # A scheduled CT (VISITNUM 2) reads SD and an unscheduled MRI the same day (VISITNUM 3)
    # reads PD: one assessment whose response is the worst of the day (docs/recist.md, 7).
    sdtm = _one_subject(make_sdtm, [("2024-02-13", "SD"), ("2024-03-26", "SD"), ("2024-03-26", "PD")])
    adam = build_adam(sdtm, protocol)
    ovr = adam.adrs[adam.adrs["PARAMCD"] == "OVR"]
    assert ovr[["AVISITN", "AVALC", "ANL01FL"]].values.tolist() == [
        [1.0, "SD", "Y"],
        [2.0, "SD", ""],  # kept, not analysed
        [3.0, "PD", "Y"],
    ]
    pfs = adam.adtte[adam.adtte["PARAMCD"] == "PFS"].iloc[0]
    assert (pfs["ADT"], pfs["RULECD"]) == (T("2024-03-26"), "PD")
    assert pfs["SRCSEQ"] == ovr.loc[ovr["AVALC"] == "PD", "ASEQ"].iat[0]


def test_same_response_twice_on_one_date_flags_the_first_visit(make_sdtm, protocol: Protocol) -> None:
    sdtm = _one_subject(make_sdtm, [("2024-02-13", "SD"), ("2024-02-13", "SD"), ("2024-03-26", "NE")])
    ovr = build_adam(sdtm, protocol).adrs.query("PARAMCD == 'OVR'")
    assert ovr["ANL01FL"].tolist() == ["Y", "", "Y"]


def test_ne_is_analysed_only_when_every_response_of_the_day_is_ne(make_sdtm, protocol: Protocol) -> None:
    sdtm = _one_subject(make_sdtm, [("2024-02-13", "NE"), ("2024-02-13", "PR"), ("2024-03-26", "NE")])
    ovr = build_adam(sdtm, protocol).adrs.query("PARAMCD == 'OVR'")
    assert ovr[["AVALC", "ANL01FL"]].values.tolist() == [["NE", ""], ["PR", "Y"], ["NE", "Y"]]


def test_first_response_date_reads_only_analysed_records(make_sdtm, protocol: Protocol) -> None:
    # 2024-02-13: CT reads SD, MRI reads PR: the day's response is SD. The first response is
    # the PR of 2024-03-26 (confirmed on 2024-05-07); before, RSP took 2024-02-13 from the
    # unanalysed MRI record.
    rs = [("2024-02-13", "SD"), ("2024-02-13", "PR"), ("2024-03-26", "PR"), ("2024-05-07", "PR")]
    adrs = build_adam(_one_subject(make_sdtm, rs), protocol).adrs.set_index("PARAMCD")
    assert adrs.loc["RSP", "ADT"] == T("2024-03-26")
    assert adrs.loc["CRSP", "ADT"] == T("2024-03-26") and adrs.loc["BOR", "ADT"] == T("2024-03-26")
