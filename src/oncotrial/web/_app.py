"""Attach the web pages to the application: middleware, routes, error pages."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from oncotrial.edc import trial_protocol
from oncotrial.web import (
    _account_pages,
    _admin_pages,
    _assessment_edit,
    _assessment_pages,
    _auth_pages,
    _casebook_pages,
    _query_pages,
    _sponsor_pages,
    _static,
    _subject_pages,
)
from oncotrial.web._context import CsrfRejected, PageError, RedirectTo, WebConfig
from oncotrial.web._render import environment
from oncotrial.web._security import SecurityHeadersMiddleware

__all__ = ["install"]

#: Page routers, in the order they are added.
ROUTERS = [
    _static.router,
    _auth_pages.router,
    _account_pages.router,
    _admin_pages.router,
    _subject_pages.router,
    _sponsor_pages.router,
    _query_pages.router,
    _assessment_pages.router,
    _assessment_edit.router,
    _casebook_pages.router,
]


def install(app: FastAPI) -> None:
    """Add the web pages to ``app``: routes, security headers, and error pages.

    Reads ``app.state.settings`` and ``app.state.sessions`` (set by
    :func:`oncotrial.app.create_app`). Pages call the EDC services through those
    sessions (one unit of work per request) and read the trial's rules only through
    the services and the protocol stored with the trial.
    """
    app.state.oncotrial_web = WebConfig(settings=app.state.settings, sessions=app.state.sessions)
    app.add_middleware(SecurityHeadersMiddleware)
    for router in ROUTERS:
        app.include_router(router)
    _add_error_pages(app)


def _error_page(request: Request, status: int, heading: str, message: str) -> HTMLResponse:
    config: WebConfig = request.app.state.oncotrial_web
    try:
        with config.sessions() as db:
            identity = trial_protocol(db).identity
            names = (identity.study_id, identity.title, identity.short_title)
    except Exception:  # an error page must render even when the trial cannot be read
        names = ("oncotrial", "oncotrial", "oncotrial")
    html = (
        environment()
        .get_template("error.html")
        .render(
            user=None,
            nav=[],
            csrf_token="",
            flash=None,
            study_id=names[0],
            study_title=names[1],
            study_short_title=names[2],
            heading=heading,
            message=message,
        )
    )
    return HTMLResponse(html, status_code=status)


def _add_error_pages(app: FastAPI) -> None:
    # Only the web layer's own exceptions: EDC errors become PageError inside Page.db(),
    # so the API's handlers for the EDC errors stay as the API defines them.
    @app.exception_handler(RedirectTo)
    async def _redirect(request: Request, exc: RedirectTo) -> Response:
        return RedirectResponse(exc.url, 303)

    @app.exception_handler(CsrfRejected)
    async def _csrf(request: Request, exc: CsrfRejected) -> Response:
        return _error_page(
            request,
            403,
            "Form refused",
            f"This form could not be accepted: {exc}. Reload the page and try again.",
        )

    @app.exception_handler(PageError)
    async def _page_error(request: Request, exc: PageError) -> Response:
        return _error_page(request, exc.status, exc.heading, exc.message)
