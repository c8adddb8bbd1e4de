"""Response models for the OpenAPI document, derived from the tables (one source of truth)."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, create_model
from sqlalchemy import inspect

from oncotrial.edc.store.models import Subject, User

__all__ = ["ERROR_RESPONSES", "ErrorBody", "ProblemOut", "UtcDatetime", "out_model", "utc_timestamp"]


class ProblemOut(BaseModel):
    """One problem: where (``loc``, the field path), which rule (``code``) and why (``msg``)."""

    loc: list[str | int]
    code: str
    msg: str


class ErrorBody(BaseModel):
    """Every error answer: one entry per problem."""

    detail: list[ProblemOut]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "no valid bearer token"},
    403: {"model": ErrorBody, "description": "the role may not do this"},
    404: {
        "model": ErrorBody,
        "description": "no such record visible to the user (other sites' data included)",
    },
    409: {
        "model": ErrorBody,
        "description": "stale version, reused idempotency key, locked database or frozen subject",
    },
    413: {"model": ErrorBody, "description": "request body larger than the server takes; nothing was read"},
    422: {"model": ErrorBody, "description": "bad input or a protocol rule broken; nothing was stored"},
}


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite keeps no time zone: the EDC writes every timestamp in UTC (models.utcnow), so a
    # naive one read back is UTC. PostgreSQL's are converted to UTC, so both answer alike.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


#: A timestamp as the API answers it: RFC 3339 with its time zone (UTC), on both databases.
UtcDatetime = Annotated[dt.datetime, AfterValidator(_utc)]

_EXTRA: dict[type, dict[str, Any]] = {
    Subject: {"site_code": (str, Field(description="the subject's site"))},
    User: {"site_codes": (list[str], Field(description="sites of a site-scoped user"))},
}
_HIDDEN = {"password_hash", "protocol_text"}


def _python_type(column: Any) -> Any:
    try:
        kind = column.type.python_type
    except NotImplementedError:  # JSON
        return Any
    return {dt.datetime: UtcDatetime, dt.date: dt.date}.get(kind, kind)


@cache
def out_model(model: type) -> type[BaseModel]:
    """A pydantic model with the columns of ``model`` (nullable columns optional)."""
    fields: dict[str, Any] = {}
    for attr in inspect(model).mapper.column_attrs:
        if attr.key in _HIDDEN:
            continue
        column = attr.columns[0]
        kind = _python_type(column)
        fields[attr.key] = (kind | None, None) if column.nullable else (kind, ...)
    fields.update(_EXTRA.get(model, {}))
    return create_model(f"{model.__name__}Out", **fields)


def utc_timestamp(value: dt.datetime) -> str:
    """A stored timestamp as the API writes it: ISO 8601 in UTC with its offset.

    >>> utc_timestamp(dt.datetime(2024, 1, 2, 3, 4, 5))
    '2024-01-02T03:04:05+00:00'
    """
    return _utc(value).isoformat()
