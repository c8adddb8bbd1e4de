"""Correcting a stored tumour assessment: each lesion's measurement and the investigator's response.

The page offers one row per lesion measured at the assessment and the investigator's
response; saving asks for a reason for change and calls the EDC's
``update_measurement`` (which recomputes every RECIST 1.1 response of the subject) and
``update_investigator_response`` for what changed, in one unit of work: if any
correction is refused, none is stored. The recomputed responses are shown after saving.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from oncotrial.edc import (
    Action,
    Conflict,
    Forbidden,
    Lesion,
    LesionMeasurement,
    NotFound,
    TumourAssessment,
    User,
    get_record,
    list_assessments,
    update_investigator_response,
    update_measurement,
)
from oncotrial.edc.services.forms import LesionIn, MeasurementIn, parse_form
from oncotrial.errors import OncotrialError, Problem, ValidationFailed
from oncotrial.web import _assessments, _edc
from oncotrial.web._casebook_pages import _subject_info
from oncotrial.web._context import Page, load_page

__all__ = ["measurement_rows", "router"]

router = APIRouter(include_in_schema=False)

#: Errors that are not about a field of the form: they become the usual error pages.
_PAGE_ERRORS = (Conflict, Forbidden, NotFound)


async def page(request: Request) -> Page:
    return await load_page(request, _edc.get_user)


def _measured(session: Session, assessment_id: int) -> list[tuple[LesionMeasurement, Lesion]]:
    stmt = (
        select(LesionMeasurement, Lesion)
        .join(Lesion, LesionMeasurement.lesion_id == Lesion.id)
        .where(LesionMeasurement.assessment_id == assessment_id)
        .order_by(Lesion.id)
    )
    return [(m, les) for m, les in session.execute(stmt).all()]


def measurement_rows(
    measured: list[tuple[LesionMeasurement, Lesion]], values: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """One form row per measurement: the lesion's identity, and the stored (or re-posted) result."""
    rows = []
    for m, les in measured:
        prefix = f"m-{m.id}-"
        stored = {
            "diameter_mm": "" if m.diameter_mm is None else f"{m.diameter_mm:g}",
            "state": m.state or "",
            "not_done": bool(m.not_done),
            "version": m.version,
        }
        if values is not None:
            stored = {
                "diameter_mm": values.get(prefix + "diameter_mm") or "",
                "state": values.get(prefix + "state") or "",
                "not_done": bool(values.get(prefix + "not_done")),
                "version": values.get(prefix + "version") or m.version,
            }
        rows.append(
            {"id": m.id, "code": les.code, "category": les.category, "location": les.location, **stored}
        )
    return rows


def _render(
    p: Page,
    assessment_id: int,
    values: dict[str, Any] | None = None,
    problems: list[dict[str, Any]] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    with p.db() as db:
        assessment, subject = get_record(db, p.require(), TumourAssessment, assessment_id, Action.ENTER_DATA)
        info = _subject_info(subject)
        rows = measurement_rows(_measured(db, assessment_id), values)
        current = {
            "visit": assessment.visit,
            "visit_number": assessment.visit_number,
            "assessment_date": assessment.assessment_date,
            "computed_response": assessment.computed_response,
            "version": assessment.version,
            "investigator_response": assessment.investigator_response or "",
        }
    if values is not None:
        current["investigator_response"] = values.get("investigator_response") or ""
        current["version"] = values.get("version") or current["version"]
    return p.render(
        "assessment_edit.html",
        status_code=422 if problems else 200,
        page_title=f"Correct tumour assessment {info['label']}",
        subject=info,
        assessment_id=assessment_id,
        assessment=current,
        rows=rows,
        states=_assessments.states(),
        responses=_assessments.responses(),
        reason=(values or {}).get("reason") or "",
        problems=problems or [],
        errors=errors or {},
    )


@router.get("/assessments/{assessment_id}/edit")
async def edit_form(request: Request, assessment_id: int) -> Response:
    p = await page(request)
    p.require()
    return _render(p, assessment_id)


class _Problems:
    """Problems of the posted form, each placed on its form field and listed once in the summary."""

    def __init__(self) -> None:
        self.summary: list[dict[str, Any]] = []
        self.inline: dict[str, str] = {}

    def add(self, field: str | None, label: str, msg: str) -> None:
        entry = {"field": field, "label": label, "msg": msg}
        if entry in self.summary:
            return
        self.summary.append(entry)
        if field:
            self.inline[field] = f"{self.inline[field]}; {msg}" if field in self.inline else msg

    def add_row(self, exc: ValidationFailed | OncotrialError, row: dict[str, Any]) -> None:
        """A measurement's problems go to its diameter or state field (or reason / summary)."""
        default = "diameter_mm" if row["category"] == "TARGET" else "state"
        for problem in exc.problems:
            leaves = [x for x in problem.loc if isinstance(x, str)]
            if "reason" in leaves:
                self.add("reason", "Reason for change", problem.msg)
                continue
            leaf = next((x for x in reversed(leaves) if x in ("diameter_mm", "state", "not_done")), None)
            if leaf is None and leaves and leaves != ["lesion"]:
                self.add(None, "", problem.msg)  # about the subject (locked, say), not the row
                continue
            self.add(f"m-{row['id']}-{leaf or default}", f"Lesion {row['code']}", problem.msg)

    def add_response(self, exc: ValidationFailed | OncotrialError) -> None:
        for problem in exc.problems:
            if "reason" in problem.loc:
                self.add("reason", "Reason for change", problem.msg)
            elif problem.loc and "investigator_response" not in problem.loc:
                self.add(None, "", problem.msg)
            else:
                self.add("investigator_response", "Investigator's response", problem.msg)


def _parse_row(form: Any, row: dict[str, Any]) -> MeasurementIn:
    """Type and range checks of one posted row, by the same input model as a new assessment."""
    prefix = f"m-{row['id']}-"
    diameter = str(form.get(prefix + "diameter_mm", "")).strip()
    state = str(form.get(prefix + "state", "")).strip()
    lesion = LesionIn(code=row["code"], category=row["category"], location=row["location"])
    return parse_form(
        MeasurementIn,
        {
            "lesion": lesion.model_dump(),
            "diameter_mm": diameter or None,
            "state": state or None,
            "not_done": bool(form.get(prefix + "not_done")),
        },
    )


def _version(text: Any, fallback: int) -> int:
    try:
        return int(str(text))
    except ValueError:
        return fallback


def _save(p: Page, user: User, assessment_id: int, found: _Problems) -> tuple[int, str]:
    """Store what changed; raise :class:`ValidationFailed` (nothing stored) if any change is refused."""
    form, reason = p.form, str(p.form.get("reason", "")).strip() or None
    with p.db() as db:
        assessment, subject = get_record(db, user, TumourAssessment, assessment_id, Action.ENTER_DATA)
        before = {a.id: a.computed_response for a in list_assessments(db, user, subject.id)}
        read_version = _version(form.get("version"), assessment.version)
        version_at_start = assessment.version
        changed = 0
        for m, les in _measured(db, assessment_id):
            row = {"id": m.id, "code": les.code, "category": les.category}
            try:
                parsed = _parse_row(form, {**row, "location": les.location})
            except ValidationFailed as exc:
                found.add_row(exc, row)
                continue
            new = (parsed.diameter_mm, parsed.state, parsed.not_done)
            if new == (m.diameter_mm, m.state, bool(m.not_done)):
                continue
            changed += 1
            try:
                update_measurement(
                    db,
                    user,
                    m.id,
                    diameter_mm=parsed.diameter_mm,
                    state=parsed.state,
                    not_done=parsed.not_done,
                    expected_version=_version(form.get(f"m-{m.id}-version"), m.version),
                    reason=reason,
                )
            except _PAGE_ERRORS:
                raise
            except (ValidationFailed, OncotrialError) as exc:
                found.add_row(exc, row)
        response = str(form.get("investigator_response", "")).strip() or None
        if response is not None and response not in _assessments.responses():
            found.add(
                "investigator_response", "Investigator's response", f"{response!r} is not one of the choices"
            )
        elif response != assessment.investigator_response and not found.summary:
            changed += 1
            # The measurements are corrected first so that the response is compared with the
            # recomputed one; their recomputation may have moved the assessment's version in this
            # same unit of work, so a read that was current at the start stands for the current one.
            expected = assessment.version if read_version == version_at_start else read_version
            try:
                update_investigator_response(
                    db, user, assessment_id, response, expected_version=expected, reason=reason
                )
            except _PAGE_ERRORS:
                raise
            except (ValidationFailed, OncotrialError) as exc:
                found.add_response(exc)
        if found.summary:
            raise ValidationFailed([Problem((s["field"] or "form",), s["msg"]) for s in found.summary])
        db.flush()
        after = list_assessments(db, user, subject.id)
        note = _note(changed, assessment, before, after)
        return subject.id, note


def _note(
    changed: int, assessment: TumourAssessment, before: dict[int, str | None], after: list[TumourAssessment]
) -> str:
    """What the casebook says after saving: the recomputed response, and any other that moved."""
    if not changed:
        return "Nothing was changed."
    this = assessment.computed_response
    parts = [
        f"Assessment corrected; computed RECIST 1.1 response: {this}."
        if this
        else "Assessment corrected (baseline: no response is computed)."
    ]
    for a in after:
        if a.id != assessment.id and before.get(a.id) != a.computed_response:
            parts.append(
                f"{a.visit} (visit {a.visit_number}) now computes {a.computed_response or 'no response'}"
                f" (was {before.get(a.id) or 'none'})."
            )
    return " ".join(parts)


@router.post("/assessments/{assessment_id}/edit")
async def edit(request: Request, assessment_id: int) -> Response:
    p = await page(request)
    user = p.require()
    found = _Problems()
    try:
        subject_id, note = _save(p, user, assessment_id, found)
    except ValidationFailed:
        values = {k: str(v) for k, v in p.form.items() if k != "csrf_token"}
        return _render(p, assessment_id, values, found.summary, found.inline)
    return p.redirect(f"/subjects/{subject_id}#assessment-{assessment_id}", note)
