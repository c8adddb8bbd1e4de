"""Fixtures of the web tests: an application on a fresh SQLite database with one user per role.

``web_app`` / ``client`` run in-process (httpx TestClient) for fast page tests; the browser
suite starts the same application under uvicorn (see ``test_workflow_browser.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from oncotrial.app import create_app
from oncotrial.edc import create_site, create_user, make_engine, setup_trial
from oncotrial.edc.services import auth as _auth
from oncotrial.edc.store.models import Base
from oncotrial.protocol import default_protocol_path, read_protocol
from oncotrial.settings import Settings
from tests.web.helpers import ELIGIBLE, post, screen

PASSWORD = "correct horse 42"

#: (username, role, site codes): one user per role at site A, a coordinator at site B.
USERS = [
    ("coord_a", "site_coordinator", ["A01"]),
    ("coord_b", "site_coordinator", ["B01"]),
    ("inv_a", "investigator", ["A01"]),
    ("monitor_a", "monitor", ["A01"]),
    ("sponsor", "sponsor_admin", []),
    ("stats", "statistician", []),
]


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    # argon2's server cost makes each sign-in slow; the algorithm and code path stay the same.
    saved = _auth._hasher
    _auth._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    yield
    _auth._hasher = saved


def seed_trial(sessions: sessionmaker[Session]) -> None:
    """The bundled trial, sites A01 and B01 and :data:`USERS`, through the EDC services."""
    with sessions() as db:
        setup_trial(db, read_protocol(default_protocol_path()))
        create_site(db, None, code="A01", name="Site A", country="CHN")
        create_site(db, None, code="B01", name="Site B", country="CHN")
        for username, role, sites in USERS:
            create_user(
                db,
                None,
                username=username,
                full_name=username.replace("_", " ").title(),
                role=role,
                password=PASSWORD,
                site_codes=sites,
            )
        db.commit()


@dataclass(frozen=True)
class WebEnv:
    app: FastAPI
    settings: Settings
    sessions: sessionmaker[Session]


def make_web_app(tmp_path, session_lifetime_s: int = 3600, **settings_: Any) -> WebEnv:
    """The whole application (API and pages) on a fresh SQLite file with the seeded trial.

    ``settings_``: other settings (e.g. ``totp_required_roles``).
    """
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'web.db'}",
        secret_key="test-secret-key-0123456789",
        session_lifetime_s=session_lifetime_s,
        **settings_,
    )
    engine = make_engine(settings.database_url)
    Base.metadata.create_all(engine)
    app = create_app(settings, engine=engine)
    seed_trial(app.state.sessions)
    return WebEnv(app, settings, app.state.sessions)


@pytest.fixture
def web_env(tmp_path) -> WebEnv:
    return make_web_app(tmp_path)


@pytest.fixture
def client(web_env) -> Iterator[TestClient]:
    with TestClient(web_env.app, base_url="http://testserver") as c:
        yield c


def csrf_of(client: TestClient, path: str = "/login") -> str:
    """The CSRF token printed in a page's forms."""
    import re

    html = client.get(path).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD):
    token = csrf_of(client)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


@pytest.fixture
def coord(web_env) -> Iterator[TestClient]:
    """A coordinator of site A, signed in."""
    with TestClient(web_env.app) as c:
        sign_in(c, "coord_a")
        yield c


@pytest.fixture
def enrolled(coord) -> int:
    """The id of an eligible subject screened and enrolled at site A by the coordinator."""
    sid = screen(coord, ELIGIBLE)
    response = post(
        coord, f"/subjects/{sid}/enroll", {"enrollment_date": "2025-01-10"}, follow_redirects=False
    )
    assert response.status_code == 303
    return sid
