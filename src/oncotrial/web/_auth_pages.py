"""Sign in (password, then the one-time code when the user has one), sign out, change password.

Signing in is the EDC's :func:`~oncotrial.edc.sign_in`, the same as ``/api/auth/login``:
the same throttling, lockout, audit entries and answers. A session is a row on the server
(:mod:`oncotrial.edc.services.sessions`); signing out revokes it, and each new stage (the
code given, the second factor set up) gets a new session id.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from oncotrial.edc import (
    NotAuthenticated,
    Role,
    end_web_session,
    open_web_session,
    sign_in,
    sign_in_code,
)
from oncotrial.errors import OncotrialError, ValidationFailed
from oncotrial.web import _edc
from oncotrial.web._context import Page, load_page
from oncotrial.web._forms import problems_for

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: Where each role lands after signing in.
HOME: dict[str, str] = {
    Role.SPONSOR_ADMIN.value: "/dashboard",
    Role.STATISTICIAN.value: "/dashboard",
    Role.INVESTIGATOR.value: "/subjects",
    Role.SITE_COORDINATOR.value: "/subjects",
    Role.MONITOR.value: "/queries",
}

#: What the page says for each refusal code of the EDC (the API says the EDC's words).
_REFUSALS = {
    "not_authenticated": ("username", "User name", "The user name or password is not correct."),
    "code_required": ("code", "Sign-in code", "Enter the 6-digit code from your authenticator app."),
    "bad_code": ("code", "Sign-in code", "The code is not valid (wrong, expired or already used)."),
}


def _safe_next(url: str | None) -> str | None:
    """Only a local path may be a redirect target (no open redirect to another site).

    >>> _safe_next("/subjects/3"), _safe_next("//evil.example"), _safe_next("https://x")
    ('/subjects/3', None, None)
    """
    if url and url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return None


async def page(request: Request) -> Page:
    return await load_page(request, _edc.get_user)


def _refusal(exc: NotAuthenticated) -> tuple[list[dict], dict[str, str]]:
    """The summary and inline message of a refused sign-in."""
    field, label, msg = _REFUSALS.get(
        exc.code, ("username", "User name", exc.reason[0].upper() + exc.reason[1:] + ".")
    )
    return [{"field": field, "label": label, "msg": msg}], {field: msg}


def _open(p: Page, user_id: int, stage: str) -> str:
    with p.db(error_pages=False) as db:
        return open_web_session(
            db, user_id, stage=stage, max_lifetime_s=p.config.settings.session_max_lifetime_s
        )


def _end_current(p: Page, reason: str) -> None:
    if p.session.sid:
        with p.db(error_pages=False) as db:
            end_web_session(db, p.session.sid, reason)


@router.get("/")
async def start(request: Request) -> Response:
    p = await page(request)
    user = p.require()
    return p.redirect(HOME.get(user.role, "/password"))


@router.get("/login")
async def login_form(request: Request, next: str | None = None) -> Response:
    p = await page(request)
    if p.expired and not p.session.flash:
        p.session = p.session.with_flash("Your session expired; please sign in again.")
    return p.render("login.html", page_title="Sign in", next_url=_safe_next(next) or "", username="")


@router.post("/login")
async def login(request: Request) -> Response:
    p = await page(request)
    username = str(p.form.get("username", "")).strip()
    password = str(p.form.get("password", ""))
    next_url = _safe_next(str(p.form.get("next", ""))) or ""
    try:
        signed = sign_in(
            p.config.sessions,
            username=username,
            password=password,
            address=p.address,
            channel="web",
            policy=p.config.policy,
        )
    except NotAuthenticated as exc:
        problems, errors = _refusal(exc)
        return p.render(
            "login.html",
            status_code=401,
            page_title="Sign in",
            next_url=next_url,
            username=username,
            problems=problems,
            errors=errors,
        )
    _end_current(p, "signed in again")
    stage = {"done": "ok"}.get(signed.next_step, signed.next_step)
    p.session = p.session.signed_in_as(_open(p, signed.user_id, stage))
    if stage == "code":
        return p.redirect("/login/code" + (f"?next={next_url}" if next_url else ""))
    return p.redirect(next_url or HOME.get(signed.role, "/password"))


@router.get("/login/code")
async def code_form(request: Request, next: str | None = None) -> Response:
    p = await page(request)
    if p.pending_user_id is None:
        return p.redirect("/login")
    return p.render("login_code.html", page_title="Sign-in code", next_url=_safe_next(next) or "")


@router.post("/login/code")
async def login_code(request: Request) -> Response:
    p = await page(request)
    next_url = _safe_next(str(p.form.get("next", ""))) or ""
    if p.pending_user_id is None:
        return p.redirect("/login", "Please sign in again.")
    try:
        signed = sign_in_code(
            p.config.sessions,
            user_id=p.pending_user_id,
            code=str(p.form.get("code", "")),
            address=p.address,
            policy=p.config.policy,
        )
    except NotAuthenticated as exc:
        problems, errors = _refusal(exc)
        if exc.code in ("account_locked", "address_throttled", "not_authenticated"):
            _end_current(p, f"sign-in refused: {exc.code}")
            p.session = type(p.session)()
            return p.render(
                "login.html",
                status_code=401,
                page_title="Sign in",
                next_url=next_url,
                username="",
                problems=problems,
                errors=errors,
            )
        return p.render(
            "login_code.html",
            status_code=401,
            page_title="Sign-in code",
            next_url=next_url,
            problems=problems,
            errors=errors,
        )
    _end_current(p, "second factor given")
    p.session = p.session.signed_in_as(_open(p, signed.user_id, "ok"))
    return p.redirect(next_url or HOME.get(signed.role, "/password"))


@router.post("/logout")
async def logout(request: Request) -> Response:
    p = await page(request)
    _end_current(p, "logout")
    p.session = type(p.session)()
    return p.redirect("/login", "You are signed out.")


@router.get("/password")
async def password_form(request: Request) -> Response:
    p = await page(request)
    p.require(gate=False)
    return p.render("password.html", page_title="Change password")


_PASSWORD_LABELS = {
    "current_password": "Current password",
    "new_password": "New password",
    "confirm_password": "New password again",
}


@router.post("/password")
async def change_password(request: Request) -> Response:
    p = await page(request)
    user = p.require(gate=False)
    new = str(p.form.get("new_password", ""))
    try:
        if new != str(p.form.get("confirm_password", "")):
            raise OncotrialError("confirm_password", None, "does not match the new password")
        with p.db() as db:
            # Every other session and every API token of the user ends; this session goes on.
            _edc.change_password(
                db, user, str(p.form.get("current_password", "")), new, keep_web_session=p.session.sid
            )
    except (ValidationFailed, OncotrialError) as exc:
        problems, errors = problems_for(exc, _PASSWORD_LABELS)
        return p.render(
            "password.html", status_code=422, page_title="Change password", problems=problems, errors=errors
        )
    return p.redirect(HOME.get(user.role, "/password"), "Your password is changed.")
