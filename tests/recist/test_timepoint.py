"""Timepoint evaluation: sums, nadir, target/non-target/new responses and the documented edge cases."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from oncotrial.errors import OncotrialError, ValidationFailed
from oncotrial.recist import evaluate_timepoints

from .conftest import build

B = "2024-01-01"


def run(lesions, visits, settings, **kw):
    tu, tr = build(lesions, visits)
    return evaluate_timepoints(tu, tr, settings, **kw)


def test_sum_adds_node_short_axes_and_non_nodal_longest_diameters(settings):
    tp = run(
        {"T01": "LIVER", "T02": "LYMPH NODE"},
        [(B, {"T01": 30, "T02": 20}), ("2024-02-12", {"T01": 25, "T02": 16})],
        settings,
    )
    row = tp.iloc[0]
    assert (row.BASE, row.SUMDIAM, row.CHG) == (50.0, 41.0, -9.0)
    assert pytest.approx(-18.0) == row.PCHG
    assert row.TRGRESP == "SD"


def test_exactly_thirty_percent_below_baseline_is_pr(settings):
    tp = run({"T01": "LIVER"}, [(B, {"T01": 50}), ("2024-02-12", {"T01": 35})], settings)
    assert tp.TRGRESP.tolist() == ["PR"]


def test_pd_needs_twenty_percent_and_five_mm_above_the_nadir(settings):
    # nadir 20 mm: 24 mm is +20% but only +4 mm (SD); 25 mm is +25% and +5 mm (PD).
    tp = run(
        {"T01": "LIVER"},
        [
            (B, {"T01": 40}),
            ("2024-02-12", {"T01": 20}),
            ("2024-03-25", {"T01": 24}),
            ("2024-05-06", {"T01": 25}),
        ],
        settings,
    )
    assert tp.TRGRESP.tolist() == ["PR", "PR", "PD"]
    assert tp.NADIR.tolist() == [40.0, 20.0, 20.0]


def test_nadir_includes_baseline_and_only_complete_assessments(settings):
    tp = run(
        {"T01": "LIVER", "T02": "LUNG"},
        [
            (B, {"T01": 20, "T02": 20}),
            ("2024-02-12", {"T01": 5, "T02": None}),
            ("2024-03-25", {"T01": 30, "T02": 15}),
        ],
        settings,
    )
    # The incomplete 5 mm sum is not a nadir; 45 mm is +12.5% over the baseline 40 mm: SD.
    assert tp.NADIR.tolist() == [40.0, 40.0]
    assert tp.TRGRESP.tolist() == ["NE", "SD"]


def test_lesion_not_measured_gives_ne_unless_the_rest_already_shows_pd(settings):
    lesions = {"T01": "LIVER", "T02": "LUNG"}
    tp = run(lesions, [(B, {"T01": 20, "T02": 20}), ("2024-02-12", {"T01": 50, "T02": None})], settings)
    assert tp.TRGRESP.tolist() == ["PD"]
    assert "even without T02 (not assessed)" in tp.RULE.iloc[0]
    tp = run(lesions, [(B, {"T01": 20, "T02": 20}), ("2024-02-12", {"T01": 10})], settings)
    assert tp.TRGRESP.tolist() == ["NE"]
    assert tp.RULE.iloc[0].startswith("target NE: T02 not assessed")


def test_cr_needs_non_nodal_lesions_gone_and_nodes_below_ten_mm(settings):
    lesions = {"T01": "LIVER", "T02": "LYMPH NODE"}
    tp = run(
        lesions,
        [
            (B, {"T01": 20, "T02": 20}),
            ("2024-02-12", {"T01": 0, "T02": 9.9}),
            ("2024-03-25", {"T01": 0, "T02": 10}),
        ],
        settings,
    )
    assert tp.TRGRESP.tolist() == ["CR", "PR"]
    assert tp.SUMDIAM.tolist() == [9.9, 10.0]


def test_cr_takes_precedence_over_a_sum_increase_from_normal_nodes(settings):
    # Nodes growing from 2 mm to 8 mm raise the sum by 300% and 12 mm, but all stay < 10 mm.
    lesions = {"T01": "LYMPH NODE", "T02": "LYMPH NODE"}
    tp = run(
        lesions,
        [
            (B, {"T01": 20, "T02": 20}),
            ("2024-02-12", {"T01": 2, "T02": 2}),
            ("2024-03-25", {"T01": 8, "T02": 8}),
        ],
        settings,
    )
    assert tp.TRGRESP.tolist() == ["CR", "CR"]


def test_reappearing_lesion_after_zero_nadir_is_pd_from_five_mm(settings):
    tp = run(
        {"T01": "LIVER"}, [(B, {"T01": 20}), ("2024-02-12", {"T01": 0}), ("2024-03-25", {"T01": 5})], settings
    )
    assert tp.TRGRESP.tolist() == ["CR", "PD"]
    assert pd.isna(tp.PCHGNAD.iloc[1])


def test_split_lesion_fragments_are_added_into_the_parent(settings):
    tp = run({"T01": "LIVER"}, [(B, {"T01": 40}), ("2024-02-12", {"T01.1": 15, "T01.2": 12})], settings)
    assert tp.SUMDIAM.tolist() == [27.0]
    assert tp.TRGRESP.tolist() == ["PR"]


def test_merged_lesion_counts_zero_and_its_partner_carries_the_size(settings):
    lesions = {"T01": "LIVER", "T02": "LIVER"}
    tp = run(lesions, [(B, {"T01": 20, "T02": 20}), ("2024-02-12", {"T01": 45, "T02": "MERGED"})], settings)
    assert tp.SUMDIAM.tolist() == [45.0]
    assert tp.TRGRESP.tolist() == ["SD"]


def test_non_target_responses(settings):
    lesions = {"NT01": "BONE", "NT02": "LIVER"}
    tp = run(
        lesions,
        [
            (B, {"NT01": "PRESENT", "NT02": "PRESENT"}),
            ("2024-02-12", {"NT01": "ABSENT", "NT02": "PRESENT"}),
            ("2024-03-25", {"NT01": "ABSENT", "NT02": None}),
            ("2024-05-06", {"NT01": "ABSENT", "NT02": "ABSENT"}),
            ("2024-06-17", {"NT01": "UNEQUIVOCAL PROGRESSION", "NT02": "ABSENT"}),
        ],
        settings,
    )
    assert tp.NTRGRESP.tolist() == ["NON-CR/NON-PD", "NE", "CR", "PD"]
    assert tp.OVRLRESP.tolist() == ["NON-CR/NON-PD", "NE", "CR", "PD"]
    assert tp.TRGRESP.isna().all()
    assert "RECIST 1.1 Table 2" in tp.RULE.iloc[0]


def test_target_cr_with_non_target_present_is_pr(settings):
    tp = run(
        {"T01": "LIVER", "NT01": "BONE"},
        [(B, {"T01": 20, "NT01": "PRESENT"}), ("2024-02-12", {"T01": 0, "NT01": "PRESENT"})],
        settings,
    )
    assert (tp.TRGRESP.iloc[0], tp.NTRGRESP.iloc[0], tp.OVRLRESP.iloc[0]) == ("CR", "NON-CR/NON-PD", "PR")


def test_unequivocal_new_lesion_is_pd(settings):
    tp = run(
        {"T01": "LIVER"}, [(B, {"T01": 20}), ("2024-02-12", {"T01": 10, "N01": "UNEQUIVOCAL"})], settings
    )
    assert (tp.TRGRESP.iloc[0], tp.NEWLPROG.iloc[0], tp.OVRLRESP.iloc[0]) == ("PR", "Y", "PD")


def test_equivocal_new_lesion_confirmed_later_dates_pd_at_first_sight(settings):
    tp = run(
        {"T01": "LIVER"},
        [
            (B, {"T01": 20}),
            ("2024-02-12", {"T01": 10, "N01": "EQUIVOCAL"}),
            ("2024-03-25", {"T01": 10, "N01": "UNEQUIVOCAL"}),
        ],
        settings,
    )
    assert tp.NEWLPROG.tolist() == ["Y", "Y"]
    assert tp.OVRLRESP.tolist() == ["PD", "PD"]
    assert "first seen here, confirmed later" in tp.RULE.iloc[0]


def test_equivocal_new_lesion_never_confirmed_is_not_pd(settings):
    tp = run({"T01": "LIVER"}, [(B, {"T01": 20}), ("2024-02-12", {"T01": 10, "N01": "EQUIVOCAL"})], settings)
    assert tp.OVRLRESP.tolist() == ["PR"]
    assert "equivocal new lesion N01 (not PD unless confirmed)" in tp.RULE.iloc[0]


def test_partial_date_is_the_first_day_of_its_month(settings):
    tp = run({"T01": "LIVER"}, [(B, {"T01": 20}), ("2024-03", {"T01": 18})], settings)
    assert (str(tp.ADT.iloc[0].date()), tp.ADTC.iloc[0], tp.ADTF.iloc[0]) == ("2024-03-01", "2024-03", "D")


def test_partial_date_never_falls_on_or_before_the_previous_assessment(settings):
    tp = run(
        {"T01": "LIVER"}, [(B, {"T01": 20}), ("2024-02-10", {"T01": 18}), ("2024-02", {"T01": 18})], settings
    )
    assert [str(d.date()) for d in tp.ADT] == ["2024-02-10", "2024-02-11"]


def test_two_assessments_on_one_date_stay_two_timepoints_in_visit_order(settings):
    tp = run(
        {"T01": "LIVER"},
        [(B, {"T01": 20}), ("2024-02-12", {"T01": 18}), ("2024-02-12", {"T01": 30})],
        settings,
    )
    assert tp.VISITNUM.tolist() == [2, 3]
    assert tp.OVRLRESP.tolist() == ["SD", "PD"]


def test_baseline_is_the_last_assessment_on_or_before_the_reference_start(settings):
    tu, tr = build(
        {"T01": "LIVER"},
        [("2023-12-01", {"T01": 30}), ("2024-01-05", {"T01": 20}), ("2024-02-20", {"T01": 13})],
    )
    subjects = pd.DataFrame({"USUBJID": ["S1"], "REFSTDT": [pd.Timestamp("2024-01-10")]})
    tp = evaluate_timepoints(tu, tr, settings, subjects=subjects)
    assert tp.VISITNUM.tolist() == [3]
    assert tp.BASE.tolist() == [20.0]
    assert tp.TRGRESP.tolist() == ["PR"]


def test_accepted_reader_of_several_is_the_flagged_one(settings):
    tu, tr1 = build(
        {"T01": "LIVER"},
        [(B, {"T01": 20}), ("2024-02-12", {"T01": 10})],
        TREVAL="INDEPENDENT ASSESSOR",
        TREVALID="R1",
        TRACPTFL="Y",
    )
    _, tr2 = build(
        {"T01": "LIVER"},
        [(B, {"T01": 20}), ("2024-02-12", {"T01": 19})],
        TREVAL="INDEPENDENT ASSESSOR",
        TREVALID="R2",
        TRACPTFL=None,
    )
    _, inv = build({"T01": "LIVER"}, [(B, {"T01": 20}), ("2024-02-12", {"T01": 30})], TREVAL="INVESTIGATOR")
    tr = pd.concat([tr1, tr2, inv], ignore_index=True)
    assert evaluate_timepoints(tu, tr, settings).OVRLRESP.tolist() == ["PD"]
    central = dataclasses.replace(settings, accepted_evaluator="INDEPENDENT ASSESSOR")
    assert evaluate_timepoints(tu, tr, central).OVRLRESP.tolist() == ["PR"]
    reader2 = dataclasses.replace(central, evaluator_id="R2")
    assert evaluate_timepoints(tu, tr, reader2).OVRLRESP.tolist() == ["SD"]


def test_several_readers_without_an_accepted_flag_is_an_error(settings):
    tu, tr1 = build({"T01": "LIVER"}, [(B, {"T01": 20})], TREVAL="INVESTIGATOR", TREVALID="A", TRACPTFL=None)
    _, tr2 = build({"T01": "LIVER"}, [(B, {"T01": 20})], TREVAL="INVESTIGATOR", TREVALID="B", TRACPTFL=None)
    with pytest.raises(ValidationFailed) as err:
        evaluate_timepoints(tu, pd.concat([tr1, tr2]), settings)
    assert str(err.value) == "TR.TRACPTFL: S1: several INVESTIGATOR readers and none flagged as accepted"


def test_missing_accepted_evaluator_is_an_error_naming_what_was_found(settings):
    tu, tr = build({"T01": "LIVER"}, [(B, {"T01": 20})], TREVAL="INDEPENDENT ASSESSOR")
    with pytest.raises(OncotrialError) as err:
        evaluate_timepoints(tu, tr, settings)
    assert str(err.value) == (
        "TR.TREVAL: no rows of the accepted evaluator; found ['INDEPENDENT ASSESSOR'] (got 'INVESTIGATOR')"
    )


def test_missing_columns_are_named(settings):
    tu, tr = build({"T01": "LIVER"}, [(B, {"T01": 20})])
    with pytest.raises(ValidationFailed) as err:
        evaluate_timepoints(tu, tr.drop(columns=["TRDTC", "VISITNUM"]), settings)
    assert str(err.value) == "TR.VISITNUM: required column is missing\nTR.TRDTC: required column is missing"


def test_bad_date_text_is_named(settings):
    tu, tr = build({"T01": "LIVER"}, [(B, {"T01": 20}), ("2024-13-01", {"T01": 20})])
    with pytest.raises(ValidationFailed) as err:
        evaluate_timepoints(tu, tr, settings)
    assert str(err.value) == "TR.TRDTC: not an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD): '2024-13-01'"


def test_subjects_are_evaluated_independently(settings):
    tu1, tr1 = build({"T01": "LIVER"}, [(B, {"T01": 20}), ("2024-02-12", {"T01": 10})], usubjid="A")
    tu2, tr2 = build({"T01": "LYMPH NODE"}, [(B, {"T01": 20}), ("2024-02-12", {"T01": 30})], usubjid="B")
    tp = evaluate_timepoints(pd.concat([tu1, tu2]), pd.concat([tr2, tr1]), settings)
    assert dict(zip(tp.USUBJID, tp.OVRLRESP, strict=True)) == {"A": "PR", "B": "PD"}


def test_large_key_space_and_unusual_visit_numbers_give_the_same_result(settings, reference, monkeypatch):
    dense = evaluate_timepoints(reference["tu"], reference["tr"], settings)
    monkeypatch.setattr("oncotrial.recist._assessments._DENSE_KEYS", 0)  # force the hashed path
    monkeypatch.setattr("oncotrial.recist._grid._DENSE_KEYS", 0)  # and the searchsorted baseline lookup
    hashed = evaluate_timepoints(reference["tu"], reference["tr"], settings)
    pd.testing.assert_frame_equal(dense, hashed)
    tr = reference["tr"].assign(VISITNUM=reference["tr"]["VISITNUM"] + 0.00001)  # not in thousandths
    odd = evaluate_timepoints(reference["tu"], tr, settings)
    assert odd["OVRLRESP"].tolist() == dense["OVRLRESP"].tolist()
    assert odd["VISITNUM"].tolist() == [v + 0.00001 for v in dense["VISITNUM"]]
