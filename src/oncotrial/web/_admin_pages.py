"""The administrator's page of accounts (sponsor admin only): state and every account action.

Each action is one of the EDC's account services (``oncotrial.edc.services.accounts``),
with the reason the administrator gives; the page computes nothing itself. A temporary
password from a reset is shown once on the answer to that request and never again.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from oncotrial.edc import (
    Conflict,
    NotFound,
    Role,
    change_role,
    change_sites,
    deactivate_user,
    list_accounts,
    reactivate_user,
    reset_password,
    reset_second_factor,
    unlock_user,
)
from oncotrial.edc import Forbidden as EdcForbidden
from oncotrial.errors import OncotrialError, Problem, ValidationFailed
from oncotrial.web import _edc
from oncotrial.web._context import Page, load_page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: The account actions of the first form: (value, label).
ACTIONS = [
    ("unlock", "Unlock (after failed sign-ins)"),
    ("reset-password", "Reset password (temporary password, shown once)"),
    ("reset-second-factor", "Reset sign-in code (lost device)"),
    ("deactivate", "Deactivate"),
    ("reactivate", "Reactivate"),
]
_SIMPLE = {
    "unlock": unlock_user,
    "deactivate": deactivate_user,
    "reactivate": reactivate_user,
    "reset-second-factor": reset_second_factor,
}
_DONE = {
    "unlock": "{} is unlocked.",
    "deactivate": "{} is deactivated and signed out everywhere.",
    "reactivate": "{} is active again.",
    "reset-second-factor": "The sign-in code of {} is reset; they set up a new one at the next sign-in.",
    "role": "The role of {} is changed; they are signed out everywhere.",
    "sites": "The sites of {} are changed; they are signed out everywhere.",
}
_FIELD_PREFIX = {"role": "role", "sites": "sites"}
_LABELS = {"username": "User", "reason": "Reason", "role": "New role", "site_codes": "Sites"}


async def page(request: Request) -> Page:
    return await load_page(request, _edc.get_user)


def _render(p: Page, status_code: int = 200, **context) -> Response:
    user = p.require(Role.SPONSOR_ADMIN)
    with p.db() as db:
        accounts = list_accounts(db, db.get(type(user), user.id))
    context["form"] = {k: "" for k in ("username", "action", "reason", "role", "site_codes")} | context.get(
        "form", {}
    )
    context.setdefault("temporary", None)
    return p.render(
        "admin_users.html",
        status_code=status_code,
        page_title="Users",
        accounts=accounts,
        actions=ACTIONS,
        roles=[r.value for r in Role],
        required_roles=p.config.policy.totp_required_roles,
        **context,
    )


@router.get("/admin/users")
async def users(request: Request) -> Response:
    p = await page(request)
    return _render(p)


def _problems(exc: OncotrialError | ValidationFailed, action: str) -> tuple[list[dict], dict[str, str]]:
    prefix = _FIELD_PREFIX.get(action, "acct")
    summary, inline = [], {}
    problems: list[Problem] = exc.problems
    for problem in problems:
        name = next((part for part in reversed(problem.loc) if part in _LABELS), None)
        summary.append(
            {
                "field": f"{prefix}-{name}" if name else None,
                "label": _LABELS.get(name, ""),
                "msg": problem.msg,
            }
        )
        if name:
            inline[name] = problem.msg
    return summary, inline


@router.post("/admin/users")
async def act(request: Request) -> Response:
    p = await page(request)
    admin = p.require(Role.SPONSOR_ADMIN)
    form = {k: str(p.form.get(k, "")).strip() for k in ("username", "action", "reason", "role", "site_codes")}
    action, username, reason = form["action"], form["username"], form["reason"] or None
    temporary = None
    try:
        with p.db(error_pages=False) as db:
            actor = db.get(type(admin), admin.id)
            if action in _SIMPLE:
                _SIMPLE[action](db, actor, username, reason=reason)
            elif action == "reset-password":
                temporary = {
                    "username": username,
                    "password": reset_password(db, actor, username, reason=reason),
                }
            elif action == "role":
                change_role(db, actor, username, form["role"], reason=reason)
            elif action == "sites":
                codes = [c.strip() for c in form["site_codes"].split(",") if c.strip()]
                change_sites(db, actor, username, codes, reason=reason)
            else:
                raise OncotrialError(("action",), action, "is not an account action")
    except (OncotrialError, ValidationFailed) as exc:
        status = (
            404
            if isinstance(exc, NotFound)
            else 403
            if isinstance(exc, EdcForbidden)
            else 409
            if isinstance(exc, Conflict)
            else 422
        )
        problems, errors = _problems(exc, action)
        return _render(p, status_code=status, problems=problems, errors=errors, form=form)
    if temporary is not None:
        # Shown on this answer only; the page is not cached (Cache-Control: no-store).
        return _render(p, temporary=temporary)
    return p.redirect("/admin/users", _DONE[action].format(username))
