"""Site pages: the subject list, screening with its eligibility result, enrollment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from oncotrial.edc import (
    Action,
    Death,
    Dose,
    EndOfTreatment,
    Query,
    QueryStatus,
    Role,
    Signature,
    SubjectStatus,
    can,
    enroll_subject,
    get_subject,
    list_subjects,
    screen_subject,
    site_schedules,
    visible_subjects,
)
from oncotrial.edc.services.forms import EnrollIn, ScreeningIn, parse_form
from oncotrial.errors import OncotrialError, ValidationFailed
from oncotrial.protocol import evaluate_eligibility
from oncotrial.protocol.eligibility import check_screening_values
from oncotrial.web import _edc
from oncotrial.web._context import Page, PageError, load_page
from oncotrial.web._forms import form_values, problems_for

__all__ = ["STATUS_LABELS", "as_of", "router", "subject_label"]

router = APIRouter(include_in_schema=False)

STATUS_LABELS = {
    SubjectStatus.SCREENING.value: "Screening",
    SubjectStatus.SCREEN_FAILED.value: "Screen failed",
    SubjectStatus.ENROLLED.value: "Enrolled",
}


def subject_label(subject: Any) -> str:
    """Subject number once enrolled, screening number before."""
    return subject.subject_number or subject.screening_number


async def page(request: Request) -> Page:
    return await load_page(request, _edc.get_user)


@router.get("/subjects")
async def subjects(request: Request) -> Response:
    p = await page(request)
    user = p.require()
    today = as_of(request)
    with p.db() as db:
        rows_db = list_subjects(db, user)
        schedules = site_schedules(db, user, today)
        visible_ids = select(visible_subjects(user).subquery().c.id)
        open_counts = dict(
            db.execute(
                select(Query.subject_id, func.count())
                .where(Query.subject_id.in_(visible_ids), Query.status == QueryStatus.OPEN.value)
                .group_by(Query.subject_id)
            ).all()
        )
        first_dose = dict(
            db.execute(
                select(Dose.subject_id, func.min(Dose.dose_date))
                .where(Dose.subject_id.in_(visible_ids))
                .group_by(Dose.subject_id)
            ).all()
        )
        reasons = {r.code: r.label for r in p.protocol.treatment_end_reasons}
        ended = {
            e.subject_id: f"{e.end_date} ({reasons.get(e.reason_code, e.reason_code)})"
            for e in db.execute(
                select(EndOfTreatment).where(EndOfTreatment.subject_id.in_(visible_ids))
            ).scalars()
        }
        died = dict(
            db.execute(
                select(Death.subject_id, Death.death_date).where(Death.subject_id.in_(visible_ids))
            ).all()
        )
        signed = set(
            db.execute(
                select(Signature.subject_id).where(Signature.subject_id.in_(visible_ids), Signature.valid)
            ).scalars()
        )
        rows = [
            {
                "id": s.id,
                "label": subject_label(s),
                "site": s.site.code,
                "status": STATUS_LABELS.get(s.status, s.status),
                "open_queries": open_counts.get(s.id, 0),
                "first_dose": first_dose.get(s.id),
                "ended": ended.get(s.id),
                "died": died.get(s.id),
                "signed": s.id in signed,
                "schedule": schedules.get(s.id),
            }
            for s in rows_db
        ]
    return p.render(
        "subjects.html",
        page_title="Subjects",
        rows=rows,
        site_label=p.viewer.site_label if p.viewer else "",
        can_screen=can(user, Action.ENTER_DATA),
        today=today,
    )


def as_of(request: Request) -> dt.date:
    """The day the schedule is judged on: ``?as_of=YYYY-MM-DD`` or today (UTC)."""
    text = request.query_params.get("as_of")
    if not text:
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise PageError(422, "Not a date", f"as_of: {text!r} is not a date (YYYY-MM-DD)") from None


def _screening_fields(p: Page) -> list[Any]:
    return list(p.protocol.eligibility.fields)


def _site_choices(p: Page) -> list[tuple[str, str]]:
    user = p.user
    assert user is not None
    return [(s.code, f"{s.code} – {s.name}") for s in sorted(user.sites, key=lambda s: s.code)]


_SCREENING_LABELS_BASE = {
    "site_code": "Site",
    "consent_date": "Date of informed consent",
    "screening_date": "Screening date",
}


def _screening_labels(p: Page) -> dict[str, str]:
    return {**_SCREENING_LABELS_BASE, **{f.name: f.label for f in p.protocol.eligibility.fields}}


@router.get("/screening/new")
async def screening_form(request: Request) -> Response:
    p = await page(request)
    p.require(Role.SITE_COORDINATOR, Role.INVESTIGATOR)
    return p.render(
        "screening.html",
        page_title="Screen a patient",
        fields=_screening_fields(p),
        site_choices=_site_choices(p),
        values={},
    )


@router.post("/screening")
async def screen(request: Request) -> Response:
    p = await page(request)
    user = p.require(Role.SITE_COORDINATOR, Role.INVESTIGATOR)
    names = [f.name for f in p.protocol.eligibility.fields]
    raw = form_values(p.form, [*names, "site_code", "consent_date", "screening_date"])
    entered = {k: v for k, v in raw.items() if k in names and v is not None}
    try:
        # Types come from the protocol's declared fields; the service evaluates eligibility.
        values = check_screening_values(p.protocol, entered)
        form = parse_form(
            ScreeningIn,
            {
                "site_code": raw["site_code"],
                "consent_date": raw["consent_date"],
                "screening_date": raw["screening_date"],
                "values": values,
            },
        )
        with p.db() as db:
            subject = screen_subject(db, user, form)
            subject_id = subject.id
    except (ValidationFailed, OncotrialError) as exc:
        problems, errors = problems_for(exc, _screening_labels(p))
        return p.render(
            "screening.html",
            status_code=422,
            page_title="Screen a patient",
            fields=_screening_fields(p),
            site_choices=_site_choices(p),
            values=raw,
            problems=problems,
            errors=errors,
        )
    return p.redirect(f"/subjects/{subject_id}/eligibility")


@router.get("/subjects/{subject_id}/eligibility")
async def eligibility(request: Request, subject_id: int) -> Response:
    p = await page(request)
    user = p.require()
    with p.db() as db:
        subject = get_subject(db, user, subject_id)
        result = evaluate_eligibility(p.protocol, subject.screening_values)
        info = {"id": subject.id, "label": subject_label(subject), "version": subject.version}
        status = subject.status
    criteria = result.to_dict()["criteria"]
    return p.render(
        "eligibility.html",
        page_title=f"Screening result {info['label']}",
        subject=info,
        eligible=result.eligible,
        failing=[c for c in criteria if c["blocks"]],
        criteria=criteria,
        can_enroll=result.eligible
        and status != SubjectStatus.ENROLLED.value
        and can(user, Action.ENTER_DATA),
        today=dt.date.today().isoformat(),
    )


@router.post("/subjects/{subject_id}/enroll")
async def enroll(request: Request, subject_id: int) -> Response:
    p = await page(request)
    user = p.require()
    try:
        with p.db() as db:
            subject = get_subject(db, user, subject_id, Action.ENTER_DATA)
            form = parse_form(
                EnrollIn,
                {"enrollment_date": p.form.get("enrollment_date"), "version": subject.version},
            )
            enrolled = enroll_subject(db, user, subject_id, form)
            number = enrolled.subject_number
    except (ValidationFailed, OncotrialError) as exc:
        message = "; ".join(f"{pr.where}: {pr.msg}" for pr in exc.problems)
        return p.redirect(f"/subjects/{subject_id}/eligibility", f"Not enrolled: {message}")
    return p.redirect(f"/subjects/{subject_id}", f"Enrolled as {number}.")
