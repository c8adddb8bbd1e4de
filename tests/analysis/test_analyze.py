"""All analyses at once, and results.json."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from oncotrial.analysis import analyze, write_results
from oncotrial.errors import OncotrialError


def _strict(text: str):
    def refuse(name: str):
        raise ValueError(f"{name} in results.json")

    return json.loads(text, parse_constant=refuse)


def test_results_json_is_strict_json_with_every_section(adam, protocol, tmp_path):
    path = write_results(analyze(adam, protocol=protocol), tmp_path / "results.json")
    data = _strict(path.read_text(encoding="utf-8"))
    assert data["schema"] == "oncotrial.results/1"
    assert set(data["rates"]) == {"ORR", "DCR"} and set(data["time_to_event"]) == {"PFS", "OS", "DOR"}
    for key in (
        "disposition",
        "best_response",
        "follow_up",
        "simon",
        "interim",
        "safety",
        "methods",
        "assumptions",
    ):
        assert data[key], key
    assert data["conf_level"] == protocol.analysis.conf_level
    # a median that is not reached is null, never NaN (R survfit: median NA, 0.95LCL 90 days)
    assert data["time_to_event"]["OS"]["median"] == {"estimate": None, "low": 90 / 30.4375, "high": None}


def test_every_protocol_assumption_is_listed(adam, protocol):
    results = analyze(adam, protocol=protocol)
    assert [loc for loc, _ in results.assumptions] == [loc for loc, _ in protocol.assumptions()]


def test_endpoint_sets_follow_the_protocol(adam, protocol):
    endpoints = [e for e in protocol.endpoints if e.code != "DCR"]
    results = analyze(adam, protocol=protocol.model_copy(update={"endpoints": endpoints}))
    assert set(results.rates) == {"ORR"}


def test_package_without_adae_has_no_safety_section(adam, protocol):
    package = {"ADSL": adam.adsl, "ADRS": adam.adrs, "ADTR": adam.adtr, "ADTTE": adam.adtte}
    assert analyze(package, protocol=protocol).safety is None


def test_missing_adtte_names_the_dataset(adam, protocol):
    package = {"ADSL": adam.adsl, "ADRS": adam.adrs}
    with pytest.raises(OncotrialError, match=r"ADTTE: dataset is missing from the ADaM package"):
        analyze(package, protocol=protocol)


def test_response_source_and_discrepancies_reach_methods_and_notes(adam, protocol):
    class Package:
        adsl, adrs, adtr, adtte, adae = adam.adsl, adam.adrs, adam.adtr, adam.adtte, adam.adae
        response_source = "recist"
        discrepancies = pd.DataFrame({"USUBJID": ["S01", "S01", "S02"]})

    results = analyze(Package(), protocol=protocol)
    assert results.methods[0].topic == "Overall responses"
    assert "RECIST 1.1 engine" in results.methods[0].text
    assert results.notes == (
        "3 assessments of 2 patients where the recorded response (RS) differs from the RECIST 1.1 "
        "computation; the ADaM package lists them.",
    )


def test_conf_level_comes_from_the_protocol(adam, protocol):
    analysis = protocol.analysis.model_copy(update={"conf_level": 0.9})
    results = analyze(adam, protocol=protocol.model_copy(update={"analysis": analysis}))
    orr = results.rates["ORR"]
    assert orr.conf_level == 0.9
    # R 4.2.2: binom.test(2, 6, conf.level = 0.9)$conf.int -> 0.06284989171 0.72866162748
    assert (orr.rate.low, orr.rate.high) == pytest.approx((0.06284989171, 0.72866162748), abs=1e-10)
