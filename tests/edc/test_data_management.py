"""Optimistic concurrency, idempotent creates, queries, signatures, freeze and lock (over HTTP)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from oncotrial.edc import AuditEntry, Dose

from .conftest import PASSWORD, enrolled_subject

DOSE = {"drug_code": "PD1", "cycle": 1, "dose_date": "2024-01-10", "dose": 200, "unit": "mg"}


@pytest.fixture
def sid(world):
    with world.session() as s:
        subject = enrolled_subject(s, world.user(s, "inv_a"))
        s.commit()
        return subject.id


def _count(world, model) -> int:
    with world.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_write_against_a_stale_version_is_409_and_changes_nothing(api, world, sid):
    dose = api("inv_a", "POST", f"/api/subjects/{sid}/doses", json=DOSE).json()
    first = api(
        "coord_a",
        "PATCH",
        f"/api/doses/{dose['id']}",
        json={"version": 1, "reason": "typo", "data": {**DOSE, "dose_date": "2024-01-11"}},
    )
    assert first.status_code == 200 and first.json()["version"] == 2
    audit_before = _count(world, AuditEntry)
    stale = api(
        "inv_a",
        "PATCH",
        f"/api/doses/{dose['id']}",
        json={"version": 1, "reason": "typo", "data": {**DOSE, "dose_date": "2024-01-12"}},
    )
    assert stale.status_code == 409
    assert stale.json()["detail"] == [
        {
            "loc": ["version"],
            "code": "stale_version",
            "msg": f"dose {dose['id']} is at version 2; it was changed after you read it: reload it and try again",
        }
    ]
    assert _count(world, AuditEntry) == audit_before
    assert api("inv_a", "GET", f"/api/subjects/{sid}/doses").json()[0]["dose_date"] == "2024-01-11"


def test_stale_delete_is_409(api, sid):
    dose = api("inv_a", "POST", f"/api/subjects/{sid}/doses", json=DOSE).json()
    api(
        "inv_a",
        "PATCH",
        f"/api/doses/{dose['id']}",
        json={"version": 1, "reason": "r", "data": {**DOSE, "dose_date": "2024-01-11"}},
    )
    response = api("inv_a", "DELETE", f"/api/doses/{dose['id']}?version=1&reason=wrong")
    assert response.status_code == 409
    assert len(api("inv_a", "GET", f"/api/subjects/{sid}/doses").json()) == 1


def test_concurrent_update_loses_at_the_database_not_only_in_the_check(world, sid):
    # Two sessions read version 1; the second UPDATE finds no row at version 1 (WHERE version = 1).
    from oncotrial.edc import Conflict, record_dose, update_dose
    from oncotrial.edc.services.forms import DoseIn

    with world.session() as s:
        dose = record_dose(s, world.user(s, "inv_a"), sid, DoseIn(**DOSE))
        s.commit()
    one, two = world.session(), world.session()
    # Both keep version 1 in memory; each read ends its transaction (SQLite cannot hold two at once).
    d1 = one.get(Dose, dose.id)
    one.commit()
    d2 = two.get(Dose, dose.id)
    two.commit()
    assert d1.version == d2.version == 1
    update_dose(
        one,
        world.user(one, "inv_a"),
        dose.id,
        DoseIn(**{**DOSE, "dose": 180, "adjustment_reason": "AE"}),
        expected_version=1,
        reason="r1",
    )
    one.commit()
    with pytest.raises(Conflict, match="changed by someone else"):
        update_dose(
            two,
            world.user(two, "coord_a"),
            dose.id,
            DoseIn(**{**DOSE, "dose_date": "2024-01-11"}),
            expected_version=1,
            reason="r2",
        )
    two.rollback()
    one.close(), two.close()
    with world.session() as s:
        assert (s.get(Dose, dose.id).dose, s.get(Dose, dose.id).version) == (180, 2)


def test_retried_create_with_the_same_key_creates_nothing_twice(api, world, sid):
    headers = {"Idempotency-Key": "dose-0001"}
    first = api("inv_a", "POST", f"/api/subjects/{sid}/doses", json=DOSE, headers=headers)
    retry = api("inv_a", "POST", f"/api/subjects/{sid}/doses", json=DOSE, headers=headers)
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.headers["Idempotent-Replay"] == "true"
    assert retry.json() == first.json()
    assert _count(world, Dose) == 1


def test_retried_screening_creates_one_subject(api, world):
    from .conftest import ELIGIBLE

    body = {
        "site_code": "101",
        "consent_date": "2024-02-01",
        "screening_date": "2024-02-02",
        "values": ELIGIBLE,
    }
    ids = {
        api("coord_a", "POST", "/api/subjects", json=body, headers={"Idempotency-Key": "k1"}).json()["id"]
        for _ in range(3)
    }
    assert len(ids) == 1
    assert len(api("coord_a", "GET", "/api/subjects").json()) == 1


def test_idempotency_key_reused_for_another_request_is_409(api, sid):
    headers = {"Idempotency-Key": "dose-0002"}
    api("inv_a", "POST", f"/api/subjects/{sid}/doses", json=DOSE, headers=headers)
    other = api(
        "inv_a",
        "POST",
        f"/api/subjects/{sid}/doses",
        json={**DOSE, "cycle": 2, "dose_date": "2024-01-31"},
        headers=headers,
    )
    assert other.status_code == 409
    assert other.json()["detail"][0]["code"] == "idempotency_key_reused"


def test_refused_create_with_a_key_can_be_retried_after_correction(api, sid):
    headers = {"Idempotency-Key": "dose-0003"}
    bad = api(
        "inv_a",
        "POST",
        f"/api/subjects/{sid}/doses",
        json={**DOSE, "dose_date": "2024-01-01"},
        headers=headers,
    )
    assert bad.status_code == 422
    good = api("inv_a", "POST", f"/api/subjects/{sid}/doses", json=DOSE, headers=headers)
    assert good.status_code == 201


def test_api_error_names_field_and_rule(api, sid):
    response = api("inv_a", "POST", f"/api/subjects/{sid}/doses", json={**DOSE, "cycle": 0, "dose": "lots"})
    assert response.status_code == 422
    assert [(p["loc"], p["code"]) for p in response.json()["detail"]] == [
        (["cycle"], "greater_than_equal"),
        (["dose"], "float_parsing"),
    ]


def test_query_opened_answered_and_closed(api, sid):
    dose = api("inv_a", "POST", f"/api/subjects/{sid}/doses", json=DOSE).json()
    query = api(
        "mon_a",
        "POST",
        "/api/queries",
        json={"record_table": "dose", "record_id": dose["id"], "field": "dose", "text": "Is 200 mg right?"},
    )
    assert query.status_code == 201, query.text
    q = query.json()
    assert (q["status"], q["origin"], q["field"]) == ("open", "monitor", "dose")
    closed_too_early = api("inv_a", "POST", f"/api/queries/{q['id']}/close", json={"version": q["version"]})
    assert closed_too_early.status_code == 403
    answered = api(
        "coord_a",
        "POST",
        f"/api/queries/{q['id']}/answer",
        json={"answer": "Yes, flat dose.", "version": q["version"]},
    ).json()
    assert answered["status"] == "answered"
    closed = api(
        "mon_a", "POST", f"/api/queries/{q['id']}/close", json={"version": answered["version"]}
    ).json()
    assert closed["status"] == "closed"
    again = api(
        "coord_a",
        "POST",
        f"/api/queries/{q['id']}/answer",
        json={"answer": "x", "version": closed["version"]},
    )
    assert again.status_code == 422
    assert again.json()["detail"][0]["msg"] == "a query that is closed cannot be answered; expected ['open']"


def test_query_on_an_unknown_field_is_refused(api, sid):
    dose = api("inv_a", "POST", f"/api/subjects/{sid}/doses", json=DOSE).json()
    response = api(
        "mon_a",
        "POST",
        "/api/queries",
        json={"record_table": "dose", "record_id": dose["id"], "field": "colour", "text": "?"},
    )
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["field"], "code": "unknown_field", "msg": "is not a field of dose"}
    ]


def _sign(api, sid, password=PASSWORD):
    return api(
        "inv_a",
        "POST",
        f"/api/subjects/{sid}/signatures",
        json={"password": password, "meaning": "I confirm the casebook is complete and accurate"},
    )


def test_signature_needs_the_password_and_records_its_meaning(api, sid):
    wrong = _sign(api, sid, "not my password")
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0] == {
        "loc": ["password"],
        "code": "bad_password",
        "msg": "does not match: re-enter your own password to sign",
    }
    signed = _sign(api, sid)
    assert signed.status_code == 201
    assert signed.json()["meaning"] == "I confirm the casebook is complete and accurate"
    assert signed.json()["valid"] is True


def test_signature_is_voided_by_an_edit_of_signed_data(api, sid):
    dose = api("inv_a", "POST", f"/api/subjects/{sid}/doses", json=DOSE).json()
    _sign(api, sid)
    api(
        "coord_a",
        "PATCH",
        f"/api/doses/{dose['id']}",
        json={"version": 1, "reason": "date", "data": {**DOSE, "dose_date": "2024-01-11"}},
    )
    [signature] = api("inv_a", "GET", f"/api/subjects/{sid}/signatures").json()
    assert signature["valid"] is False
    assert signature["void_reason"] == f"signed data changed: dose {dose['id']} dose_date"


def test_signature_is_voided_by_new_data_but_not_by_another_subject(api, world, sid):
    with world.session() as s:
        other = enrolled_subject(s, world.user(s, "inv_a")).id
        s.commit()
    _sign(api, sid)
    api("inv_a", "POST", f"/api/subjects/{other}/doses", json=DOSE)
    assert api("inv_a", "GET", f"/api/subjects/{sid}/signatures").json()[0]["valid"] is True
    api("inv_a", "POST", f"/api/subjects/{sid}/doses", json=DOSE)
    assert api("inv_a", "GET", f"/api/subjects/{sid}/signatures").json()[0]["valid"] is False


def test_audit_verify_endpoint_reports_a_clean_chain(api, sid):
    api("inv_a", "POST", f"/api/subjects/{sid}/doses", json=DOSE)
    report = api("admin", "GET", "/api/audit/verify").json()
    assert report["ok"] is True and report["breaks"] == [] and report["entries"] > 5
    assert report["state"] == []


def test_audit_verify_endpoint_reports_a_row_changed_outside_the_application(api, world, sid):
    dose = api("inv_a", "POST", f"/api/subjects/{sid}/doses", json=DOSE).json()
    with world.engine.begin() as conn:
        conn.execute(text("UPDATE dose SET dose = 2000 WHERE id = :i"), {"i": dose["id"]})
    report = api("admin", "GET", "/api/audit/verify").json()
    assert report["ok"] is False and report["breaks"] == []
    assert report["state"] == [
        {"table": "dose", "record_id": dose["id"], "kind": "changed outside",
         "detail": f"dose is 2000.0 in the table, {float(DOSE['dose'])} in the trail"}
    ]  # fmt: skip


def test_openapi_document_lists_the_routes(api):
    paths = api.client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/subjects",
        "/api/subjects/{subject_id}/doses",
        "/api/doses/{dose_id}",
        "/api/queries",
        "/api/trial/lock",
    ):
        assert path in paths


def test_openapi_document_describes_bodies_answers_and_errors(api):
    doc = api.client.get("/openapi.json").json()
    post = doc["paths"]["/api/subjects/{subject_id}/doses"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/DoseIn")
    assert post["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/DoseOut")
    for status in ("401", "403", "404", "409", "422"):
        assert post["responses"][status]["content"]["application/json"]["schema"]["$ref"].endswith(
            "/ErrorBody"
        )
    dose_out = doc["components"]["schemas"]["DoseOut"]["properties"]
    assert {"id", "version", "drug_code", "cycle", "dose_date"} <= set(dose_out)
    assert "password_hash" not in doc["components"]["schemas"]["UserOut"]["properties"]


def test_queries_do_not_void_a_signature(api, sid):
    dose = api("inv_a", "POST", f"/api/subjects/{sid}/doses", json=DOSE).json()
    _sign(api, sid)
    q = api(
        "mon_a",
        "POST",
        "/api/queries",
        json={"record_table": "dose", "record_id": dose["id"], "field": "dose", "text": "?"},
    ).json()
    answered = api(
        "coord_a", "POST", f"/api/queries/{q['id']}/answer", json={"answer": "ok", "version": q["version"]}
    ).json()
    api("mon_a", "POST", f"/api/queries/{q['id']}/close", json={"version": answered["version"]})
    assert api("inv_a", "GET", f"/api/subjects/{sid}/signatures").json()[0]["valid"] is True
