"""EDC fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL gets a schema of its own per test run (``edc_test_<random>``), dropped at
the end, so runs sharing one server do not meet; tables are emptied between tests.
SQLite gets a fresh in-memory database per test.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from oncotrial.edc.services import auth as _auth
from oncotrial.edc.store.db import make_engine, make_sessionmaker
from oncotrial.edc.store.models import Base, Subject, User
from oncotrial.protocol import read_protocol

PASSWORD = "correct horse battery"


_CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    # argon2's default cost (~50 ms a hash) is right for a server and too slow for hundreds
    # of test users; the algorithm and code path stay the same. Only for tests in this folder.
    monkeypatch.setattr(_auth, "_hasher", _CHEAP_HASHER)


@pytest.fixture(scope="session")
def _pg_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    url = request.getfixturevalue("postgres_url")
    schema = f"edc_test_{secrets.token_hex(4)}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, schema=schema)
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _empty(engine: Engine) -> None:
    # DELETE is much faster than TRUNCATE on tables this small (TRUNCATE recreates files).
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An empty EDC schema on each backend."""
    if request.param == "sqlite":
        eng = make_engine("sqlite://")
        Base.metadata.create_all(eng)
        yield eng
        eng.dispose()
    else:
        eng = request.getfixturevalue("_pg_engine")
        _empty(eng)
        yield eng


@dataclass
class World:
    """A trial set up with two sites and one user per role and site."""

    engine: Engine
    users: dict[str, int]
    sites: dict[str, int]

    def session(self) -> Session:
        return make_sessionmaker(self.engine)()

    def user(self, session: Session, name: str) -> User:
        return session.get(User, self.users[name])


ROLE_USERS = {
    "admin": ("sponsor_admin", []),
    "stat": ("statistician", []),
    "inv_a": ("investigator", ["101"]),
    "coord_a": ("site_coordinator", ["101"]),
    "mon_a": ("monitor", ["101"]),
    "inv_b": ("investigator", ["102"]),
    "coord_b": ("site_coordinator", ["102"]),
    "mon_b": ("monitor", ["102"]),
}


def make_world(engine: Engine) -> World:
    """Set up the trial, sites 101 and 102 and the users of :data:`ROLE_USERS` on ``engine``."""
    from oncotrial.edc import create_site, create_user, setup_trial

    with make_sessionmaker(engine)() as s:
        setup_trial(s, read_protocol())
        sites = {
            "101": create_site(s, None, code="101", name="Site A", country="CHN").id,
            "102": create_site(s, None, code="102", name="Site B", country="CHN").id,
        }
        users = {}
        for name, (role, codes) in ROLE_USERS.items():
            users[name] = create_user(
                s, None, username=name, full_name=name.title(), role=role, password=PASSWORD, site_codes=codes
            ).id
        s.commit()
    return World(engine, users, sites)


@pytest.fixture
def world(engine: Engine) -> World:
    return make_world(engine)


ELIGIBLE: dict[str, Any] = {
    "age_years": 52,
    "sex": "F",
    "histology_confirmed": True,
    "disease_status": "recurrent",
    "measurable_lesions": 2,
    "ecog": 1,
    "life_expectancy_weeks": 24,
    "prior_anti_pd1_pdl1": False,
    "prior_taxane_progression_6m": False,
    "anc_10e9_l": 2.1,
    "platelets_10e9_l": 210,
    "hemoglobin_g_l": 118,
    "bilirubin_x_uln": 0.8,
    "ast_x_uln": 1.1,
    "alt_x_uln": 0.9,
    "liver_metastases": False,
    "creatinine_x_uln": 0.9,
    "creatinine_clearance_ml_min": 85,
    "active_autoimmune_disease": False,
    "systemic_steroids": False,
    "untreated_cns_metastases": False,
    "neuropathy_grade": 0,
    "pregnant_or_breastfeeding": False,
}

SCREENED = dt.date(2024, 1, 3)
ENROLLED = dt.date(2024, 1, 10)


def enrolled_subject(session: Session, actor: User, site_code: str = "101") -> Subject:
    """A subject screened on 2024-01-03 and enrolled on 2024-01-10 at ``site_code``."""
    from oncotrial.edc import enroll_subject, screen_subject
    from oncotrial.edc.services.forms import EnrollIn, ScreeningIn

    subject = screen_subject(
        session,
        actor,
        ScreeningIn(
            site_code=site_code, consent_date=dt.date(2024, 1, 2), screening_date=SCREENED, values=ELIGIBLE
        ),
    )
    return enroll_subject(
        session, actor, subject.id, EnrollIn(enrollment_date=ENROLLED, version=subject.version)
    )


@dataclass
class Api:
    """An HTTP client on the app over the world's database, with a token per user."""

    client: Any
    tokens: dict[str, str]

    def __call__(self, who: str, method: str, url: str, json: Any = None, headers: dict | None = None) -> Any:
        auth = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return self.client.request(method, url, json=json, headers={**auth, **(headers or {})})


@pytest.fixture(scope="session")
def _app() -> Any:
    # Building the app takes ~60 ms (route analysis); build it once and point it at each
    # test's database through app.state, as create_app itself does.
    from oncotrial.app import create_app
    from oncotrial.settings import Settings

    return create_app(
        Settings(database_url="sqlite://", secret_key="t" * 32), engine=make_engine("sqlite://")
    )


@pytest.fixture
def api(world: World, _app: Any) -> Iterator[Api]:
    from fastapi.testclient import TestClient

    from oncotrial.edc import issue_token

    with world.session() as s:
        tokens = {name: issue_token(s, world.user(s, name), lifetime_s=3600) for name in world.users}
        s.commit()
    _app.state.engine = world.engine
    _app.state.sessions = make_sessionmaker(world.engine)
    with TestClient(_app) as client:
        yield Api(client, tokens)
