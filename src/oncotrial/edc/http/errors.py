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
=====================================  ======
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError

from oncotrial.edc.errors import Conflict, Forbidden, NotAuthenticated, NotFound
from oncotrial.errors import OncotrialError, Problem, ValidationFailed

__all__ = ["install_error_handlers", "status_for"]


def status_for(exc: Exception) -> int:
    """The HTTP status of a domain error."""
    for cls, status in ((NotAuthenticated, 401), (Forbidden, 403), (NotFound, 404), (Conflict, 409)):
        if isinstance(exc, cls):
            return status
    return 422


def _body(problems: list[Problem]) -> dict:
    return {"detail": [p.to_dict() for p in problems]}


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

    @app.exception_handler(DBAPIError)
    async def _database(_request: Request, exc: DBAPIError) -> JSONResponse:
        # PostgreSQL aborts one of two writers that wait on each other (deadlock, 40P01) or
        # cannot be serialised (40001): nothing was stored, and a retry will pass.
        if getattr(exc.orig, "sqlstate", None) in ("40P01", "40001"):
            problem = Problem(
                (), "a concurrent write conflicted with this one; nothing was stored: retry", "retry"
            )
            return JSONResponse(_body([problem]), status_code=409)
        raise exc

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, exc: IntegrityError) -> JSONResponse:
        # A concurrent request won a uniqueness race (same idempotency key, same cycle...).
        problem = Problem((), "conflicts with data written at the same time; reload and retry", "conflict")
        return JSONResponse(_body([problem]), status_code=409)
