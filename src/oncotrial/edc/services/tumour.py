"""Tumour assessments by lesion: baseline rules checked, RECIST 1.1 response computed on entry.

The first assessment of a subject is its baseline: every lesion is identified there as
TARGET or NON-TARGET, and the RECIST 1.1 target rules are checked (at most five
targets, two per organ; measurable size). Later assessments must report every
baseline lesion (or mark it not done) and may add NEW lesions. The timepoint response
is computed by :func:`oncotrial.recist.evaluate_timepoints` on the subject's TU/TR
frames as the data arrive; when the investigator's recorded response differs, a query
is opened automatically on ``investigator_response``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oncotrial.edc.services.access import Action, get_record, get_subject
from oncotrial.edc.services.forms import TumourAssessmentIn
from oncotrial.edc.services.queries import raise_check_query
from oncotrial.edc.services.trial import trial_protocol
from oncotrial.edc.services.windows import check_imaging_windows
from oncotrial.edc.store import writer as _writer
from oncotrial.edc.store.models import (
    Dose,
    Lesion,
    LesionMeasurement,
    Query,
    QueryStatus,
    Subject,
    SubjectStatus,
    TumourAssessment,
    User,
)
from oncotrial.errors import Problem, ValidationFailed
from oncotrial.recist import RecistSettings, evaluate_timepoints
from oncotrial.recist.criteria import (
    MAX_TARGETS,
    MAX_TARGETS_PER_ORGAN,
    MIN_NODAL_TARGET_MM,
    MIN_NON_NODAL_TARGET_MM,
    NODAL_LOCATION,
)

__all__ = [
    "MeasurementRow",
    "list_assessments",
    "recompute_responses",
    "record_assessment",
    "tu_tr_frames",
    "update_investigator_response",
    "update_measurement",
]

#: TREVAL of what sites enter in the EDC: the investigator's own reads.
EDC_EVALUATOR = "INVESTIGATOR"


@dataclass(frozen=True)
class MeasurementRow:
    """One lesion at one assessment, flattened (the shape TU/TR are built from)."""

    usubjid: str
    lesion_code: str
    category: str
    location: str
    visit_number: int
    visit: str
    assessment_date: dt.date
    diameter_mm: float | None
    state: str | None
    not_done: bool


def tu_tr_frames(rows: list[MeasurementRow]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """SDTM TU (one row per lesion, where identified) and TR (one row per measurement)."""
    tu_rows, tr_rows, seen = [], [], set()
    for r in sorted(rows, key=lambda r: (r.usubjid, r.assessment_date, r.visit_number, r.lesion_code)):
        if (r.usubjid, r.lesion_code) not in seen:
            seen.add((r.usubjid, r.lesion_code))
            tu_rows.append(
                {
                    "USUBJID": r.usubjid,
                    "TULNKID": r.lesion_code,
                    "TUSTRESC": r.category,
                    "TULOC": r.location,
                    "TUEVAL": EDC_EVALUATOR,
                    "VISITNUM": r.visit_number,
                    "TUDTC": r.assessment_date.isoformat(),
                }
            )
        target = r.category == "TARGET"
        testcd = ("LPERP" if r.location == NODAL_LOCATION else "LDIAM") if target else "TUMSTATE"
        value = r.diameter_mm if target and not r.not_done else None
        tr_rows.append(
            {
                "USUBJID": r.usubjid,
                "TRLNKID": r.lesion_code,
                "TRGRPID": r.category,
                "TRTESTCD": testcd,
                "TRSTRESN": value,
                "TRSTRESC": (f"{value:g}" if value is not None else None)
                if target
                else (None if r.not_done else r.state),
                "TRSTAT": "NOT DONE" if r.not_done else None,
                "TREVAL": EDC_EVALUATOR,
                "VISITNUM": r.visit_number,
                "VISIT": r.visit,
                "TRDTC": r.assessment_date.isoformat(),
            }
        )
    tu_cols = ["USUBJID", "TULNKID", "TUSTRESC", "TULOC", "TUEVAL", "VISITNUM", "TUDTC"]
    tr_cols = [
        "USUBJID",
        "TRLNKID",
        "TRGRPID",
        "TRTESTCD",
        "TRSTRESN",
        "TRSTRESC",
        "TRSTAT",
        "TREVAL",
        "VISITNUM",
        "VISIT",
        "TRDTC",
    ]
    tu = pd.DataFrame(tu_rows, columns=tu_cols)
    tr = pd.DataFrame(tr_rows, columns=tr_cols)
    tr["TRSTRESN"] = pd.to_numeric(tr["TRSTRESN"], errors="coerce")
    return tu, tr


def usubjid(study_id: str, subject: Subject) -> str:
    return f"{study_id}-{subject.subject_number or subject.screening_number}"


def stored_rows(session: Session, subject_ids: list[int] | None, study_id: str) -> list[MeasurementRow]:
    """The stored measurements of some subjects (all when ``subject_ids`` is None) as rows."""
    stmt = (
        select(LesionMeasurement, Lesion, TumourAssessment, Subject)
        .join(Lesion, LesionMeasurement.lesion_id == Lesion.id)
        .join(TumourAssessment, LesionMeasurement.assessment_id == TumourAssessment.id)
        .join(Subject, LesionMeasurement.subject_id == Subject.id)
    )
    if subject_ids is not None:
        stmt = stmt.where(LesionMeasurement.subject_id.in_(subject_ids))
    return [
        MeasurementRow(
            usubjid(study_id, s),
            les.code,
            les.category,
            les.location,
            a.visit_number,
            a.visit,
            a.assessment_date,
            m.diameter_mm,
            m.state,
            m.not_done,
        )
        for m, les, a, s in session.execute(stmt)
    ]


def _baseline_problems(form: TumourAssessmentIn) -> list[Problem]:
    problems = []
    targets = []
    for i, m in enumerate(form.measurements):
        les = m.lesion
        loc = ("measurements", i)
        if les.category == "NEW":
            problems.append(
                Problem(
                    (*loc, "lesion", "category"),
                    "a NEW lesion cannot be recorded at baseline",
                    "new_at_baseline",
                    les.category,
                )
            )
            continue
        if les.category != "TARGET":
            continue
        targets.append(les)
        nodal = les.location == NODAL_LOCATION
        minimum = MIN_NODAL_TARGET_MM if nodal else MIN_NON_NODAL_TARGET_MM
        if m.not_done or m.diameter_mm is None:
            problems.append(
                Problem(
                    (*loc, "diameter_mm"), "a target lesion must be measured at baseline", "required", None
                )
            )
        elif m.diameter_mm < minimum:
            what = (
                "short axis of a target lymph node"
                if nodal
                else "longest diameter of a non-nodal target lesion"
            )
            problems.append(
                Problem(
                    (*loc, "diameter_mm"),
                    f"the {what} must be at least {minimum:g} mm at baseline (RECIST 1.1 §3.1.1)",
                    "not_measurable",
                    m.diameter_mm,
                )
            )
    if not targets:
        problems.append(
            Problem(("measurements",), "at least one target lesion is required at baseline", "no_target", 0)
        )
    if len(targets) > MAX_TARGETS:
        problems.append(
            Problem(
                ("measurements",),
                f"at most {MAX_TARGETS} target lesions in total (RECIST 1.1 §4.2); got {len(targets)}",
                "too_many_targets",
                len(targets),
            )
        )
    for organ, n in Counter(t.location for t in targets).items():
        if n > MAX_TARGETS_PER_ORGAN:
            problems.append(
                Problem(
                    ("measurements",),
                    f"at most {MAX_TARGETS_PER_ORGAN} target lesions per organ (RECIST 1.1 §4.2); {organ} has {n}",
                    "too_many_per_organ",
                    organ,
                )
            )
    return problems


def _follow_up_problems(
    form: TumourAssessmentIn, known: dict[str, Lesion], baseline_date: dt.date
) -> list[Problem]:
    problems = []
    if form.assessment_date <= baseline_date:
        problems.append(
            Problem(
                ("assessment_date",),
                f"must be after the baseline assessment on {baseline_date}",
                "date_order",
                form.assessment_date.isoformat(),
            )
        )
    reported = set()
    for i, m in enumerate(form.measurements):
        les = m.lesion
        reported.add(les.code)
        existing = known.get(les.code)
        if existing is None and les.category != "NEW":
            problems.append(
                Problem(
                    (("measurements", i, "lesion", "code")),
                    f"lesion {les.code} was not identified at baseline; a lesion first seen later is NEW",
                    "unknown_lesion",
                    les.code,
                )
            )
        elif existing is not None and existing.category != les.category:
            problems.append(
                Problem(
                    ("measurements", i, "lesion", "category"),
                    f"lesion {les.code} is {existing.category} since it was identified",
                    "category_changed",
                    les.category,
                )
            )
    missing = sorted(code for code, les in known.items() if les.category != "NEW" and code not in reported)
    if missing:
        problems.append(
            Problem(
                ("measurements",),
                f"baseline lesions {missing} are not reported: record each, or mark it not done",
                "missing_lesion",
                missing,
            )
        )
    return problems


def _birth_problems(subject: Subject, day: dt.date) -> list[Problem]:
    """A scan before the subject's birth year (age at consent read from screening) is an entry
    error. A baseline scan may precede consent (the imaging window asks about it), never birth."""
    if subject.age_years is None:
        return []
    born_by = dt.date(subject.consent_date.year - subject.age_years - 1, 1, 1)
    if day >= born_by:
        return []
    return [
        Problem(
            ("assessment_date",),
            f"is before the subject's birth: aged {subject.age_years} at consent on {subject.consent_date}",
            "before_birth",
            day.isoformat(),
        )
    ]


def record_assessment(
    session: Session, actor: User, subject_id: int, form: TumourAssessmentIn
) -> TumourAssessment:
    """Store one assessment with its lesions; compute its RECIST 1.1 response; query a mismatch."""
    subject = get_subject(session, actor, subject_id, Action.ENTER_DATA)
    if subject.status == SubjectStatus.SCREEN_FAILED:
        raise ValidationFailed(
            [Problem(("subject_id",), "the subject failed screening", "screen_failed", subject_id)]
        )
    protocol = trial_protocol(session)
    known = {
        les.code: les
        for les in session.execute(select(Lesion).where(Lesion.subject_id == subject.id)).scalars()
    }
    previous = list(
        session.execute(
            select(TumourAssessment)
            .where(TumourAssessment.subject_id == subject.id)
            .order_by(TumourAssessment.assessment_date)
        ).scalars()
    )
    problems = _birth_problems(subject, form.assessment_date)
    if any(a.visit_number == form.visit_number for a in previous):
        problems.append(
            Problem(
                ("visit_number",),
                f"visit {form.visit_number} already has an assessment",
                "duplicate",
                form.visit_number,
            )
        )
    problems += (
        _follow_up_problems(form, known, previous[0].assessment_date)
        if previous
        else _baseline_problems(form)
    )
    codes = [m.lesion.code for m in form.measurements]
    for code, n in Counter(codes).items():
        if n > 1:
            problems.append(
                Problem(("measurements",), f"lesion {code} is listed {n} times", "duplicate", code)
            )
    if problems:
        raise ValidationFailed(problems)

    computed, rule = _compute(session, subject, protocol, form)
    assessment = TumourAssessment(
        subject_id=subject.id,
        visit_number=form.visit_number,
        visit=form.visit,
        assessment_date=form.assessment_date,
        investigator_response=form.investigator_response,
        computed_response=computed,
        computed_rule=rule,
    )
    _writer.insert(session, actor, assessment, subject=subject)
    for m in form.measurements:
        lesion = known.get(m.lesion.code)
        if lesion is None:
            lesion = Lesion(
                subject_id=subject.id,
                code=m.lesion.code,
                category=m.lesion.category,
                location=m.lesion.location,
            )
            _writer.insert(session, actor, lesion, subject=subject)
            known[lesion.code] = lesion
        measurement = LesionMeasurement(
            subject_id=subject.id,
            assessment_id=assessment.id,
            lesion_id=lesion.id,
            diameter_mm=m.diameter_mm,
            state=m.state,
            not_done=m.not_done,
        )
        _writer.insert(session, actor, measurement, subject=subject)
    _mismatch_query(session, actor, subject, assessment)
    check_imaging_windows(session, actor, subject)
    return assessment


def _compute(
    session: Session, subject: Subject, protocol, form: TumourAssessmentIn
) -> tuple[str | None, str | None]:
    study_id = protocol.identity.study_id
    uid = usubjid(study_id, subject)
    rows = stored_rows(session, [subject.id], study_id)
    rows += [
        MeasurementRow(
            uid,
            m.lesion.code,
            m.lesion.category,
            m.lesion.location,
            form.visit_number,
            form.visit,
            form.assessment_date,
            m.diameter_mm,
            m.state,
            m.not_done,
        )
        for m in form.measurements
    ]
    if len({r.visit_number for r in rows}) < 2:
        return None, None  # a baseline has no response
    tu, tr = tu_tr_frames(rows)
    first_dose = session.execute(
        select(func.min(Dose.dose_date)).where(Dose.subject_id == subject.id)
    ).scalar()
    subjects = None
    if first_dose is not None:
        subjects = pd.DataFrame({"USUBJID": [uid], "REFSTDT": [pd.Timestamp(first_dose)]})
    timepoints = evaluate_timepoints(tu, tr, RecistSettings.from_protocol(protocol), subjects=subjects)
    here = timepoints[timepoints["VISITNUM"] == form.visit_number]
    if here.empty:
        return None, None
    row = here.iloc[0]
    return str(row["OVRLRESP"]), str(row["RULE"])


def list_assessments(session: Session, actor: User, subject_id: int) -> list[TumourAssessment]:
    subject = get_subject(session, actor, subject_id)
    stmt = (
        select(TumourAssessment)
        .where(TumourAssessment.subject_id == subject.id)
        .order_by(TumourAssessment.assessment_date)
    )
    return list(session.execute(stmt).scalars())


RECOMPUTED = "RECIST 1.1 response recomputed after a correction"


def _mismatch_query(session: Session, actor: User, subject: Subject, assessment: TumourAssessment) -> None:
    recorded, computed = assessment.investigator_response, assessment.computed_response
    if not recorded or not computed or recorded == computed:
        return
    pending = session.execute(
        select(Query.id).where(
            Query.record_table == "tumour_assessment",
            Query.record_id == assessment.id,
            Query.code == "recist_mismatch",
            Query.status != QueryStatus.CLOSED.value,
        )
    ).first()
    if pending is None:
        raise_check_query(
            session,
            actor,
            subject,
            assessment,
            "investigator_response",
            "recist_mismatch",
            f"investigator response {recorded} differs from the RECIST 1.1 response computed from the "
            f"lesions, {computed} ({assessment.computed_rule}); correct the measurements or the response, "
            "or explain",
        )


def recompute_responses(session: Session, actor: User, subject: Subject) -> list[TumourAssessment]:
    """Recompute every stored assessment's response after a correction; audit each change and
    open a query where the investigator's response now differs."""
    protocol = trial_protocol(session)
    rows = stored_rows(session, [subject.id], protocol.identity.study_id)
    assessments = list(
        session.execute(
            select(TumourAssessment)
            .where(TumourAssessment.subject_id == subject.id)
            .order_by(TumourAssessment.assessment_date)
        ).scalars()
    )
    computed: dict[int, tuple[str | None, str | None]] = {}
    if len({r.visit_number for r in rows}) >= 2:
        tu, tr = tu_tr_frames(rows)
        first_dose = session.execute(
            select(func.min(Dose.dose_date)).where(Dose.subject_id == subject.id)
        ).scalar()
        subjects = None
        if first_dose is not None:
            subjects = pd.DataFrame({"USUBJID": [rows[0].usubjid], "REFSTDT": [pd.Timestamp(first_dose)]})
        timepoints = evaluate_timepoints(tu, tr, RecistSettings.from_protocol(protocol), subjects=subjects)
        for tp in timepoints.itertuples(index=False):
            computed[int(tp.VISITNUM)] = (str(tp.OVRLRESP), str(tp.RULE))
    for a in assessments:
        response, rule = computed.get(a.visit_number, (None, None))
        if (a.computed_response, a.computed_rule) != (response, rule):
            _writer.update(
                session,
                actor,
                a,
                {"computed_response": response, "computed_rule": rule},
                subject=subject,
                expected_version=None,
                reason=RECOMPUTED,
            )
        _mismatch_query(session, actor, subject, a)
    return assessments


def update_measurement(
    session: Session,
    actor: User,
    measurement_id: int,
    *,
    diameter_mm: float | None,
    state: str | None,
    not_done: bool,
    expected_version: int,
    reason: str | None,
) -> LesionMeasurement:
    """Correct one lesion's measurement; every response of the subject is recomputed."""
    measurement, subject = get_record(session, actor, LesionMeasurement, measurement_id, Action.ENTER_DATA)
    lesion = session.get(Lesion, measurement.lesion_id)
    if lesion.category == "TARGET" and not not_done and diameter_mm is None:
        raise ValidationFailed(
            [Problem(("diameter_mm",), "a target lesion needs diameter_mm (or not_done)", "required", None)]
        )
    if lesion.category != "TARGET" and not not_done and state is None:
        raise ValidationFailed(
            [
                Problem(
                    ("state",),
                    f"a {lesion.category.lower()} lesion needs a state (or not_done)",
                    "required",
                    None,
                )
            ]
        )
    first = session.execute(
        select(TumourAssessment.id)
        .where(TumourAssessment.subject_id == subject.id)
        .order_by(TumourAssessment.assessment_date)
        .limit(1)
    ).scalar()
    if measurement.assessment_id == first and lesion.category == "TARGET":
        nodal = lesion.location == NODAL_LOCATION
        minimum = MIN_NODAL_TARGET_MM if nodal else MIN_NON_NODAL_TARGET_MM
        if not_done or diameter_mm is None or diameter_mm < minimum:
            raise ValidationFailed(
                [
                    Problem(
                        ("diameter_mm",),
                        f"a baseline target lesion must measure at least {minimum:g} mm (RECIST 1.1 §3.1.1)",
                        "not_measurable",
                        diameter_mm,
                    )
                ]
            )
    _writer.update(
        session,
        actor,
        measurement,
        {"diameter_mm": diameter_mm, "state": state, "not_done": not_done},
        subject=subject,
        expected_version=expected_version,
        reason=reason,
    )
    recompute_responses(session, actor, subject)
    return measurement


def update_investigator_response(
    session: Session,
    actor: User,
    assessment_id: int,
    response: str | None,
    *,
    expected_version: int,
    reason: str | None,
) -> TumourAssessment:
    """Correct the investigator's recorded response; a remaining mismatch is queried."""
    assessment, subject = get_record(session, actor, TumourAssessment, assessment_id, Action.ENTER_DATA)
    _writer.update(
        session,
        actor,
        assessment,
        {"investigator_response": response},
        subject=subject,
        expected_version=expected_version,
        reason=reason,
    )
    _mismatch_query(session, actor, subject, assessment)
    return assessment
