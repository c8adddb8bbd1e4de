"""One bad record never hides the whole trial's analysis (security issue, item 2).

An adverse event dated 2263-01-01 that reached the database before the EDC checked dates on
entry: the dashboard said "no analysis yet", the ADaM download answered a bare 409 and
`oncotrial analyze` exited 1. Now the dashboard and the download run the SDTM check first and
name the record (domain, variable, subject, value, why), and `oncotrial analyze` on the
exported SDTM exits 2 naming it too.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from oncotrial.cli import app as cli
from oncotrial.edc import create_record
from oncotrial.edc.services.forms import AdverseEventIn
from oncotrial.edc.store.models import User
from tests.web.conftest import sign_in
from tests.web.test_sponsor_pages import _with_response

SUBJECT = "PD1NABP-CC2-A01-001"


@pytest.fixture
def sponsor(web_env) -> TestClient:
    with TestClient(web_env.app) as c:
        sign_in(c, "sponsor")
        yield c


@pytest.fixture
def far_future_ae(web_env, coord, enrolled) -> int:
    """The enrolled subject with a response, and an AE whose start date became 2263-01-01 in
    the database (as data stored before the entry check would be)."""
    _with_response(coord, enrolled)
    with web_env.sessions() as db:
        user = db.query(User).filter_by(username="coord_a").one()
        ae = AdverseEventIn(
            term="Anaemia",
            grade=2,
            serious=False,
            relatedness={"NABP": "RELATED", "PD1": "NOT RELATED"},
            start_date="2025-01-20",
            action_taken="DOSE NOT CHANGED",
        )
        record = create_record(db, user, "adverse-events", enrolled, ae)
        db.commit()
        db.execute(
            text("UPDATE adverse_event SET start_date = '2263-01-01' WHERE id = :id"), {"id": record.id}
        )
        db.commit()
    return record.id


def test_the_dashboard_names_the_record_instead_of_no_analysis_yet(far_future_ae, sponsor):
    html = sponsor.get("/dashboard").text
    assert "no analysis yet" not in html
    assert 'id="analysis-records"' in html
    assert f"AE.AESTDTC of subject {SUBJECT}" in html and "2263-01-01" in html
    assert "year 2263 is not plausible (1900-2200)" in html  # the SDTM check's reason
    assert '<th scope="row">A01</th>' in html  # the rest of the page is there


def test_the_adam_download_names_the_record(far_future_ae, sponsor):
    response = sponsor.get("/datasets/adam.zip?fmt=csv")
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("text/html")
    assert f"AE.AESTDTC of subject {SUBJECT}" in response.text and "2263-01-01" in response.text
    assert sponsor.get("/datasets").text.count("2263-01-01") == 1  # the page says so before a click


def test_oncotrial_analyze_on_the_exported_sdtm_exits_2_naming_the_record(far_future_ae, sponsor, tmp_path):
    exported = sponsor.get("/datasets/sdtm.zip?fmt=csv")
    assert exported.status_code == 200  # SDTM is still exported as stored
    folder = tmp_path / "sdtm"
    zipfile.ZipFile(io.BytesIO(exported.content)).extractall(folder)
    result = CliRunner().invoke(
        cli, ["analyze", str(folder), "--out", str(tmp_path / "out")], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 2, result.output
    assert "ae.csv.AESTDTC[0]: year 2263 is not plausible" in result.output  # file, variable, row


def test_a_trial_without_doses_still_says_no_analysis_yet(web_env, coord, enrolled, sponsor):
    html = sponsor.get("/dashboard").text
    assert "no analysis yet" in html and 'id="analysis-records"' not in html
