"""The tumour assessment form: lesions by row, stored through the EDC's assessment service."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from oncotrial.edc import Action, get_subject, record_assessment
from oncotrial.edc.services.forms import TumourAssessmentIn, parse_form
from oncotrial.errors import OncotrialError, ValidationFailed
from oncotrial.web import _assessments, _edc
from oncotrial.web._casebook_pages import _subject_info
from oncotrial.web._context import Page, load_page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


async def page(request: Request) -> Page:
    return await load_page(request, _edc.get_user)


def _render(
    p: Page, subject_id: int, values: dict, problems=(), errors=None, status_code: int = 200
) -> Response:
    user = p.user
    with p.db() as db:
        info = _subject_info(get_subject(db, user, subject_id, Action.ENTER_DATA))
        lesions = _assessments.known_lesions(db, user, subject_id)
    return p.render(
        "assessment.html",
        status_code=status_code,
        page_title=f"Tumour assessment {info['label']}",
        subject=info,
        baseline=not lesions,
        rows=_assessments.form_rows(lesions, values),
        categories=_assessments.categories(),
        states=_assessments.states(),
        responses=_assessments.responses(),
        values=values,
        problems=list(problems),
        errors=errors or {},
    )


@router.get("/subjects/{subject_id}/assessments/new")
async def assessment_form(request: Request, subject_id: int) -> Response:
    p = await page(request)
    p.require()
    return _render(p, subject_id, {})


@router.post("/subjects/{subject_id}/assessments")
async def record(request: Request, subject_id: int) -> Response:
    p = await page(request)
    user = p.require()
    n_rows = int(str(p.form.get("n_rows", "0")) or 0)
    payload, origin = _assessments.assessment_payload(p.form, n_rows)
    try:
        form = parse_form(TumourAssessmentIn, payload)
        with p.db() as db:
            assessment = record_assessment(db, user, subject_id, form)
            anchor, response = f"assessment-{assessment.id}", assessment.computed_response
    except (ValidationFailed, OncotrialError) as exc:
        summary, inline = _assessments.row_problems(exc, origin)
        values = {k: str(v) for k, v in p.form.items() if k != "csrf_token"}
        return _render(p, subject_id, values, summary, inline, status_code=422)
    note = (
        f"Assessment saved; computed RECIST 1.1 response: {response}."
        if response
        else "Baseline assessment saved."
    )
    return p.redirect(f"/subjects/{subject_id}#{anchor}", note)
