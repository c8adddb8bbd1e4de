"""The query inbox: the site answers open queries; the monitor opens queries on a field and closes them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from oncotrial.edc import (
    Action,
    Query,
    QueryStatus,
    answer_query,
    can,
    close_query,
    get_record,
    list_queries,
    list_subjects,
    open_query,
)
from oncotrial.edc.services.forms import QueryIn, parse_form
from oncotrial.errors import OncotrialError, ValidationFailed
from oncotrial.web import _edc
from oncotrial.web._casebook_pages import ANCHORS, QUERY_STATUS
from oncotrial.web._context import Page, load_page
from oncotrial.web._subject_pages import subject_label

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_ANCHOR = {**ANCHORS, "tumour_assessment": "assessment"}


async def page(request: Request) -> Page:
    return await load_page(request, _edc.get_user)


def _row(subject: Any, q: Any) -> dict[str, Any]:
    prefix = _ANCHOR.get(q.record_table)
    label, kind = QUERY_STATUS.get(q.status, (q.status, ""))
    return {
        "id": q.id,
        "version": q.version,
        "subject_id": subject.id,
        "subject": subject_label(subject),
        "where": f"{q.record_table} #{q.record_id}",
        "field": q.field,
        "link": f"/subjects/{subject.id}" + (f"#{prefix}-{q.record_id}" if prefix else ""),
        "origin": q.origin,
        "text": q.text,
        "status": q.status,
        "status_label": label,
        "status_kind": kind,
        "answer": q.answer,
    }


def _permissions(user: Any) -> dict[str, Any]:
    return {
        "can_answer": can(user, Action.ANSWER_QUERY),
        "can_close": can(user, Action.CLOSE_QUERY),
        "open_status": QueryStatus.OPEN.value,
        "answered_status": QueryStatus.ANSWERED.value,
    }


def _is_htmx(p: Page) -> bool:
    return p.request.headers.get("hx-request") == "true"


def _row_response(p: Page, query_id: int, message: str, error: str | None = None) -> Response:
    """The query's table row after a change, for htmx to swap in place, with a status line."""
    user = p.user
    with p.db() as db:
        query, subject = get_record(db, user, Query, query_id)
        row = _row(subject, query)
    if error:
        row["error"] = error
    return p.render("query_row_partial.html", q=row, message=message, **_permissions(user))


@router.get("/queries")
async def inbox(request: Request, show: str = "active") -> Response:
    p = await page(request)
    user = p.require()
    rows = []
    with p.db() as db:
        for subject in list_subjects(db, user):
            for q in list_queries(db, user, subject.id):
                if show != "all" and q.status == QueryStatus.CLOSED.value:
                    continue
                rows.append(_row(subject, q))
    return p.render(
        "queries.html",
        page_title="Queries",
        rows=rows,
        show=show,
        **_permissions(user),
    )


@router.post("/queries")
async def open_(request: Request) -> Response:
    p = await page(request)
    user = p.require()
    try:
        form = parse_form(
            QueryIn,
            {k: p.form.get(k) for k in ("record_table", "record_id", "field", "text")},
        )
        with p.db() as db:
            query = open_query(db, user, form)
            subject_id = query.subject_id
    except (ValidationFailed, OncotrialError) as exc:
        message = "; ".join(f"{pr.where}: {pr.msg}" for pr in exc.problems)
        return p.redirect("/queries", f"Query not opened: {message}")
    return p.redirect(f"/subjects/{subject_id}", f"Query #{query.id} opened on {form.field}.")


@router.post("/queries/{query_id}/answer")
async def answer(request: Request, query_id: int) -> Response:
    p = await page(request)
    user = p.require()
    try:
        with p.db() as db:
            answer_query(
                db,
                user,
                query_id,
                str(p.form.get("answer", "")),
                expected_version=int(str(p.form.get("version", "0")) or 0),
            )
    except (ValidationFailed, OncotrialError) as exc:
        message = "; ".join(f"{pr.where}: {pr.msg}" for pr in exc.problems)
        if _is_htmx(p):
            return _row_response(p, query_id, f"Query #{query_id} not answered.", message)
        return p.redirect("/queries", f"Query #{query_id} not answered: {message}")
    if _is_htmx(p):
        return _row_response(p, query_id, f"Query #{query_id} answered.")
    return p.redirect("/queries", f"Query #{query_id} answered.")


@router.post("/queries/{query_id}/close")
async def close(request: Request, query_id: int) -> Response:
    p = await page(request)
    user = p.require()
    try:
        with p.db() as db:
            close_query(db, user, query_id, expected_version=int(str(p.form.get("version", "0")) or 0))
    except (ValidationFailed, OncotrialError) as exc:
        message = "; ".join(f"{pr.where}: {pr.msg}" for pr in exc.problems)
        if _is_htmx(p):
            return _row_response(p, query_id, f"Query #{query_id} not closed.", message)
        return p.redirect("/queries", f"Query #{query_id} not closed: {message}")
    if _is_htmx(p):
        return _row_response(p, query_id, f"Query #{query_id} closed.")
    return p.redirect("/queries", f"Query #{query_id} closed.")
