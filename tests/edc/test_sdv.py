"""Source-data verification: monitors of the site mark a form; a later change clears the mark."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from oncotrial.edc import (
    AuditEntry,
    Conflict,
    Forbidden,
    LesionMeasurement,
    NotFound,
    SourceVerification,
    delete_dose,
    freeze_subject,
    record_assessment,
    record_dose,
    sign_casebook,
    signatures,
    source_verifications,
    update_dose,
    update_measurement,
    verify_source,
)
from oncotrial.edc.services.forms import DoseIn, SignIn
from oncotrial.errors import OncotrialError

from .conftest import ENROLLED, PASSWORD, enrolled_subject
from .test_tumour import BASELINE, visit

PD1 = {"drug_code": "PD1", "cycle": 1, "dose_date": ENROLLED, "dose": 200, "unit": "mg"}


@pytest.fixture
def ctx(world):
    s = world.session()
    coord = world.user(s, "coord_a")
    subject = enrolled_subject(s, coord)
    dose = record_dose(s, coord, subject.id, DoseIn(**PD1))
    s.commit()
    yield s, world, subject, dose
    s.close()


def _audit(s, table):
    return list(
        s.execute(select(AuditEntry).where(AuditEntry.table_name == table).order_by(AuditEntry.seq)).scalars()
    )


def test_a_monitor_marks_a_dose_verified_with_who_and_when_and_an_audit_entry(ctx):
    s, world, subject, dose = ctx
    monitor = world.user(s, "mon_a")
    mark = verify_source(s, monitor, "dose", dose.id)
    s.commit()
    assert (mark.verified_by, mark.record_table, mark.record_id) == (monitor.id, "dose", dose.id)
    assert (dt.datetime.now(dt.UTC) - mark.verified_at.replace(tzinfo=dt.UTC)).total_seconds() < 60
    assert set(source_verifications(s, world.user(s, "coord_a"), subject.id)) == {("dose", dose.id)}
    (entry,) = _audit(s, "source_verification")
    assert (entry.action, entry.username, entry.record_id, entry.subject_id) == (
        "insert",
        "mon_a",
        mark.id,
        subject.id,
    )


def test_a_later_change_of_the_record_clears_the_mark_and_the_trail_says_why(ctx):
    s, world, subject, dose = ctx
    verify_source(s, world.user(s, "mon_a"), "dose", dose.id)
    s.commit()
    update_dose(
        s,
        world.user(s, "coord_a"),
        dose.id,
        DoseIn(**{**PD1, "dose_date": ENROLLED + dt.timedelta(days=1)}),
        expected_version=dose.version,
        reason="transcription error",
    )
    s.commit()
    assert source_verifications(s, world.user(s, "mon_a"), subject.id) == {}
    entries = _audit(s, "source_verification")
    assert [e.action for e in entries] == ["insert", "delete"]
    assert (entries[1].username, entries[1].reason) == (
        "coord_a",
        f"source-data verification cleared: dose {dose.id} changed",
    )


def test_deleting_a_verified_record_deletes_its_mark(ctx):
    s, world, _, dose = ctx
    verify_source(s, world.user(s, "mon_a"), "dose", dose.id)
    delete_dose(
        s, world.user(s, "coord_a"), dose.id, expected_version=dose.version, reason="entered in error"
    )
    s.commit()
    assert s.execute(select(SourceVerification)).scalars().all() == []
    assert [e.action for e in _audit(s, "source_verification")] == ["insert", "delete"]


def test_correcting_a_measurement_clears_the_mark_of_its_tumour_assessment(ctx):
    s, world, subject, _ = ctx
    inv = world.user(s, "inv_a")
    base = record_assessment(s, inv, subject.id, visit(1, dt.date(2024, 1, 8), BASELINE))
    verify_source(s, world.user(s, "mon_a"), "tumour_assessment", base.id)
    s.commit()
    m = (
        s.execute(select(LesionMeasurement).where(LesionMeasurement.assessment_id == base.id))
        .scalars()
        .first()
    )
    update_measurement(
        s, inv, m.id, diameter_mm=41, state=None, not_done=False, expected_version=m.version, reason="re-read"
    )
    s.commit()
    assert source_verifications(s, inv, subject.id) == {}


@pytest.mark.parametrize("who", ["coord_a", "inv_a", "admin", "stat"])
def test_only_monitors_may_mark(ctx, who):
    s, world, _, dose = ctx
    with pytest.raises(Forbidden, match="mark records source-data verified"):
        verify_source(s, world.user(s, who), "dose", dose.id)


def test_a_monitor_of_another_site_does_not_find_the_record(ctx):
    s, world, _, dose = ctx
    with pytest.raises(NotFound):
        verify_source(s, world.user(s, "mon_b"), "dose", dose.id)


def test_a_second_mark_of_the_same_record_is_a_conflict(ctx):
    s, world, _, dose = ctx
    verify_source(s, world.user(s, "mon_a"), "dose", dose.id)
    with pytest.raises(Conflict, match=f"dose {dose.id} is already source-data verified") as err:
        verify_source(s, world.user(s, "mon_a"), "dose", dose.id)
    assert err.value.problems[0].code == "already_verified"


def test_a_table_that_is_not_a_form_is_refused_by_name(ctx):
    s, world, subject, _ = ctx
    with pytest.raises(
        OncotrialError, match="not a form that can be source-data verified; one of adverse_event, death"
    ):
        verify_source(s, world.user(s, "mon_a"), "subject", subject.id)


def test_marking_does_not_void_the_signature_but_a_change_does(ctx):
    s, world, subject, dose = ctx
    inv = world.user(s, "inv_a")
    sign_casebook(s, inv, subject.id, SignIn(password=PASSWORD, meaning="I approve"))
    verify_source(s, world.user(s, "mon_a"), "dose", dose.id)
    s.commit()
    assert [sig.valid for sig in signatures(s, inv, subject.id)] == [True]
    update_dose(
        s,
        inv,
        dose.id,
        DoseIn(**{**PD1, "dose": 190, "adjustment_reason": "weight"}),
        expected_version=dose.version,
        reason="corrected",
    )
    s.commit()
    assert [sig.valid for sig in signatures(s, inv, subject.id)] == [False]


def test_marking_a_frozen_subjects_record_is_refused(ctx):
    s, world, subject, dose = ctx
    s.refresh(subject)
    freeze_subject(
        s,
        world.user(s, "mon_a"),
        subject.id,
        frozen=True,
        expected_version=subject.version,
        reason="monitored",
    )
    s.commit()
    with pytest.raises(Conflict, match="the subject is frozen"):
        verify_source(s, world.user(s, "mon_a"), "dose", dose.id)


def test_the_api_marks_and_lists_source_verifications(api, world):
    with world.session() as s:
        coord = world.user(s, "coord_a")
        subject = enrolled_subject(s, coord)
        dose = record_dose(s, coord, subject.id, DoseIn(**PD1))
        s.commit()
        ids = (subject.id, dose.id)
    created = api(
        "mon_a", "POST", "/api/source-verifications", json={"record_table": "dose", "record_id": ids[1]}
    )
    assert created.status_code == 201, created.text
    assert (created.json()["record_id"], created.json()["verified_by"]) == (ids[1], world.users["mon_a"])
    again = api(
        "mon_a", "POST", "/api/source-verifications", json={"record_table": "dose", "record_id": ids[1]}
    )
    assert again.status_code == 409 and again.json()["detail"][0]["code"] == "already_verified"
    listed = api("coord_a", "GET", f"/api/subjects/{ids[0]}/source-verifications").json()
    assert [(m["record_table"], m["record_id"]) for m in listed] == [("dose", ids[1])]
