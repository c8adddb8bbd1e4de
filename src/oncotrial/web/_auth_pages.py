"""Sign in, sign out, change password; the start page sends each role where it works."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from oncotrial.edc import NotAuthenticated, Role
from oncotrial.errors import OncotrialError, ValidationFailed
from oncotrial.web import _edc
from oncotrial.web._context import Page, load_page
from oncotrial.web._forms import problems_for
from oncotrial.web._session import password_fingerprint

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
    try:
        with p.db(error_pages=False) as db:
            user = _edc.authenticate(db, username, password)
            user_id, fingerprint, role = user.id, password_fingerprint(user.password_hash), user.role
    except NotAuthenticated:
        msg = "The user name or password is not correct."
        return p.render(
            "login.html",
            status_code=401,
            page_title="Sign in",
            next_url=_safe_next(str(p.form.get("next", ""))) or "",
            username=username,
            problems=[{"field": "username", "label": "User name", "msg": msg}],
            errors={"username": msg},
        )
    p.session = p.session.signed_in_as(user_id, fingerprint)
    return p.redirect(_safe_next(str(p.form.get("next", ""))) or HOME.get(role, "/password"))


@router.post("/logout")
async def logout(request: Request) -> Response:
    p = await page(request)
    p.session = type(p.session)()
    return p.redirect("/login", "You are signed out.")


@router.get("/password")
async def password_form(request: Request) -> Response:
    p = await page(request)
    p.require()
    return p.render("password.html", page_title="Change password")


_PASSWORD_LABELS = {
    "current_password": "Current password",
    "new_password": "New password",
    "confirm_password": "New password again",
}


@router.post("/password")
async def change_password(request: Request) -> Response:
    p = await page(request)
    user = p.require()
    new = str(p.form.get("new_password", ""))
    try:
        if new != str(p.form.get("confirm_password", "")):
            raise OncotrialError("confirm_password", None, "does not match the new password")
        with p.db() as db:
            changed = _edc.change_password(db, user, str(p.form.get("current_password", "")), new)
            fingerprint = password_fingerprint(changed.password_hash)
    except (ValidationFailed, OncotrialError) as exc:
        problems, errors = problems_for(exc, _PASSWORD_LABELS)
        return p.render(
            "password.html", status_code=422, page_title="Change password", problems=problems, errors=errors
        )
    # Other sessions of this user end (their fingerprint no longer matches); this one goes on.
    p.session = p.session.signed_in_as(user.id, fingerprint)
    return p.redirect(HOME.get(user.role, "/password"), "Your password is changed.")
