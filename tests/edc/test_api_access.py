"""Site isolation and roles over HTTP: every role x endpoint, on a subject of site 101.

Expected answers: site-scoped users of site 102 get 404 for site 101's subject (its
existence is not revealed) when their role could otherwise act, 403 when their role
may not act at all.
"""

from __future__ import annotations

import datetime as dt

import pytest

from oncotrial.edc import record_dose

from .conftest import ELIGIBLE, PASSWORD, ROLE_USERS, enrolled_subject

OK = "ok"
ROLES = list(ROLE_USERS)

# Which users may act, per kind of action (the table in oncotrial.edc.services.access).
READERS = {"admin", "stat", "inv_a", "coord_a", "mon_a"}
ENTERERS = {"inv_a", "coord_a"}
MONITORS = {"mon_a"}
SIGNERS = {"inv_a"}
FREEZERS = {"mon_a", "admin"}
ADMINS = {"admin"}
# Users whose role could act, but not at site 101: they must get 404.
HIDDEN = {"read": {"inv_b", "coord_b", "mon_b"}, "enter": {"inv_b", "coord_b"}, "query": {"mon_b"},
          "answer": {"inv_b", "coord_b"}, "sign": {"inv_b"}, "freeze": {"mon_b"}, "admin": set(),
          "export": set(), "verify": {"mon_b"}}  # fmt: skip
ALLOWED = {
    "read": READERS,
    "enter": ENTERERS,
    "query": MONITORS,
    "answer": ENTERERS,
    "sign": SIGNERS,
    "export": {"admin", "stat"},
    "freeze": FREEZERS,
    "admin": ADMINS,
    "verify": MONITORS,
}

DOSE = {"drug_code": "PD1", "cycle": 2, "dose_date": "2024-01-31", "dose": 200, "unit": "mg"}
AE = {"term": "Anaemia", "grade": 2, "serious": False, "relatedness": {"NABP": "RELATED", "PD1": "NOT RELATED"},
      "start_date": "2024-01-20", "action_taken": "DOSE NOT CHANGED"}  # fmt: skip

TARGET = {"lesion": {"code": "T01", "category": "TARGET", "location": "LIVER"}, "diameter_mm": 40}
THERAPY = {"category": "CONCOMITANT", "name": "ondansetron", "start_date": "2024-01-10"}
EOT = {"end_date": "2024-03-01", "reason_code": "PROGRESSIVE_DISEASE"}
CONTACT = {"contact_date": "2024-02-15", "status": "ALIVE"}
DEATH = {"death_date": "2024-04-01", "cause": ""}

ENDPOINTS = {
    "read subject": ("read", "GET", "/api/subjects/{sid}", None),
    "list doses": ("read", "GET", "/api/subjects/{sid}/doses", None),
    "list adverse events": ("read", "GET", "/api/subjects/{sid}/adverse-events", None),
    "list queries": ("read", "GET", "/api/subjects/{sid}/queries", None),
    "list signatures": ("read", "GET", "/api/subjects/{sid}/signatures", None),
    "read eligibility": ("read", "GET", "/api/subjects/{sid}/eligibility", None),
    "read audit trail": ("read", "GET", "/api/subjects/{sid}/audit", None),
    "list tumour assessments": ("read", "GET", "/api/subjects/{sid}/tumour-assessments", None),
    "screen subject": (
        "enter",
        "POST",
        "/api/subjects",
        {"site_code": "101", "consent_date": "2024-02-01", "screening_date": "2024-02-02", "values": ELIGIBLE},
    ),
    "record dose": ("enter", "POST", "/api/subjects/{sid}/doses", DOSE),
    "correct dose": ("enter", "PATCH", "/api/doses/{did}", {"version": 1, "reason": "typo", "data": {**DOSE, "cycle": 1, "dose_date": "2024-01-11"}}),
    "delete dose": ("enter", "DELETE", "/api/doses/{did}?version=1&reason=wrong%20subject", None),
    "record adverse event": ("enter", "POST", "/api/subjects/{sid}/adverse-events", AE),
    "record therapy": ("enter", "POST", "/api/subjects/{sid}/therapies", {"category": "CONCOMITANT", "name": "ondansetron", "start_date": "2024-01-10"}),
    "record end of treatment": ("enter", "POST", "/api/subjects/{sid}/end-of-treatment", {"end_date": "2024-03-01", "reason_code": "PROGRESSIVE_DISEASE"}),
    "record survival contact": ("enter", "POST", "/api/subjects/{sid}/survival-contacts", {"contact_date": "2024-03-01", "status": "ALIVE"}),
    "record death": ("enter", "POST", "/api/subjects/{sid}/death", {"death_date": "2024-03-01"}),
    "open query": ("query", "POST", "/api/queries", {"record_table": "dose", "record_id": "{did}", "field": "dose", "text": "please check"}),
    "sign casebook": ("sign", "POST", "/api/subjects/{sid}/signatures", {"password": PASSWORD, "meaning": "I approve this casebook"}),
    "freeze subject": ("freeze", "POST", "/api/subjects/{sid}/freeze", {"frozen": True, "version": 2, "reason": "review"}),
    "lock database": ("admin", "POST", "/api/trial/lock", {"reason": "final analysis"}),
    "verify audit": ("admin", "GET", "/api/audit/verify", None),
    "create site": ("admin", "POST", "/api/sites", {"code": "103", "name": "Site C"}),
    "create user": ("admin", "POST", "/api/users", {"username": "new", "full_name": "New", "role": "statistician", "password": PASSWORD}),
    "unlock database": ("admin", "POST", "/api/trial/unlock", {"reason": "late data"}),
    "export SDTM domain": ("export", "GET", "/api/export/sdtm/dm.csv", None),
    "change screening": ("enter", "PATCH", "/api/subjects/{scr}/screening", {"values": {"ecog": 0}, "version": 1, "reason": "lab repeated"}),
    "enroll subject": ("enter", "POST", "/api/subjects/{scr}/enroll", {"enrollment_date": "2024-03-05", "version": 1}),
    "record tumour assessment": ("enter", "POST", "/api/subjects/{sid}/tumour-assessments", {"visit_number": 1, "visit": "BASELINE", "assessment_date": "2024-01-08", "measurements": [TARGET]}),
    "correct measurement": ("enter", "PATCH", "/api/lesion-measurements/{mid}", {"version": 1, "reason": "misread", "diameter_mm": 41}),
    "correct investigator response": ("enter", "PATCH", "/api/tumour-assessments/{aid}", {"version": 1, "reason": "typo", "investigator_response": None}),
    "correct adverse event": ("enter", "PATCH", "/api/adverse-events/{aeid}", {"version": 1, "reason": "r", "data": {**AE, "grade": 3}}),
    "delete adverse event": ("enter", "DELETE", "/api/adverse-events/{aeid}?version=1&reason=duplicate", None),
    "correct therapy": ("enter", "PATCH", "/api/therapies/{thid}", {"version": 1, "reason": "r", "data": THERAPY | {"name": "granisetron"}}),
    "correct end of treatment": ("enter", "PATCH", "/api/end-of-treatment/{eotid}", {"version": 1, "reason": "r", "data": EOT | {"reason_code": "WITHDRAWAL"}}),
    "correct survival contact": ("enter", "PATCH", "/api/survival-contacts/{scid}", {"version": 1, "reason": "r", "data": CONTACT | {"contact_date": "2024-02-16"}}),
    "correct death": ("enter", "PATCH", "/api/death/{deid}", {"version": 1, "reason": "r", "data": DEATH | {"cause": "disease progression"}}),
    "list therapies": ("read", "GET", "/api/subjects/{oid}/therapies", None),
    "list end of treatment": ("read", "GET", "/api/subjects/{oid}/end-of-treatment", None),
    "list survival contacts": ("read", "GET", "/api/subjects/{oid}/survival-contacts", None),
    "list death": ("read", "GET", "/api/subjects/{oid}/death", None),
    "answer query": ("answer", "POST", "/api/queries/{qid}/answer", {"answer": "checked at source", "version": 1}),
    "close query": ("query", "POST", "/api/queries/{qid}/close", {"version": 1}),
    "verify source data": ("verify", "POST", "/api/source-verifications", {"record_table": "dose", "record_id": "{did}"}),
    "list source verifications": ("read", "GET", "/api/subjects/{sid}/source-verifications", None),
    "read visit schedule": ("read", "GET", "/api/subjects/{sid}/schedule?today=2024-02-01", None),
}  # fmt: skip


@pytest.fixture
def site_a_subject(world):
    """Ids at site 101: a subject with a dose; another with every other form; one in screening."""
    from oncotrial.edc import create_record, open_query, record_assessment, screen_subject
    from oncotrial.edc.services.forms import (
        AdverseEventIn,
        DeathIn,
        DoseIn,
        EndOfTreatmentIn,
        QueryIn,
        ScreeningIn,
        SurvivalContactIn,
        TherapyIn,
        TumourAssessmentIn,
    )
    from oncotrial.edc.store.models import LesionMeasurement

    with world.session() as s:
        inv = world.user(s, "inv_a")
        subject = enrolled_subject(s, inv)
        dose = record_dose(
            s, inv, subject.id, DoseIn(**{**DOSE, "cycle": 1, "dose_date": dt.date(2024, 1, 10)})
        )
        other = enrolled_subject(s, inv)
        ids = {"sid": subject.id, "did": dose.id, "oid": other.id}
        ids["aeid"] = create_record(s, inv, "adverse-events", other.id, AdverseEventIn.model_validate(AE)).id
        ids["thid"] = create_record(s, inv, "therapies", other.id, TherapyIn.model_validate(THERAPY)).id
        ids["eotid"] = create_record(
            s, inv, "end-of-treatment", other.id, EndOfTreatmentIn.model_validate(EOT)
        ).id
        ids["scid"] = create_record(
            s, inv, "survival-contacts", other.id, SurvivalContactIn.model_validate(CONTACT)
        ).id
        ids["deid"] = create_record(s, inv, "death", other.id, DeathIn.model_validate(DEATH)).id
        baseline = TumourAssessmentIn.model_validate(
            {
                "visit_number": 1,
                "visit": "BASELINE",
                "assessment_date": "2024-01-08",
                "measurements": [TARGET],
            }
        )
        ids["aid"] = record_assessment(s, inv, other.id, baseline).id
        ids["mid"] = s.query(LesionMeasurement.id).filter_by(assessment_id=ids["aid"]).scalar()
        query = QueryIn(record_table="dose", record_id=dose.id, field="dose", text="?")
        ids["qid"] = open_query(s, world.user(s, "mon_a"), query).id
        screening = ScreeningIn(
            site_code="101",
            consent_date=dt.date(2024, 3, 1),
            screening_date=dt.date(2024, 3, 2),
            values=ELIGIBLE,
        )
        ids["scr"] = screen_subject(s, inv, screening).id
        s.commit()
        return ids


def _fill(value, ids):
    if isinstance(value, str):
        text = value.format(**ids)
        return int(text) if value.startswith("{") and value.endswith("}") else text
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_role_and_site_decide_access(api, site_a_subject, endpoint, who):
    kind, method, url, body = ENDPOINTS[endpoint]
    response = api(who, method, _fill(url, site_a_subject), json=_fill(body, site_a_subject))
    if who in ALLOWED[kind]:
        assert response.status_code < 300, response.text
    elif who in HIDDEN[kind]:
        assert response.status_code == 404, response.text
        assert response.json()["detail"][0]["code"] == "not_found"
    else:
        assert response.status_code == 403, response.text
        [problem] = response.json()["detail"]
        assert problem["loc"] == ["role"] and problem["code"] == "forbidden"
        assert problem["msg"].startswith(f"role {ROLE_USERS[who][0]} may not ")


@pytest.mark.parametrize("who", ROLES)
def test_subject_list_shows_only_own_sites(api, world, site_a_subject, who):
    with world.session() as s:
        enrolled_subject(s, world.user(s, "inv_b"), "102")
        s.commit()
    sites = sorted({row["site_code"] for row in api(who, "GET", "/api/subjects").json()})
    expected = ["101", "102"] if who in ("admin", "stat") else ROLE_USERS[who][1]
    assert sites == expected


def test_screening_change_after_enrollment_is_refused(api, site_a_subject):
    sid = site_a_subject["sid"]
    response = api(
        "inv_a",
        "PATCH",
        f"/api/subjects/{sid}/screening",
        json={"values": {"ecog": 0}, "version": 2, "reason": "x"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["code"] == "enrolled"


def test_request_without_token_is_401(api):
    response = api("", "GET", "/api/subjects")
    assert response.status_code == 401
    assert response.json()["detail"] == [
        {"loc": ["credentials"], "code": "not_authenticated", "msg": "sign in or give a valid API token"}
    ]


def test_login_issues_a_token_and_logout_revokes_it(api):
    response = api.client.post("/api/auth/login", json={"username": "coord_a", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/api/me", headers=headers).json()["username"] == "coord_a"
    assert api.client.post("/api/auth/logout", headers=headers).status_code == 204
    assert api.client.get("/api/me", headers=headers).status_code == 401


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(api):
    for username in ("coord_a", "nobody"):
        response = api.client.post("/api/auth/login", json={"username": username, "password": "nope"})
        assert response.status_code == 401
        assert response.json()["detail"][0]["msg"] == "wrong username or password"
