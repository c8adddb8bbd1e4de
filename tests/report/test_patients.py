"""Per-patient data behind the waterfall, swimmer and spider plots."""

from __future__ import annotations

import pytest

from oncotrial.report import best_change, change_over_time, treatment_timelines

MONTH = 30.4375


def test_best_change_is_each_patients_lowest_post_baseline_change(adam, protocol):
    best = best_change(adam, protocol=protocol)
    assert list(best["USUBJID"]) == ["S04", "S03", "S02", "S01"]  # largest increase first
    assert list(best["PCHG"]) == [35.0, -32.0, -42.0, -100.0]
    assert list(best["BOR"]) == ["PD", "SD", "PR", "CR"]


def test_change_over_time_starts_each_line_at_baseline(adam, protocol):
    lines = change_over_time(adam, protocol=protocol)
    s02 = lines[lines["USUBJID"] == "S02"]
    assert list(s02["PCHG"]) == [0.0, -40.0, -42.0, -10.0]
    # 2024-01-08 (first dose) to 2024-02-14 = 37 days
    assert s02["MONTHS"].iloc[1] == pytest.approx(37 / MONTH)


def test_timelines_keep_assessed_or_dead_patients_sorted_by_time_on_treatment(adam, protocol):
    t = treatment_timelines(adam, protocol=protocol).set_index("USUBJID")
    assert list(t.index) == ["S05", "S04", "S03", "S02", "S01"]  # S06 never assessed, S07 never treated
    assert t.loc["S01", "ONGOING"] and not t.loc["S02", "ONGOING"]
    # S02: first dose 2024-01-08, confirmed response 2024-02-14, PD 2024-06-01
    assert t.loc["S02", "RESPONSE"] == pytest.approx(37 / MONTH)
    assert t.loc["S02", "PD"] == pytest.approx(145 / MONTH)
    assert t.loc["S04", "DEATH"] == pytest.approx(86 / MONTH)
    assert t.loc["S02", "ON_TREATMENT"] == pytest.approx(146 / MONTH)  # end - start + 1 days
