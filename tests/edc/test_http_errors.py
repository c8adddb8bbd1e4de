"""The one exception handler: every domain and database error answers with its status and {loc, code, msg}."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError, OperationalError

from oncotrial.edc import Conflict, Forbidden, Locked, NotAuthenticated, NotFound
from oncotrial.edc.http.errors import install_error_handlers
from oncotrial.errors import OncotrialError, Problem, ValidationFailed


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


ERRORS = {
    "validation": (
        ValidationFailed([Problem(("cycle",), "too many", "max_cycles")]),
        422,
        ["cycle"],
        "max_cycles",
    ),
    "domain": (OncotrialError(("dose",), 1, "bad", code="rule"), 422, ["dose"], "rule"),
    "auth": (NotAuthenticated(), 401, ["credentials"], "not_authenticated"),
    "role": (Forbidden("sign casebooks", "monitor"), 403, ["role"], "forbidden"),
    "missing": (NotFound("subject", 7), 404, ["subject"], "not_found"),
    "stale": (Conflict(("version",), 1, "stale", code="stale_version"), 409, ["version"], "stale_version"),
    "locked": (Locked("trial", "S", "locked"), 409, ["trial"], "locked"),
    "race": (IntegrityError("INSERT", {}, _PgError("23505")), 409, [], "conflict"),
    "deadlock": (OperationalError("UPDATE", {}, _PgError("40P01")), 409, [], "retry"),
}


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/raise/{name}")
    def _raise(name: str) -> None:
        raise ERRORS[name][0]

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("name", list(ERRORS))
def test_error_answers_with_its_status_and_problem(client, name):
    _, status, loc, code = ERRORS[name]
    response = client.get(f"/raise/{name}")
    assert response.status_code == status
    [problem] = response.json()["detail"]
    assert (problem["loc"], problem["code"]) == (loc, code)


def test_other_database_errors_stay_server_errors(client):
    ERRORS["disk"] = (OperationalError("SELECT", {}, _PgError("53100")), 500, [], "")
    try:
        assert client.get("/raise/disk").status_code == 500
    finally:
        del ERRORS["disk"]
