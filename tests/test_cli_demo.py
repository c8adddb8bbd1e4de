"""`oncotrial demo`: the README's main job, end to end."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from oncotrial.cli import app
from oncotrial.sdtm import read_sdtm

runner = CliRunner()


def test_demo_builds_a_workspace_with_sdtm_analysis_and_report(tmp_path):
    workspace = tmp_path / "ws"
    result = runner.invoke(
        app,
        ["demo", "--workspace", str(workspace), "--subjects", "12", "--seed", "5"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "12 enrolled at" in out
    assert "Estimated (truth of the scenario in brackets):" in out
    assert "ORR " in out and "[44.4%]" in out and "median OS" in out
    assert f"open {workspace / 'analysis' / 'report.html'} in a browser" in out
    assert "forms through the EDC's edit checks, 0 open queries" in out
    assert (workspace / "trial.db").is_file()
    for name in ("dm", "ex", "tu", "tr", "rs", "ae", "ds", "sv"):
        assert (workspace / "sdtm" / f"{name}.xpt").is_file(), name  # exported from the EDC
        assert (workspace / "simulation" / "sdtm" / f"{name}.xpt").is_file(), name  # generated
    assert (workspace / "analysis" / "report.html").stat().st_size > 10_000
    results = json.loads((workspace / "analysis" / "results.json").read_text())
    assert results["rates"]["ORR"]["n"] == 12
    scenario = json.loads((workspace / "simulation" / "scenario.json").read_text())
    assert scenario["seed"] == 5 and scenario["scenario"]["n_subjects"] == 12
    assert "102274" in scenario["sources"]["orr"]
    # the EDC's export holds the enrolled patients; the generator's tables also the screen failures
    assert len(read_sdtm(workspace / "sdtm")["DM"]) == 12
    generated = read_sdtm(workspace / "simulation" / "sdtm")["DM"]
    assert (generated["ARMCD"] != "SCRNFAIL").sum() == 12


def test_demo_is_reproducible_by_seed(tmp_path):
    for name in ("a", "b"):
        result = runner.invoke(
            app, ["demo", "--workspace", str(tmp_path / name), "--subjects", "6", "--seed", "9"]
        )
        assert result.exit_code == 0, result.output
    for folder in ("sdtm", "simulation/sdtm"):
        for table in ("dm", "tr", "ae"):
            a = read_sdtm(tmp_path / "a" / folder)[table.upper()]
            b = read_sdtm(tmp_path / "b" / folder)[table.upper()]
            assert a.equals(b), (folder, table)
    assert (tmp_path / "a" / "simulation" / "truth.csv").read_bytes() == (
        tmp_path / "b" / "simulation" / "truth.csv"
    ).read_bytes()


def test_demo_refuses_a_workspace_that_is_a_file(tmp_path):
    target = tmp_path / "taken"
    target.write_text("x")
    result = runner.invoke(app, ["demo", "--workspace", str(target)])
    assert result.exit_code == 2
    assert f"workspace: exists and is not a folder (got '{target}')" in result.output
