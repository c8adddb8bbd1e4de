"""`oncotrial analyze SDTM_DIR --out DIR` as a user runs it."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from oncotrial.analysis import hash_inputs, input_files
from oncotrial.cli import app
from oncotrial.protocol import default_protocol_path

runner = CliRunner()
REFERENCE = Path(__file__).parent / "data" / "pharmaverse-recist" / "sdtm"


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory):
    """One run on the public reference package (module-scoped: it takes a few seconds)."""
    out = tmp_path_factory.mktemp("analyze") / "out"
    result = runner.invoke(app, ["analyze", str(REFERENCE), "--out", str(out)], env={"COLUMNS": "200"})
    return result, out


def test_reference_run_writes_adam_results_and_report(reference_run):
    result, out = reference_run
    assert result.exit_code == 0, result.output
    for name in ("adsl", "adrs", "adtr", "adtte", "adae", "adex"):
        assert (out / "adam" / f"{name}.csv").stat().st_size > 0
    assert (out / "results.json").exists() and (out / "report.html").exists()
    assert "ok 6 ADaM datasets" in result.output
    page = re.sub(r"base64,[A-Za-z0-9+/=]+", "", (out / "report.html").read_text(encoding="utf-8"))
    assert not re.search(r"\b(nan|NaN|None)\b", page)  # missing values print as NE or a dash


def test_results_json_records_input_protocol_hashes_and_version(reference_run):
    from oncotrial import __version__

    _, out = reference_run
    data = json.loads((out / "results.json").read_text())
    assert data["schema"] == "oncotrial.results/1"
    prov = data["provenance"]
    assert prov["inputs_sha256"] == hash_inputs(input_files(REFERENCE), root=REFERENCE)[0]
    assert [name for name, _ in prov["input_files"]] == sorted(p.name for p in REFERENCE.iterdir())
    assert prov["protocol_sha256"] == hashlib.sha256(default_protocol_path().read_bytes()).hexdigest()
    assert prov["package_version"] == __version__


def test_results_json_orr_agrees_with_the_written_adam(reference_run):
    _, out = reference_run
    data = json.loads((out / "results.json").read_text())
    adsl = pd.read_csv(out / "adam" / "adsl.csv", dtype=str, keep_default_na=False)
    adrs = pd.read_csv(out / "adam" / "adrs.csv", dtype=str, keep_default_na=False)
    fas = set(adsl.loc[adsl["FASFL"] == "Y", "USUBJID"])
    cbor = adrs[(adrs["PARAMCD"] == "CBOR") & adrs["USUBJID"].isin(fas)]
    responders = int(cbor["AVALC"].isin(["CR", "PR"]).sum())
    orr = data["rates"]["ORR"]
    assert (orr["x"], orr["n"]) == (responders, len(fas))
    assert set(data["time_to_event"]) == {"PFS", "OS", "DOR"}
    assert data["safety"]["scale"] == "severity"  # the CDISC pilot records AESEV only


def test_missing_folder_is_one_line_and_exit_2(tmp_path):
    result = runner.invoke(app, ["analyze", str(tmp_path / "nope"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "nope" in lines[0]


def test_missing_domain_names_the_file(tmp_path):
    sdtm = tmp_path / "sdtm"
    shutil.copytree(REFERENCE, sdtm)
    (sdtm / "dm.xpt").unlink()
    result = runner.invoke(
        app, ["analyze", str(sdtm), "--out", str(tmp_path / "out")], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 2
    assert "error:" in result.output and "dm.xpt" in result.output and "DM is missing" in result.output
    assert not (tmp_path / "out" / "results.json").exists()


def test_missing_variable_names_the_file_and_variable(tmp_path):
    sdtm = tmp_path / "sdtm"
    shutil.copytree(REFERENCE, sdtm)
    tr = pd.read_csv(sdtm / "tr.csv", dtype=str, keep_default_na=False).drop(columns="TRSTRESN")
    tr.to_csv(sdtm / "tr.csv", index=False)
    result = runner.invoke(
        app, ["analyze", str(sdtm), "--out", str(tmp_path / "out")], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 2
    assert "TRSTRESN" in result.output and "tr" in result.output.lower()


def test_demonstration_cohort_gives_all_three_outputs(tmp_path):
    from oncotrial.protocol import load_protocol
    from oncotrial.sdtm import SdtmPackage, write_sdtm
    from oncotrial.simulate import Scenario, simulate_cohort

    trial = simulate_cohort(load_protocol(), Scenario(), seed=2024)
    sdtm = tmp_path / "sdtm"
    write_sdtm(SdtmPackage(trial.sdtm), sdtm, fmt="xpt")
    out = tmp_path / "out"
    result = runner.invoke(app, ["analyze", str(sdtm), "--out", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    data = json.loads((out / "results.json").read_text())
    fas = pd.read_csv(out / "adam" / "adsl.csv", dtype=str, keep_default_na=False)["FASFL"].eq("Y").sum()
    assert data["rates"]["ORR"]["n"] == fas > 0
    assert data["time_to_event"]["OS"]["n"] == fas
    assert data["safety"]["scale"] == "CTCAE grade"
    assert "<img" in (out / "report.html").read_text()


def test_response_source_rs_takes_responses_as_recorded(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["analyze", str(REFERENCE), "--out", str(out), "--response-source", "rs"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    methods = {m["topic"]: m["text"] for m in json.loads((out / "results.json").read_text())["methods"]}
    assert methods["Overall responses"].startswith("As recorded in RS")
    adrs = pd.read_csv(out / "adam" / "adrs.csv", dtype=str, keep_default_na=False)
    assert set(adrs["SRCDOM"]) == {"RS"}


def test_unknown_response_source_is_refused(tmp_path):
    result = runner.invoke(
        app, ["analyze", str(REFERENCE), "--out", str(tmp_path), "--response-source", "tr"]
    )
    assert result.exit_code == 2
    assert "tr" in result.output and "recist" in result.output


def test_run_analysis_announces_each_step_in_order(tmp_path):
    from oncotrial.cli.analyze import STEPS, run_analysis

    seen: list[str] = []
    outputs = run_analysis(REFERENCE, tmp_path / "out", step=seen.append)
    assert seen == list(STEPS)
    assert outputs.results.exists() and outputs.report.exists()
