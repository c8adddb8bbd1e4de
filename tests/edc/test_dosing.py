"""Dose limits read from the protocol: each refused with its message, and nothing stored."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from oncotrial.edc import AuditEntry, Dose, create_record, record_dose, update_dose
from oncotrial.edc.services.forms import DeathIn, DoseIn, EndOfTreatmentIn
from oncotrial.errors import ValidationFailed

from .conftest import ENROLLED, enrolled_subject


def nabp(cycle: int, day: dt.date, dose: float = 260, **kw) -> DoseIn:
    return DoseIn(drug_code="NABP", cycle=cycle, dose_date=day, dose=dose, unit="mg/m2", **kw)


def pd1(cycle: int, day: dt.date) -> DoseIn:
    return DoseIn(drug_code="PD1", cycle=cycle, dose_date=day, dose=200, unit="mg")


def _counts(s) -> tuple[int, int]:
    return (
        s.scalar(select(func.count()).select_from(Dose)),
        s.scalar(select(func.count()).select_from(AuditEntry)),
    )


def _refused(s, inv, subject_id, form) -> tuple[tuple, str, str]:
    before = _counts(s)
    with pytest.raises(ValidationFailed) as err:
        record_dose(s, inv, subject_id, form)
    assert _counts(s) == before, "a refused dose must store nothing and audit nothing"
    [problem] = err.value.problems
    return problem.loc, problem.code, problem.msg


@pytest.fixture
def dosed(world):
    """An enrolled subject with six nab-paclitaxel and six anti-PD-1 cycles, 21 days apart."""
    with world.session() as s:
        inv = world.user(s, "inv_a")
        subject = enrolled_subject(s, inv)
        for c in range(1, 7):
            day = ENROLLED + dt.timedelta(days=21 * (c - 1))
            record_dose(s, inv, subject.id, nabp(c, day))
            record_dose(s, inv, subject.id, pd1(c, day))
        s.commit()
        return subject.id


def test_seventh_nab_paclitaxel_cycle_is_refused(world, dosed, protocol):
    with world.session() as s:
        loc, code, msg = _refused(s, world.user(s, "inv_a"), dosed, nabp(7, dt.date(2024, 5, 15)))
    assert protocol.regimen.drug("NABP").max_cycles == 6
    assert (loc, code) == (("cycle",), "max_cycles")
    assert (
        msg
        == "albumin-bound paclitaxel (NABP) may be given for at most 6 cycles; cycle 7 is beyond the protocol limit"
    )


def test_anti_pd1_beyond_two_years_from_first_dose_is_refused(world, dosed):
    with world.session() as s:
        inv = world.user(s, "inv_a")
        # 2024-01-10 + 2 years = 2026-01-10 (calendar years, as the protocol's Duration counts them)
        record_dose(s, inv, dosed, pd1(7, dt.date(2026, 1, 10)))
        loc, code, msg = _refused(s, inv, dosed, pd1(8, dt.date(2026, 1, 31)))
    assert (loc, code) == (("dose_date",), "max_duration")
    assert msg == (
        "anti-PD-1 antibody (PD1) may be given for at most 2 years from its first dose on 2024-01-10, "
        "i.e. until 2026-01-10"
    )


def test_dose_after_end_of_treatment_is_refused(world, dosed):
    with world.session() as s:
        inv = world.user(s, "inv_a")
        create_record(
            s,
            inv,
            "end-of-treatment",
            dosed,
            EndOfTreatmentIn(end_date=dt.date(2024, 5, 14), reason_code="PROGRESSIVE_DISEASE"),
        )
        loc, code, msg = _refused(s, inv, dosed, pd1(7, dt.date(2024, 5, 15)))
    assert (loc, code, msg) == (
        ("dose_date",),
        "after_end_of_treatment",
        "is after the end of treatment on 2024-05-14: no dose may follow it",
    )


def test_dose_after_death_is_refused(world, dosed):
    with world.session() as s:
        inv = world.user(s, "inv_a")
        create_record(s, inv, "death", dosed, DeathIn(death_date=dt.date(2024, 5, 14), cause="disease"))
        loc, code, msg = _refused(s, inv, dosed, pd1(7, dt.date(2024, 5, 16)))
    assert (loc, code, msg) == (("dose_date",), "after_death", "is after the subject's death on 2024-05-14")


def test_dose_before_enrollment_is_refused(world):
    with world.session() as s:
        inv = world.user(s, "inv_a")
        subject = enrolled_subject(s, inv)
        loc, code, msg = _refused(s, inv, subject.id, pd1(1, dt.date(2024, 1, 9)))
    assert (loc, code, msg) == (("dose_date",), "before_enrollment", "is before enrollment on 2024-01-10")


def test_first_dose_outside_the_screening_window_is_refused(world, protocol):
    with world.session() as s:
        inv = world.user(s, "inv_a")
        subject = enrolled_subject(s, inv)
        late = protocol.schedule.screening_window.after(subject.screening_date) + dt.timedelta(days=1)
        loc, code, msg = _refused(s, inv, subject.id, pd1(1, late))
    assert (loc, code) == (("dose_date",), "screening_window")
    assert msg == "first dose is more than 28 days after screening on 2024-01-03; repeat screening first"


def test_dose_for_a_subject_not_enrolled_is_refused(world):
    from oncotrial.edc import screen_subject
    from oncotrial.edc.services.forms import ScreeningIn

    from .conftest import ELIGIBLE

    with world.session() as s:
        inv = world.user(s, "inv_a")
        subject = screen_subject(
            s,
            inv,
            ScreeningIn(
                site_code="101",
                consent_date=dt.date(2024, 1, 2),
                screening_date=dt.date(2024, 1, 3),
                values=ELIGIBLE,
            ),
        )
        loc, code, _ = _refused(s, inv, subject.id, pd1(1, dt.date(2024, 1, 10)))
    assert (loc, code) == (("subject_id",), "not_enrolled")


@pytest.mark.parametrize(
    ("form", "loc", "code", "msg"),
    [
        (
            DoseIn(drug_code="XYZ", cycle=1, dose_date=ENROLLED, dose=1, unit="mg"),
            ("drug_code",),
            "unknown_drug",
            "is not a drug of this protocol; expected one of ['NABP', 'PD1']",
        ),
        (
            nabp(1, ENROLLED, dose=300),
            ("dose",),
            "above_protocol_dose",
            "is above the protocol dose of albumin-bound paclitaxel (NABP), 260 mg/m2",
        ),
        (
            DoseIn(drug_code="NABP", cycle=1, dose_date=ENROLLED, dose=260, unit="mg"),
            ("unit",),
            "unit",
            "albumin-bound paclitaxel (NABP) is dosed in mg/m2",
        ),
        (
            nabp(1, ENROLLED, dose=220),
            ("adjustment_reason",),
            "required",
            "required: 220 mg/m2 is below the protocol dose 260 mg/m2",
        ),
    ],
)
def test_dose_amount_and_drug_checks(world, form, loc, code, msg):
    with world.session() as s:
        inv = world.user(s, "inv_a")
        subject = enrolled_subject(s, inv)
        assert _refused(s, inv, subject.id, form) == (loc, code, msg)


def test_reduced_dose_with_reason_is_stored(world):
    with world.session() as s:
        inv = world.user(s, "inv_a")
        subject = enrolled_subject(s, inv)
        dose = record_dose(s, inv, subject.id, nabp(1, ENROLLED, dose=220, adjustment_reason="neutropenia"))
        assert (dose.dose, dose.adjustment_reason, dose.version) == (220, "neutropenia", 1)


def test_same_cycle_twice_is_refused(world):
    with world.session() as s:
        inv = world.user(s, "inv_a")
        subject = enrolled_subject(s, inv)
        record_dose(s, inv, subject.id, pd1(1, ENROLLED))
        loc, code, msg = _refused(s, inv, subject.id, pd1(1, ENROLLED + dt.timedelta(days=21)))
    assert (loc, code, msg) == (
        ("cycle",),
        "duplicate_cycle",
        "cycle 1 of anti-PD-1 antibody (PD1) is already recorded",
    )


def test_correcting_a_dose_into_a_breach_is_refused_and_changes_nothing(world, dosed):
    with world.session() as s:
        inv = world.user(s, "inv_a")
        dose = s.scalars(select(Dose).where(Dose.drug_code == "NABP", Dose.cycle == 6)).one()
        with pytest.raises(ValidationFailed, match="at most 6 cycles"):
            update_dose(s, inv, dose.id, nabp(7, dose.dose_date), expected_version=1, reason="typo")
        s.rollback()
        assert s.get(Dose, dose.id).cycle == 6


def test_cycle_earlier_than_the_dose_window_allows_is_refused(world, protocol):
    with world.session() as s:
        inv = world.user(s, "inv_a")
        subject = enrolled_subject(s, inv)
        record_dose(s, inv, subject.id, pd1(1, ENROLLED))
        window = protocol.regimen.dose_window_days  # 3 days before the 21-day schedule
        earliest = ENROLLED + dt.timedelta(days=int(protocol.regimen.cycle_length.days) - window)
        loc, code, msg = _refused(s, inv, subject.id, pd1(2, earliest - dt.timedelta(days=1)))
        assert (loc, code) == (("dose_date",), "too_early")
        assert msg == (
            "cycle 2 of anti-PD-1 antibody (PD1) may start on 2024-01-28 at the earliest: cycle 1 was on "
            "2024-01-10, cycles are 21 days apart with a 3-day window"
        )
        assert record_dose(s, inv, subject.id, pd1(2, earliest)).cycle == 2
