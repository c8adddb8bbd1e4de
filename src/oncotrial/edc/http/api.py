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

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, create_model
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from oncotrial.edc.errors import NotAuthenticated
from oncotrial.edc.http.errors import install_error_handlers, status_for
from oncotrial.edc.http.schemas import ERROR_RESPONSES, out_model
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
from oncotrial.edc.services.auth import authenticate, issue_token, revoke_token, user_for_token
from oncotrial.edc.services.forms import (
    DoseIn,
    EnrollIn,
    QueryIn,
    ScreeningIn,
    SignIn,
    SourceVerificationIn,
    TumourAssessmentIn,
)
from oncotrial.edc.store.audit import verify_chain
from oncotrial.edc.store.db import unit_of_work
from oncotrial.edc.store.idempotency import idempotent_create
from oncotrial.edc.store.models import (
    AuditEntry,
    Dose,
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
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


def serialize(record: Any) -> dict[str, Any]:
    """A record's columns as JSON-ready values (secrets left out)."""
    out: dict[str, Any] = {}
    for attr in inspect(record).mapper.column_attrs:
        if attr.key == "password_hash":
            continue
        value = getattr(record, attr.key)
        out[attr.key] = value.isoformat() if isinstance(value, dt.date | dt.datetime) else value
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
    username: str
    password: str


@router.post("/auth/login", tags=["auth"])
def login(body: LoginIn, session: DbSession, request: Request) -> dict[str, Any]:
    """Exchange a username and password for a bearer token."""
    user = authenticate(session, body.username, body.password)
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


class SiteIn(BaseModel):
    code: str
    name: str
    country: str = ""


class UserIn(BaseModel):
    username: str
    full_name: str
    role: str
    password: str
    site_codes: list[str] = Field(default_factory=list)


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


class ScreeningChange(BaseModel):
    values: dict[str, Any]
    version: int
    reason: str | None = None


class FreezeIn(BaseModel):
    frozen: bool
    version: int
    reason: str | None = None


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
def read_subject(subject_id: int, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return serialize(get_subject(session, user, subject_id))


@router.patch("/subjects/{subject_id}/screening", tags=["subjects"], response_model=out_model(Subject))
def change_screening(
    subject_id: int, body: ScreeningChange, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    subject = _subjects.update_screening(
        session, user, subject_id, body.values, expected_version=body.version, reason=body.reason
    )
    return serialize(subject)


@router.post("/subjects/{subject_id}/enroll", tags=["subjects"], response_model=out_model(Subject))
def enroll(subject_id: int, body: EnrollIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return serialize(_subjects.enroll_subject(session, user, subject_id, body))


@router.get("/subjects/{subject_id}/eligibility", tags=["subjects"])
def read_eligibility(subject_id: int, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """Each inclusion and exclusion criterion's outcome, with the values it read."""
    return _subjects.eligibility(session, user, subject_id).to_dict()


@router.get(
    "/subjects/{subject_id}/audit", tags=["data management"], response_model=list[out_model(AuditEntry)]
)
def read_audit_trail(subject_id: int, session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    """The subject's audit trail: who changed what, when, from what to what, and why."""
    return [serialize(e) for e in _subjects.audit_trail(session, user, subject_id)]


@router.post("/subjects/{subject_id}/freeze", tags=["data management"], response_model=out_model(Subject))
def freeze(subject_id: int, body: FreezeIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    subject = _signoff.freeze_subject(
        session, user, subject_id, frozen=body.frozen, expected_version=body.version, reason=body.reason
    )
    return serialize(subject)


# --- doses ------------------------------------------------------------------------------


class DoseChange(BaseModel):
    version: int
    reason: str | None = None
    data: DoseIn


@router.get("/subjects/{subject_id}/doses", tags=["treatment"], response_model=list[out_model(Dose)])
def list_doses(subject_id: int, session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    return [serialize(d) for d in _dosing.list_doses(session, user, subject_id)]


@router.post(
    "/subjects/{subject_id}/doses", tags=["treatment"], status_code=201, response_model=out_model(Dose)
)
def record_dose(
    subject_id: int,
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
def update_dose(dose_id: int, body: DoseChange, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    dose = _dosing.update_dose(
        session, user, dose_id, body.data, expected_version=body.version, reason=body.reason
    )
    return serialize(dose)


@router.delete("/doses/{dose_id}", tags=["treatment"], status_code=204)
def delete_dose(
    dose_id: int,
    session: DbSession,
    user: CurrentUser,
    version: Annotated[int, Query()],
    reason: Annotated[str | None, Query()] = None,
) -> None:
    _dosing.delete_dose(session, user, dose_id, expected_version=version, reason=reason)


# --- tumour assessments -----------------------------------------------------------------


@router.get(
    "/subjects/{subject_id}/tumour-assessments",
    tags=["tumour assessments"],
    response_model=list[out_model(TumourAssessment)],
)
def list_assessments(subject_id: int, session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    return [serialize(a) for a in _tumour.list_assessments(session, user, subject_id)]


@router.post(
    "/subjects/{subject_id}/tumour-assessments",
    tags=["tumour assessments"],
    status_code=201,
    response_model=out_model(TumourAssessment),
)
def record_assessment(
    subject_id: int,
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


class MeasurementChange(BaseModel):
    version: int
    reason: str | None = None
    diameter_mm: float | None = Field(default=None, ge=0, le=1000)
    state: str | None = None
    not_done: bool = False


class ResponseChange(BaseModel):
    version: int
    reason: str | None = None
    investigator_response: Literal["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"] | None


@router.patch(
    "/lesion-measurements/{measurement_id}",
    tags=["tumour assessments"],
    response_model=out_model(LesionMeasurement),
)
def correct_measurement(
    measurement_id: int, body: MeasurementChange, session: DbSession, user: CurrentUser
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
    assessment_id: int, body: ResponseChange, session: DbSession, user: CurrentUser
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
        f"{form.__name__}Change", version=(int, ...), reason=(str | None, None), data=(form, ...)
    )

    def list_(subject_id: int, session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
        return [serialize(r) for r in _clinical.list_records(session, user, kind, subject_id)]

    def create(
        subject_id: int,
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

    def update(record_id: int, body: change, session: DbSession, user: CurrentUser) -> dict[str, Any]:  # type: ignore[valid-type]
        record = _clinical.update_record(
            session, user, kind, record_id, body.data, expected_version=body.version, reason=body.reason
        )
        return serialize(record)

    def delete(
        record_id: int,
        session: DbSession,
        user: CurrentUser,
        version: Annotated[int, Query()],
        reason: Annotated[str | None, Query()] = None,
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


class AnswerIn(BaseModel):
    answer: str
    version: int


class CloseIn(BaseModel):
    version: int


class ReasonIn(BaseModel):
    reason: str | None = None


@router.get(
    "/subjects/{subject_id}/queries", tags=["data management"], response_model=list[out_model(QueryRecord)]
)
def list_queries(subject_id: int, session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    return [serialize(q) for q in _queries.list_queries(session, user, subject_id)]


@router.post("/queries", tags=["data management"], status_code=201, response_model=out_model(QueryRecord))
def open_query(body: QueryIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return serialize(_queries.open_query(session, user, body))


@router.post("/queries/{query_id}/answer", tags=["data management"], response_model=out_model(QueryRecord))
def answer_query(query_id: int, body: AnswerIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return serialize(
        _queries.answer_query(session, user, query_id, body.answer, expected_version=body.version)
    )


@router.post("/queries/{query_id}/close", tags=["data management"], response_model=out_model(QueryRecord))
def close_query(query_id: int, body: CloseIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
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
def list_source_verifications(subject_id: int, session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    return [serialize(m) for m in _sdv.source_verifications(session, user, subject_id).values()]


@router.get("/subjects/{subject_id}/schedule", tags=["subjects"])
def visit_schedule(
    subject_id: int,
    session: DbSession,
    user: CurrentUser,
    today: Annotated[
        dt.date | None, Query(description="the day to judge on; today (UTC) when left out")
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
def sign(subject_id: int, body: SignIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """The investigator signs the casebook, re-entering the password."""
    return serialize(_signoff.sign_casebook(session, user, subject_id, body))


@router.get(
    "/subjects/{subject_id}/signatures", tags=["data management"], response_model=list[out_model(Signature)]
)
def list_signatures(subject_id: int, session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    return [serialize(s) for s in _signoff.signatures(session, user, subject_id)]


@router.post("/trial/lock", tags=["data management"], response_model=out_model(Trial))
def lock(body: ReasonIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return serialize(_signoff.lock_database(session, user, reason=body.reason))


@router.post("/trial/unlock", tags=["data management"], response_model=out_model(Trial))
def unlock(body: ReasonIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return serialize(_signoff.unlock_database(session, user, reason=body.reason))


@router.get("/audit/verify", tags=["data management"])
def audit_verify(session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """Walk the audit chain; ``ok`` is false with every break listed."""
    require(user, Action.ADMIN)
    return verify_chain(session).to_dict()


@router.get("/export/sdtm/{domain}.csv", tags=["export"], response_class=PlainTextResponse)
def export_domain(domain: str, session: DbSession, user: CurrentUser) -> PlainTextResponse:
    """One SDTM domain extracted from the live database, as CSV (statistician, sponsor admin)."""
    from oncotrial.edc.errors import NotFound
    from oncotrial.edc.services.sdtm import extract_sdtm

    tables = extract_sdtm(session, user)
    frame = tables.get(domain.upper())
    if frame is None:
        raise NotFound("domain", domain.upper())
    return PlainTextResponse(frame.to_csv(index=False), media_type="text/csv")
