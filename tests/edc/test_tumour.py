"""Tumour assessments by lesion: baseline rules, RECIST 1.1 response on entry, automatic queries."""

from __future__ import annotations

import datetime as dt

import pytest

from oncotrial.edc import list_queries, record_assessment, record_dose
from oncotrial.edc.services.forms import DoseIn, TumourAssessmentIn
from oncotrial.errors import ValidationFailed

from .conftest import ENROLLED, enrolled_subject


def target(code, mm, location="LIVER"):
    return {"lesion": {"code": code, "category": "TARGET", "location": location}, "diameter_mm": mm}


def non_target(code, state="PRESENT", location="PERITONEUM"):
    return {"lesion": {"code": code, "category": "NON-TARGET", "location": location}, "state": state}


def new(code, state="UNEQUIVOCAL", location="BONE"):
    return {"lesion": {"code": code, "category": "NEW", "location": location}, "state": state}


def visit(n, day, measurements, response=None):
    return TumourAssessmentIn.model_validate(
        {
            "visit_number": n,
            "visit": "BASELINE" if n == 1 else f"WEEK {6 * (n - 1)}",
            "assessment_date": day,
            "investigator_response": response,
            "measurements": measurements,
        }
    )


BASELINE = [target("T01", 40), target("T02", 20, "LYMPH NODE"), non_target("NT01")]


@pytest.fixture
def ctx(world):
    s = world.session()
    inv = world.user(s, "inv_a")
    subject = enrolled_subject(s, inv)
    yield s, inv, subject
    s.close()


def _problems(fn):
    with pytest.raises(ValidationFailed) as err:
        fn()
    return [(p.loc, p.code, p.msg) for p in err.value.problems]


def test_partial_response_is_computed_and_a_matching_read_raises_no_query(ctx):
    s, inv, subject = ctx
    base = record_assessment(s, inv, subject.id, visit(1, dt.date(2024, 1, 8), BASELINE))
    assert (base.computed_response, base.computed_rule) == (None, None)
    record_dose(s, inv, subject.id, DoseIn(drug_code="PD1", cycle=1, dose_date=ENROLLED, dose=200, unit="mg"))
    # sum 60 -> 40 mm: -33% from baseline, a PR (RECIST 1.1 §4.3.1: at least 30% decrease)
    week6 = record_assessment(
        s,
        inv,
        subject.id,
        visit(
            2,
            dt.date(2024, 2, 21),
            [target("T01", 25), target("T02", 15, "LYMPH NODE"), non_target("NT01")],
            "PR",
        ),
    )
    assert week6.computed_response == "PR"
    assert "PR" in week6.computed_rule
    assert list_queries(s, inv, subject.id) == []


def test_investigator_response_differing_from_recist_opens_a_query(ctx):
    s, inv, subject = ctx
    record_assessment(s, inv, subject.id, visit(1, dt.date(2024, 1, 8), BASELINE))
    # sum 60 -> 55 mm (-8%): SD, but the investigator recorded PR
    week6 = record_assessment(
        s,
        inv,
        subject.id,
        visit(
            2,
            dt.date(2024, 2, 21),
            [target("T01", 38), target("T02", 17, "LYMPH NODE"), non_target("NT01")],
            "PR",
        ),
    )
    assert week6.computed_response == "SD"
    [query] = list_queries(s, inv, subject.id)
    assert (query.origin, query.code, query.field, query.record_table, query.record_id, query.status) == (
        "check", "recist_mismatch", "investigator_response", "tumour_assessment", week6.id, "open",
    )  # fmt: skip
    assert query.text.startswith(
        "investigator response PR differs from the RECIST 1.1 response computed from the lesions, SD ("
    )


def test_new_lesion_makes_progression(ctx):
    s, inv, subject = ctx
    record_assessment(s, inv, subject.id, visit(1, dt.date(2024, 1, 8), BASELINE))
    week6 = record_assessment(
        s,
        inv,
        subject.id,
        visit(
            2,
            dt.date(2024, 2, 21),
            [target("T01", 40), target("T02", 20, "LYMPH NODE"), non_target("NT01"), new("N01")],
            "PD",
        ),
    )
    assert week6.computed_response == "PD"


@pytest.mark.parametrize(
    ("measurements", "expected"),
    [
        (
            [target("T01", 8)],
            [
                (
                    ("measurements", 0, "diameter_mm"),
                    "not_measurable",
                    "the longest diameter of a non-nodal target lesion must be at least 10 mm at baseline (RECIST 1.1 §3.1.1)",
                )
            ],
        ),
        (
            [target("T01", 12, "LYMPH NODE")],
            [
                (
                    ("measurements", 0, "diameter_mm"),
                    "not_measurable",
                    "the short axis of a target lymph node must be at least 15 mm at baseline (RECIST 1.1 §3.1.1)",
                )
            ],
        ),
        (
            [target(f"T0{i}", 20, "LIVER" if i < 3 else f"ORGAN{i}") for i in range(1, 7)],
            [
                (
                    ("measurements",),
                    "too_many_targets",
                    "at most 5 target lesions in total (RECIST 1.1 §4.2); got 6",
                )
            ],
        ),
        (
            [target("T01", 20), target("T02", 20), target("T03", 20)],
            [
                (
                    ("measurements",),
                    "too_many_per_organ",
                    "at most 2 target lesions per organ (RECIST 1.1 §4.2); LIVER has 3",
                )
            ],
        ),
        (
            [non_target("NT01")],
            [(("measurements",), "no_target", "at least one target lesion is required at baseline")],
        ),
        (
            [target("T01", 20), new("N01")],
            [
                (
                    ("measurements", 1, "lesion", "category"),
                    "new_at_baseline",
                    "a NEW lesion cannot be recorded at baseline",
                )
            ],
        ),
    ],
)
def test_baseline_target_rules(ctx, measurements, expected):
    s, inv, subject = ctx
    assert (
        _problems(lambda: record_assessment(s, inv, subject.id, visit(1, dt.date(2024, 1, 8), measurements)))
        == expected
    )


def test_follow_up_must_report_every_baseline_lesion_and_no_unknown_one(ctx):
    s, inv, subject = ctx
    record_assessment(s, inv, subject.id, visit(1, dt.date(2024, 1, 8), BASELINE))
    problems = _problems(
        lambda: record_assessment(
            s, inv, subject.id, visit(2, dt.date(2024, 2, 21), [target("T01", 30), target("T09", 10)])
        )
    )
    assert problems == [
        (
            ("measurements", 1, "lesion", "code"),
            "unknown_lesion",
            "lesion T09 was not identified at baseline; a lesion first seen later is NEW",
        ),
        (
            ("measurements",),
            "missing_lesion",
            "baseline lesions ['NT01', 'T02'] are not reported: record each, or mark it not done",
        ),
    ]


def test_lesion_not_done_gives_not_evaluable(ctx):
    s, inv, subject = ctx
    record_assessment(s, inv, subject.id, visit(1, dt.date(2024, 1, 8), BASELINE))
    missing = {"lesion": {"code": "T02", "category": "TARGET", "location": "LYMPH NODE"}, "not_done": True}
    week6 = record_assessment(
        s, inv, subject.id, visit(2, dt.date(2024, 2, 21), [target("T01", 39), missing, non_target("NT01")])
    )
    assert week6.computed_response == "NE"


def test_assessment_over_http_computes_the_response(api, world):
    with world.session() as s:
        sid = enrolled_subject(s, world.user(s, "inv_a")).id
        s.commit()
    base = visit(1, dt.date(2024, 1, 8), BASELINE).model_dump(mode="json")
    assert api("coord_a", "POST", f"/api/subjects/{sid}/tumour-assessments", json=base).status_code == 201
    body = visit(
        2,
        dt.date(2024, 2, 21),
        [target("T01", 0), target("T02", 8, "LYMPH NODE"), non_target("NT01", "ABSENT")],
        "CR",
    ).model_dump(mode="json")
    response = api("coord_a", "POST", f"/api/subjects/{sid}/tumour-assessments", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["computed_response"] == "CR"
    assert api("mon_b", "GET", f"/api/subjects/{sid}/tumour-assessments").status_code == 404


def test_correcting_a_measurement_recomputes_the_response_and_queries_the_new_mismatch(ctx):
    from sqlalchemy import select

    from oncotrial.edc import AuditEntry, LesionMeasurement
    from oncotrial.edc.services.tumour import update_measurement

    s, inv, subject = ctx
    record_assessment(s, inv, subject.id, visit(1, dt.date(2024, 1, 8), BASELINE))
    week6 = record_assessment(
        s,
        inv,
        subject.id,
        visit(
            2,
            dt.date(2024, 2, 21),
            [target("T01", 25), target("T02", 15, "LYMPH NODE"), non_target("NT01")],
            "PR",
        ),
    )
    assert week6.computed_response == "PR" and list_queries(s, inv, subject.id) == []
    t01 = s.scalars(select(LesionMeasurement).where(LesionMeasurement.assessment_id == week6.id)).first()
    # 25 -> 38 mm: sum 53 of 60 (-12%), now SD; the investigator's PR no longer matches
    update_measurement(
        s, inv, t01.id, diameter_mm=38, state=None, not_done=False, expected_version=1, reason="misread scan"
    )
    assert week6.computed_response == "SD"
    [query] = list_queries(s, inv, subject.id)
    assert (query.code, query.record_id) == ("recist_mismatch", week6.id)
    reasons = s.scalars(
        select(AuditEntry.reason).where(
            AuditEntry.table_name == "tumour_assessment", AuditEntry.field == "computed_response"
        )
    ).all()
    assert reasons == ["RECIST 1.1 response recomputed after a correction"]


def test_baseline_target_cannot_be_corrected_below_measurable_size(ctx):
    from sqlalchemy import select

    from oncotrial.edc import LesionMeasurement
    from oncotrial.edc.services.tumour import update_measurement

    s, inv, subject = ctx
    base = record_assessment(s, inv, subject.id, visit(1, dt.date(2024, 1, 8), BASELINE))
    t01 = s.scalars(select(LesionMeasurement).where(LesionMeasurement.assessment_id == base.id)).first()
    assert _problems(
        lambda: update_measurement(
            s, inv, t01.id, diameter_mm=9, state=None, not_done=False, expected_version=1, reason="r"
        )
    ) == [
        (
            ("diameter_mm",),
            "not_measurable",
            "a baseline target lesion must measure at least 10 mm (RECIST 1.1 §3.1.1)",
        )
    ]


def test_correcting_the_investigator_response_over_http(api, world):
    with world.session() as s:
        inv = world.user(s, "inv_a")
        sid = enrolled_subject(s, inv).id
        record_assessment(s, inv, sid, visit(1, dt.date(2024, 1, 8), BASELINE))
        week6 = record_assessment(
            s,
            inv,
            sid,
            visit(
                2,
                dt.date(2024, 2, 21),
                [target("T01", 38), target("T02", 17, "LYMPH NODE"), non_target("NT01")],
                "PR",
            ),
        )
        s.commit()
    fixed = api(
        "inv_a",
        "PATCH",
        f"/api/tumour-assessments/{week6.id}",
        json={"version": week6.version, "reason": "typo", "investigator_response": "SD"},
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["investigator_response"] == fixed.json()["computed_response"] == "SD"
    stale = api(
        "inv_a",
        "PATCH",
        f"/api/tumour-assessments/{week6.id}",
        json={"version": week6.version, "reason": "x", "investigator_response": "PR"},
    )
    assert stale.status_code == 409
