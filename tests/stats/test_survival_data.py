"""Tabulating right-censored data by distinct time: both paths against a plain count."""

from __future__ import annotations

import numpy as np
import pytest

from oncotrial.stats._survival_data import check_survival_data, tabulate


def _plain(time, event):
    uniq = np.unique(time)
    n_event = np.array([np.sum((time == u) & event) for u in uniq])
    total = np.array([np.sum(time == u) for u in uniq])
    n_risk = np.array([np.sum(time >= u) for u in uniq])
    return uniq, n_risk, n_event, total - n_event


@pytest.mark.parametrize("shift", [0.0, 0.25])  # whole numbers take the counting path
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counts_match_a_plain_count(seed, shift):
    rng = np.random.default_rng(seed)
    time = rng.integers(0, 30, 200).astype(float) + shift
    event = rng.random(200) < 0.6
    tab = tabulate(*check_survival_data(time, event))
    uniq, n_risk, n_event, n_censor = _plain(time, event)
    np.testing.assert_array_equal(tab.time, uniq)
    np.testing.assert_array_equal(tab.n_risk, n_risk)
    np.testing.assert_array_equal(tab.n_event, n_event)
    np.testing.assert_array_equal(tab.n_censor, n_censor)


def test_all_events_or_all_censored_on_the_sorting_path():
    for event in (np.ones(5, bool), np.zeros(5, bool)):
        tab = tabulate(np.array([0.5, 1.5, 1.5, 2.5, 3.5]), event)
        assert tab.time.tolist() == [0.5, 1.5, 2.5, 3.5]
        assert (tab.n_event + tab.n_censor).tolist() == [1, 2, 1, 1]


def test_wide_integer_range_takes_the_sorting_path_and_agrees():
    time = np.array([0.0, 5e9, 5e9, 1e10])
    tab = tabulate(time, np.array([True, False, True, True]))
    assert tab.time.tolist() == [0.0, 5e9, 1e10]
    assert tab.n_risk.tolist() == [4, 3, 1]


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.int32, np.int64, np.uint64, np.float64])
@pytest.mark.parametrize("shift", [0.0, 0.5])
def test_any_zero_one_event_dtype_gives_the_same_counts(dtype, shift):
    time = np.array([3.0, 1.0, 2.0, 2.0, 5.0, 1.0]) + shift
    event = np.array([1, 0, 1, 1, 0, 1]).astype(dtype)
    tab = tabulate(*check_survival_data(time, event))
    assert tab.n_event.tolist() == [1, 2, 1, 0]
    assert tab.n_censor.tolist() == [1, 0, 0, 1]
