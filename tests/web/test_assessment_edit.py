"""Correcting a stored tumour assessment on its page: lesion results and the investigator's response."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from oncotrial.edc import AuditEntry, LesionMeasurement, TumourAssessment
from tests.web.conftest import sign_in
from tests.web.helpers import dose, form_fields, post
from tests.web.test_accessibility import unlabelled

BASELINE = {
    "visit_number": "1", "visit": "BASELINE", "assessment_date": "2025-01-08", "n_rows": "6",
    "m-0-code": "T01", "m-0-category": "TARGET", "m-0-location": "LIVER", "m-0-diameter_mm": "40",
    "m-1-code": "T02", "m-1-category": "TARGET", "m-1-location": "LUNG", "m-1-diameter_mm": "20",
    "m-2-code": "NT01", "m-2-category": "NON-TARGET", "m-2-location": "BONE", "m-2-state": "PRESENT",
}  # fmt: skip
WEEK_6 = {
    "visit_number": "2", "visit": "WEEK 6", "assessment_date": "2025-02-23", "n_rows": "5",
    "investigator_response": "PR",
    "m-0-code": "NT01", "m-0-category": "NON-TARGET", "m-0-location": "BONE", "m-0-state": "PRESENT",
    "m-1-code": "T01", "m-1-category": "TARGET", "m-1-location": "LIVER", "m-1-diameter_mm": "25",
    "m-2-code": "T02", "m-2-category": "TARGET", "m-2-location": "LUNG", "m-2-diameter_mm": "12",
}  # fmt: skip


@pytest.fixture
def assessed(coord, enrolled) -> dict[str, int]:
    """Baseline (60 mm) and week 6 (37 mm, computed PR): the assessments' ids by visit name."""
    dose(coord, enrolled, "NABP", 1, "2025-01-12", 260, "mg/m2")
    for data in (BASELINE, WEEK_6):
        response = post(coord, f"/subjects/{enrolled}/assessments", data, follow_redirects=False)
        assert response.status_code == 303, response.text[-2000:]
    ids = re.findall(r'href="/assessments/(\d+)/edit"', coord.get(f"/subjects/{enrolled}").text)
    assert len(ids) == 2
    return {"BASELINE": int(ids[0]), "WEEK 6": int(ids[1]), "subject": enrolled}


def _row(html: str, code: str) -> int:
    """The measurement id of lesion ``code`` on the correction form."""
    match = re.search(rf'<th scope="row">{code}<input type="hidden" name="m-(\d+)-version"', html)
    assert match, f"no row for lesion {code}"
    return int(match.group(1))


def _diameters(web_env, assessment_id: int) -> list[float | None]:
    with web_env.sessions() as db:
        stmt = select(LesionMeasurement.diameter_mm).where(LesionMeasurement.assessment_id == assessment_id)
        return sorted(d for d in db.execute(stmt).scalars() if d is not None)


def test_casebook_offers_an_edit_link_per_assessment(coord, assessed):
    html = coord.get(f"/subjects/{assessed['subject']}").text
    for visit in ("BASELINE", "WEEK 6"):
        assert f'href="/assessments/{assessed[visit]}/edit"' in html


def test_every_control_of_the_correction_form_has_a_label(coord, assessed):
    assert unlabelled(coord.get(f"/assessments/{assessed['WEEK 6']}/edit").text) == []


def test_correcting_a_diameter_recomputes_the_response_and_shows_it(coord, web_env, assessed):
    path = f"/assessments/{assessed['WEEK 6']}/edit"
    form = coord.get(path).text
    assert "Computed RECIST 1.1 response now: <strong>PR</strong>" in form
    data = form_fields(form)
    data[f"m-{_row(form, 'T01')}-diameter_mm"] = "45"
    data["reason"] = "T01 was read on the wrong series"
    response = post(coord, path, data, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"#assessment-{assessed['WEEK 6']}")
    casebook = coord.get(response.headers["location"]).text
    # 45 + 12 = 57 mm against 60 mm at baseline: -5.0% (hand computed), neither PR (-30%) nor PD.
    assert "Assessment corrected; computed RECIST 1.1 response: SD." in casebook
    assert "Sum of diameters 57 mm (baseline 60 mm, change -5.0%" in casebook
    assert _diameters(web_env, assessed["WEEK 6"]) == [12.0, 45.0]
    with web_env.sessions() as db:
        reasons = db.execute(select(AuditEntry.reason).where(AuditEntry.table_name == "lesion_measurement"))
        assert "T01 was read on the wrong series" in set(reasons.scalars())


def test_correcting_the_investigator_response_stores_it(coord, web_env, assessed):
    path = f"/assessments/{assessed['WEEK 6']}/edit"
    data = {**form_fields(coord.get(path).text), "investigator_response": "SD", "reason": "typo on the CRF"}
    assert post(coord, path, data, follow_redirects=False).status_code == 303
    with web_env.sessions() as db:
        assert db.get(TumourAssessment, assessed["WEEK 6"]).investigator_response == "SD"


def test_a_correction_without_reason_is_refused_and_nothing_is_stored(coord, web_env, assessed):
    path = f"/assessments/{assessed['WEEK 6']}/edit"
    form = coord.get(path).text
    data = {**form_fields(form), f"m-{_row(form, 'T01')}-diameter_mm": "45", "investigator_response": "SD"}
    response = post(coord, path, data)
    assert response.status_code == 422
    assert '<p class="error" id="e-reason">a reason is required to change data after first entry</p>' in (
        response.text
    )
    assert '<a href="#f-reason">Reason for change</a>' in response.text
    assert 'value="45"' in response.text  # the entry is kept for the user to complete
    assert _diameters(web_env, assessed["WEEK 6"]) == [12.0, 25.0]
    with web_env.sessions() as db:
        week6 = db.get(TumourAssessment, assessed["WEEK 6"])
        assert (week6.investigator_response, week6.computed_response) == ("PR", "PR")


def test_a_baseline_target_corrected_below_the_minimum_is_refused_on_its_row(coord, web_env, assessed):
    path = f"/assessments/{assessed['BASELINE']}/edit"
    form = coord.get(path).text
    row = _row(form, "T02")
    data = {**form_fields(form), f"m-{row}-diameter_mm": "5", "reason": "re-measured"}
    response = post(coord, path, data)
    assert response.status_code == 422
    assert f'<p class="error" id="e-m-{row}-diameter_mm">a baseline target lesion must measure at least' in (
        response.text
    )
    assert f'<a href="#f-m-{row}-diameter_mm">Lesion T02</a>' in response.text
    assert _diameters(web_env, assessed["BASELINE"]) == [20.0, 40.0]


def test_a_negative_diameter_is_refused_by_the_input_model(coord, assessed):
    path = f"/assessments/{assessed['WEEK 6']}/edit"
    form = coord.get(path).text
    row = _row(form, "T02")
    data = {**form_fields(form), f"m-{row}-diameter_mm": "-3", "reason": "re-measured"}
    response = post(coord, path, data)
    assert response.status_code == 422
    assert f'id="e-m-{row}-diameter_mm"' in response.text


def test_a_coordinator_of_another_site_gets_not_found(web_env, coord, assessed):
    path = f"/assessments/{assessed['WEEK 6']}/edit"
    data = {**form_fields(coord.get(path).text), "investigator_response": "SD", "reason": "wrong"}
    with TestClient(web_env.app) as other:
        sign_in(other, "coord_b")
        assert other.get(path).status_code == 404
        assert post(other, path, data).status_code == 404
    with web_env.sessions() as db:
        assert db.get(TumourAssessment, assessed["WEEK 6"]).investigator_response == "PR"


def test_a_correction_read_before_another_is_answered_conflict_and_not_stored(coord, web_env, assessed):
    path = f"/assessments/{assessed['WEEK 6']}/edit"
    form = coord.get(path).text
    row = _row(form, "T01")
    first = {**form_fields(form), f"m-{row}-diameter_mm": "26", "reason": "re-measured"}
    assert post(coord, path, first, follow_redirects=False).status_code == 303
    stale = {**form_fields(form), f"m-{row}-diameter_mm": "45", "reason": "read on the wrong series"}
    assert post(coord, path, stale).status_code == 409
    assert _diameters(web_env, assessed["WEEK 6"]) == [12.0, 26.0]


def test_a_non_target_left_without_state_is_refused_on_its_state_field(coord, web_env, assessed):
    path = f"/assessments/{assessed['WEEK 6']}/edit"
    form = coord.get(path).text
    row = _row(form, "NT01")
    data = {**form_fields(form), f"m-{row}-state": "", "reason": "re-read"}
    response = post(coord, path, data)
    assert response.status_code == 422
    assert f'<p class="error" id="e-m-{row}-state">a non-target lesion needs a state (or not_done)</p>' in (
        response.text
    )
    with web_env.sessions() as db:
        stmt = select(LesionMeasurement.state).where(LesionMeasurement.id == row)
        assert db.execute(stmt).scalar() == "PRESENT"
