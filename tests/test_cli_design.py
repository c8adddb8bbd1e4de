"""`oncotrial design` as a user runs it."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from oncotrial.cli import app

runner = CliRunner()


def test_design_prints_simons_stages_and_both_columns():
    result = runner.invoke(app, ["design", "--sims", "5000", "--seed", "3"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Simon two-stage design (optimal): p0 = 0.2, p1 = 0.4" in out
    assert "stage 1: treat 13; stop for futility if 3 or fewer respond" in out
    assert "stage 2: treat 30 more (43 in all); promising if more than 12 respond" in out
    assert "exact: alpha 0.0496, power 0.8002" in out
    assert "exact/sim" in out and " 0.20 " in out


def test_design_json_simulated_within_monte_carlo_error_of_exact():
    result = runner.invoke(app, ["design", "--sims", "20000", "--patient-level", "20", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["design"]["r1"], data["design"]["n1"], data["design"]["r"], data["design"]["n"]) == (
        3,
        13,
        12,
        43,
    )
    assert [e["p"] for e in data["exact"]] == [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]
    for e, s in zip(data["exact"], data["simulated"], strict=True):
        assert s["n_trials"] == 20000
        assert abs(e["promising"] - s["promising"]) <= 4 * max(s["promising_se"], 1e-3)
    assert len(data["patient_level"]) == 9 and data["patient_level"][0]["n_trials"] == 20


def test_design_with_a_bad_protocol_file_names_it(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("format_version = 1\n")
    result = runner.invoke(app, ["design", "--protocol", str(bad)])
    assert result.exit_code == 2
    assert "bad.toml" in result.output and "identity" in result.output
