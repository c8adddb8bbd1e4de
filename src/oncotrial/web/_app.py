"""Attach the web pages to the application: middleware, routes, error pages."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker

from oncotrial.protocol import Protocol
from oncotrial.settings import Settings
from oncotrial.web import _auth_pages, _static
from oncotrial.web._context import CsrfRejected, PageError, RedirectTo, WebConfig
from oncotrial.web._render import environment
from oncotrial.web._security import SecurityHeadersMiddleware

__all__ = ["install"]

#: Page routers, in the order they are added.
ROUTERS = [_static.router, _auth_pages.router]


def install(app: FastAPI, *, settings: Settings, sessions: sessionmaker[Session], protocol: Protocol) -> None:
    """Add the web pages to ``app``: routes, security headers, and error pages.

    Pages call the EDC services through ``sessions`` (one unit of work per request) and
    read the trial's rules only through those services and ``protocol``.
    """
    app.state.oncotrial_web = WebConfig(settings=settings, sessions=sessions, protocol=protocol)
    app.add_middleware(SecurityHeadersMiddleware)
    for router in ROUTERS:
        app.include_router(router)
    _add_error_pages(app, protocol)


def _error_page(protocol: Protocol, status: int, heading: str, message: str) -> HTMLResponse:
    html = (
        environment()
        .get_template("error.html")
        .render(
            user=None,
            nav=[],
            csrf_token="",
            flash=None,
            study_id=protocol.identity.study_id,
            study_title=protocol.identity.title,
            study_short_title=protocol.identity.short_title,
            heading=heading,
            message=message,
        )
    )
    return HTMLResponse(html, status_code=status)


def _add_error_pages(app: FastAPI, protocol: Protocol) -> None:
    # Only the web layer's own exceptions: EDC errors become PageError inside Page.db(),
    # so the API's handlers for the EDC errors stay as the API defines them.
    @app.exception_handler(RedirectTo)
    async def _redirect(request: Request, exc: RedirectTo) -> Response:
        return RedirectResponse(exc.url, 303)

    @app.exception_handler(CsrfRejected)
    async def _csrf(request: Request, exc: CsrfRejected) -> Response:
        return _error_page(
            protocol,
            403,
            "Form refused",
            f"This form could not be accepted: {exc}. Reload the page and try again.",
        )

    @app.exception_handler(PageError)
    async def _page_error(request: Request, exc: PageError) -> Response:
        return _error_page(protocol, exc.status, exc.heading, exc.message)
