"""The public reference package: our ADaM against what admiral/admiralonco derived from it.

Reference files: tests/data/pharmaverse-recist/adam/{adsl,adrs,adtr}.csv (pharmaverseadam
``adsl``, ``adrs_onco``, ``adtr_onco``, built with admiral 1.4.1 / admiralonco 1.4.0; see
PROVENANCE.md there). Every difference is listed here and in docs/adam.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from oncotrial.adam import AdamPackage, build_adam
from oncotrial.protocol import Protocol
from oncotrial.sdtm import read_sdtm

ONCOLOGY = [
    "01-701-1015",
    "01-701-1028",
    "01-701-1034",
    "01-701-1097",
    "01-701-1115",
    "01-701-1118",
    "01-701-1130",
    "01-701-1133",
]
# Reference PARAMCD -> ours. CBCP is not compared: it is "N" for every subject upstream
# (template pipe bug); CRSP is compared instead.
PARAMS = {"BOR": "BOR", "CBOR": "CBOR", "RSP": "RSP", "CRSP": "CRSP", "PD": "PD"}
# The one documented difference in ADRS: 01-701-1015 WEEK 6 has RSDTC "2014-02"; the RECIST
# engine (and so our ADRS) imputes the first day of the month, the admiralonco template the last.
ADT_DIFFERENCES = {("01-701-1015", "OVR", "WEEK 6"): ("2014-02-01", "2014-02-28")}


@pytest.fixture(scope="module")
def ours(reference: Path, protocol: Protocol) -> AdamPackage:
    return build_adam(read_sdtm(reference / "sdtm"), protocol)


@pytest.fixture(scope="module")
def theirs(reference: Path) -> dict[str, pd.DataFrame]:
    out = {}
    for name in ("adsl", "adrs", "adtr"):
        df = pd.read_csv(
            reference / "adam" / f"{name}.csv", dtype={"AVALC": str}, keep_default_na=False, na_values=[""]
        )
        out[name] = df[df["USUBJID"].isin(ONCOLOGY)]
    return out


def _day(value) -> str:
    return "" if pd.isna(value) else pd.Timestamp(value).date().isoformat()


def test_response_source_is_the_recist_engine_and_it_agrees_with_rs(ours: AdamPackage) -> None:
    # rs.csv was itself computed from tr.csv upstream, so the engine must reproduce it
    assert ours.response_source == "recist"
    assert ours.discrepancies.empty


def test_timepoint_responses_agree_with_the_reference(ours: AdamPackage, theirs) -> None:
    mine = ours.adrs[(ours.adrs["PARAMCD"] == "OVR") & ours.adrs["USUBJID"].isin(ONCOLOGY)]
    ref = theirs["adrs"][theirs["adrs"]["PARAMCD"] == "OVR"]
    both = mine.merge(ref, on=["USUBJID", "AVISIT"], suffixes=("", "_REF"), how="outer", indicator=True)
    assert (both["_merge"] == "both").all() and len(both) == 22
    assert (both["AVALC"] == both["AVALC_REF"]).all()
    differ = {
        (r.USUBJID, "OVR", r.AVISIT): (_day(r.ADT), _day(r.ADT_REF))
        for r in both.itertuples()
        if _day(r.ADT) != _day(r.ADT_REF)
    }
    assert differ == ADT_DIFFERENCES


@pytest.mark.parametrize(("ref_param", "our_param"), PARAMS.items())
def test_subject_level_responses_agree_with_the_reference(
    ours: AdamPackage, theirs, ref_param, our_param
) -> None:
    mine = ours.adrs[(ours.adrs["PARAMCD"] == our_param) & ours.adrs["USUBJID"].isin(ONCOLOGY)]
    ref = theirs["adrs"][theirs["adrs"]["PARAMCD"] == ref_param]
    both = mine.merge(ref, on="USUBJID", suffixes=("", "_REF"))
    assert len(both) == 8
    assert both["AVALC"].tolist() == both["AVALC_REF"].tolist()
    assert both["AVAL"].tolist() == both["AVAL_REF"].astype(float).tolist()
    assert [_day(d) for d in both["ADT"]] == [_day(d) for d in both["ADT_REF"]]


def test_disease_control_follows_the_protocol_not_clinical_benefit(
    ours: AdamPackage, theirs, protocol
) -> None:
    # The reference CCB counts a confirmed NON-CR/NON-PD; our DCR counts the protocol's DCR
    # endpoint responses (CR, PR, SD), so 01-701-1034 (non-target disease only) differs.
    assert "NON-CR/NON-PD" not in protocol.endpoint("DCR").responses
    mine = ours.adrs[(ours.adrs["PARAMCD"] == "DCR") & ours.adrs["USUBJID"].isin(ONCOLOGY)].set_index(
        "USUBJID"
    )
    ref = theirs["adrs"][theirs["adrs"]["PARAMCD"] == "CCB"].set_index("USUBJID")
    differ = {
        u: (mine.loc[u, "AVALC"], ref.loc[u, "AVALC"])
        for u in ONCOLOGY
        if mine.loc[u, "AVALC"] != ref.loc[u, "AVALC"]
    }
    assert differ == {"01-701-1034": ("N", "Y")}
    same = [u for u in ONCOLOGY if u not in differ]
    assert [_day(mine.loc[u, "ADT"]) for u in same] == [_day(ref.loc[u, "ADT"]) for u in same]


def test_study_entry_maps_to_randdt_and_first_dose_to_trtsdt(ours: AdamPackage, theirs) -> None:
    # The pilot DS has no RANDOMIZED milestone, so entry falls back to DM.RFSTDTC, which for
    # these subjects is the reference RANDDT.
    mine = ours.adsl[ours.adsl["USUBJID"].isin(ONCOLOGY)].set_index("USUBJID").sort_index()
    ref = theirs["adsl"].set_index("USUBJID").sort_index()
    assert (mine["ENRLSRC"] == "DM.RFSTDTC").all()
    assert [_day(d) for d in mine["ENRLDT"]] == ref["RANDDT"].tolist()
    assert [_day(d) for d in mine["TRTSDT"]] == ref["TRTSDT"].tolist()
    assert [_day(d) for d in mine["TRTEDT"]] == ref["TRTEDT"].tolist()


def test_last_known_alive_differs_only_where_a_later_ds_record_exists(ours: AdamPackage, theirs) -> None:
    # Our LSTALVDT counts every disposition record but death; the reference does not count
    # 01-701-1115's DS record of 2013-05-20 (FINAL RETRIEVAL VISIT).
    mine = ours.adsl[ours.adsl["USUBJID"].isin(ONCOLOGY)].set_index("USUBJID")["LSTALVDT"].map(_day)
    ref = theirs["adsl"].set_index("USUBJID")["LSTALVDT"]
    differ = {u: (mine[u], ref[u]) for u in ONCOLOGY if mine[u] != ref[u]}
    assert differ == {"01-701-1115": ("2013-05-20", "2013-01-23")}


def test_sum_of_diameters_agrees_with_the_reference_adtr(ours: AdamPackage, theirs) -> None:
    ref = theirs["adtr"][theirs["adtr"]["PARAMCD"] == "SDIAM"]
    both = ours.adtr.merge(ref, on=["USUBJID", "AVISIT"], suffixes=("", "_REF"), how="outer", indicator=True)
    assert (both["_merge"] == "both").all() and len(both) == 25
    for col in ("AVAL", "BASE", "CHG", "PCHG", "NADIR", "CHGNAD", "PCHGNAD"):
        np.testing.assert_allclose(both[col], both[f"{col}_REF"], rtol=1e-12, err_msg=col)
    assert [_day(d) for d in both["ADT"]] == [_day(d) for d in both["ADT_REF"]]


def test_date_imputation_flags_agree_with_the_reference(ours: AdamPackage, theirs) -> None:
    # OVR: the one partial date (01-701-1015 WEEK 6, "2014-02") is flagged "D" by both, and
    # every OVR record is analysed (one assessment per date) in both.
    mine = ours.adrs[(ours.adrs["PARAMCD"] == "OVR") & ours.adrs["USUBJID"].isin(ONCOLOGY)]
    ref = theirs["adrs"][theirs["adrs"]["PARAMCD"] == "OVR"]
    both = mine.merge(ref, on=["USUBJID", "AVISIT"], suffixes=("", "_REF"))
    assert len(both) == 22
    assert both["ADTF"].tolist() == both["ADTF_REF"].fillna("").tolist()
    assert set(both.loc[both["ADTF"] != "", "AVISIT"]) == {"WEEK 6"}
    assert (both["ANL01FL"] == "Y").all() and (both["ANL01FL_REF"] == "Y").all()
    assert ours.date_findings.empty


def test_adtr_flags_the_partial_date_as_the_reference_lesion_records_do(ours: AdamPackage, theirs) -> None:
    # Documented difference: the reference's SDIAM rows leave ADTF blank (the sum parameter
    # does not carry it over), while its lesion rows of the same assessment (LDIAM1, ...)
    # have ADTF "D"; our SDIAM row carries the assessment's flag.
    mine = ours.adtr.set_index(["USUBJID", "AVISIT"])["ADTF"]
    flagged = {k: v for k, v in mine.items() if v}
    assert flagged == {("01-701-1015", "WEEK 6"): "D"}
    ref = theirs["adtr"]
    lesions = ref[
        (ref["USUBJID"] == "01-701-1015") & (ref["AVISIT"] == "WEEK 6") & (ref["PARAMCD"] != "SDIAM")
    ]
    assert set(lesions["ADTF"]) == {"D"}
    sdiam = ref[(ref["PARAMCD"] == "SDIAM") & (ref["USUBJID"] == "01-701-1015") & (ref["AVISIT"] == "WEEK 6")]
    assert sdiam["ADTF"].isna().all()
