"""Visit schedule: status and next visit due, derived from stored records and the protocol."""

from __future__ import annotations

import datetime as dt

import pytest

from oncotrial.edc import (
    FollowUpStatus,
    NotFound,
    SubjectRecords,
    create_record,
    derive_schedule,
    record_dose,
    site_schedules,
    visit_schedule,
)
from oncotrial.edc.services.forms import DeathIn, DoseIn, EndOfTreatmentIn, SurvivalContactIn
from oncotrial.protocol import load_protocol
from tests.edc.conftest import ENROLLED, SCREENED, enrolled_subject

P = load_protocol()
SCHED, REGIMEN = P.schedule, P.regimen
FIRST = dt.date(2024, 1, 12)


def _records(**kw) -> SubjectRecords:
    base = {"subject_id": 1, "status": "enrolled", "enrollment_date": ENROLLED, "screening_date": SCREENED}
    return SubjectRecords(**{**base, **kw})


def _unit(drug) -> str:
    return drug.unit if drug.basis == "flat" else drug.basis


def _both(cycle: int, day: dt.date) -> list[tuple[str, int, dt.date]]:
    return [(d.code, cycle, day) for d in REGIMEN.drugs]


def test_a_subject_in_screening_has_no_visit_due():
    s = derive_schedule(P, _records(status="screening", enrollment_date=None), FIRST)
    assert (s.status, s.visits, s.next_visit, s.overdue) == (FollowUpStatus.SCREENING, (), None, False)


def test_a_screen_failure_is_off_study():
    s = derive_schedule(P, _records(status="screen_failed", enrollment_date=None), FIRST)
    assert s.status is FollowUpStatus.OFF_STUDY and s.visits == ()


def test_enrolled_without_dose_is_due_cycle_1_and_overdue_after_the_screening_window():
    last = SCHED.screening_window.after(SCREENED)
    on_time = derive_schedule(P, _records(), last)
    late = derive_schedule(P, _records(), last + dt.timedelta(days=1))
    assert on_time.status is FollowUpStatus.ON_TREATMENT
    assert (on_time.next_visit.label, on_time.next_visit.due, on_time.overdue) == ("Cycle 1", ENROLLED, False)
    assert late.overdue and late.next_visit.overdue


def test_next_cycle_is_one_cycle_after_the_last_dose_and_overdue_after_the_dose_window():
    due = REGIMEN.cycle_length.after(FIRST)
    last_day = due + dt.timedelta(days=REGIMEN.dose_window_days)
    s = derive_schedule(P, _records(doses=_both(1, FIRST)), last_day)
    assert (s.next_visit.kind, s.next_visit.label, s.next_visit.due, s.overdue) == (
        "cycle",
        "Cycle 2",
        due,
        False,
    )
    assert derive_schedule(P, _records(doses=_both(1, FIRST)), last_day + dt.timedelta(days=1)).overdue


def test_next_scan_counts_from_the_first_dose_by_the_imaging_interval():
    s = derive_schedule(P, _records(doses=_both(1, FIRST)), FIRST)
    scan = next(v for v in s.visits if v.kind == "scan")
    assert scan.due == SCHED.imaging_interval.after(FIRST)
    assert scan.last_day == scan.due + dt.timedelta(days=SCHED.imaging_window_days)
    second = derive_schedule(
        P,
        _records(doses=_both(1, FIRST), assessments=[(FIRST - dt.timedelta(days=5), None), (scan.due, "SD")]),
        FIRST,
    )
    scan2 = next(v for v in second.visits if v.kind == "scan")
    assert (scan2.label, scan2.due) == ("Scan 2 after baseline", SCHED.imaging_interval.after(scan.due))


def test_a_missed_scan_is_overdue_the_day_after_its_window():
    due = SCHED.imaging_interval.after(FIRST)
    last = due + dt.timedelta(days=SCHED.imaging_window_days)
    doses = _both(1, FIRST) + _both(2, REGIMEN.cycle_length.after(FIRST))
    doses += _both(3, REGIMEN.cycle_length.after(REGIMEN.cycle_length.after(FIRST)))
    on_time = derive_schedule(P, _records(doses=doses), last)
    late = derive_schedule(P, _records(doses=doses), last + dt.timedelta(days=1))
    assert not next(v for v in on_time.visits if v.kind == "scan").overdue
    assert next(v for v in late.visits if v.kind == "scan").overdue and late.overdue


def test_no_scan_is_due_after_progression():
    s = derive_schedule(
        P, _records(doses=_both(1, FIRST), assessments=[(FIRST, None), (dt.date(2024, 2, 20), "PD")]), FIRST
    )
    assert [v.kind for v in s.visits] == ["cycle"]


def test_no_cycle_is_due_once_every_drug_reached_its_limit():
    capped = next(d for d in REGIMEN.drugs if d.max_cycles is not None)
    doses = [(capped.code, capped.max_cycles, FIRST)]
    s = derive_schedule(P, _records(doses=doses), FIRST)
    assert "cycle" not in [v.kind for v in s.visits]


def test_after_end_of_treatment_a_survival_contact_is_due_one_interval_after_the_last_contact():
    eot = dt.date(2024, 6, 1)
    contact = SCHED.survival_follow_up_interval.after(eot)
    s = derive_schedule(
        P, _records(doses=_both(1, FIRST), end_of_treatment=eot, contacts=[(contact, "ALIVE")]), contact
    )
    survival = next(v for v in s.visits if v.kind == "survival")
    assert s.status is FollowUpStatus.FOLLOW_UP
    assert survival.due == SCHED.survival_follow_up_interval.after(contact)
    late = derive_schedule(
        P, _records(doses=_both(1, FIRST), end_of_treatment=eot), contact + dt.timedelta(days=1)
    )
    assert next(v for v in late.visits if v.kind == "survival").overdue


@pytest.mark.parametrize(
    ("kw", "why"),
    [
        ({"death": dt.date(2024, 3, 1)}, "death"),
        ({"contacts": [(dt.date(2024, 3, 1), "LOST TO FOLLOW-UP")]}, "lost"),
        ({}, "end of study"),
    ],
)
def test_death_loss_to_follow_up_or_the_end_of_study_put_the_subject_off_study(kw, why):
    today = SCHED.end_of_study.after(ENROLLED) + dt.timedelta(days=1) if why == "end of study" else FIRST
    s = derive_schedule(P, _records(doses=_both(1, FIRST), **kw), today)
    assert (s.status, s.visits) == (FollowUpStatus.OFF_STUDY, ())


def test_visits_after_the_end_of_study_are_not_scheduled():
    eot = SCHED.end_of_study.after(ENROLLED) - dt.timedelta(days=10)
    s = derive_schedule(P, _records(doses=_both(1, FIRST), end_of_treatment=eot), eot)
    assert "survival" not in [v.kind for v in s.visits]


# --- through the database --------------------------------------------------------------


def test_visit_schedule_reads_the_stored_records(world):
    with world.session() as s:
        coord = world.user(s, "coord_a")
        subject = enrolled_subject(s, coord)
        for drug in REGIMEN.drugs:
            record_dose(
                s,
                coord,
                subject.id,
                DoseIn(drug_code=drug.code, cycle=1, dose_date=FIRST, dose=drug.dose, unit=_unit(drug)),
            )
        s.commit()
        due = REGIMEN.cycle_length.after(FIRST)
        sched = visit_schedule(s, coord, subject.id, FIRST)
        assert (sched.status, sched.next_visit.due, sched.overdue) == (
            FollowUpStatus.ON_TREATMENT,
            due,
            False,
        )
        eot = FIRST + dt.timedelta(days=30)
        create_record(
            s, coord, "end-of-treatment", subject.id, EndOfTreatmentIn(end_date=eot, reason_code="TOXICITY")
        )
        create_record(
            s, coord, "survival-contacts", subject.id, SurvivalContactIn(contact_date=eot, status="ALIVE")
        )
        s.commit()
        after = visit_schedule(s, coord, subject.id, eot)
        assert after.status is FollowUpStatus.FOLLOW_UP
        assert SCHED.survival_follow_up_interval.after(eot) in [v.due for v in after.visits]
        create_record(s, coord, "death", subject.id, DeathIn(death_date=eot + dt.timedelta(days=3)))
        s.commit()
        assert visit_schedule(s, coord, subject.id, eot).status is FollowUpStatus.OFF_STUDY


def test_site_schedules_cover_only_the_actors_sites_and_another_sites_subject_is_not_found(world):
    with world.session() as s:
        a = enrolled_subject(s, world.user(s, "coord_a"), "101")
        b = enrolled_subject(s, world.user(s, "coord_b"), "102")
        s.commit()
        assert set(site_schedules(s, world.user(s, "mon_a"), FIRST)) == {a.id}
        assert set(site_schedules(s, world.user(s, "admin"), FIRST)) == {a.id, b.id}
        with pytest.raises(NotFound):
            visit_schedule(s, world.user(s, "coord_a"), b.id, FIRST)


def test_the_api_answers_the_schedule_for_the_day_asked(api, world):
    with world.session() as s:
        coord = world.user(s, "coord_a")
        subject = enrolled_subject(s, coord)
        record_dose(
            s, coord, subject.id, DoseIn(drug_code="PD1", cycle=1, dose_date=FIRST, dose=200, unit="mg")
        )
        s.commit()
        sid = subject.id
    due = REGIMEN.cycle_length.after(FIRST)
    late = due + dt.timedelta(days=REGIMEN.dose_window_days + 1)
    body = api("coord_a", "GET", f"/api/subjects/{sid}/schedule?today={late}").json()
    assert (body["status"], body["today"], body["overdue"]) == ("on_treatment", late.isoformat(), True)
    assert body["visits"][0] == {
        "kind": "cycle",
        "label": "Cycle 2",
        "due": due.isoformat(),
        "last_day": (due + dt.timedelta(days=REGIMEN.dose_window_days)).isoformat(),
        "overdue": True,
    }
    assert api("coord_a", "GET", f"/api/subjects/{sid}/schedule?today=someday").status_code == 422
