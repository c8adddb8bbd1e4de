"""Fixtures of the web tests: an application on a fresh SQLite database with one user per role.

``web_app`` / ``client`` run in-process (httpx TestClient) for fast page tests; the browser
suite starts the same application under uvicorn (see ``test_workflow_browser.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from oncotrial.edc._auth import hash_password
from oncotrial.edc._db import make_engine, make_sessionmaker
from oncotrial.edc._models import Base, Site, User
from oncotrial.protocol import load_protocol
from oncotrial.settings import Settings
from oncotrial.web import install

PASSWORD = "correct horse 42"


@functools.cache
def password_hash() -> str:
    """One argon2 hash shared by every test user (hashing is deliberately slow)."""
    return hash_password(PASSWORD)


@dataclass(frozen=True)
class WebEnv:
    app: FastAPI
    settings: Settings


def make_web_app(tmp_path, session_lifetime_s: int = 3600) -> WebEnv:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'web.db'}",
        secret_key="test-secret-key-0123456789",
        session_lifetime_s=session_lifetime_s,
    )
    engine = make_engine(settings.database_url)
    Base.metadata.create_all(engine)
    sessions = make_sessionmaker(engine)
    with sessions() as db:
        site_a = Site(code="A01", name="Site A", country="CHN")
        site_b = Site(code="B01", name="Site B", country="CHN")
        db.add_all([site_a, site_b])
        db.flush()
        for username, role, sites in [
            ("coord_a", "site_coordinator", [site_a]),
            ("coord_b", "site_coordinator", [site_b]),
            ("inv_a", "investigator", [site_a]),
            ("monitor_a", "monitor", [site_a]),
            ("sponsor", "sponsor_admin", []),
            ("stats", "statistician", []),
        ]:
            db.add(
                User(
                    username=username,
                    full_name=username.replace("_", " ").title(),
                    role=role,
                    password_hash=password_hash(),
                    sites=sites,
                )
            )
        db.commit()
    app = FastAPI()
    install(app, settings=settings, sessions=sessions, protocol=load_protocol())
    return WebEnv(app, settings)


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
