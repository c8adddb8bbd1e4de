"""Baseline checks: reported one row per problem, with messages pinned."""

from __future__ import annotations

import pandas as pd

from oncotrial.recist import check_baseline

from .conftest import build


def checks(lesions, values, settings, dtc="2024-01-01", subjects=None):
    tu, tr = build(lesions, [(dtc, values)])
    return check_baseline(tu, tr, settings, subjects=subjects)


def test_valid_baseline_has_no_problem(settings):
    out = checks({"T01": "LIVER", "T02": "LYMPH NODE"}, {"T01": 10, "T02": 15}, settings)
    assert out.empty
    assert list(out.columns) == ["USUBJID", "TRLNKID", "CHECK", "VALUE", "MESSAGE"]


def test_more_than_five_targets_is_reported(settings):
    lesions = {
        f"T0{i}": organ for i, organ in enumerate(["LIVER", "LUNG", "BONE", "BRAIN", "SKIN", "COLON"], 1)
    }
    out = checks(lesions, dict.fromkeys(lesions, 20), settings)
    assert out[["CHECK", "VALUE"]].values.tolist() == [["TOO_MANY_TARGETS", 6]]
    assert out.MESSAGE.iloc[0] == "6 target lesions at baseline; at most 5 (RECIST 1.1 §4.2)"


def test_more_than_two_targets_in_one_organ_is_reported(settings):
    lesions = {"T01": "LIVER", "T02": "LIVER", "T03": "LIVER"}
    out = checks(lesions, dict.fromkeys(lesions, 20), settings)
    assert out.MESSAGE.tolist() == ["3 target lesions in LIVER; at most 2 per organ (RECIST 1.1 §4.2)"]


def test_small_targets_are_reported_with_their_size(settings):
    out = checks({"T01": "LIVER", "T02": "LYMPH NODE"}, {"T01": 9.5, "T02": 14}, settings)
    assert out.CHECK.tolist() == ["TARGET_TOO_SMALL", "TARGET_TOO_SMALL"]
    assert out.MESSAGE.tolist() == [
        "target T01 measures 9.5 mm at baseline; a measurable lesion needs >= 10 mm (RECIST 1.1 §3.1.1)",
        "node T02 has a short axis of 14 mm at baseline; a target node needs >= 15 mm (RECIST 1.1 §3.1.1)",
    ]


def test_unmeasured_target_is_reported(settings):
    out = checks({"T01": "LIVER"}, {"T01": None}, settings)
    assert out[["TRLNKID", "CHECK"]].values.tolist() == [["T01", "TARGET_NOT_MEASURED"]]


def test_baseline_outside_the_protocol_window_is_reported(settings):
    subjects = pd.DataFrame({"USUBJID": ["S1"], "REFSTDT": [pd.Timestamp("2024-02-01")]})
    out = checks({"T01": "LIVER"}, {"T01": 20}, settings, subjects=subjects)
    assert out[["CHECK", "VALUE"]].values.tolist() == [["BASELINE_TOO_EARLY", 31]]
    assert out.MESSAGE.iloc[0] == (
        "baseline scan 31 days before the reference start; at most 28 (protocol schedule.baseline_imaging_window)"
    )
    subjects["REFSTDT"] = pd.Timestamp("2024-01-29")
    assert checks({"T01": "LIVER"}, {"T01": 20}, settings, subjects=subjects).empty


def test_no_assessment_before_the_reference_start_is_reported(settings):
    subjects = pd.DataFrame({"USUBJID": ["S1"], "REFSTDT": [pd.Timestamp("2023-12-01")]})
    out = checks({"T01": "LIVER"}, {"T01": 20}, settings, subjects=subjects)
    assert out[["USUBJID", "CHECK"]].values.tolist() == [["S1", "NO_BASELINE"]]


def test_record_of_a_lesion_not_seen_at_baseline_is_reported(settings):
    tu, tr = build({"T01": "LIVER"}, [("2024-01-01", {"T01": 20}), ("2024-02-12", {"T1": 18, "T01": 18})])
    out = check_baseline(tu, tr, settings)
    assert out[["TRLNKID", "CHECK", "VALUE"]].values.tolist() == [["T1", "UNKNOWN_LESION", 2]]
    assert (
        out.MESSAGE.iloc[0]
        == "target lesion T1 at VISITNUM 2 was not recorded at baseline; it is not evaluated"
    )
