"""``oncotrial recist evaluate|explain`` on the pharmaverse SDTM folder."""

from __future__ import annotations

import json
import shutil

import pandas as pd
from typer.testing import CliRunner

from oncotrial.cli import app

from .conftest import REFERENCE

SDTM = str(REFERENCE / "sdtm")
runner = CliRunner()


def test_explain_prints_each_assessment_and_the_best_response():
    result = runner.invoke(app, ["recist", "explain", SDTM, "01-701-1118"])
    assert result.exit_code == 0, result.output
    assert "WEEK 9 (2014-05-14): NE" in result.output
    assert "target NE: T02 not assessed, the others do not show PD" in result.output
    assert "Best overall response (confirmed): PR - PR: PR (or CR) confirmed by CR/PR" in result.output


def test_explain_json_for_one_reader():
    result = runner.invoke(
        app,
        [
            "recist",
            "explain",
            SDTM,
            "01-701-1133",
            "--evaluator",
            "INDEPENDENT ASSESSOR",
            "--reader",
            "RADIOLOGIST 2",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # warnings of the SDTM check go to stderr
    # RS for radiologist 2 at WEEK 9 is PR (4.95 mm from a 0 mm nadir is under 5 mm).
    assert [t["OVRLRESP"] for t in data["timepoints"]] == ["PR", "CR", "PR"]


def test_evaluate_writes_timepoints_best_and_checks(tmp_path):
    result = runner.invoke(app, ["recist", "evaluate", SDTM, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    tp = pd.read_csv(tmp_path / "timepoints.csv")
    best = pd.read_csv(tmp_path / "best.csv")
    assert len(tp) == 22
    assert best.set_index("USUBJID").loc["01-701-1118", "CBOR"] == "PR"
    assert (tmp_path / "baseline_checks.csv").exists()
    assert "22 assessments of 8 subjects (INVESTIGATOR)" in result.output


def test_unknown_subject_and_missing_domain_are_errors(tmp_path):
    result = runner.invoke(app, ["recist", "explain", SDTM, "NOBODY"])
    assert result.exit_code == 2
    assert "USUBJID: no timepoint and no best response for this subject (got 'NOBODY')" in result.output
    for name in ("tu.csv", "dm.xpt"):
        shutil.copy(REFERENCE / "sdtm" / name, tmp_path / name)
    result = runner.invoke(app, ["recist", "evaluate", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    # The SDTM reader names the missing tumour domain (its own wording).
    assert result.output.startswith("error:")
    assert "tr.xpt" in result.output
