"""The site and sponsor pages on PostgreSQL (the multi-center database), in-process.

Runs when ONCOTRIAL_TEST_DATABASE_URL names a server; each run uses a schema of its own,
dropped at the end, so runs sharing the server do not meet.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from oncotrial.app import create_app
from oncotrial.edc import make_engine
from oncotrial.edc.store.models import Base
from oncotrial.settings import Settings
from tests.web.conftest import seed_trial, sign_in
from tests.web.helpers import ELIGIBLE, dose, post, screen

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_app(postgres_url) -> Iterator[object]:
    schema = f"web_test_{secrets.token_hex(4)}"
    admin = make_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(postgres_url, schema=schema)
    try:
        Base.metadata.create_all(engine)
        settings = Settings(database_url=postgres_url, secret_key="pg-web-test-secret-0123456789")
        app = create_app(settings, engine=engine)
        seed_trial(app.state.sessions)
        yield app
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_site_workflow_and_dashboard_on_postgresql(pg_app):
    with TestClient(pg_app) as coord:
        sign_in(coord, "coord_a")
        sid = screen(coord, ELIGIBLE)
        post(coord, f"/subjects/{sid}/enroll", {"enrollment_date": "2025-01-10"})
        for cycle in range(1, 7):
            assert (
                dose(coord, sid, "NABP", cycle, f"2025-{cycle + 1:02d}-01", 260, "mg/m2").status_code == 303
            )
        refused = dose(coord, sid, "NABP", 7, "2025-08-01", 260, "mg/m2")
        assert "may be given for at most 6 cycles; cycle 7 is beyond the protocol limit" in refused.text
        listing = coord.get("/subjects").text
        assert re.search(rf'href="/subjects/{sid}">A01-001</a>', listing)
    with TestClient(pg_app) as other:
        sign_in(other, "coord_b")
        assert other.get(f"/subjects/{sid}").status_code == 404
    with TestClient(pg_app) as sponsor:
        sign_in(sponsor, "sponsor")
        html = sponsor.get("/dashboard").text
        assert '<th scope="row">A01-001</th>' in html and 'id="data-status"' in html


def test_schedule_on_the_list_and_source_data_verification_on_postgresql(pg_app):
    with TestClient(pg_app) as coord:
        sign_in(coord, "coord_a")
        sid = screen(coord, ELIGIBLE)
        post(coord, f"/subjects/{sid}/enroll", {"enrollment_date": "2025-01-10"})
        dose(coord, sid, "PD1", 1, "2025-01-12", 200, "mg")
        # 2025-01-12 + the protocol's 21-day cycle = 2025-02-02; + 3-day window -> overdue from 2025-02-06
        row = coord.get("/subjects?as_of=2025-02-06").text.split(f'href="/subjects/{sid}">A01-001</a>')[1]
        assert "<td>Cycle 2, 2025-02-02</td>" in row.split("</tr>")[0]
        assert "⚠ Overdue: Cycle 2" in row.split("</tr>")[0]
        dose_id = re.search(r'id="dose-(\d+)"', coord.get(f"/subjects/{sid}").text).group(1)
    with TestClient(pg_app) as monitor:
        sign_in(monitor, "monitor_a")
        response = post(
            monitor,
            f"/subjects/{sid}/sdv",
            {"record_table": "dose", "record_id": dose_id},
            follow_redirects=False,
        )
        assert response.status_code == 303
        item = monitor.get(f"/subjects/{sid}").text.split(f'<li id="dose-{dose_id}">')[1].split("</li>")[0]
        assert "✓ Source-data verified" in item and "Mark verified" not in item
