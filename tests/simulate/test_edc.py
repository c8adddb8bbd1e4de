"""A virtual cohort entered through the EDC's services passes every site check, and the
EDC's SDTM export analyses to the same results as the generator's own tables."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from oncotrial.adam import build_adam
from oncotrial.analysis import analyze
from oncotrial.edc import Base, Query, make_engine, make_sessionmaker, unit_of_work
from oncotrial.edc.services.sdtm import extract_sdtm
from oncotrial.protocol import read_protocol
from oncotrial.sdtm import SdtmPackage
from oncotrial.simulate import Scenario, simulate_cohort
from oncotrial.simulate._edc import enter_into_edc


def _enter(scenario: Scenario, seed: int):
    loaded = read_protocol()
    trial = simulate_cohort(loaded.protocol, scenario, seed=seed)
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        entry = enter_into_edc(trial, session, loaded=loaded, password="a-long-password")
    return loaded, trial, factory, entry


@pytest.fixture(scope="module")
def entered():
    return _enter(Scenario(n_subjects=20), seed=31)


def test_every_form_passes_the_edc_checks_without_a_query(entered):
    _, trial, _factory, entry = entered
    assert entry.screened == len(trial.screening)
    assert entry.enrolled == 20
    assert entry.open_queries == 0
    assert set(entry.users) == {f"inv{site}" for site in trial.screening["SITEID"].unique()}
    expected = (
        len(trial.screening)
        + 20
        + sum(len(trial.sdtm[name]) for name in ("ex", "ae", "cm") if name in trial.sdtm)
    )
    assert entry.forms > expected  # plus assessments, end of treatment, contacts, deaths


def _results(sdtm: dict, protocol) -> dict:
    package = SdtmPackage({k.upper(): v for k, v in sdtm.items()})
    results = analyze(build_adam(package, protocol=protocol), protocol=protocol)
    return json.loads(json.dumps(results.to_dict(), default=str))


def test_edc_export_gives_the_same_analysis_as_the_generated_tables(entered):
    loaded, trial, factory, _ = entered
    with factory() as session:
        exported = extract_sdtm(session)
    a = _results(exported, loaded.protocol)
    b = _results(trial.sdtm, loaded.protocol)
    for code in ("ORR", "DCR"):
        assert (a["rates"][code]["x"], a["rates"][code]["n"]) == (
            b["rates"][code]["x"],
            b["rates"][code]["n"],
        )
    for code in ("PFS", "OS", "DOR"):
        for key in ("n", "n_events", "median"):
            assert a["time_to_event"][code][key] == b["time_to_event"][code][key], (code, key)


def test_investigator_disagreement_raises_edc_queries():
    _, _trial, factory, entry = _enter(Scenario(n_subjects=12, investigator_disagreement=0.3), seed=32)
    with factory() as session:
        queries = list(session.execute(select(Query)).scalars())
    assert entry.open_queries == len(queries) > 0
    assert all("differs from the RECIST 1.1 response" in q.text for q in queries)
