"""One exception handler: domain errors become HTTP answers with ``[{loc, code, msg}]`` bodies.

=====================================  ======
error                                  status
=====================================  ======
ValidationFailed, OncotrialError       422
NotAuthenticated                       401
Forbidden                              403
NotFound                               404
Conflict (stale version, lock, dup.)   409
request body that does not parse       422
request body too large                 413
no such route                          404
method the path does not take          405 (``Allow`` lists every method it takes)
=====================================  ======

Every answer, the framework's own (an unknown route, a wrong method, a body too large)
included, has the documented body ``{"detail": [{"loc": [...], "code": "...", "msg": "..."}]}``.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from oncotrial.edc.errors import Conflict, Forbidden, NotAuthenticated, NotFound
from oncotrial.errors import OncotrialError, Problem, ValidationFailed

__all__ = ["install_error_handlers", "status_for"]

_log = logging.getLogger(__name__)

#: The code and ``loc`` of the framework's own answers, by status.
_HTTP_PROBLEMS: dict[int, tuple[tuple[str, ...], str]] = {
    400: (("body",), "body_invalid"),
    404: (("path",), "not_found"),
    405: (("method",), "method_not_allowed"),
    413: (("body",), "too_large"),
}


def status_for(exc: Exception) -> int:
    """The HTTP status of a domain error."""
    for cls, status in ((NotAuthenticated, 401), (Forbidden, 403), (NotFound, 404), (Conflict, 409)):
        if isinstance(exc, cls):
            return status
    return 422


def _body(problems: list[Problem]) -> dict:
    return {"detail": [p.to_dict() for p in problems]}


#: The methods :func:`allowed_methods` asks the routes about.
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the application takes at the request's path.

    Starlette's own 405 names only the methods of the first route whose path matched; a path
    with a GET and a POST route would seem to take one of them. Each method is asked of the
    whole routing tree (included routers too).
    """
    routes = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    ]


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(ValidationFailed)
    async def _failed(_request: Request, exc: ValidationFailed) -> JSONResponse:
        return JSONResponse(_body(exc.problems), status_code=422)

    @app.exception_handler(OncotrialError)
    async def _domain(_request: Request, exc: OncotrialError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, NotAuthenticated) else None
        return JSONResponse(_body(exc.problems), status_code=status_for(exc), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            Problem(
                tuple(p for p in err["loc"] if p != "body"),
                str(err["msg"]).removeprefix("Value error, "),
                str(err["type"]),
            )
            for err in exc.errors()
        ]
        return JSONResponse(_body(problems), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code
        loc, code = _HTTP_PROBLEMS.get(status, ((), "http_error"))
        headers = dict(exc.headers or {})
        if status == 400:
            # The body is not what its Content-Type says (not UTF-8 JSON, a broken form):
            # bad input, answered as every other bad input is.
            status, msg = 422, f"the request body cannot be read: {exc.detail}"
        elif status == 404:
            msg = f"no such route: {request.url.path}" if exc.detail == "Not Found" else str(exc.detail)
        elif status == 405:
            allowed = allowed_methods(request)
            headers["Allow"] = ", ".join(allowed)
            msg = f"{request.method} is not a method of {request.url.path}; it takes {', '.join(allowed)}"
        else:
            msg = str(exc.detail)
        return JSONResponse(_body([Problem(loc, msg, code)]), status_code=status, headers=headers or None)

    @app.exception_handler(DBAPIError)
    async def _database(_request: Request, exc: DBAPIError) -> JSONResponse:
        # PostgreSQL aborts one of two writers that wait on each other (deadlock, 40P01) or
        # cannot be serialised (40001): nothing was stored, and a retry will pass.
        if getattr(exc.orig, "sqlstate", None) in ("40P01", "40001"):
            problem = Problem(
                (), "a concurrent write conflicted with this one; nothing was stored: retry", "retry"
            )
            return JSONResponse(_body([problem]), status_code=409)
        if isinstance(exc, DataError):
            # A value the database cannot hold (too long, out of range, a NUL character). The
            # input models keep every limit, so this is a limit missing there: refuse what
            # PostgreSQL refuses rather than answer 500, and say so in the log.
            _log.warning("a value reached the database past the input limits: %s", exc.orig)
            problem = Problem(
                (),
                "a value does not fit the database (too long, out of range or a NUL character); "
                "nothing was stored",
                "not_storable",
            )
            return JSONResponse(_body([problem]), status_code=422)
        raise exc

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, exc: IntegrityError) -> JSONResponse:
        # A concurrent request won a uniqueness race (same idempotency key, same cycle...).
        problem = Problem((), "conflicts with data written at the same time; reload and retry", "conflict")
        return JSONResponse(_body([problem]), status_code=409)
