"""``oncotrial sdtm check`` and ``oncotrial adam build`` on the reference package."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from oncotrial.cli import app

runner = CliRunner()


def test_sdtm_check_lists_domain_sizes(reference_sdtm: Path) -> None:
    result = runner.invoke(app, ["sdtm", "check", str(reference_sdtm)])
    assert result.exit_code == 0, result.output
    assert "AE 1191, DM 306, DS 596, EX 591, RS 66, TR 546, TU 75" in " ".join(result.output.split())


def test_sdtm_check_prints_one_line_per_problem_and_exits_2(tmp_path: Path) -> None:
    pd.DataFrame({"STUDYID": ["S"], "USUBJID": ["S-1"]}).to_csv(tmp_path / "dm.csv", index=False)
    result = runner.invoke(app, ["sdtm", "check", str(tmp_path)])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert (
        "dm.csv.SUBJID: required variable SUBJID (Subject Identifier for the Study) is missing from dm.csv"
        in text
    )
    assert "ex.xpt: required domain EX is missing" in text


def test_adam_build_writes_datasets_and_discrepancies(reference_sdtm: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["adam", "build", str(reference_sdtm), "--out", str(tmp_path), "--fmt", "xpt"]
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "adae.xpt",
        "adex.xpt",
        "adrs.xpt",
        "adsl.xpt",
        "adtr.xpt",
        "adtte.xpt",
        "discrepancies.csv",
    ]
    assert "populations: FAS 254, EFF 6, SAF 254, RESP 1" in " ".join(result.output.split())
