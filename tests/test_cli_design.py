"""`oncotrial design` as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from oncotrial.cli import app
from oncotrial.protocol import default_protocol_path

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
    assert "warning" not in out  # the bundled design (n_max = 100) is not cut short by its bound


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
    assert data["warnings"] == []


def test_design_with_a_bad_protocol_file_names_it(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("format_version = 1\n")
    result = runner.invoke(app, ["design", "--protocol", str(bad)])
    assert result.exit_code == 2
    assert "bad.toml" in result.output and "identity" in result.output


def _wide_design_protocol(tmp_path: Path) -> Path:
    """The seed protocol with p0 = 0.30, p1 = 0.45, beta = 0.10 (n_max stays 100): Simon's
    optimal design for these (1989, Table 2: 13/40, 40/110) lies beyond the bound."""
    seed = default_protocol_path()
    text = seed.read_text()
    for old, new in (
        ("p0 = 0.20\n", "p0 = 0.30\n"),
        ("p1 = 0.40\n", "p1 = 0.45\n"),
        ("beta = 0.20\n", "beta = 0.10\n"),
    ):
        assert text.count(old) == 1, f"test setup: {old!r} not once in the seed protocol"
        text = text.replace(old, new)
    assert "n_max = 100\n" in text
    path = tmp_path / "wide.toml"
    path.write_text(text)
    (tmp_path / "registration.txt").write_text((seed.parent / "registration.txt").read_text())
    return path


WIDE_WARNING = (
    "warning: design.n_max: the search for the optimal design stopped at n = 100, and a larger design has "
    "a smaller EN(p0): r1/n1 = 13/40, r/n = 40/110, EN(p0) = 60.77 against 62.29 for r1/n1 = 12/39, "
    "r/n = 37/100 found within it; set design.n_max in the protocol file (or pass n_max=) to 110 or more "
    "(got 100)"
)


def test_design_prints_the_warning_when_n_max_hides_a_better_design(tmp_path):
    result = runner.invoke(
        app,
        ["design", "--protocol", str(_wide_design_protocol(tmp_path)), "--sims", "2000"],
        env={"COLUMNS": "120"},
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == WIDE_WARNING
    assert "stage 2: treat 61 more (100 in all); promising if more than 37 respond" in result.stdout


def test_design_json_carries_the_bound_warning_and_stays_valid_json(tmp_path):
    result = runner.invoke(
        app, ["design", "--protocol", str(_wide_design_protocol(tmp_path)), "--sims", "2000", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["warnings"] == [WIDE_WARNING.removeprefix("warning: ")]
    assert result.stderr.strip() == WIDE_WARNING
