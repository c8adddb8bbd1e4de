"""`oncotrial protocol validate|show` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from oncotrial.cli import app
from oncotrial.protocol import default_protocol_path

runner = CliRunner()


def test_show_prints_design_regimen_limits_and_marks_assumptions():
    result = runner.invoke(app, ["protocol", "show"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "phase 2, single-arm, open-label, multi-center" in out
    assert "NABP: albumin-bound paclitaxel 260 mg/m2 † IV day 1" in out
    assert "at most 6 cycles" in out and "at most 2 years from its first dose" in out
    assert "tumour imaging every 6 weeks ±7 days" in out
    assert "IN04 †" in out and "ecog in [0, 1]" in out
    assert "confirmation at least 28 days later" in out
    assert "p0 = 0.2, p1 = 0.4, one-sided alpha = 0.05, beta = 0.2" in out


def test_show_prints_the_safety_section_with_each_dose_rule():
    result = runner.invoke(app, ["protocol", "show"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "BSA by Mosteller †" in out and "SAE initial report within 24 hours of awareness †" in out
    assert "NABP-D1-ANC †" in out and "anc_10e9_l < 1.5" in out
    assert "PD1-COLITIS-STOP †" in out and "irae_worst_grade_colitis >= 4" in out


def test_show_json_lists_assumptions():
    result = runner.invoke(app, ["protocol", "show", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["regimen"]["drugs"][0]["max_cycles"] == 6
    assert data["eligibility"]["inclusion"][0]["rule"] == "age_years >= 18"
    assert {"field": "regimen.drugs[0].dose"}.items() <= next(
        a for a in data["_assumptions"] if a["field"] == "regimen.drugs[0].dose"
    ).items()


def test_validate_bad_file_prints_one_line_per_problem_and_exits_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(default_protocol_path().read_text().replace('basis = "flat"', 'basis = "per-kilo"'))
    result = runner.invoke(app, ["protocol", "validate", str(bad)])
    assert result.exit_code == 2
    assert "regimen.drugs[1].basis:" in result.output
    assert "Traceback" not in result.output


def test_console_script_runs():
    proc = subprocess.run(
        [sys.executable, "-m", "oncotrial", "protocol", "validate", str(default_protocol_path())],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok ")
