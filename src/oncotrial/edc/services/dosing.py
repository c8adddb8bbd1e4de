"""Treatment cycles and doses, checked against the protocol's limits before anything is stored.

Refused, each with its own message and code: a dose of a drug the protocol does
not name, in another unit, above the protocol dose, below the protocol's plausible
floor (``regimen.min_dose_fraction`` of it: an entry error), or reduced without a reason;
a dose before enrollment, after the end of treatment or after death; a first dose
later than the screening window allows; a cycle earlier than the previous one plus
the cycle length less the dose window; a cycle number that its earlier recorded cycle
and the calendar make impossible (cycle 500 three weeks after cycle 1); a cycle beyond
the drug's ``max_cycles``, or beyond the cycles its ``max_duration`` can hold; a dose
later than the drug's ``max_duration`` after its first dose; a cycle recorded twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from oncotrial.edc.services.access import Action, get_record, get_subject
from oncotrial.edc.services.forms import DoseIn
from oncotrial.edc.services.trial import trial_protocol
from oncotrial.edc.services.windows import check_imaging_windows
from oncotrial.edc.store import writer as _writer
from oncotrial.edc.store.models import Death, Dose, EndOfTreatment, Subject, SubjectStatus, User
from oncotrial.errors import Problem, ValidationFailed
from oncotrial.protocol import DoseBasis, Protocol

__all__ = ["check_dose", "delete_dose", "list_doses", "record_dose", "update_dose"]


def _unit(basis: DoseBasis, unit: str) -> str:
    return unit if basis is DoseBasis.FLAT else basis.value


def check_dose(
    protocol: Protocol,
    subject: Subject,
    dose: DoseIn,
    *,
    other_doses: Sequence[Dose],
    end_of_treatment: dt.date | None,
    death: dt.date | None,
) -> list[Problem]:
    """Every protocol rule a dose breaks, as problems (empty when it may be stored).

    ``other_doses`` are the subject's other recorded doses (all drugs).
    """
    problems: list[Problem] = []

    def bad(loc: str, value: object, msg: str, code: str) -> None:
        problems.append(Problem((loc,), msg, code, value))

    if subject.status != SubjectStatus.ENROLLED or subject.enrollment_date is None:
        bad("subject_id", subject.id, "the subject is not enrolled: no dose may be recorded", "not_enrolled")
        return problems
    codes = [d.code for d in protocol.regimen.drugs]
    if dose.drug_code not in codes:
        bad(
            "drug_code",
            dose.drug_code,
            f"is not a drug of this protocol; expected one of {codes}",
            "unknown_drug",
        )
        return problems
    drug = protocol.regimen.drug(dose.drug_code)
    label = f"{drug.name} ({drug.code})"
    day = dose.dose_date

    unit = _unit(drug.basis, drug.unit)
    if dose.unit != unit:
        bad("unit", dose.unit, f"{label} is dosed in {unit}", "unit")
    elif dose.dose > drug.dose:
        bad(
            "dose",
            dose.dose,
            f"is above the protocol dose of {label}, {drug.dose:g} {unit}",
            "above_protocol_dose",
        )
    elif protocol.regimen.min_dose_fraction and dose.dose < protocol.regimen.min_dose_fraction * drug.dose:
        bad(
            "dose",
            dose.dose,
            f"is below {protocol.regimen.min_dose_fraction:.0%} of the protocol dose of {label}, "
            f"{drug.dose:g} {unit} (regimen.min_dose_fraction): an entry error such as grams or "
            "micrograms entered as mg",
            "implausible_dose",
        )
    elif dose.dose < drug.dose and not (dose.adjustment_reason or "").strip():
        bad(
            "adjustment_reason",
            dose.adjustment_reason,
            f"required: {dose.dose:g} {unit} is below the protocol dose {drug.dose:g} {unit}",
            "required",
        )

    if day < subject.enrollment_date:
        bad(
            "dose_date",
            day.isoformat(),
            f"is before enrollment on {subject.enrollment_date}",
            "before_enrollment",
        )
    if end_of_treatment is not None and day > end_of_treatment:
        bad(
            "dose_date",
            day.isoformat(),
            f"is after the end of treatment on {end_of_treatment}: no dose may follow it",
            "after_end_of_treatment",
        )
    if death is not None and day > death:
        bad("dose_date", day.isoformat(), f"is after the subject's death on {death}", "after_death")

    all_dates = [d.dose_date for d in other_doses] + [day]
    first_any = min(all_dates)
    window = protocol.schedule.screening_window
    # The first dose is cycle 1 on the earliest date: a later cycle entered first is not it.
    if dose.cycle == 1 and day == first_any and window.after(subject.screening_date) < day:
        bad(
            "dose_date",
            day.isoformat(),
            f"first dose is more than {window} after screening on {subject.screening_date}; "
            "repeat screening first",
            "screening_window",
        )

    same_drug = [d for d in other_doses if d.drug_code == drug.code]
    if any(d.cycle == dose.cycle for d in same_drug):
        bad("cycle", dose.cycle, f"cycle {dose.cycle} of {label} is already recorded", "duplicate_cycle")
    regimen = protocol.regimen
    # Cycles start at least this many days apart (a cycle may start dose_window_days early).
    min_gap = int(regimen.cycle_length.days) - regimen.dose_window_days
    cycle_fits = _cycle_fits_duration(protocol, drug.code, dose.cycle, same_drug, day, min_gap, bad) and (
        drug.max_cycles is None or dose.cycle <= drug.max_cycles
    )
    earlier = [d for d in same_drug if d.cycle < dose.cycle]
    nearest = max(earlier, key=lambda d: d.cycle) if earlier else None
    if cycle_fits and nearest is not None and nearest.cycle < dose.cycle - 1 and min_gap > 0:
        # Cycles in between may be entered later, but the calendar must leave room for them.
        between = dose.cycle - nearest.cycle
        earliest = nearest.dose_date + dt.timedelta(days=between * min_gap)
        if day < earliest:
            bad(
                "cycle",
                dose.cycle,
                f"cycle {dose.cycle} of {label} on {day} cannot follow cycle {nearest.cycle} on "
                f"{nearest.dose_date}: {between} cycles take at least {between * min_gap} days "
                f"({regimen.cycle_length} less the {regimen.dose_window_days}-day window each); "
                "check the cycle number",
                "cycle_gap",
            )
    previous = next((d for d in same_drug if d.cycle == dose.cycle - 1), None)
    if previous is not None:
        earliest = previous.dose_date + dt.timedelta(days=min_gap)
        if day < earliest:
            bad(
                "dose_date",
                day.isoformat(),
                f"cycle {dose.cycle} of {label} may start on {earliest} at the earliest: cycle {previous.cycle} "
                f"was on {previous.dose_date}, cycles are {regimen.cycle_length} apart with a "
                f"{regimen.dose_window_days}-day window",
                "too_early",
            )
    if drug.max_cycles is not None and (dose.cycle > drug.max_cycles or len(same_drug) >= drug.max_cycles):
        bad(
            "cycle",
            dose.cycle,
            f"{label} may be given for at most {drug.max_cycles} cycles; "
            f"cycle {max(dose.cycle, len(same_drug) + 1)} is beyond the protocol limit",
            "max_cycles",
        )
    if drug.max_duration is not None:
        first = min([d.dose_date for d in same_drug] + [day])
        last_allowed = drug.max_duration.after(first)
        if day > last_allowed:
            bad(
                "dose_date",
                day.isoformat(),
                f"{label} may be given for at most {drug.max_duration} from its first dose on {first}, "
                f"i.e. until {last_allowed}",
                "max_duration",
            )
    return problems


def _cycle_fits_duration(
    protocol: Protocol,
    code: str,
    cycle: int,
    same_drug: Sequence[Dose],
    day: dt.date,
    min_gap: int,
    bad: Callable[[str, object, str, str], None],
) -> bool:
    """False (and the problem added) when a drug limited by ``max_duration`` alone cannot
    reach cycle ``cycle``: cycles at least ``min_gap`` days apart, from its first dose."""
    drug = protocol.regimen.drug(code)
    if drug.max_cycles is not None or drug.max_duration is None or min_gap <= 0:
        return True
    first = min([d.dose_date for d in same_drug] + [day])
    span = (drug.max_duration.after(first) - first).days
    most = span // min_gap + 1
    if cycle <= most:
        return True
    bad(
        "cycle",
        cycle,
        f"{drug.name} ({drug.code}) may be given for at most {drug.max_duration} from its first dose, "
        f"in cycles at least {min_gap} days apart: at most {most} cycles fit, and cycle {cycle} is beyond them",
        "max_cycles",
    )
    return False


def _context(session: Session, subject: Subject) -> tuple[list[Dose], dt.date | None, dt.date | None]:
    doses = list(session.execute(select(Dose).where(Dose.subject_id == subject.id)).scalars())
    eot = session.execute(
        select(EndOfTreatment.end_date).where(EndOfTreatment.subject_id == subject.id)
    ).scalar_one_or_none()
    death = session.execute(
        select(Death.death_date).where(Death.subject_id == subject.id)
    ).scalar_one_or_none()
    return doses, eot, death


def record_dose(session: Session, actor: User, subject_id: int, form: DoseIn) -> Dose:
    """Store a dose if it keeps every protocol limit; otherwise raise and store nothing."""
    subject = get_subject(session, actor, subject_id, Action.ENTER_DATA)
    doses, eot, death = _context(session, subject)
    problems = check_dose(
        trial_protocol(session), subject, form, other_doses=doses, end_of_treatment=eot, death=death
    )
    if problems:
        raise ValidationFailed(problems)
    dose = _writer.insert(session, actor, Dose(subject_id=subject.id, **form.model_dump()), subject=subject)
    check_imaging_windows(session, actor, subject)  # the first dose anchors the imaging windows
    return dose


def update_dose(
    session: Session, actor: User, dose_id: int, form: DoseIn, *, expected_version: int, reason: str | None
) -> Dose:
    """Correct a dose; the corrected dose must keep every protocol limit."""
    dose, subject = get_record(session, actor, Dose, dose_id, Action.ENTER_DATA)
    doses, eot, death = _context(session, subject)
    others = [d for d in doses if d.id != dose.id]
    problems = check_dose(
        trial_protocol(session), subject, form, other_doses=others, end_of_treatment=eot, death=death
    )
    if problems:
        raise ValidationFailed(problems)
    _writer.update(
        session,
        actor,
        dose,
        form.model_dump(),
        subject=subject,
        expected_version=expected_version,
        reason=reason,
    )
    check_imaging_windows(session, actor, subject)
    return dose


def delete_dose(
    session: Session, actor: User, dose_id: int, *, expected_version: int, reason: str | None
) -> None:
    """Delete a dose entered in error (the audit trail keeps it)."""
    dose, subject = get_record(session, actor, Dose, dose_id, Action.ENTER_DATA)
    _writer.delete(session, actor, dose, subject=subject, expected_version=expected_version, reason=reason)
    check_imaging_windows(session, actor, subject)


def list_doses(session: Session, actor: User, subject_id: int) -> list[Dose]:
    subject = get_subject(session, actor, subject_id)
    stmt = select(Dose).where(Dose.subject_id == subject.id).order_by(Dose.dose_date, Dose.drug_code)
    return list(session.execute(stmt).scalars())
