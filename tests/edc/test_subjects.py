"""Screening with eligibility, enrollment with subject numbers per site."""

from __future__ import annotations

import datetime as dt

import pytest

from oncotrial.edc import enroll_subject, screen_subject, update_screening
from oncotrial.edc.services.forms import EnrollIn, ScreeningIn
from oncotrial.errors import ValidationFailed

from .conftest import ELIGIBLE, enrolled_subject


def _screen(s, actor, **changes):
    return screen_subject(
        s,
        actor,
        ScreeningIn(
            site_code="101",
            consent_date=dt.date(2024, 1, 2),
            screening_date=dt.date(2024, 1, 3),
            values={**ELIGIBLE, **changes},
        ),
    )


def test_eligible_subject_is_enrolled_with_site_numbers_in_sequence(world):
    with world.session() as s:
        inv = world.user(s, "inv_a")
        first = enrolled_subject(s, inv)
        second = enrolled_subject(s, inv)
        other_site = enrolled_subject(s, world.user(s, "inv_b"), "102")
        s.commit()
        assert (first.subject_number, second.subject_number) == ("101-001", "101-002")
        assert other_site.subject_number == "102-001"
        assert first.screening_number == "101-S001"
        assert first.status == "enrolled" and first.enrollment_date == dt.date(2024, 1, 10)


def test_screening_names_each_failing_criterion(world):
    with world.session() as s:
        subject = _screen(s, world.user(s, "coord_a"), age_years=17, ecog=2, prior_anti_pd1_pdl1=True)
        assert subject.eligible is False
        assert subject.status == "screen_failed"
        assert subject.failing_criteria == ["IN01", "IN04", "EX01"]


def test_enrolling_an_ineligible_subject_is_refused_naming_criteria(world):
    with world.session() as s:
        inv = world.user(s, "inv_a")
        subject = _screen(s, inv, ecog=3)
        with pytest.raises(ValidationFailed) as err:
            enroll_subject(
                s, inv, subject.id, EnrollIn(enrollment_date=dt.date(2024, 1, 10), version=subject.version)
            )
        [problem] = err.value.problems
        assert problem.loc == ("eligibility", "IN04")
        assert problem.msg == "not eligible: IN04 NOT met: ecog = 3 (rule: ecog in [0, 1])"
        assert subject.subject_number is None


def test_missing_screening_value_leaves_subject_in_screening_until_entered(world):
    with world.session() as s:
        inv = world.user(s, "inv_a")
        values = dict(ELIGIBLE)
        del values["hemoglobin_g_l"]
        subject = screen_subject(
            s,
            inv,
            ScreeningIn(
                site_code="101",
                consent_date=dt.date(2024, 1, 2),
                screening_date=dt.date(2024, 1, 3),
                values=values,
            ),
        )
        assert (subject.status, subject.eligible, subject.failing_criteria) == ("screening", False, ["IN06"])
        subject = update_screening(
            s,
            inv,
            subject.id,
            {"hemoglobin_g_l": 101},
            expected_version=subject.version,
            reason="lab result arrived",
        )
        assert (subject.status, subject.eligible) == ("screening", True)


def test_bad_screening_value_is_named_by_field(world):
    with world.session() as s, pytest.raises(ValidationFailed) as err:
        _screen(s, world.user(s, "inv_a"), ecog=9)
    assert [(p.loc, p.msg) for p in err.value.problems] == [(("values", "ecog"), "must be at most 5")]


def test_screening_before_consent_is_refused_by_the_form():
    with pytest.raises(ValueError, match="screening_date 2024-01-01 is before consent_date 2024-01-02"):
        ScreeningIn(
            site_code="101", consent_date=dt.date(2024, 1, 2), screening_date=dt.date(2024, 1, 1), values={}
        )


def test_enrollment_before_screening_is_refused(world):
    with world.session() as s:
        inv = world.user(s, "inv_a")
        subject = _screen(s, inv)
        with pytest.raises(ValueError, match=r"enrollment_date: is before the screening date 2024-01-03"):
            enroll_subject(
                s, inv, subject.id, EnrollIn(enrollment_date=dt.date(2024, 1, 1), version=subject.version)
            )


def test_eligibility_and_audit_trail_over_http(api, world):
    with world.session() as s:
        subject = _screen(s, world.user(s, "coord_a"), ecog=2)
        s.commit()
    result = api("mon_a", "GET", f"/api/subjects/{subject.id}/eligibility").json()
    assert result["eligible"] is False
    assert [c["id"] for c in result["criteria"] if c["blocks"]] == ["IN04"]
    trail = api("mon_a", "GET", f"/api/subjects/{subject.id}/audit").json()
    assert [(e["action"], e["table_name"], e["username"]) for e in trail] == [
        ("insert", "subject", "coord_a")
    ]
