"""The sponsor's dashboard and dataset downloads, computed live from the database."""

from __future__ import annotations

import io
import zipfile

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import sign_in
from tests.web.helpers import ELIGIBLE, dose, post, screen


@pytest.fixture
def sponsor(web_env) -> TestClient:
    with TestClient(web_env.app) as c:
        sign_in(c, "sponsor")
        yield c


def _with_response(coord, sid):
    dose(coord, sid, "NABP", 1, "2025-01-12", 260, "mg/m2")
    dose(coord, sid, "PD1", 1, "2025-01-12", 200, "mg")
    base = {
        "visit_number": "1", "visit": "BASELINE", "assessment_date": "2025-01-08", "n_rows": "6",
        "m-0-code": "T01", "m-0-category": "TARGET", "m-0-location": "LIVER", "m-0-diameter_mm": "40",
    }  # fmt: skip
    post(coord, f"/subjects/{sid}/assessments", base)
    follow = {
        "visit_number": "2", "visit": "WEEK 6", "assessment_date": "2025-02-23", "n_rows": "3",
        "m-0-code": "T01", "m-0-category": "TARGET", "m-0-location": "LIVER", "m-0-diameter_mm": "20",
    }  # fmt: skip
    post(coord, f"/subjects/{sid}/assessments", follow)


def test_dashboard_shows_the_enrolled_subject_and_the_interim_numbers(coord, enrolled, sponsor):
    _with_response(coord, enrolled)
    html = sponsor.get("/dashboard").text
    assert '<th scope="row">A01-001</th>' in html
    assert 'id="orr-card"' in html and "exact CI" in html
    assert 'id="simon-card"' in html and "Stage 1: stop if" in html
    assert 'id="km-PFS"' in html and 'id="km-OS"' in html
    # one subject with a single unconfirmed PR: 0 confirmed responders of 1 patient
    assert "0 of " in html


def test_kaplan_meier_png_is_drawn_by_the_report_code(coord, enrolled, sponsor):
    _with_response(coord, enrolled)
    png = sponsor.get("/dashboard/km/PFS.png")
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_sdtm_download_holds_the_domains(coord, enrolled, sponsor):
    _with_response(coord, enrolled)
    response = sponsor.get("/datasets/sdtm.zip?fmt=csv")
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert {"dm.csv", "ex.csv", "tu.csv", "tr.csv"} <= set(names)


def test_adam_download_holds_adsl_and_adtte(coord, enrolled, sponsor):
    _with_response(coord, enrolled)
    response = sponsor.get("/datasets/adam.zip?fmt=csv")
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert {"adsl.csv", "adtte.csv", "adrs.csv"} <= set(names)


@pytest.mark.parametrize("user", ["coord_a", "inv_a", "monitor_a"])
def test_site_roles_cannot_open_the_dashboard(web_env, user):
    with TestClient(web_env.app) as c:
        sign_in(c, user)
        response = c.get("/dashboard")
        assert response.status_code == 403
        assert "Your role does not give access to this page." in response.text


def test_statistician_sees_the_dashboard(web_env, coord):
    screen(coord, ELIGIBLE)
    with TestClient(web_env.app) as c:
        sign_in(c, "stats")
        assert c.get("/dashboard").status_code == 200
