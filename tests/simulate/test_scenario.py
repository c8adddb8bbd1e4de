"""The scenario: published defaults, validation messages, copies."""

from __future__ import annotations

import datetime as dt

import pytest

from oncotrial.errors import OncotrialError
from oncotrial.simulate import SOURCES, Scenario


def test_defaults_are_the_published_trial_and_cite_it():
    s = Scenario()
    # EClinicalMedicine 2023;65:102274: n 27, ORR 44.4%, DCR 88.9%, mPFS 5.2 mo, mOS 13.1 mo,
    # grade 3-4 TRAE 44.4%, grade 3-4 neutrophil count decreased 22%
    published = {
        "n_subjects": 27,
        "orr": 0.444,
        "dcr": 0.889,
        "median_pfs_months": 5.2,
        "median_os_months": 13.1,
        "grade34_trae": 0.444,
        "grade34_neutropenia": 0.22,
    }
    for name, value in published.items():
        assert getattr(s, name) == value
        assert "102274" in SOURCES[name]


def test_every_parameter_has_a_source():
    names = [name for name, _, _ in Scenario().describe()]
    assert names and all(SOURCES.get(name) for name in names)


def test_a_rate_outside_zero_one_names_the_field():
    with pytest.raises(OncotrialError) as info:
        Scenario(orr=1.2)
    assert str(info.value) == "scenario.orr: must be a proportion between 0 and 1 (got 1.2)"


def test_dcr_below_orr_is_refused():
    with pytest.raises(OncotrialError, match=r"scenario.dcr: must be at least the response rate orr = 0.5"):
        Scenario(orr=0.5, dcr=0.4)


def test_os_median_must_exceed_pfs_median():
    with pytest.raises(
        OncotrialError, match=r"scenario.median_os_months: must be above median_pfs_months = 5.2"
    ):
        Scenario(median_os_months=4.0)


def test_sample_size_must_be_a_positive_whole_number():
    with pytest.raises(
        OncotrialError, match=r"scenario.n_subjects: must be a whole number of at least 1 \(got 0\)"
    ):
        Scenario(n_subjects=0)


def test_with_changes_one_value_and_rejects_unknown_names():
    s = Scenario().with_(orr=0.3, first_enrollment=dt.date(2025, 1, 1))
    assert (s.orr, s.first_enrollment, s.dcr) == (0.3, dt.date(2025, 1, 1), Scenario().dcr)
    with pytest.raises(OncotrialError, match=r"scenario.response_rate: is not a scenario parameter"):
        Scenario().with_(response_rate=0.3)


def test_scenario_is_frozen():
    with pytest.raises(AttributeError):
        Scenario().orr = 0.1  # type: ignore[misc]
