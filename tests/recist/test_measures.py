"""Which records the engine reads as a lesion's measurement, and which it never does.

Hand-built tables in the shape of pharmaversesdtm's tr_onco (DIAMETER beside LDIAM and
LPERP, a collected SUMDIAM record per assessment with an empty TRLNKID).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from oncotrial.errors import ValidationFailed
from oncotrial.recist import check_baseline, compare_collected_sums, evaluate_timepoints

from .conftest import build

DATES = ["2024-01-01", "2024-02-12", "2024-03-25"]


def tr_onco_like(values: dict[str, list[tuple[float | None, float, float]]], sums: list[float]) -> tuple:
    """TU/TR: per lesion and visit (DIAMETER, LDIAM, LPERP); one SUMDIAM record per visit."""
    tu = pd.DataFrame(
        {"USUBJID": "S1", "TULNKID": list(values), "TULOC": ["LIVER", "LYMPH NODE"][: len(values)]}
    )
    rows = []
    for n, date in enumerate(DATES[: len(sums)], start=1):
        common = {"USUBJID": "S1", "TRGRPID": "TARGET", "VISITNUM": float(n), "TRDTC": date, "TRSTAT": ""}
        for lesion, per_visit in values.items():
            for test, value in zip(("DIAMETER", "LDIAM", "LPERP"), per_visit[n - 1], strict=True):
                rows.append(
                    {
                        **common,
                        "TRLNKID": lesion,
                        "TRTESTCD": test,
                        "TRSTRESN": value,
                        "TRSTRESC": "" if value is None else f"{value:g}",
                    }
                )
        rows.append(
            {
                **common,
                "TRLNKID": "",
                "TRTESTCD": "SUMDIAM",
                "TRSTRESN": sums[n - 1],
                "TRSTRESC": f"{sums[n - 1]:g}",
            }
        )
    return tu, pd.DataFrame(rows)


def test_a_collected_sum_is_never_a_lesion(settings):
    # Before: the SUMDIAM record (empty TRLNKID) was a sixth target "not assessed": NE everywhere.
    tu, tr = tr_onco_like({"T01": [(40, 40, 30), (20, 20, 15), (18, 18, 14)]}, sums=[40, 20, 18])
    tp = evaluate_timepoints(tu, tr, settings)
    assert tp["OVRLRESP"].tolist() == ["PR", "PR"]
    assert check_baseline(tu, tr, settings).empty  # one target, not six


def test_diameter_is_the_measurement_when_the_lesion_has_it(settings):
    # DIAMETER is the measurement the criteria call for; LDIAM/LPERP beside it are not summed.
    tu, tr = tr_onco_like(
        {
            "T01": [(40, 44, 30), (27, 31, 20), (27, 31, 20)],
            "T02": [(20, 22, 20), (15, 16, 15), (15, 16, 15)],
        },
        sums=[60, 42, 42],
    )
    tp = evaluate_timepoints(tu, tr, settings)
    assert tp["SUMDIAM"].tolist() == [42.0, 42.0]
    assert tp["BASE"].iloc[0] == 60.0
    assert tp["TRGRESP"].tolist() == ["PR", "PR"]  # -30% by DIAMETER (by LDIAM + LPERP: 51 -> 46, SD)


def test_without_diameter_a_node_is_read_by_its_short_axis_and_others_by_the_longest_diameter(settings):
    tu, tr = build(
        {"T01": "LIVER", "T02": "LYMPH NODE"},
        [("2024-01-01", {"T01": 30, "T02": 20}), ("2024-02-12", {"T01": 20, "T02": 12})],
    )
    assert evaluate_timepoints(tu, tr, settings)["SUMDIAM"].tolist() == [32.0]


def test_collected_sums_that_agree_are_not_listed_and_those_that_differ_are(settings):
    tu, tr = tr_onco_like({"T01": [(40, 40, 30), (20, 20, 15), (18, 18, 14)]}, sums=[40, 25, 18])
    tp = evaluate_timepoints(tu, tr, settings)
    found = compare_collected_sums(tr, tp, settings)
    assert found[["VISITNUM", "COLLECTED", "COMPUTED", "DIFFERENCE"]].to_dict("records") == [
        {"VISITNUM": 2.0, "COLLECTED": 25.0, "COMPUTED": 20.0, "DIFFERENCE": 5.0}
    ]
    assert found["MESSAGE"].tolist() == ["collected sum 25 mm, computed 20 mm"]


def test_a_baseline_collected_sum_is_compared_with_the_baseline_sum(settings):
    tu, tr = tr_onco_like({"T01": [(40, 40, 30), (20, 20, 15)]}, sums=[44, 20])
    found = compare_collected_sums(tr, evaluate_timepoints(tu, tr, settings), settings)
    assert found[["VISIT", "COLLECTED", "COMPUTED"]].to_dict("records") == [
        {"VISIT": "BASELINE", "COLLECTED": 44.0, "COMPUTED": 40.0}
    ]


def test_an_assessment_without_target_measurements_has_no_sum(settings):
    # Before: SUMDIAM 0 and PCHG -100% for a scan that only looked for new lesions.
    tu, tr = build(
        {"T01": "LIVER", "T02": "LUNG", "NT01": "BONE"},
        [
            ("2024-01-01", {"T01": 30, "T02": 20, "NT01": "PRESENT"}),
            ("2024-02-12", {"T01": 25, "T02": 18, "NT01": "PRESENT"}),
            ("2024-02-20", {"NT01": "PRESENT"}),  # an unscheduled MRI: no target measured
        ],
    )
    tp = evaluate_timepoints(tu, tr, settings)
    last = tp.iloc[-1]
    assert np.isnan(last["SUMDIAM"]) and np.isnan(last["PCHG"]) and np.isnan(last["CHG"])
    assert (last["TRGRESP"], last["NMISS"]) == ("NE", 2)
    assert tp["NMISS"].tolist() == [0, 2]


@pytest.mark.parametrize(
    ("column", "value"), [("TRTESTCD", "ldiam"), ("TRTESTCD", "SAXIS"), ("TRGRPID", "TARGETS")]
)
def test_a_test_code_or_group_the_engine_does_not_know_is_refused(settings, column, value):
    tu, tr = build({"T01": "LIVER"}, [("2024-01-01", {"T01": 30}), ("2024-02-12", {"T01": 20})])
    tr.loc[1, column] = value
    with pytest.raises(ValidationFailed, match=f"TR.{column}: '{value}' is not a controlled term"):
        evaluate_timepoints(tu, tr, settings)


def test_a_cdisc_test_the_engine_does_not_read_is_set_aside(settings):
    tu, tr = build({"T01": "LIVER"}, [("2024-01-01", {"T01": 30}), ("2024-02-12", {"T01": 20})])
    volume = tr.iloc[[1]].assign(TRTESTCD="VOLUME", TRSTRESN=900.0, TRSTRESC="900")
    tp = evaluate_timepoints(tu, pd.concat([tr, volume], ignore_index=True), settings)
    assert tp["SUMDIAM"].tolist() == [20.0]
