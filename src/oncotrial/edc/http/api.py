"""The HTTP API over the services (FastAPI); mounted under ``/api`` by :func:`oncotrial.app.create_app`.

Routes are thin: authenticate, parse, call one service, serialise. Authentication is
a bearer token (``POST /api/auth/login`` issues one). Creates accept an
``Idempotency-Key`` header; changes carry the ``version`` that was read and a
``reason``. Errors answer ``{"detail": [{loc, code, msg}]}`` (see ``_http_errors``).
"""

# No `from __future__ import annotations`: the form routes are built in a loop and
# FastAPI must see their body types as real objects.

import datetime as dt
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BaseModel, Field, create_model
from pydantic_core import PydanticCustomError
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from oncotrial.edc.errors import NotAuthenticated
from oncotrial.edc.http.errors import install_error_handlers, status_for
from oncotrial.edc.http.schemas import ERROR_RESPONSES, out_model, utc_timestamp
from oncotrial.edc.services import accounts as _accounts
from oncotrial.edc.services import admin as _admin
from oncotrial.edc.services import clinical as _clinical
from oncotrial.edc.services import dosing as _dosing
from oncotrial.edc.services import queries as _queries
from oncotrial.edc.services import schedule as _schedule
from oncotrial.edc.services import sdv as _sdv
from oncotrial.edc.services import signoff as _signoff
from oncotrial.edc.services import subjects as _subjects
from oncotrial.edc.services import tumour as _tumour
from oncotrial.edc.services.access import Action, get_subject, require
from oncotrial.edc.services.auth import issue_token, revoke_token, user_for_token
from oncotrial.edc.services.forms import (
    DB_INT_MAX,
    MAX_MAPPING_ITEMS,
    TEXT_MAX_LENGTH,
    Day,
    DoseIn,
    EnrollIn,
    FormIn,
    NoNul,
    QueryIn,
    ScreeningIn,
    SignIn,
    SourceVerificationIn,
    TumourAssessmentIn,
    Version,
    max_length,
    text_field,
)
from oncotrial.edc.services.login import LoginPolicy, sign_in
from oncotrial.edc.store.audit import verify_chain
from oncotrial.edc.store.audit_state import verify_state
from oncotrial.edc.store.db import unit_of_work
from oncotrial.edc.store.idempotency import idempotent_create
from oncotrial.edc.store.models import (
    AuditEntry,
    Dose,
    IdempotencyKey,
    LesionMeasurement,
    Signature,
    Site,
    SourceVerification,
    Subject,
    Trial,
    TumourAssessment,
    User,
)
from oncotrial.edc.store.models import (
    Query as QueryRecord,
)

__all__ = [
    "CurrentUser",
    "DbSession",
    "current_user",
    "db_session",
    "install_error_handlers",
    "router",
    "serialize",
    "status_for",
]

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)
_bearer = HTTPBearer(auto_error=False, description="a token from POST /api/auth/login")


def db_session(request: Request) -> Iterator[Session]:
    """One unit of work per request: committed after the route returns, rolled back on error."""
    with unit_of_work(request.app.state.sessions) as session:
        yield session


DbSession = Annotated[Session, Depends(db_session, scope="function")]


def current_user(
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The user holding the request's bearer token (401 without a valid one)."""
    if credentials is None:
        raise NotAuthenticated()
    return user_for_token(session, credentials.credentials)


CurrentUser = Annotated[User, Depends(current_user)]
IdemKey = Annotated[
    Annotated[str, NoNul] | None,
    Header(alias="Idempotency-Key", max_length=max_length(IdempotencyKey, "key")),
]
#: A record id in a path: 1 to the largest INTEGER both databases hold (else 422, on both).
PathId = Annotated[int, Path(ge=1, le=DB_INT_MAX, description="a record id")]
PathUsername = Annotated[
    str, NoNul, Path(min_length=1, max_length=max_length(User, "username"), description="a user name")
]
#: The version read, and the reason of a change, given as query parameters of a DELETE.
QueryVersion = Annotated[int, Query(ge=1, le=DB_INT_MAX, description="the record's version as read")]
QueryReason = Annotated[Annotated[str, NoNul] | None, Query(max_length=TEXT_MAX_LENGTH)]
#: The reason of a change, kept in the audit trail.
_REASON = text_field(AuditEntry, "reason", default=None, description="why; required after first entry")


def serialize(record: Any) -> dict[str, Any]:
    """A record's columns as JSON-ready values (secrets left out)."""
    out: dict[str, Any] = {}
    for attr in inspect(record).mapper.column_attrs:
        if attr.key == "password_hash":
            continue
        value = getattr(record, attr.key)
        if isinstance(value, dt.datetime):
            value = utc_timestamp(value)  # with its time zone, on SQLite too
        elif isinstance(value, dt.date):
            value = value.isoformat()
        out[attr.key] = value
    if isinstance(record, Subject):
        out["site_code"] = record.site.code
    if isinstance(record, User):
        out["site_codes"] = sorted(s.code for s in record.sites)
    return out


def _created(response: Response, record: Any, created: bool) -> dict[str, Any]:
    response.status_code = 201 if created else 200
    if not created:
        response.headers["Idempotent-Replay"] = "true"
    return serialize(record)


# --- auth -------------------------------------------------------------------------------


class LoginIn(BaseModel):
    # Not a FormIn: a password keeps its spaces. NUL is refused as everywhere (one answer on both databases).
    username: Annotated[str, NoNul] = text_field(User, "username")
    password: Annotated[str, NoNul] = Field(max_length=1024)
    totp_code: Annotated[str, NoNul] | None = Field(
        default=None, max_length=16, description="the one-time code, for users with a second factor"
    )


def client_address(request: Request) -> str:
    """The client's address as the server sees it (behind a proxy: uvicorn's --forwarded-allow-ips)."""
    return request.client.host if request.client else "unknown"


@router.post("/auth/login", tags=["auth"])
def login(body: LoginIn, request: Request) -> dict[str, Any]:
    """Exchange a username, password (and one-time code) for a bearer token.

    Throttled and audited like the web sign-in (``oncotrial.edc.services.login``): 401
    with ``code`` ``not_authenticated``, ``account_locked``, ``address_throttled``,
    ``code_required``, ``bad_code``, ``enrolment_required`` or ``password_change_required``.
    """
    factory = request.app.state.sessions
    signed = sign_in(
        factory,
        username=body.username,
        password=body.password,
        totp_code=body.totp_code,
        address=client_address(request),
        channel="api",
        policy=LoginPolicy.from_settings(request.app.state.settings),
    )
    with unit_of_work(factory) as session:
        user = session.get(User, signed.user_id)
        token = issue_token(
            session, user, lifetime_s=request.app.state.settings.api_token_lifetime_s, label="login"
        )
        return {"token": token, "token_type": "bearer", "user": serialize(user)}


@router.post("/auth/logout", tags=["auth"], status_code=204)
def logout(
    session: DbSession,
    user: CurrentUser,
    credentials: Annotated[HTTPAuthorizationCredentials, Depends(_bearer)],
) -> None:
    revoke_token(session, credentials.credentials)


@router.get("/me", tags=["auth"], response_model=out_model(User))
def me(user: CurrentUser) -> dict[str, Any]:
    return serialize(user)


# --- administration ---------------------------------------------------------------------


class SiteIn(FormIn):
    code: str = text_field(Site, "code", min_length=1)
    name: str = text_field(Site, "name", min_length=1)
    country: str = text_field(Site, "country", default="")


class UserIn(BaseModel):
    username: Annotated[str, NoNul] = text_field(User, "username", min_length=1)
    full_name: Annotated[str, NoNul] = text_field(User, "full_name")
    role: Annotated[str, NoNul] = text_field(User, "role")
    password: str = Field(max_length=1024)
    site_codes: list[Annotated[str, NoNul, Field(max_length=max_length(Site, "code"))]] = Field(
        default_factory=list, max_length=MAX_MAPPING_ITEMS
    )


@router.post("/sites", tags=["admin"], status_code=201, response_model=out_model(Site))
def create_site(body: SiteIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return serialize(_admin.create_site(session, user, code=body.code, name=body.name, country=body.country))


@router.get("/sites", tags=["admin"], response_model=list[out_model(Site)])
def list_sites(session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    require(user, Action.READ)
    sites = session.query(Site).order_by(Site.code).all()
    if user.role_enum.site_scoped:
        sites = [s for s in sites if s.id in user.site_ids]
    return [serialize(s) for s in sites]


@router.post("/users", tags=["admin"], status_code=201, response_model=out_model(User))
def create_user(body: UserIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return serialize(_admin.create_user(session, user, **body.model_dump()))


# --- subjects ---------------------------------------------------------------------------


class ScreeningChange(FormIn):
    values: dict[str, Any] = Field(max_length=MAX_MAPPING_ITEMS)
    version: Version
    reason: str | None = _REASON


class FreezeIn(FormIn):
    frozen: bool
    version: Version
    reason: str | None = _REASON


@router.get("/subjects", tags=["subjects"], response_model=list[out_model(Subject)])
def list_subjects(session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    return [serialize(s) for s in _subjects.list_subjects(session, user)]


@router.post("/subjects", tags=["subjects"], status_code=201, response_model=out_model(Subject))
def screen_subject(
    body: ScreeningIn, session: DbSession, user: CurrentUser, response: Response, key: IdemKey = None
) -> dict[str, Any]:
    """Screen a subject: eligibility is evaluated and each failing criterion named."""
    record, created = idempotent_create(
        session,
        user,
        key,
        "screen_subject",
        body,
        Subject,
        lambda: _subjects.screen_subject(session, user, body),
    )
    return _created(response, record, created)


@router.get("/subjects/{subject_id}", tags=["subjects"], response_model=out_model(Subject))
def read_subject(subject_id: PathId, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return serialize(get_subject(session, user, subject_id))


@router.patch("/subjects/{subject_id}/screening", tags=["subjects"], response_model=out_model(Subject))
def change_screening(
    subject_id: PathId, body: ScreeningChange, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    subject = _subjects.update_screening(
        session, user, subject_id, body.values, expected_version=body.version, reason=body.reason
    )
    return serialize(subject)


@router.post("/subjects/{subject_id}/enroll", tags=["subjects"], response_model=out_model(Subject))
def enroll(subject_id: PathId, body: EnrollIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return serialize(_subjects.enroll_subject(session, user, subject_id, body))


@router.get("/subjects/{subject_id}/eligibility", tags=["subjects"])
def read_eligibility(subject_id: PathId, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """Each inclusion and exclusion criterion's outcome, with the values it read."""
    return _subjects.eligibility(session, user, subject_id).to_dict()


@router.get(
    "/subjects/{subject_id}/audit", tags=["data management"], response_model=list[out_model(AuditEntry)]
)
def read_audit_trail(subject_id: PathId, session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    """The subject's audit trail: who changed what, when, from what to what, and why."""
    return [serialize(e) for e in _subjects.audit_trail(session, user, subject_id)]


@router.post("/subjects/{subject_id}/freeze", tags=["data management"], response_model=out_model(Subject))
def freeze(subject_id: PathId, body: FreezeIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    subject = _signoff.freeze_subject(
        session, user, subject_id, frozen=body.frozen, expected_version=body.version, reason=body.reason
    )
    return serialize(subject)


# --- doses ------------------------------------------------------------------------------


class DoseChange(FormIn):
    version: Version
    reason: str | None = _REASON
    data: DoseIn


@router.get("/subjects/{subject_id}/doses", tags=["treatment"], response_model=list[out_model(Dose)])
def list_doses(subject_id: PathId, session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    return [serialize(d) for d in _dosing.list_doses(session, user, subject_id)]


@router.post(
    "/subjects/{subject_id}/doses", tags=["treatment"], status_code=201, response_model=out_model(Dose)
)
def record_dose(
    subject_id: PathId,
    body: DoseIn,
    session: DbSession,
    user: CurrentUser,
    response: Response,
    key: IdemKey = None,
) -> dict[str, Any]:
    """Record a dose; refused with the protocol limit it breaks."""
    record, created = idempotent_create(
        session,
        user,
        key,
        f"record_dose:{subject_id}",
        body,
        Dose,
        lambda: _dosing.record_dose(session, user, subject_id, body),
    )
    return _created(response, record, created)


@router.patch("/doses/{dose_id}", tags=["treatment"], response_model=out_model(Dose))
def update_dose(dose_id: PathId, body: DoseChange, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    dose = _dosing.update_dose(
        session, user, dose_id, body.data, expected_version=body.version, reason=body.reason
    )
    return serialize(dose)


@router.delete("/doses/{dose_id}", tags=["treatment"], status_code=204)
def delete_dose(
    dose_id: PathId,
    session: DbSession,
    user: CurrentUser,
    version: QueryVersion,
    reason: QueryReason = None,
) -> None:
    _dosing.delete_dose(session, user, dose_id, expected_version=version, reason=reason)


# --- tumour assessments -----------------------------------------------------------------


@router.get(
    "/subjects/{subject_id}/tumour-assessments",
    tags=["tumour assessments"],
    response_model=list[out_model(TumourAssessment)],
)
def list_assessments(subject_id: PathId, session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    return [serialize(a) for a in _tumour.list_assessments(session, user, subject_id)]


@router.post(
    "/subjects/{subject_id}/tumour-assessments",
    tags=["tumour assessments"],
    status_code=201,
    response_model=out_model(TumourAssessment),
)
def record_assessment(
    subject_id: PathId,
    body: TumourAssessmentIn,
    session: DbSession,
    user: CurrentUser,
    response: Response,
    key: IdemKey = None,
) -> dict[str, Any]:
    """Record an assessment by lesion; the RECIST 1.1 response is computed and a mismatch queried."""
    record, created = idempotent_create(
        session,
        user,
        key,
        f"tumour_assessment:{subject_id}",
        body,
        TumourAssessment,
        lambda: _tumour.record_assessment(session, user, subject_id, body),
    )
    return _created(response, record, created)


class MeasurementChange(FormIn):
    version: Version
    reason: str | None = _REASON
    diameter_mm: float | None = Field(default=None, ge=0, le=1000)
    state: str | None = text_field(LesionMeasurement, "state", default=None)
    not_done: bool = False


class ResponseChange(FormIn):
    version: Version
    reason: str | None = _REASON
    investigator_response: Literal["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"] | None


@router.patch(
    "/lesion-measurements/{measurement_id}",
    tags=["tumour assessments"],
    response_model=out_model(LesionMeasurement),
)
def correct_measurement(
    measurement_id: PathId, body: MeasurementChange, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    """Correct a measurement; the subject's responses are recomputed (and queried if they now differ)."""
    m = _tumour.update_measurement(
        session,
        user,
        measurement_id,
        diameter_mm=body.diameter_mm,
        state=body.state,
        not_done=body.not_done,
        expected_version=body.version,
        reason=body.reason,
    )
    return serialize(m)


@router.patch(
    "/tumour-assessments/{assessment_id}",
    tags=["tumour assessments"],
    response_model=out_model(TumourAssessment),
)
def correct_response(
    assessment_id: PathId, body: ResponseChange, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    """Correct the investigator's recorded response."""
    a = _tumour.update_investigator_response(
        session,
        user,
        assessment_id,
        body.investigator_response,
        expected_version=body.version,
        reason=body.reason,
    )
    return serialize(a)


# --- other forms: adverse events, therapies, end of treatment, survival, death -----------


def _add_form_routes(kind: str, model: type, form: type[BaseModel]) -> None:
    change = create_model(
        f"{form.__name__}Change",
        __base__=FormIn,
        version=(Version, ...),
        reason=(str | None, _REASON),
        data=(form, ...),
    )

    def list_(subject_id: PathId, session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
        return [serialize(r) for r in _clinical.list_records(session, user, kind, subject_id)]

    def create(
        subject_id: PathId,
        body: form,  # type: ignore[valid-type]
        session: DbSession,
        user: CurrentUser,
        response: Response,
        key: IdemKey = None,
    ) -> dict[str, Any]:
        record, created = idempotent_create(
            session,
            user,
            key,
            f"{kind}:{subject_id}",
            body,
            model,
            lambda: _clinical.create_record(session, user, kind, subject_id, body),
        )
        return _created(response, record, created)

    def update(record_id: PathId, body: change, session: DbSession, user: CurrentUser) -> dict[str, Any]:  # type: ignore[valid-type]
        record = _clinical.update_record(
            session, user, kind, record_id, body.data, expected_version=body.version, reason=body.reason
        )
        return serialize(record)

    def delete(
        record_id: PathId,
        session: DbSession,
        user: CurrentUser,
        version: QueryVersion,
        reason: QueryReason = None,
    ) -> None:
        _clinical.delete_record(session, user, kind, record_id, expected_version=version, reason=reason)

    tag = kind.replace("-", " ")
    out = out_model(model)
    router.add_api_route(
        f"/subjects/{{subject_id}}/{kind}",
        list_,
        methods=["GET"],
        tags=[tag],
        name=f"list {tag}",
        response_model=list[out],
    )
    router.add_api_route(
        f"/subjects/{{subject_id}}/{kind}",
        create,
        methods=["POST"],
        tags=[tag],
        status_code=201,
        name=f"create {tag}",
        response_model=out,
    )
    router.add_api_route(
        f"/{kind}/{{record_id}}",
        update,
        methods=["PATCH"],
        tags=[tag],
        name=f"update {tag}",
        response_model=out,
    )
    router.add_api_route(
        f"/{kind}/{{record_id}}",
        delete,
        methods=["DELETE"],
        tags=[tag],
        status_code=204,
        name=f"delete {tag}",
    )


for _kind, (_model, _form, _check) in _clinical.FORMS.items():
    _add_form_routes(_kind, _model, _form)


# --- queries, signatures, lock, audit -----------------------------------------------------


class AnswerIn(FormIn):
    answer: str = text_field(QueryRecord, "answer")
    version: Version


class CloseIn(FormIn):
    version: Version


class ReasonIn(FormIn):
    reason: str | None = _REASON


@router.get(
    "/subjects/{subject_id}/queries", tags=["data management"], response_model=list[out_model(QueryRecord)]
)
def list_queries(subject_id: PathId, session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    return [serialize(q) for q in _queries.list_queries(session, user, subject_id)]


@router.post("/queries", tags=["data management"], status_code=201, response_model=out_model(QueryRecord))
def open_query(body: QueryIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return serialize(_queries.open_query(session, user, body))


@router.post("/queries/{query_id}/answer", tags=["data management"], response_model=out_model(QueryRecord))
def answer_query(query_id: PathId, body: AnswerIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return serialize(
        _queries.answer_query(session, user, query_id, body.answer, expected_version=body.version)
    )


@router.post("/queries/{query_id}/close", tags=["data management"], response_model=out_model(QueryRecord))
def close_query(query_id: PathId, body: CloseIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return serialize(_queries.close_query(session, user, query_id, expected_version=body.version))


@router.post(
    "/source-verifications",
    tags=["data management"],
    status_code=201,
    response_model=out_model(SourceVerification),
)
def verify_source(body: SourceVerificationIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """A monitor of the subject's site marks one form source-data verified."""
    return serialize(_sdv.verify_source(session, user, body.record_table, body.record_id))


@router.get(
    "/subjects/{subject_id}/source-verifications",
    tags=["data management"],
    response_model=list[out_model(SourceVerification)],
)
def list_source_verifications(
    subject_id: PathId, session: DbSession, user: CurrentUser
) -> list[dict[str, Any]]:
    return [serialize(m) for m in _sdv.source_verifications(session, user, subject_id).values()]


def _schedule_day(day: dt.date) -> dt.date:
    # The years the SDTM check accepts: far enough for any plan, near enough that adding the
    # protocol's intervals stays a calendar date.
    if not dt.date(1900, 1, 1) <= day <= dt.date(2200, 12, 31):
        raise PydanticCustomError("date_out_of_range", "expected a day from 1900-01-01 to 2200-12-31")
    return day


@router.get("/subjects/{subject_id}/schedule", tags=["subjects"])
def visit_schedule(
    subject_id: PathId,
    session: DbSession,
    user: CurrentUser,
    today: Annotated[
        Annotated[Day, AfterValidator(_schedule_day)] | None,
        Query(description="the day to judge on, 1900-01-01 to 2200-12-31; today (UTC) when left out"),
    ] = None,
) -> dict[str, Any]:
    """The subject's follow-up status and next visits due, with overdue flags."""
    on = today or dt.datetime.now(dt.UTC).date()
    sched = _schedule.visit_schedule(session, user, subject_id, on)
    return {
        "subject_id": sched.subject_id,
        "today": on.isoformat(),
        "status": sched.status.value,
        "overdue": sched.overdue,
        "visits": [
            {
                "kind": v.kind,
                "label": v.label,
                "due": v.due.isoformat(),
                "last_day": v.last_day.isoformat(),
                "overdue": v.overdue,
            }
            for v in sched.visits
        ],
    }


@router.post(
    "/subjects/{subject_id}/signatures",
    tags=["data management"],
    status_code=201,
    response_model=out_model(Signature),
)
def sign(subject_id: PathId, body: SignIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """The investigator signs the casebook, re-entering the password."""
    return serialize(_signoff.sign_casebook(session, user, subject_id, body))


@router.get(
    "/subjects/{subject_id}/signatures", tags=["data management"], response_model=list[out_model(Signature)]
)
def list_signatures(subject_id: PathId, session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    return [serialize(s) for s in _signoff.signatures(session, user, subject_id)]


@router.post("/trial/lock", tags=["data management"], response_model=out_model(Trial))
def lock(body: ReasonIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return serialize(_signoff.lock_database(session, user, reason=body.reason))


@router.post("/trial/unlock", tags=["data management"], response_model=out_model(Trial))
def unlock(body: ReasonIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return serialize(_signoff.unlock_database(session, user, reason=body.reason))


@router.get("/audit/verify", tags=["data management"])
def audit_verify(session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """Walk the audit chain under the installation's audit key and check every audited table
    against it; ``ok`` is false with every break listed (``breaks``: the chain; ``state``: rows
    changed, added or removed outside the application). Anchors: ``oncotrial audit verify``."""
    require(user, Action.ADMIN)
    report = verify_chain(session).to_dict()
    state = [b.to_dict() for b in verify_state(session)]
    return {**report, "ok": report["ok"] and not state, "state": state}


@router.get(
    "/export/sdtm/{domain}.csv",
    tags=["export"],
    response_class=Response,  # errors answer JSON; the CSV is documented below
    responses={
        200: {"description": "the domain as CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}
    },
)
def export_domain(domain: str, session: DbSession, user: CurrentUser) -> PlainTextResponse:
    """One SDTM domain extracted from the live database, as CSV (statistician, sponsor admin)."""
    from oncotrial.edc.errors import NotFound
    from oncotrial.edc.services.sdtm import extract_sdtm

    tables = extract_sdtm(session, user)
    frame = tables.get(domain.upper())
    if frame is None:
        raise NotFound("domain", domain.upper())
    return PlainTextResponse(frame.to_csv(index=False), media_type="text/csv")


# --- accounts (sponsor admin) -----------------------------------------------------------


class AccountReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class AccountRoleIn(AccountReasonIn):
    role: str = Field(max_length=32)


class AccountSitesIn(AccountReasonIn):
    site_codes: list[str] = Field(max_length=200)


@router.get("/users", tags=["accounts"])
def list_accounts(session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    """Every account with its state: active, locked, second factor, last sign-in."""
    return [a.to_dict() for a in _accounts.list_accounts(session, user)]


def _account(session: Session, user: User, username: str) -> dict[str, Any]:
    states = {a.username: a for a in _accounts.list_accounts(session, user)}
    return states[username].to_dict()


_ACCOUNT_ACTIONS = {
    "deactivate": _accounts.deactivate_user,
    "reactivate": _accounts.reactivate_user,
    "unlock": _accounts.unlock_user,
    "reset-second-factor": _accounts.reset_second_factor,
}


def _add_account_action(path: str, action: Any) -> None:
    def route(
        username: PathUsername, body: AccountReasonIn, session: DbSession, user: CurrentUser
    ) -> dict[str, Any]:
        action(session, user, username, reason=body.reason)
        return _account(session, user, username)

    route.__doc__ = (action.__doc__ or "").split("\n")[0]
    router.add_api_route(
        f"/users/{{username}}/{path}", route, methods=["POST"], tags=["accounts"], name=f"{path} user"
    )


for _path, _action in _ACCOUNT_ACTIONS.items():
    _add_account_action(_path, _action)


@router.post("/users/{username}/role", tags=["accounts"])
def change_role(
    username: PathUsername, body: AccountRoleIn, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    """Give the user another role (their sessions and tokens end)."""
    _accounts.change_role(session, user, username, body.role, reason=body.reason)
    return _account(session, user, username)


@router.post("/users/{username}/sites", tags=["accounts"])
def change_sites(
    username: PathUsername, body: AccountSitesIn, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    """Assign the user exactly these sites (their sessions and tokens end)."""
    _accounts.change_sites(session, user, username, body.site_codes, reason=body.reason)
    return _account(session, user, username)


@router.post("/users/{username}/reset-password", tags=["accounts"])
def reset_password(
    username: PathUsername, body: AccountReasonIn, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    """A temporary password, shown once, to be changed at the next sign-in (on the web page /password)."""
    temporary = _accounts.reset_password(session, user, username, reason=body.reason)
    return {**_account(session, user, username), "temporary_password": temporary}
