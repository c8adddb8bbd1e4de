"""Tumour assessments on the pages: the lesion form, and each assessment's RECIST explanation.

The EDC stores every assessment with the response its RECIST 1.1 engine computed and the
rule that decided it. For the explanation the casebook also shows the lesions measured
and the sums the same engine derives (sum of diameters, baseline, % change, nadir), from
the EDC's own TU/TR frames of the subject. The baseline is the subject's first assessment,
as the EDC defines it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from oncotrial.edc import (
    Lesion,
    LesionMeasurement,
    User,
    get_subject,
    list_assessments,
    stored_rows,
    trial_protocol,
    tu_tr_frames,
)
from oncotrial.edc.services.forms import LesionIn, MeasurementIn, TumourAssessmentIn
from oncotrial.errors import OncotrialError, ValidationFailed
from oncotrial.recist import RecistSettings, evaluate_timepoints
from oncotrial.web._crf import literal_choices

__all__ = [
    "BLANK_NEW_ROWS",
    "BLANK_ROWS_AT_BASELINE",
    "assessment_payload",
    "form_rows",
    "row_problems",
    "timeline_items",
]

#: Empty lesion rows offered on a baseline form, and for new lesions on a follow-up form.
BLANK_ROWS_AT_BASELINE = 6
BLANK_NEW_ROWS = 2

RESPONSE_BADGE = {"CR": "ok", "PR": "ok", "SD": "", "NON-CR/NON-PD": "", "PD": "bad", "NE": "warn"}


def categories() -> list[str]:
    return literal_choices(LesionIn, "category")


def states() -> list[str]:
    return literal_choices(MeasurementIn, "state")


def responses() -> list[str]:
    return literal_choices(TumourAssessmentIn, "investigator_response")


def known_lesions(session: Session, user: User, subject_id: int) -> list[Lesion]:
    subject = get_subject(session, user, subject_id)
    stmt = select(Lesion).where(Lesion.subject_id == subject.id).order_by(Lesion.id)
    return list(session.execute(stmt).scalars())


def form_rows(lesions: list[Lesion], values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Rows of the lesion table: one per known lesion (fixed identity), then blank rows."""
    values = values or {}
    rows = []
    for i, les in enumerate(lesions):
        rows.append(
            {"i": i, "fixed": True, "code": les.code, "category": les.category, "location": les.location}
        )
    blanks = BLANK_NEW_ROWS if lesions else BLANK_ROWS_AT_BASELINE
    for j in range(len(lesions), len(lesions) + blanks):
        rows.append(
            {
                "i": j,
                "fixed": False,
                "code": values.get(f"m-{j}-code") or "",
                "category": values.get(f"m-{j}-category") or ("NEW" if lesions else ""),
                "location": values.get(f"m-{j}-location") or "",
            }
        )
    for r in rows:
        i = r["i"]
        r["diameter_mm"] = values.get(f"m-{i}-diameter_mm") or ""
        r["state"] = values.get(f"m-{i}-state") or ""
        r["not_done"] = bool(values.get(f"m-{i}-not_done"))
    return rows


def assessment_payload(form: Any, n_rows: int) -> tuple[dict[str, Any], list[int]]:
    """The service's input from the posted form, and which form row each measurement came from."""
    measurements, origin = [], []
    for i in range(n_rows):
        code = str(form.get(f"m-{i}-code", "")).strip()
        if not code:
            continue
        diameter = str(form.get(f"m-{i}-diameter_mm", "")).strip()
        state = str(form.get(f"m-{i}-state", "")).strip()
        measurements.append(
            {
                "lesion": {
                    "code": code,
                    "category": str(form.get(f"m-{i}-category", "")).strip(),
                    "location": str(form.get(f"m-{i}-location", "")).strip(),
                },
                "diameter_mm": diameter or None,
                "state": state or None,
                "not_done": bool(form.get(f"m-{i}-not_done")),
            }
        )
        origin.append(i)
    payload = {
        "visit_number": str(form.get("visit_number", "")).strip() or None,
        "visit": str(form.get("visit", "")).strip() or None,
        "assessment_date": str(form.get("assessment_date", "")).strip() or None,
        "investigator_response": str(form.get("investigator_response", "")).strip() or None,
        "measurements": measurements,
    }
    return payload, origin


def row_problems(
    exc: ValidationFailed | OncotrialError, origin: list[int]
) -> tuple[list[dict], dict[str, str]]:
    """Summary and inline errors; a problem on ``measurements[k].x`` goes to the form row's field."""
    labels = {
        "visit_number": "Visit number",
        "visit": "Visit name",
        "assessment_date": "Assessment date",
        "investigator_response": "Investigator's response",
        "measurements": "Lesions",
    }
    summary, inline = [], {}
    for p in exc.problems:
        loc = list(p.loc)
        name, label = None, ""
        if len(loc) >= 2 and loc[0] == "measurements" and isinstance(loc[1], int) and loc[1] < len(origin):
            row = origin[loc[1]]
            leaf = next((x for x in reversed(loc) if isinstance(x, str) and x != "lesion"), "code")
            leaf = leaf if leaf in ("code", "category", "location", "diameter_mm", "state") else "code"
            name, label = f"m-{row}-{leaf}", f"Lesion row {row + 1}"
        elif loc and isinstance(loc[0], str) and loc[0] in labels:
            name, label = loc[0], labels[loc[0]]
        summary.append({"field": name, "label": label, "msg": p.msg})
        if name:
            inline[name] = f"{inline[name]}; {p.msg}" if name in inline else p.msg
    return summary, inline


def _timepoints(session: Session, subject_id: int) -> pd.DataFrame:
    protocol = trial_protocol(session)
    rows = stored_rows(session, [subject_id], protocol.identity.study_id)
    if len({r.visit_number for r in rows}) < 2:
        return pd.DataFrame()
    tu, tr = tu_tr_frames(rows)
    return evaluate_timepoints(tu, tr, RecistSettings.from_protocol(protocol))


def _mm(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else f"{float(value):g} mm"


def timeline_items(session: Session, user: User, subject_id: int) -> list[dict[str, Any]]:
    """One timeline item per assessment: lesions, sums and the computed response with its rule."""
    assessments = list_assessments(session, user, subject_id)  # checks the user may see the subject
    if not assessments:
        return []
    measured = session.execute(
        select(LesionMeasurement, Lesion)
        .join(Lesion, LesionMeasurement.lesion_id == Lesion.id)
        .where(LesionMeasurement.subject_id == subject_id)
        .order_by(Lesion.code)
    ).all()
    timepoints = _timepoints(session, subject_id)
    items = []
    for k, a in enumerate(assessments):
        lesions = [
            [
                les.code,
                les.category.title(),
                les.location,
                "not done"
                if m.not_done
                else (_mm(m.diameter_mm) if m.diameter_mm is not None else (m.state or "–").lower()),
            ]
            for m, les in measured
            if m.assessment_id == a.id
        ]
        explain = []
        if k == 0:
            targets = [
                m.diameter_mm for m, les in measured if m.assessment_id == a.id and les.category == "TARGET"
            ]
            total = sum(d for d in targets if d is not None)
            explain.append(
                f"Baseline: sum of target diameters {total:g} mm over {len(targets)} target lesion(s)."
            )
        if not timepoints.empty:
            tp = timepoints[timepoints["VISITNUM"] == a.visit_number]
            if not tp.empty:
                r = tp.iloc[0]
                pchg = "–" if pd.isna(r["PCHG"]) else f"{float(r['PCHG']):+.1f}%"
                pchgnad = "–" if pd.isna(r["PCHGNAD"]) else f"{float(r['PCHGNAD']):+.1f}%"
                explain.append(
                    f"Sum of diameters {_mm(r['SUMDIAM'])} (baseline {_mm(r['BASE'])}, change {pchg}; "
                    f"nadir {_mm(r['NADIR'])}, change from nadir {pchgnad}). "
                    f"Target {r['TRGRESP'] or '–'}, non-target {r['NTRGRESP'] or '–'}, "
                    f"new lesions {'yes' if r['NEWLPROG'] == 'Y' else 'no'}."
                )
        if a.computed_response:
            explain.append(f"Computed response {a.computed_response}: {a.computed_rule}")
        if a.investigator_response:
            explain.append(f"Investigator's response: {a.investigator_response}.")
        items.append(
            {
                "date": a.assessment_date,
                "order": 2,
                "anchor": f"assessment-{a.id}",
                "kind": "Tumour assessment",
                "title": f"{a.visit} (visit {a.visit_number})"
                + (f": RECIST 1.1 response {a.computed_response}" if a.computed_response else ": baseline"),
                "badge": (a.computed_response, RESPONSE_BADGE.get(a.computed_response, ""))
                if a.computed_response
                else None,
                "explain": " ".join(explain),
                "table": {
                    "caption": f"Lesions at {a.visit}",
                    "head": ["Lesion", "Category", "Location", "Result"],
                    "rows": lesions,
                },
                "edit": f"/assessments/{a.id}/edit",
                "record": {
                    "table": "tumour_assessment",
                    "id": a.id,
                    "fields": ["assessment_date", "investigator_response", "visit"],
                },
            }
        )
    return items
