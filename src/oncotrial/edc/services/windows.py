"""Soft edit checks on imaging dates: a scan outside its window opens a query, it is not refused.

:func:`scan_window_findings` is the rule, on plain dates and the protocol's ``schedule``:

* the baseline scan (the assessment with the lowest visit number) must lie within
  ``baseline_imaging_window`` before the first dose (on the first dose's day included);
* every later scan must lie within ``imaging_window_days`` of the nearest scheduled scan,
  one ``imaging_interval`` after another from the ``imaging_anchor`` (first dose or
  enrollment).

:func:`check_imaging_windows` applies it to a subject's stored records after an
assessment or a dose is saved and opens one check query per finding (``code``
``baseline_scan_window`` or ``scan_window`` on ``assessment_date``), unless a query with
that code already exists on that assessment (a closed one is not reopened).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oncotrial.edc.services.queries import raise_check_query
from oncotrial.edc.services.trial import trial_protocol
from oncotrial.edc.store.models import Dose, Query, Subject, TumourAssessment, User
from oncotrial.protocol import Protocol

__all__ = ["Finding", "check_imaging_windows", "scan_window_findings"]

BASELINE_CODE = "baseline_scan_window"
SCAN_CODE = "scan_window"


@dataclass(frozen=True)
class Finding:
    """An assessment whose date lies outside its window, with the query's code and text."""

    assessment_id: int
    code: str
    text: str


def scan_window_findings(
    protocol: Protocol,
    assessments: list[tuple[int, int, dt.date]],
    first_dose: dt.date | None,
    enrollment: dt.date | None,
) -> list[Finding]:
    """Assessments ``(id, visit_number, date)`` outside the protocol's imaging windows.

    >>> from oncotrial.protocol import load_protocol
    >>> p = load_protocol()  # baseline within 28 days; scans every 6 weeks +-7 days from the first dose
    >>> first = dt.date(2025, 1, 12)
    >>> [f.code for f in scan_window_findings(p, [(1, 1, dt.date(2025, 1, 8)), (2, 2, dt.date(2025, 3, 10))],
    ...                                       first, None)]
    ['scan_window']
    """
    schedule = protocol.schedule
    if not assessments:
        return []
    findings = []
    baseline = min(assessments, key=lambda a: a[1])
    if first_dose is not None:
        earliest = first_dose - dt.timedelta(days=int(schedule.baseline_imaging_window.days))
        day = baseline[2]
        if not earliest <= day <= first_dose:
            findings.append(
                Finding(
                    baseline[0],
                    BASELINE_CODE,
                    f"baseline scan on {day} is not within {schedule.baseline_imaging_window} before the "
                    f"first dose on {first_dose} (schedule.baseline_imaging_window); confirm the date or explain",
                )
            )
    anchor = first_dose if schedule.imaging_anchor == "first_dose" else enrollment
    if anchor is None:
        return findings
    window = dt.timedelta(days=schedule.imaging_window_days)
    for assessment_id, visit_number, day in assessments:
        if (assessment_id, visit_number, day) == baseline:
            continue
        nearest = _nearest_scheduled(protocol, anchor, day)
        if abs(day - nearest) > window:
            findings.append(
                Finding(
                    assessment_id,
                    SCAN_CODE,
                    f"tumour assessment on {day} is {abs((day - nearest).days)} days from the scheduled scan "
                    f"on {nearest} (every {schedule.imaging_interval} from the {schedule.imaging_anchor.replace('_', ' ')}, "
                    f"± {schedule.imaging_window_days} days); confirm the date or explain",
                )
            )
    return findings


def _nearest_scheduled(protocol: Protocol, anchor: dt.date, day: dt.date) -> dt.date:
    interval = protocol.schedule.imaging_interval
    previous, due = anchor, interval.after(anchor)
    while due < day:
        previous, due = due, interval.after(due)
    if previous == anchor:  # the anchor itself is not a scheduled scan
        return due
    return previous if day - previous < due - day else due


def check_imaging_windows(session: Session, actor: User, subject: Subject) -> list[Query]:
    """Open a check query for each stored assessment of ``subject`` outside its imaging window."""
    assessments = [
        (a.id, a.visit_number, a.assessment_date)
        for a in session.execute(
            select(TumourAssessment).where(TumourAssessment.subject_id == subject.id)
        ).scalars()
    ]
    if not assessments:
        return []
    first_dose = session.execute(
        select(func.min(Dose.dose_date)).where(Dose.subject_id == subject.id)
    ).scalar_one_or_none()
    findings = scan_window_findings(trial_protocol(session), assessments, first_dose, subject.enrollment_date)
    if not findings:
        return []
    queried = set(
        session.execute(
            select(Query.record_id, Query.code).where(
                Query.subject_id == subject.id, Query.record_table == "tumour_assessment"
            )
        ).all()
    )
    opened = []
    for f in findings:
        if (f.assessment_id, f.code) in queried:
            continue
        record = session.get(TumourAssessment, f.assessment_id)
        opened.append(raise_check_query(session, actor, subject, record, "assessment_date", f.code, f.text))
    return opened
