"""Screening and enrollment: the protocol's eligibility, subject numbers per site."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from oncotrial.edc.services.access import Action, get_site, get_subject, visible_subjects
from oncotrial.edc.services.forms import EnrollIn, ScreeningIn
from oncotrial.edc.services.trial import trial_protocol
from oncotrial.edc.store import writer as _writer
from oncotrial.edc.store.models import AuditEntry, Site, Subject, SubjectStatus, User
from oncotrial.errors import OncotrialError, Problem, ValidationFailed
from oncotrial.protocol import EligibilityResult, evaluate_eligibility
from oncotrial.protocol.eligibility import check_screening_values

__all__ = [
    "audit_trail",
    "eligibility",
    "enroll_subject",
    "list_subjects",
    "screen_subject",
    "update_screening",
]


def _next_number(session: Session, site: Site, column: str) -> int:
    locked = session.execute(
        select(Site).where(Site.id == site.id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()
    value = getattr(locked, column)
    setattr(locked, column, value + 1)
    session.flush()
    return value


def _evaluate(session: Session, values: dict) -> EligibilityResult:
    return _evaluated(session, values)[0]


def _evaluated(session: Session, values: dict) -> tuple[EligibilityResult, dict]:
    """Eligibility, and the values as their declared types (for the typed columns sex, age)."""
    protocol = trial_protocol(session)
    try:
        return evaluate_eligibility(protocol, values), check_screening_values(protocol, values)
    except ValidationFailed as exc:
        raise ValidationFailed(
            [Problem(("values", *p.loc), p.msg, p.code, p.value) for p in exc.problems]
        ) from None


def _check_consent(session: Session, form: ScreeningIn) -> None:
    """No consent before the trial's start (protocol ``identity.start_date``): an entry error."""
    start = trial_protocol(session).identity.start_date
    if start is not None and form.consent_date < start:
        raise OncotrialError(
            ("consent_date",),
            form.consent_date.isoformat(),
            f"is before the trial's start on {start} (protocol identity.start_date)",
            code="before_trial_start",
        )


def _status(result: EligibilityResult) -> str:
    definite = any(r.blocks_eligibility and r.outcome != "not evaluable" for r in result.results)
    return SubjectStatus.SCREEN_FAILED.value if definite else SubjectStatus.SCREENING.value


def screen_subject(session: Session, actor: User, form: ScreeningIn) -> Subject:
    """Record a screening visit and evaluate eligibility; each failing criterion is stored by id.

    A subject with a failing criterion is ``screen_failed``; one with criteria not yet
    evaluable (missing values) stays ``screening`` until the values are entered.
    """
    site = get_site(session, actor, form.site_code, Action.ENTER_DATA)
    _check_consent(session, form)
    result, typed = _evaluated(session, form.values)
    seq = _next_number(session, site, "next_screening_seq")
    values = {r: v for r, v in form.values.items()}
    subject = Subject(
        site_id=site.id,
        screening_number=f"{site.code}-S{seq:03d}",
        status=_status(result),
        consent_date=form.consent_date,
        screening_date=form.screening_date,
        sex=typed.get("sex"),
        age_years=typed.get("age_years"),
        race=form.race,
        screening_values=values,
        eligible=result.eligible,
        failing_criteria=[r.criterion.id for r in result.failing],
    )
    subject.site = site
    return _writer.insert(session, actor, subject, subject=subject)


def update_screening(
    session: Session, actor: User, subject_id: int, values: dict, *, expected_version: int, reason: str | None
) -> Subject:
    """Change screening values of a subject not yet enrolled; eligibility is evaluated again."""
    subject = get_subject(session, actor, subject_id, Action.ENTER_DATA)
    if subject.status == SubjectStatus.ENROLLED:
        raise OncotrialError(
            ("values",),
            None,
            "the subject is enrolled: screening values can no longer change",
            code="enrolled",
        )
    merged = {**subject.screening_values, **values}
    result, typed = _evaluated(session, merged)
    return _writer.update(
        session,
        actor,
        subject,
        {
            "screening_values": merged,
            "sex": typed.get("sex"),
            "age_years": typed.get("age_years"),
            "eligible": result.eligible,
            "failing_criteria": [r.criterion.id for r in result.failing],
            "status": _status(result),
        },
        subject=subject,
        expected_version=expected_version,
        reason=reason,
    )


def enroll_subject(session: Session, actor: User, subject_id: int, form: EnrollIn) -> Subject:
    """Enroll an eligible subject and give it the site's next subject number (``<site>-001``).

    Refused, naming every failing criterion, when the subject is not eligible.
    """
    subject = get_subject(session, actor, subject_id, Action.ENTER_DATA)
    if subject.status == SubjectStatus.ENROLLED:
        raise OncotrialError(
            ("subject_id",), subject_id, f"already enrolled as {subject.subject_number}", code="enrolled"
        )
    if not subject.eligible:
        result = _evaluate(session, subject.screening_values)
        raise ValidationFailed(
            [
                Problem(("eligibility", r.criterion.id), f"not eligible: {r.explanation}", "ineligible")
                for r in result.failing
            ]
        )
    if form.enrollment_date < subject.screening_date:
        raise OncotrialError(
            ("enrollment_date",),
            form.enrollment_date.isoformat(),
            f"is before the screening date {subject.screening_date}",
            code="date_order",
        )
    seq = _next_number(session, subject.site, "next_subject_seq")
    return _writer.update(
        session,
        actor,
        subject,
        {
            "status": SubjectStatus.ENROLLED.value,
            "enrollment_date": form.enrollment_date,
            "subject_number": f"{subject.site.code}-{seq:03d}",
        },
        subject=subject,
        expected_version=form.version,
        reason="enrollment",
    )


def list_subjects(session: Session, actor: User) -> list[Subject]:
    """The subjects the actor may see, in order of screening."""
    return list(session.execute(visible_subjects(actor)).scalars())


def eligibility(session: Session, actor: User, subject_id: int) -> EligibilityResult:
    """Each criterion's outcome for the subject's stored screening values."""
    subject = get_subject(session, actor, subject_id)
    return _evaluate(session, subject.screening_values)


def audit_trail(session: Session, actor: User, subject_id: int) -> list[AuditEntry]:
    """Every audit entry about one subject, oldest first (through the site filter)."""
    subject = get_subject(session, actor, subject_id)
    stmt = select(AuditEntry).where(AuditEntry.subject_id == subject.id).order_by(AuditEntry.seq)
    return list(session.execute(stmt).scalars())
