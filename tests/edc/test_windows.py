"""Soft edit checks on imaging dates: out-of-window scans open queries and are stored."""

from __future__ import annotations

import datetime as dt

import pytest

from oncotrial.edc import delete_dose, list_queries, record_assessment, record_dose, scan_window_findings
from oncotrial.edc.services.forms import DoseIn
from oncotrial.protocol import load_protocol

from .conftest import ENROLLED, enrolled_subject
from .test_tumour import BASELINE, non_target, target, visit

P = load_protocol()
S = P.schedule
FIRST = dt.date(2024, 1, 12)
WINDOW = dt.timedelta(days=S.imaging_window_days)
WEEK6 = S.imaging_interval.after(FIRST)
FOLLOW_UP = [target("T01", 38), target("T02", 19, "LYMPH NODE"), non_target("NT01")]


def _codes(findings):
    return [(f.assessment_id, f.code) for f in findings]


def test_a_scan_on_the_windows_last_day_is_in_and_the_next_day_is_out():
    base = (1, 1, FIRST - dt.timedelta(days=4))
    assert scan_window_findings(P, [base, (2, 2, WEEK6 + WINDOW)], FIRST, ENROLLED) == []
    assert scan_window_findings(P, [base, (2, 2, WEEK6 - WINDOW)], FIRST, ENROLLED) == []
    late = scan_window_findings(P, [base, (2, 2, WEEK6 + WINDOW + dt.timedelta(days=1))], FIRST, ENROLLED)
    assert _codes(late) == [(2, "scan_window")]
    assert late[0].text.startswith(f"tumour assessment on {WEEK6 + WINDOW + dt.timedelta(days=1)} is ")
    assert f"from the scheduled scan on {WEEK6}" in late[0].text


def test_a_later_scan_is_judged_against_the_nearest_scheduled_one():
    week12 = S.imaging_interval.after(WEEK6)
    base = (1, 1, FIRST)
    assert scan_window_findings(P, [base, (2, 2, WEEK6), (3, 3, week12 - WINDOW)], FIRST, ENROLLED) == []
    midway = WEEK6 + (week12 - WEEK6) / 2
    assert _codes(scan_window_findings(P, [base, (3, 3, midway)], FIRST, ENROLLED)) == [(3, "scan_window")]


def test_a_baseline_scan_before_the_baseline_window_or_after_the_first_dose_is_found():
    earliest = FIRST - dt.timedelta(days=int(S.baseline_imaging_window.days))
    assert scan_window_findings(P, [(1, 1, earliest)], FIRST, ENROLLED) == []
    assert scan_window_findings(P, [(1, 1, FIRST)], FIRST, ENROLLED) == []
    too_early = scan_window_findings(P, [(1, 1, earliest - dt.timedelta(days=1))], FIRST, ENROLLED)
    assert _codes(too_early) == [(1, "baseline_scan_window")]
    assert "(schedule.baseline_imaging_window)" in too_early[0].text
    assert _codes(scan_window_findings(P, [(1, 1, FIRST + dt.timedelta(days=1))], FIRST, ENROLLED)) == [
        (1, "baseline_scan_window")
    ]


def test_without_a_first_dose_nothing_is_judged():
    assert (
        scan_window_findings(P, [(1, 1, dt.date(2020, 1, 1)), (2, 2, dt.date(2020, 5, 1))], None, ENROLLED)
        == []
    )


# --- through the database --------------------------------------------------------------


@pytest.fixture
def ctx(world):
    s = world.session()
    inv = world.user(s, "inv_a")
    subject = enrolled_subject(s, inv)
    yield s, inv, subject
    s.close()


def _dose(s, inv, subject, day):
    return record_dose(
        s, inv, subject.id, DoseIn(drug_code="PD1", cycle=1, dose_date=day, dose=200, unit="mg")
    )


def test_an_out_of_window_scan_is_stored_and_queried_once(ctx):
    s, inv, subject = ctx
    record_assessment(s, inv, subject.id, visit(1, FIRST - dt.timedelta(days=4), BASELINE))
    _dose(s, inv, subject, FIRST)
    late = WEEK6 + WINDOW + dt.timedelta(days=3)
    stored = record_assessment(s, inv, subject.id, visit(2, late, FOLLOW_UP))
    queries = list_queries(s, inv, subject.id)
    assert [(q.record_table, q.record_id, q.field, q.code, q.origin) for q in queries] == [
        ("tumour_assessment", stored.id, "assessment_date", "scan_window", "check")
    ]
    assert queries[0].text == (
        f"tumour assessment on {late} is {S.imaging_window_days + 3} days from the scheduled scan on {WEEK6} "
        f"(every {S.imaging_interval} from the first dose, ± {S.imaging_window_days} days); "
        "confirm the date or explain"
    )
    week12 = S.imaging_interval.after(WEEK6)
    record_assessment(s, inv, subject.id, visit(3, week12, FOLLOW_UP))
    assert len(list_queries(s, inv, subject.id)) == 1


def test_a_baseline_scan_is_queried_when_the_first_dose_shows_it_too_old(ctx):
    s, inv, subject = ctx
    old = FIRST - dt.timedelta(days=int(S.baseline_imaging_window.days) + 2)
    base = record_assessment(s, inv, subject.id, visit(1, old, BASELINE))
    assert list_queries(s, inv, subject.id) == []  # no first dose yet: nothing to judge against
    dose = _dose(s, inv, subject, FIRST)
    (query,) = list_queries(s, inv, subject.id)
    assert (query.record_id, query.code) == (base.id, "baseline_scan_window")
    delete_dose(s, inv, dose.id, expected_version=dose.version, reason="entered in error")
    _dose(s, inv, subject, FIRST)
    assert len(list_queries(s, inv, subject.id)) == 1  # the same finding is not queried twice


def test_scans_in_their_windows_open_no_query(ctx):
    s, inv, subject = ctx
    record_assessment(s, inv, subject.id, visit(1, FIRST - dt.timedelta(days=4), BASELINE))
    _dose(s, inv, subject, FIRST)
    record_assessment(s, inv, subject.id, visit(2, WEEK6 - dt.timedelta(days=2), FOLLOW_UP))
    assert list_queries(s, inv, subject.id) == []
