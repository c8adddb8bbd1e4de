"""Visit schedule: a subject's follow-up status and the next visits due, from the protocol.

:func:`derive_schedule` is the one place where status and visits are worked out, from a
subject's stored records (:class:`SubjectRecords`) and the protocol's ``schedule`` and
``regimen``; ``today`` is always passed in. :func:`visit_schedule` and
:func:`site_schedules` load the records through the site filter. The assumptions are
listed in ``docs/edc.md`` ("Visit schedule").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from oncotrial.edc.services.access import get_subject, visible_subjects
from oncotrial.edc.services.trial import trial_protocol
from oncotrial.edc.store.models import (
    Death,
    Dose,
    EndOfTreatment,
    Subject,
    SubjectStatus,
    SurvivalContact,
    TumourAssessment,
    User,
)
from oncotrial.protocol import Protocol

__all__ = [
    "FollowUpStatus",
    "SubjectRecords",
    "SubjectSchedule",
    "Visit",
    "derive_schedule",
    "site_schedules",
    "visit_schedule",
]

#: Survival contact outcomes after which a subject is no longer followed.
_FOLLOW_UP_ENDS = frozenset({"DEAD", "LOST TO FOLLOW-UP"})


class FollowUpStatus(StrEnum):
    """Where a subject stands in the trial."""

    SCREENING = "screening"
    ON_TREATMENT = "on_treatment"
    FOLLOW_UP = "follow_up"
    OFF_STUDY = "off_study"

    @property
    def label(self) -> str:
        """The status in words, for pages."""
        return {"on_treatment": "On treatment", "follow_up": "Follow-up", "off_study": "Off study"}.get(
            self.value, "Screening"
        )


@dataclass(frozen=True)
class Visit:
    """A visit due: ``kind`` is ``cycle``, ``scan`` or ``survival``; overdue after ``last_day``."""

    kind: str
    label: str
    due: dt.date
    last_day: dt.date
    overdue: bool


@dataclass(frozen=True)
class SubjectSchedule:
    """A subject's status and the visits due next (earliest first)."""

    subject_id: int
    status: FollowUpStatus
    visits: tuple[Visit, ...] = ()

    @property
    def next_visit(self) -> Visit | None:
        """The earliest visit due, or None when nothing is scheduled."""
        return self.visits[0] if self.visits else None

    @property
    def overdue(self) -> bool:
        """True when any visit due is past its last day."""
        return any(v.overdue for v in self.visits)


@dataclass
class SubjectRecords:
    """The stored facts of one subject that the schedule depends on."""

    subject_id: int
    status: str
    enrollment_date: dt.date | None
    screening_date: dt.date
    doses: list[tuple[str, int, dt.date]] = field(default_factory=list)  # (drug, cycle, date)
    assessments: list[tuple[dt.date, str | None]] = field(default_factory=list)  # (date, response)
    end_of_treatment: dt.date | None = None
    death: dt.date | None = None
    contacts: list[tuple[dt.date, str]] = field(default_factory=list)  # (date, status)


def derive_schedule(protocol: Protocol, records: SubjectRecords, today: dt.date) -> SubjectSchedule:
    """The subject's status and next visits due on ``today``.

    >>> from oncotrial.protocol import load_protocol
    >>> r = SubjectRecords(1, "enrolled", dt.date(2025, 1, 2), dt.date(2025, 1, 1),
    ...                    doses=[("PD1", 1, dt.date(2025, 1, 3))])
    >>> s = derive_schedule(load_protocol(), r, dt.date(2025, 1, 20))
    >>> s.status.value, s.next_visit.kind, s.next_visit.due.isoformat(), s.overdue
    ('on_treatment', 'cycle', '2025-01-24', False)
    """
    status = _status(protocol, records, today)
    if status is FollowUpStatus.SCREENING or status is FollowUpStatus.OFF_STUDY:
        return SubjectSchedule(records.subject_id, status)
    assert records.enrollment_date is not None  # enrolled: on treatment or in follow-up
    study_end = protocol.schedule.end_of_study.after(records.enrollment_date)
    visits = []
    if status is FollowUpStatus.ON_TREATMENT:
        visits.append(_next_cycle(protocol, records, today))
    else:
        visits.append(_next_contact(protocol, records, today))
    visits.append(_next_scan(protocol, records, today))
    due = sorted((v for v in visits if v is not None and v.due <= study_end), key=lambda v: v.due)
    return SubjectSchedule(records.subject_id, status, tuple(due))


def _status(protocol: Protocol, records: SubjectRecords, today: dt.date) -> FollowUpStatus:
    if records.status == SubjectStatus.SCREENING.value:
        return FollowUpStatus.SCREENING
    if records.status != SubjectStatus.ENROLLED.value or records.enrollment_date is None:
        return FollowUpStatus.OFF_STUDY  # a screen failure
    if records.death is not None or any(s in _FOLLOW_UP_ENDS for _, s in records.contacts):
        return FollowUpStatus.OFF_STUDY
    if today > protocol.schedule.end_of_study.after(records.enrollment_date):
        return FollowUpStatus.OFF_STUDY
    if records.end_of_treatment is not None:
        return FollowUpStatus.FOLLOW_UP
    return FollowUpStatus.ON_TREATMENT


def _visit(kind: str, label: str, due: dt.date, last_day: dt.date, today: dt.date) -> Visit:
    return Visit(kind, label, due, last_day, today > last_day)


def _next_cycle(protocol: Protocol, records: SubjectRecords, today: dt.date) -> Visit | None:
    regimen = protocol.regimen
    if not records.doses:
        last_day = protocol.schedule.screening_window.after(records.screening_date)
        return _visit("cycle", "Cycle 1", records.enrollment_date or last_day, last_day, today)
    by_drug: dict[str, list[tuple[int, dt.date]]] = defaultdict(list)
    for drug, cycle, day in records.doses:
        by_drug[drug].append((cycle, day))
    candidates = []
    for drug in regimen.drugs:
        given = sorted(by_drug.get(drug.code, []))
        if not given:
            continue
        cycle, last = max(given, key=lambda g: g[0])
        due = regimen.cycle_length.after(last)
        if drug.max_cycles is not None and cycle >= drug.max_cycles:
            continue
        if drug.max_duration is not None and due > drug.max_duration.after(min(d for _, d in given)):
            continue
        candidates.append((due, cycle + 1))
    if not candidates:
        return None
    due, cycle = min(candidates)
    return _visit("cycle", f"Cycle {cycle}", due, due + dt.timedelta(days=regimen.dose_window_days), today)


def _next_scan(protocol: Protocol, records: SubjectRecords, today: dt.date) -> Visit | None:
    schedule = protocol.schedule
    if any(response == "PD" for _, response in records.assessments):
        return None  # scans follow the disease until progression
    if schedule.imaging_anchor == "first_dose":
        anchor = min((d for _, _, d in records.doses), default=None)
    else:
        anchor = records.enrollment_date
    if anchor is None:
        return None
    after_baseline = sum(1 for day, _ in records.assessments if day > anchor)
    due = anchor
    for _ in range(after_baseline + 1):
        due = schedule.imaging_interval.after(due)
    window = dt.timedelta(days=schedule.imaging_window_days)
    return _visit("scan", f"Scan {after_baseline + 1} after baseline", due, due + window, today)


def _next_contact(protocol: Protocol, records: SubjectRecords, today: dt.date) -> Visit:
    assert records.end_of_treatment is not None
    last = max([records.end_of_treatment, *(d for d, _ in records.contacts)])
    due = protocol.schedule.survival_follow_up_interval.after(last)
    return _visit("survival", "Survival contact", due, due, today)


def _records(session: Session, subjects: list[Subject]) -> dict[int, SubjectRecords]:
    out = {s.id: SubjectRecords(s.id, s.status, s.enrollment_date, s.screening_date) for s in subjects}
    ids = list(out)
    if not ids:
        return out
    for sid, drug, cycle, day in session.execute(
        select(Dose.subject_id, Dose.drug_code, Dose.cycle, Dose.dose_date).where(Dose.subject_id.in_(ids))
    ):
        out[sid].doses.append((drug, cycle, day))
    for sid, day, response in session.execute(
        select(
            TumourAssessment.subject_id, TumourAssessment.assessment_date, TumourAssessment.computed_response
        ).where(TumourAssessment.subject_id.in_(ids))
    ):
        out[sid].assessments.append((day, response))
    for sid, day in session.execute(
        select(EndOfTreatment.subject_id, EndOfTreatment.end_date).where(EndOfTreatment.subject_id.in_(ids))
    ):
        out[sid].end_of_treatment = day
    for sid, day in session.execute(
        select(Death.subject_id, Death.death_date).where(Death.subject_id.in_(ids))
    ):
        out[sid].death = day
    for sid, day, status in session.execute(
        select(SurvivalContact.subject_id, SurvivalContact.contact_date, SurvivalContact.status).where(
            SurvivalContact.subject_id.in_(ids)
        )
    ):
        out[sid].contacts.append((day, status))
    return out


def visit_schedule(session: Session, actor: User, subject_id: int, today: dt.date) -> SubjectSchedule:
    """One subject's status and next visits due on ``today`` (through the site filter)."""
    subject = get_subject(session, actor, subject_id)
    records = _records(session, [subject])[subject.id]
    return derive_schedule(trial_protocol(session), records, today)


def site_schedules(session: Session, actor: User, today: dt.date) -> dict[int, SubjectSchedule]:
    """The schedule of every subject the actor may see, by subject id (five queries in all)."""
    subjects = list(session.execute(visible_subjects(actor)).scalars())
    protocol = trial_protocol(session)
    return {sid: derive_schedule(protocol, r, today) for sid, r in _records(session, subjects).items()}
