"""Adverse events, concomitant and subsequent therapy, end of treatment, survival follow-up, death.

Each form has its rule check (``_check_*``) returning problems; create and update
run it and store nothing when it finds any.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oncotrial.edc.services.access import Action, get_record, get_subject
from oncotrial.edc.services.forms import (
    AdverseEventIn,
    DeathIn,
    EndOfTreatmentIn,
    SurvivalContactIn,
    TherapyIn,
)
from oncotrial.edc.services.trial import trial_protocol
from oncotrial.edc.store import writer as _writer
from oncotrial.edc.store.models import (
    AdverseEvent,
    Death,
    Dose,
    EndOfTreatment,
    Subject,
    SubjectStatus,
    SurvivalContact,
    Therapy,
    User,
)
from oncotrial.errors import Problem, ValidationFailed

__all__ = ["FORMS", "create_record", "delete_record", "list_records", "update_record"]

Check = Callable[[Session, Subject, Any, int | None], list[Problem]]


def _p(loc: str, value: Any, msg: str, code: str) -> Problem:
    return Problem((loc,), msg, code, value.isoformat() if isinstance(value, dt.date) else value)


def _enrolled(subject: Subject) -> list[Problem]:
    if subject.status != SubjectStatus.ENROLLED:
        return [_p("subject_id", subject.id, "the subject is not enrolled", "not_enrolled")]
    return []


def _death_date(session: Session, subject: Subject) -> dt.date | None:
    return session.execute(
        select(Death.death_date).where(Death.subject_id == subject.id)
    ).scalar_one_or_none()


def _check_ae(session: Session, subject: Subject, form: AdverseEventIn, _id: int | None) -> list[Problem]:
    problems = []
    codes = [d.code for d in trial_protocol(session).regimen.drugs]
    missing = [c for c in codes if c not in form.relatedness]
    unknown = [c for c in form.relatedness if c not in codes]
    if missing:
        problems.append(
            _p(
                "relatedness",
                form.relatedness,
                f"give relatedness to each study drug; missing {missing}",
                "required",
            )
        )
    if unknown:
        problems.append(
            _p(
                "relatedness",
                form.relatedness,
                f"{unknown} are not drugs of this protocol; expected {codes}",
                "unknown_drug",
            )
        )
    if form.start_date < subject.consent_date:
        problems.append(
            _p(
                "start_date",
                form.start_date,
                f"is before informed consent on {subject.consent_date}",
                "before_consent",
            )
        )
    death = _death_date(session, subject)
    if death is not None and form.start_date > death:
        problems.append(
            _p("start_date", form.start_date, f"is after the subject's death on {death}", "after_death")
        )
    return problems


def _check_therapy(session: Session, subject: Subject, form: TherapyIn, _id: int | None) -> list[Problem]:
    if form.start_date < subject.consent_date:
        return [
            _p(
                "start_date",
                form.start_date,
                f"is before informed consent on {subject.consent_date}",
                "before_consent",
            )
        ]
    return []


def _check_eot(
    session: Session, subject: Subject, form: EndOfTreatmentIn, record_id: int | None
) -> list[Problem]:
    problems = _enrolled(subject)
    if problems:
        return problems
    codes = [r.code for r in trial_protocol(session).treatment_end_reasons]
    if form.reason_code not in codes:
        problems.append(_p("reason_code", form.reason_code, f"expected one of {codes}", "unknown_reason"))
    existing = session.execute(
        select(EndOfTreatment.id).where(EndOfTreatment.subject_id == subject.id)
    ).scalar()
    if existing is not None and existing != record_id:
        problems.append(_p("subject_id", subject.id, "end of treatment is already recorded", "duplicate"))
    last = session.execute(select(func.max(Dose.dose_date)).where(Dose.subject_id == subject.id)).scalar()
    if last is not None and form.end_date < last:
        problems.append(
            _p("end_date", form.end_date, f"is before the last dose on {last}", "before_last_dose")
        )
    if subject.enrollment_date and form.end_date < subject.enrollment_date:
        problems.append(
            _p(
                "end_date",
                form.end_date,
                f"is before enrollment on {subject.enrollment_date}",
                "before_enrollment",
            )
        )
    return problems


def _check_contact(
    session: Session, subject: Subject, form: SurvivalContactIn, _id: int | None
) -> list[Problem]:
    problems = _enrolled(subject)
    if problems:
        return problems
    if subject.enrollment_date and form.contact_date < subject.enrollment_date:
        problems.append(
            _p(
                "contact_date",
                form.contact_date,
                f"is before enrollment on {subject.enrollment_date}",
                "before_enrollment",
            )
        )
    death = _death_date(session, subject)
    if death is not None and form.status == "ALIVE" and form.contact_date > death:
        problems.append(
            _p("status", form.status, f"the subject died on {death}, before this contact", "after_death")
        )
    return problems


def _check_death(session: Session, subject: Subject, form: DeathIn, record_id: int | None) -> list[Problem]:
    problems = _enrolled(subject)
    if problems:
        return problems
    existing = session.execute(select(Death.id).where(Death.subject_id == subject.id)).scalar()
    if existing is not None and existing != record_id:
        problems.append(_p("subject_id", subject.id, "a death is already recorded", "duplicate"))
    if subject.enrollment_date and form.death_date < subject.enrollment_date:
        problems.append(
            _p(
                "death_date",
                form.death_date,
                f"is before enrollment on {subject.enrollment_date}",
                "before_enrollment",
            )
        )
    last = session.execute(select(func.max(Dose.dose_date)).where(Dose.subject_id == subject.id)).scalar()
    if last is not None and form.death_date < last:
        problems.append(
            _p("death_date", form.death_date, f"is before the last dose on {last}", "before_last_dose")
        )
    alive = session.execute(
        select(func.max(SurvivalContact.contact_date)).where(
            SurvivalContact.subject_id == subject.id, SurvivalContact.status == "ALIVE"
        )
    ).scalar()
    if alive is not None and form.death_date < alive:
        problems.append(
            _p(
                "death_date",
                form.death_date,
                f"is before a contact on {alive} that found the subject alive",
                "date_order",
            )
        )
    return problems


#: CTCAE grade of a fatal adverse event.
FATAL_GRADE = 5


def _soft_checks(session: Session, actor: User, subject: Subject, kind: str, record: Any) -> None:
    """Checks that store the data and open a query instead of refusing it."""
    from oncotrial.edc.services.queries import raise_check_query

    if kind == "adverse-events" and record.grade == FATAL_GRADE and _death_date(session, subject) is None:
        raise_check_query(
            session,
            actor,
            subject,
            record,
            "grade",
            "fatal_ae_without_death",
            f"grade {FATAL_GRADE} (fatal) adverse event {record.term!r} but no death is recorded; "
            "record the death or correct the grade",
        )


#: Form name -> (model, input form, rule check). The API's routes are built from this table.
FORMS: dict[str, tuple[type[Any], type[BaseModel], Check]] = {
    "adverse-events": (AdverseEvent, AdverseEventIn, _check_ae),
    "therapies": (Therapy, TherapyIn, _check_therapy),
    "end-of-treatment": (EndOfTreatment, EndOfTreatmentIn, _check_eot),
    "survival-contacts": (SurvivalContact, SurvivalContactIn, _check_contact),
    "death": (Death, DeathIn, _check_death),
}


def _validate(session: Session, subject: Subject, kind: str, form: BaseModel, record_id: int | None) -> None:
    problems = FORMS[kind][2](session, subject, form, record_id)
    if problems:
        raise ValidationFailed(problems)


def create_record(session: Session, actor: User, kind: str, subject_id: int, form: BaseModel) -> Any:
    """Store one form (``kind`` is a key of :data:`FORMS`) after its rule check."""
    model = FORMS[kind][0]
    subject = get_subject(session, actor, subject_id, Action.ENTER_DATA)
    _validate(session, subject, kind, form, None)
    record = _writer.insert(
        session, actor, model(subject_id=subject.id, **form.model_dump()), subject=subject
    )
    _soft_checks(session, actor, subject, kind, record)
    return record


def update_record(
    session: Session,
    actor: User,
    kind: str,
    record_id: int,
    form: BaseModel,
    *,
    expected_version: int,
    reason: str | None,
) -> Any:
    """Correct a stored form; the corrected values must pass the same rule check."""
    model = FORMS[kind][0]
    record, subject = get_record(session, actor, model, record_id, Action.ENTER_DATA)
    _validate(session, subject, kind, form, record.id)
    _writer.update(
        session,
        actor,
        record,
        form.model_dump(),
        subject=subject,
        expected_version=expected_version,
        reason=reason,
    )
    _soft_checks(session, actor, subject, kind, record)
    return record


def delete_record(
    session: Session, actor: User, kind: str, record_id: int, *, expected_version: int, reason: str | None
) -> None:
    """Delete a form entered in error (the audit trail keeps its values)."""
    record, subject = get_record(session, actor, FORMS[kind][0], record_id, Action.ENTER_DATA)
    _writer.delete(session, actor, record, subject=subject, expected_version=expected_version, reason=reason)


def list_records(session: Session, actor: User, kind: str, subject_id: int) -> list[Any]:
    subject = get_subject(session, actor, subject_id)
    model = FORMS[kind][0]
    return list(
        session.execute(select(model).where(model.subject_id == subject.id).order_by(model.id)).scalars()
    )
