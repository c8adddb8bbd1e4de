"""A user's own sign-in code (TOTP second factor): set it up, confirm it with a first code.

The key is shown once, on the page that answers "Set up"; the EDC keeps it and masks it in
the audit trail. A user whose role requires a sign-in code is held here after signing in
until it is on (:meth:`Page.require`); confirming it starts a new session at stage ``ok``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from oncotrial.edc import (
    Conflict,
    User,
    begin_enrolment,
    confirm_enrolment,
    end_web_session,
    has_second_factor,
    open_web_session,
)
from oncotrial.edc.services.totp import get_credential
from oncotrial.errors import OncotrialError
from oncotrial.web import _edc
from oncotrial.web._context import Page, load_page
from oncotrial.web._forms import problems_for

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_LABELS = {"code": "Code from the app", "second_factor": "Sign-in code"}


async def page(request: Request) -> Page:
    return await load_page(request, _edc.get_user)


def _render(p: Page, user: User, status_code: int = 200, **context) -> Response:
    with p.db() as db:
        credential = get_credential(db, user.id)
        enrolled = credential is not None and credential.confirmed_at is not None
        pending = credential is not None and not enrolled
    return p.render(
        "second_factor.html",
        status_code=status_code,
        page_title="Sign-in code",
        enrolled=enrolled,
        pending=pending,
        required=p.config.policy.requires_second_factor(user.role),
        **{"enrolment": None, **context},
    )


@router.get("/account/second-factor")
async def second_factor(request: Request) -> Response:
    p = await page(request)
    user = p.require(gate=False)
    return _render(p, user)


@router.post("/account/second-factor/start")
async def start(request: Request) -> Response:
    p = await page(request)
    user = p.require(gate=False)
    issuer = f"oncotrial {p.protocol.identity.study_id}"
    try:
        with p.db(error_pages=False) as db:
            enrolment = begin_enrolment(db, db.get(User, user.id), issuer=issuer)
    except Conflict as exc:
        problems, errors = problems_for(exc, _LABELS)
        return _render(p, user, status_code=409, problems=problems, errors=errors)
    return _render(p, user, enrolment=enrolment)


@router.post("/account/second-factor/confirm")
async def confirm(request: Request) -> Response:
    p = await page(request)
    user = p.require(gate=False)
    try:
        with p.db() as db:
            confirm_enrolment(db, db.get(User, user.id), str(p.form.get("code", "")))
            on = has_second_factor(db, user.id)
    except OncotrialError as exc:
        problems, errors = problems_for(exc, _LABELS)
        return _render(p, user, status_code=422, problems=problems, errors=errors)
    if on and p.stage == "enrol" and p.session.sid:
        # The factor the role requires is on: a new session at full stage replaces this one.
        with p.db() as db:
            end_web_session(db, p.session.sid, "second factor set up")
            sid = open_web_session(
                db, user.id, stage="ok", max_lifetime_s=p.config.settings.session_max_lifetime_s
            )
        p.session = p.session.signed_in_as(sid)
    return p.redirect("/", "Your sign-in code is on: each sign-in will ask for it.")
