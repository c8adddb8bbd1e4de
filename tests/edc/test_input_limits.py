"""The API's input boundary: one regression test per defect of the security issue (item 2, 6, 7).

Each case answered 500, stalled the server or stored an impossible value before; each now
answers the same status, naming the same field, on SQLite and on PostgreSQL (every test here
runs on both through the ``api`` fixture).
"""

from __future__ import annotations

import json
import time

import pytest

from oncotrial.edc.http.limits import MAX_BODY_BYTES
from oncotrial.edc.services.forms import DB_INT_MAX, MAX_LESIONS, TEXT_MAX_LENGTH, max_length
from oncotrial.edc.store.models import AdverseEvent

from .conftest import ELIGIBLE, enrolled_subject

AE = {"term": "Anaemia", "grade": 2, "serious": False, "relatedness": {"NABP": "RELATED", "PD1": "NOT RELATED"},
      "start_date": "2024-01-20", "action_taken": "DOSE NOT CHANGED"}  # fmt: skip
SCREENING = {
    "site_code": "101",
    "consent_date": "2024-02-01",
    "screening_date": "2024-02-02",
    "values": ELIGIBLE,
}
TARGET = {"lesion": {"code": "T01", "category": "TARGET", "location": "LIVER"}, "diameter_mm": 40}


@pytest.fixture
def subject(world, api) -> int:
    """An enrolled subject of site 101 (consent 2024-01-02, enrolled 2024-01-10, aged 52)."""
    with world.session() as s:
        sid = enrolled_subject(s, world.user(s, "inv_a")).id
        s.commit()
    return sid


def _problem(response, status: int) -> dict:
    """The one problem of an error answer, after checking the status and the documented shape."""
    assert response.status_code == status, response.text[:500]
    body = response.json()
    assert set(body) == {"detail"}
    for problem in body["detail"]:
        assert set(problem) == {"loc", "code", "msg"}, problem
    return body["detail"][0]


# --- item 2: dates plausible where entered ------------------------------------------------


def test_an_adverse_event_dated_2263_is_refused_naming_its_start_date(api, subject):
    # Before: stored (201); the dashboard then said "no analysis yet" for the whole trial.
    response = api(
        "inv_a", "POST", f"/api/subjects/{subject}/adverse-events", {**AE, "start_date": "2263-01-01"}
    )
    problem = _problem(response, 422)
    assert (problem["loc"], problem["code"]) == (["start_date"], "date_in_future")
    assert "2263-01-01 is in the future" in problem["msg"]
    assert api("inv_a", "GET", f"/api/subjects/{subject}/adverse-events").json() == []


def test_a_consent_dated_1850_is_refused(api):
    response = api("inv_a", "POST", "/api/subjects", {**SCREENING, "consent_date": "1850-01-01"})
    problem = _problem(response, 422)
    assert (problem["loc"], problem["code"]) == (["consent_date"], "date_too_early")


def test_a_consent_before_the_trials_start_is_refused(api):
    response = api("inv_a", "POST", "/api/subjects", {**SCREENING, "consent_date": "2022-12-31"})
    problem = _problem(response, 422)
    assert (problem["loc"], problem["code"]) == (["consent_date"], "before_trial_start")
    assert "identity.start_date" in problem["msg"]


def test_a_scan_before_the_subjects_birth_is_refused(api, subject):
    # Aged 52 at consent on 2024-01-02: born in 1971 or 1972.
    body = {"visit_number": 1, "visit": "BASELINE", "assessment_date": "1960-03-01", "measurements": [TARGET]}
    problem = _problem(api("inv_a", "POST", f"/api/subjects/{subject}/tumour-assessments", body), 422)
    assert (problem["loc"], problem["code"]) == (["assessment_date"], "before_birth")


# --- item 6: sizes and ranges --------------------------------------------------------------


@pytest.mark.parametrize("ident", [2**31, 2**63, 0])
@pytest.mark.parametrize(
    ("method", "url", "name"),
    [
        ("GET", "/api/subjects/{}", "subject_id"),
        ("GET", "/api/subjects/{}/doses", "subject_id"),
        ("DELETE", "/api/doses/{}?version=1", "dose_id"),
        ("POST", "/api/queries/{}/close", "query_id"),
    ],
)
def test_a_path_id_outside_the_database_integer_range_answers_422(api, method, url, name, ident):
    # Before: 500 on PostgreSQL from 2**31 (INTEGER is 4 bytes), on SQLite from 2**63.
    body = {"version": 1} if method == "POST" else None
    problem = _problem(api("admin", method, url.format(ident), body), 422)
    assert problem["loc"] == ["path", name]


def test_a_body_id_or_version_outside_the_integer_range_answers_422(api, subject):
    query = {"record_table": "subject", "record_id": 2**31, "field": "consent_date", "text": "?"}
    assert _problem(api("mon_a", "POST", "/api/queries", query), 422)["loc"] == ["record_id"]
    freeze = {"frozen": True, "version": DB_INT_MAX + 1}
    assert _problem(api("mon_a", "POST", f"/api/subjects/{subject}/freeze", freeze), 422)["loc"] == [
        "version"
    ]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({**AE, "term": "Anae\x00mia"}, ["term"]),
        ({**AE, "outcome": "\x00"}, ["outcome"]),
        ({**AE, "relatedness": {"NABP\x00": "RELATED", "PD1": "NOT RELATED"}}, ["relatedness"]),
    ],
)
def test_a_nul_character_is_refused_on_both_databases(api, subject, body, loc):
    # Before: 500 on PostgreSQL (text cannot hold NUL) and stored by SQLite.
    problem = _problem(api("inv_a", "POST", f"/api/subjects/{subject}/adverse-events", body), 422)
    assert (problem["loc"], problem["code"]) == (loc, "nul_character")


def test_a_nul_character_in_a_screening_value_or_a_query_parameter_is_refused(api, subject):
    values = {**ELIGIBLE, "disease_status": "recurrent\x00"}
    problem = _problem(api("inv_a", "POST", "/api/subjects", {**SCREENING, "values": values}), 422)
    assert (problem["loc"], problem["code"]) == (["values"], "nul_character")
    assert "['disease_status']" in problem["msg"]
    dose = {"drug_code": "PD1", "cycle": 1, "dose_date": "2024-01-11", "dose": 200, "unit": "mg"}
    did = api("inv_a", "POST", f"/api/subjects/{subject}/doses", dose).json()["id"]
    response = api("inv_a", "DELETE", f"/api/doses/{did}?version=1&reason=typo%00")
    assert _problem(response, 422)["loc"] == ["query", "reason"]


def test_text_longer_than_its_column_is_refused_on_both_databases(api, subject):
    # Before: PostgreSQL answered 500 (value too long for varchar(200)); SQLite stored it.
    limit = max_length(AdverseEvent, "term")
    long_term = {**AE, "term": "x" * (limit + 1)}
    problem = _problem(api("inv_a", "POST", f"/api/subjects/{subject}/adverse-events", long_term), 422)
    assert (problem["loc"], problem["code"]) == (["term"], "string_too_long")
    ok = api("inv_a", "POST", f"/api/subjects/{subject}/adverse-events", {**AE, "term": "x" * limit})
    assert ok.status_code == 201, ok.text
    query = {"record_table": "subject", "record_id": subject, "field": "consent_date"}
    long_text = {**query, "text": "y" * (TEXT_MAX_LENGTH + 1)}
    problem = _problem(api("mon_a", "POST", "/api/queries", long_text), 422)
    assert (problem["loc"], problem["code"]) == (["text"], "string_too_long")


def test_a_ten_megabyte_term_is_refused_before_it_is_read(api, subject):
    # Before: accepted and stored (SQLite), the whole 10 MB copied into the audit trail.
    body = {**AE, "term": "x" * 10_000_000}
    problem = _problem(api("inv_a", "POST", f"/api/subjects/{subject}/adverse-events", body), 413)
    assert (problem["loc"], problem["code"]) == (["body"], "too_large")
    assert str(MAX_BODY_BYTES) in problem["msg"]


def test_a_13_megabyte_body_of_unknown_keys_answers_413_at_once(api, subject):
    # Before: parsed and checked key by key, the server froze for 23 s.
    body = b"{" + b'"key": 12345678, ' * 800_000 + b'"end": 0}'
    assert len(body) > 13_000_000
    started = time.perf_counter()
    response = api.client.post(
        f"/api/subjects/{subject}/adverse-events",
        content=body,
        headers={"Authorization": f"Bearer {api.tokens['inv_a']}", "Content-Type": "application/json"},
    )
    assert _problem(response, 413)["loc"] == ["body"]
    assert time.perf_counter() - started < 2.0


def test_a_body_without_a_length_is_cut_off_at_the_limit(api, subject):
    def chunks():
        for _ in range(40):
            yield b" " * 16_384  # 640 KiB in all, more than the limit, sent chunked

    response = api.client.post(
        f"/api/subjects/{subject}/adverse-events",
        content=chunks(),
        headers={"Authorization": f"Bearer {api.tokens['inv_a']}", "Content-Type": "application/json"},
    )
    assert _problem(response, 413)["code"] == "too_large"


def test_a_body_of_unknown_keys_under_the_limit_is_refused_quickly(api, subject):
    keys = {f"k{i}": 0 for i in range(MAX_BODY_BYTES // 13)}
    body = json.dumps({**AE, **keys}).encode()
    assert len(body) < MAX_BODY_BYTES
    started = time.perf_counter()
    response = api.client.post(
        f"/api/subjects/{subject}/adverse-events",
        content=body,
        headers={"Authorization": f"Bearer {api.tokens['inv_a']}", "Content-Type": "application/json"},
    )
    problem = _problem(response, 422)
    assert problem["code"] == "extra_forbidden"
    assert time.perf_counter() - started < 5.0


def test_3000_lesions_in_one_assessment_are_refused(api, subject):
    # Before: accepted, one write and audit entry each, other sites' writes waited 10 s.
    rows = [
        {"lesion": {"code": str(i), "category": "NON-TARGET", "location": "LUNG"}, "state": "PRESENT"}
        for i in range(3000)
    ]
    body = {
        "visit_number": 1,
        "visit": "BASELINE",
        "assessment_date": "2024-01-08",
        "measurements": [TARGET, *rows],
    }
    content = json.dumps(body, separators=(",", ":")).encode()
    assert len(content) < MAX_BODY_BYTES  # under the body limit: the list's own cap refuses it
    response = api.client.post(
        f"/api/subjects/{subject}/tumour-assessments",
        content=content,
        headers={"Authorization": f"Bearer {api.tokens['inv_a']}", "Content-Type": "application/json"},
    )
    problem = _problem(response, 422)
    assert (problem["loc"], problem["code"]) == (["measurements"], "too_long")
    assert f"at most {MAX_LESIONS}" in problem["msg"]
    assert api("inv_a", "GET", f"/api/subjects/{subject}/tumour-assessments").json() == []


def test_a_dose_of_1e_300_mg_is_refused(api, subject):
    dose = {"drug_code": "PD1", "cycle": 1, "dose_date": "2024-01-11", "dose": 1e-300, "unit": "mg",
            "adjustment_reason": "infusion reaction"}  # fmt: skip
    problem = _problem(api("inv_a", "POST", f"/api/subjects/{subject}/doses", dose), 422)
    assert (problem["loc"], problem["code"]) == (["dose"], "implausible_dose")
    assert "regimen.min_dose_fraction" in problem["msg"]
    partial = {**dose, "dose": 20}  # an infusion stopped early: a real dose, stored with its reason
    assert api("inv_a", "POST", f"/api/subjects/{subject}/doses", partial).status_code == 201


@pytest.mark.parametrize(("drug", "amount", "unit"), [("PD1", 200, "mg"), ("NABP", 260, "mg/m2")])
def test_cycle_500_right_after_cycle_1_is_refused(api, subject, drug, amount, unit):
    first = {"drug_code": drug, "cycle": 1, "dose_date": "2024-01-11", "dose": amount, "unit": unit}
    assert api("inv_a", "POST", f"/api/subjects/{subject}/doses", first).status_code == 201
    later = {**first, "cycle": 500, "dose_date": "2024-02-01"}
    problems = api("inv_a", "POST", f"/api/subjects/{subject}/doses", later).json()["detail"]
    assert [(p["loc"], p["code"]) for p in problems] == [(["cycle"], "max_cycles")]
    gap = {**first, "cycle": 4, "dose_date": "2024-02-01"}  # cycles 2 and 3 cannot fit in 3 weeks
    problem = _problem(api("inv_a", "POST", f"/api/subjects/{subject}/doses", gap), 422)
    assert (problem["loc"], problem["code"]) == (["cycle"], "cycle_gap")
    later_entry = {**first, "cycle": 3, "dose_date": "2024-02-22"}  # cycle 2 not entered yet: allowed
    assert api("inv_a", "POST", f"/api/subjects/{subject}/doses", later_entry).status_code == 201


def test_a_number_that_is_not_finite_is_refused(api, subject):
    body = '{"drug_code": "PD1", "cycle": 1, "dose_date": "2024-01-11", "dose": NaN, "unit": "mg"}'
    response = api.client.post(
        f"/api/subjects/{subject}/doses",
        content=body,
        headers={"Authorization": f"Bearer {api.tokens['inv_a']}", "Content-Type": "application/json"},
    )
    assert _problem(response, 422)["loc"] == ["dose"]
    values = {**ELIGIBLE, "anc_10e9_l": "nan"}
    problem = _problem(api("inv_a", "POST", "/api/subjects", {**SCREENING, "values": values}), 422)
    assert problem["loc"] == ["values", "anc_10e9_l"]


def test_a_schedule_day_beyond_the_calendar_answers_422(api, subject):
    problem = _problem(api("inv_a", "GET", f"/api/subjects/{subject}/schedule?today=9999-12-31"), 422)
    assert problem["loc"] == ["query", "today"]


# --- item 7: the API's own schema ------------------------------------------------------------


def test_timestamps_carry_their_time_zone_on_both_databases(api, subject):
    # Before: SQLite answered "2024-...T10:00:00.123456", which is no RFC 3339 date-time.
    me = api("inv_a", "GET", "/api/me").json()
    assert me["created_at"].endswith(("Z", "+00:00")), me["created_at"]
    query = {"record_table": "subject", "record_id": subject, "field": "consent_date", "text": "check"}
    opened = api("mon_a", "POST", "/api/queries", query).json()
    assert opened["opened_at"].endswith(("Z", "+00:00")), opened["opened_at"]
    audit = api("inv_a", "GET", f"/api/subjects/{subject}/audit").json()
    assert all(entry["at"].endswith(("Z", "+00:00")) for entry in audit)


def test_an_unknown_route_answers_the_documented_error_body(api):
    problem = _problem(api("inv_a", "GET", "/api/no-such-thing"), 404)
    assert (problem["loc"], problem["code"]) == (["path"], "not_found")


@pytest.mark.parametrize(
    ("method", "url", "allow"),
    [
        ("PUT", "/api/subjects", "GET, POST"),
        ("OPTIONS", "/api/doses/1", "PATCH, DELETE"),
        ("DELETE", "/api/subjects/1/adverse-events", "GET, POST"),
    ],
)
def test_a_method_a_path_does_not_take_answers_405_with_every_allowed_method(api, method, url, allow):
    # Before: {"detail": "Method Not Allowed"} and an Allow header naming only the first route.
    response = api("inv_a", method, url)
    problem = _problem(response, 405)
    assert (problem["loc"], problem["code"]) == (["method"], "method_not_allowed")
    assert response.headers["allow"] == allow


def test_a_body_that_is_not_utf8_answers_422_not_400(api, subject):
    # Before: 400 {"detail": "There was an error parsing the body"}, undocumented.
    response = api.client.post(
        f"/api/subjects/{subject}/doses",
        content=b"\xff\xfe\x00",
        headers={"Authorization": f"Bearer {api.tokens['inv_a']}", "Content-Type": "application/json"},
    )
    problem = _problem(response, 422)
    assert problem["loc"] == ["body"]


def test_the_openapi_document_declares_the_limits(api):
    schema = api.client.get("/openapi.json").json()
    params = {
        p["name"]: p["schema"] for p in schema["paths"]["/api/subjects/{subject_id}"]["get"]["parameters"]
    }
    assert (params["subject_id"]["minimum"], params["subject_id"]["maximum"]) == (1, DB_INT_MAX)
    term = schema["components"]["schemas"]["AdverseEventIn"]["properties"]["term"]
    assert term["maxLength"] == max_length(AdverseEvent, "term") and term["pattern"] == "^[^\\x00]*$"
    assessment = schema["components"]["schemas"]["TumourAssessmentIn"]["properties"]["measurements"]
    assert assessment["maxItems"] == MAX_LESIONS
    created = schema["components"]["schemas"]["QueryOut"]["properties"]["opened_at"]
    assert created["format"] == "date-time"
    assert "413" in schema["paths"]["/api/subjects"]["post"]["responses"]


def test_a_nul_in_a_sign_in_or_an_account_route_answers_422(api):
    """Before: a NUL in the sign-in's user name answered 401 on SQLite and 422 (the backstop) on
    PostgreSQL; one in an account route's user name 404 and 422. Now 422 naming the field on both."""
    answer = api("", "POST", "/api/auth/login", json={"username": "a\x00", "password": "x"})
    assert answer.status_code == 422
    assert [(d["loc"], d["code"]) for d in answer.json()["detail"]] == [(["username"], "nul_character")]
    answer = api("admin", "POST", "/api/users/nobody%00/unlock", json={"reason": "r"})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["path", "username"]
    long = "u" * 65
    assert api("admin", "POST", f"/api/users/{long}/unlock", json={"reason": "r"}).status_code == 422
