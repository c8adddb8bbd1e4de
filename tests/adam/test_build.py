"""build_adam end to end: a simulated trial through XPT files, and the ADaM XPT round trip."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from oncotrial.adam import DATASETS, AdamPackage, build_adam, write_adam
from oncotrial.protocol import Protocol
from oncotrial.sdtm import SdtmPackage, read_sdtm, write_sdtm
from oncotrial.simulate import Scenario, simulate_cohort


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory, protocol: Protocol) -> AdamPackage:
    folder = tmp_path_factory.mktemp("sdtm")
    trial = simulate_cohort(protocol, Scenario(n_subjects=20), seed=11)
    write_sdtm(SdtmPackage(trial.sdtm), folder, fmt="xpt")
    return build_adam(read_sdtm(folder), protocol)


def test_simulated_trial_gives_every_dataset_with_its_key_variables(simulated: AdamPackage) -> None:
    assert simulated.response_source == "recist"
    for name, columns in {
        "ADSL": [
            "USUBJID",
            "ENRLDT",
            "TRTSDT",
            "FASFL",
            "SAFFL",
            "EFFFL",
            "RESPFL",
            "NABPSDT",
            "PD1EDT",
            "DTHDTF",
            "NACTDTF",
        ],
        "ADRS": ["USUBJID", "PARAMCD", "AVALC", "AVAL", "ADT", "ADTF", "ANL01FL"],
        "ADTR": ["USUBJID", "PARAMCD", "AVAL", "BASE", "PCHG", "NADIR", "ADTF"],
        "ADTTE": [
            "USUBJID",
            "PARAMCD",
            "STARTDT",
            "ADT",
            "ADTF",
            "AVAL",
            "AVALM",
            "CNSR",
            "SRCDOM",
            "SRCVAR",
            "SRCSEQ",
        ],
        "ADAE": ["USUBJID", "ASTDTF", "TRTEMFL", "ATOXGRN", "AOCCPIFL"],
        "ADEX": ["USUBJID", "PARAMCD", "PARCAT1", "AVAL"],
    }.items():
        frame = simulated[name]
        assert not frame.empty, name
        assert set(columns) <= set(frame.columns), name
    assert list(simulated.date_findings.columns) == ["USUBJID", "VARIABLE", "VALUE", "CHECK", "MESSAGE"]
    ovr = simulated.adrs[simulated.adrs["PARAMCD"] == "OVR"]
    assert (ovr[ovr["ANL01FL"] == "Y"].groupby(["USUBJID", "ADT"]).size() == 1).all()
    assert set(ovr.groupby(["USUBJID", "ADT"]).groups) == set(
        ovr[ovr["ANL01FL"] == "Y"].groupby(["USUBJID", "ADT"]).groups
    )
    fas = simulated.adsl["FASFL"].eq("Y").sum()
    assert (simulated.adtte.groupby("PARAMCD").size()[["PFS", "OS"]] == fas).all()
    assert (
        simulated.adtte.loc[simulated.adtte["PARAMCD"] == "DOR", "USUBJID"]
        .isin(simulated.adsl.loc[simulated.adsl["RESPFL"] == "Y", "USUBJID"])
        .all()
    )
    # every day count follows ADT - STARTDT + 1
    days = (simulated.adtte["ADT"] - simulated.adtte["STARTDT"]).dt.days + 1
    assert (simulated.adtte["AVAL"] == days).all()


def test_every_dataset_round_trips_through_xpt(simulated: AdamPackage, tmp_path: Path) -> None:
    paths = write_adam(simulated, tmp_path, fmt="xpt")
    assert [p.name for p in paths] == [f"{n.lower()}.xpt" for n in DATASETS]
    for name, path in zip(DATASETS, paths, strict=True):
        back, meta = pyreadstat.read_xport(str(path), dates_as_pandas_datetime=True)
        frame = simulated[name]
        assert meta.table_name == name and len(back) == len(frame)
        for col in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[col]):
                # the file holds days; the unit pandas reads them in (ns or us) depends on its version
                pd.testing.assert_series_equal(
                    back[col].astype(frame[col].dtype), frame[col].reset_index(drop=True), check_names=False
                )
            elif col == "RULE" and "RULE1" in back:  # long text continues in RULE1, RULE2, ...
                parts = back[[c for c in back.columns if c.startswith("RULE")]]
                assert parts.sum(axis=1).tolist() == frame[col].fillna("").tolist(), name
            elif frame[col].dtype == object:
                assert back[col].tolist() == frame[col].fillna("").astype(str).str.rstrip().tolist(), (
                    name,
                    col,
                )


def test_methods_text_lists_every_rule(simulated: AdamPackage) -> None:
    text = simulated.methods()
    assert len(text) == 2 + len(simulated.rules.rules)
    assert text[1].startswith("Censoring of PFS and DoR (FDA (2018) Clinical Trial Endpoints")
