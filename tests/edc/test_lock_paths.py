"""Database lock and subject freeze refuse writes on every write path of the API, and store nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from oncotrial.edc import (
    AuditEntry,
    create_record,
    open_query,
    record_assessment,
    record_dose,
    screen_subject,
)
from oncotrial.edc.services.forms import AdverseEventIn, DoseIn, QueryIn, ScreeningIn, TumourAssessmentIn

from .conftest import ELIGIBLE, ENROLLED, PASSWORD, enrolled_subject

DOSE = {"drug_code": "PD1", "cycle": 2, "dose_date": "2024-01-31", "dose": 200, "unit": "mg"}
AE = {"term": "Nausea", "grade": 1, "serious": False, "relatedness": {"NABP": "RELATED", "PD1": "NOT RELATED"},
      "start_date": "2024-01-12", "action_taken": "DOSE NOT CHANGED"}  # fmt: skip
LESIONS = [
    {"lesion": {"code": "T01", "category": "TARGET", "location": "LIVER"}, "diameter_mm": 40},
]


@pytest.fixture
def ids(world):
    """One record of every kind for an enrolled subject, and a second subject still in screening."""
    with world.session() as s:
        inv = world.user(s, "inv_a")
        subject = enrolled_subject(s, inv)
        dose = record_dose(
            s, inv, subject.id, DoseIn(drug_code="PD1", cycle=1, dose_date=ENROLLED, dose=200, unit="mg")
        )
        ae = create_record(s, inv, "adverse-events", subject.id, AdverseEventIn.model_validate(AE))
        base = record_assessment(s, inv, subject.id, TumourAssessmentIn.model_validate(
            {"visit_number": 1, "visit": "BASELINE", "assessment_date": "2024-01-08", "measurements": LESIONS}))  # fmt: skip
        query = open_query(
            s, world.user(s, "mon_a"), QueryIn(record_table="dose", record_id=dose.id, field="dose", text="?")
        )
        screened = screen_subject(
            s,
            inv,
            ScreeningIn(
                site_code="101",
                consent_date=dt.date(2024, 3, 1),
                screening_date=dt.date(2024, 3, 2),
                values=ELIGIBLE,
            ),
        )
        s.commit()
        from oncotrial.edc import LesionMeasurement

        mid = s.scalar(select(LesionMeasurement.id).where(LesionMeasurement.assessment_id == base.id))
        return {
            "sid": subject.id,
            "did": dose.id,
            "aeid": ae.id,
            "aid": base.id,
            "mid": mid,
            "qid": query.id,
            "scr": screened.id,
        }


# (user, method, url, body): every write the API offers on a subject's data.
SUBJECT_WRITES = [
    ("inv_a", "POST", "/api/subjects/{sid}/doses", DOSE),
    ("inv_a", "PATCH", "/api/doses/{did}", {"version": 1, "reason": "r", "data": {**DOSE, "cycle": 1, "dose_date": "2024-01-11"}}),
    ("inv_a", "DELETE", "/api/doses/{did}?version=1&reason=r", None),
    ("inv_a", "POST", "/api/subjects/{sid}/adverse-events", AE),
    ("inv_a", "PATCH", "/api/adverse-events/{aeid}", {"version": 1, "reason": "r", "data": {**AE, "grade": 2}}),
    ("inv_a", "DELETE", "/api/adverse-events/{aeid}?version=1&reason=r", None),
    ("inv_a", "POST", "/api/subjects/{sid}/therapies", {"category": "CONCOMITANT", "name": "x", "start_date": "2024-01-10"}),
    ("inv_a", "POST", "/api/subjects/{sid}/end-of-treatment", {"end_date": "2024-03-01", "reason_code": "WITHDRAWAL"}),
    ("inv_a", "POST", "/api/subjects/{sid}/survival-contacts", {"contact_date": "2024-03-01", "status": "ALIVE"}),
    ("inv_a", "POST", "/api/subjects/{sid}/death", {"death_date": "2024-03-01"}),
    ("inv_a", "POST", "/api/subjects/{sid}/tumour-assessments", {"visit_number": 2, "visit": "WEEK 6", "assessment_date": "2024-02-21", "measurements": [{**LESIONS[0], "diameter_mm": 30}]}),
    ("inv_a", "PATCH", "/api/lesion-measurements/{mid}", {"version": 1, "reason": "r", "diameter_mm": 41}),
    ("inv_a", "PATCH", "/api/tumour-assessments/{aid}", {"version": 1, "reason": "r", "investigator_response": "SD"}),
    ("mon_a", "POST", "/api/queries", {"record_table": "dose", "record_id": "{did}", "field": "dose_date", "text": "?"}),
    ("coord_a", "POST", "/api/queries/{qid}/answer", {"answer": "checked", "version": 1}),
    ("mon_a", "POST", "/api/queries/{qid}/close", {"version": 1}),
    ("inv_a", "POST", "/api/subjects/{sid}/signatures", {"password": PASSWORD, "meaning": "approved"}),
]  # fmt: skip
# Writes that create or enroll subjects: refused by the lock (a frozen subject is already enrolled).
TRIAL_WRITES = [
    ("coord_a", "POST", "/api/subjects", {"site_code": "101", "consent_date": "2024-03-01", "screening_date": "2024-03-02", "values": ELIGIBLE}),
    ("coord_a", "PATCH", "/api/subjects/{scr}/screening", {"values": {"ecog": 0}, "version": 1, "reason": "r"}),
    ("inv_a", "POST", "/api/subjects/{scr}/enroll", {"enrollment_date": "2024-03-05", "version": 1}),
]  # fmt: skip


def _fill(value, ids):
    if isinstance(value, str):
        text = value.format(**ids)
        return int(text) if value.startswith("{") and value.endswith("}") else text
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _audit_count(world) -> int:
    with world.session() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry))


@pytest.mark.parametrize("write", SUBJECT_WRITES + TRIAL_WRITES, ids=lambda w: f"{w[1]} {w[2]}")
def test_database_lock_refuses_the_write_and_stores_nothing(api, world, ids, write):
    who, method, url, body = write
    assert api("admin", "POST", "/api/trial/lock", json={"reason": "final analysis"}).status_code == 200
    before = _audit_count(world)
    response = api(who, method, _fill(url, ids), json=_fill(body, ids))
    assert response.status_code == 409, response.text
    assert response.json()["detail"] == [
        {"loc": ["trial"], "code": "locked", "msg": "the database is locked: no data may be written"}
    ]
    assert _audit_count(world) == before


@pytest.mark.parametrize("write", SUBJECT_WRITES, ids=lambda w: f"{w[1]} {w[2]}")
def test_frozen_subject_refuses_the_write_and_stores_nothing(api, world, ids, write):
    who, method, url, body = write
    version = api("mon_a", "GET", f"/api/subjects/{ids['sid']}").json()["version"]
    frozen = api(
        "mon_a",
        "POST",
        f"/api/subjects/{ids['sid']}/freeze",
        json={"frozen": True, "version": version, "reason": "SDV done"},
    )
    assert frozen.status_code == 200
    before = _audit_count(world)
    response = api(who, method, _fill(url, ids), json=_fill(body, ids))
    assert response.status_code == 409, response.text
    assert response.json()["detail"] == [
        {
            "loc": ["subject"],
            "code": "locked",
            "msg": "the subject is frozen: no data may be written until it is unfrozen",
        }
    ]
    assert _audit_count(world) == before


@pytest.mark.parametrize("write", SUBJECT_WRITES + TRIAL_WRITES, ids=lambda w: f"{w[1]} {w[2]}")
def test_the_same_write_succeeds_when_unlocked_and_is_audited(api, world, ids, write):
    who, method, url, body = write
    before = _audit_count(world)
    response = api(who, method, _fill(url, ids), json=_fill(body, ids))
    assert response.status_code < 300, response.text
    with world.session() as s:
        new = s.scalars(select(AuditEntry).where(AuditEntry.seq > before)).all()
    assert new, "every write leaves at least one audit entry"
    assert {e.username for e in new} == {who}
    for e in new:
        if e.action != "insert":
            assert e.reason, f"{e.action} of {e.table_name}.{e.field} without a reason"


def test_unlock_needs_a_reason_and_then_writes_pass_again(api, ids):
    api("admin", "POST", "/api/trial/lock", json={"reason": "final analysis"})
    refused = api("admin", "POST", "/api/trial/unlock", json={})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["reason"]
    assert api("admin", "POST", "/api/trial/unlock", json={"reason": "late data"}).status_code == 200
    assert api("inv_a", "POST", f"/api/subjects/{ids['sid']}/doses", json=DOSE).status_code == 201


def test_frozen_subject_can_be_unfrozen_by_its_monitor(api, ids):
    sid = ids["sid"]
    version = api("mon_a", "GET", f"/api/subjects/{sid}").json()["version"]
    frozen = api(
        "mon_a",
        "POST",
        f"/api/subjects/{sid}/freeze",
        json={"frozen": True, "version": version, "reason": "SDV"},
    ).json()
    thawed = api(
        "mon_a",
        "POST",
        f"/api/subjects/{sid}/freeze",
        json={"frozen": False, "version": frozen["version"], "reason": "correction"},
    )
    assert thawed.status_code == 200 and thawed.json()["frozen"] is False
    assert api("inv_a", "POST", f"/api/subjects/{sid}/doses", json=DOSE).status_code == 201
