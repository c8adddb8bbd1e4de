"""kaplan_meier against R's survfit / quantile.survfit / summary.survfit.

Reference values: tests/reference/survival.json, written by
``Rscript tests/reference/survival.R`` (R 4.2.2, survival 3.5-3). Tolerance:
1e-10 relative (the issue's requirement); R's NA must be NaN / None here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from oncotrial.errors import OncotrialError
from oncotrial.stats import kaplan_meier

REL = 1e-10
DATASETS = [
    "aml",
    "lung",
    "ties",
    "heavy_censoring",
    "flat_at_median",
    "flat_at_end",
    "all_censored",
    "single_event",
    "single_censored",
    "event_at_last",
    "censor_first",
    "distinct",
]


def _same(ours, theirs) -> bool:
    """Equal to REL, where None / NaN on one side must be None / NaN on the other."""
    if theirs is None:
        return ours is None or (isinstance(ours, float) and math.isnan(ours))
    if ours is None or math.isnan(ours):
        return False
    return math.isclose(ours, theirs, rel_tol=REL, abs_tol=0.0)


def _assert_array(name, ours, theirs):
    ours = np.asarray(ours, dtype=float)
    assert ours.shape == (len(theirs),), f"{name}: length {ours.shape} vs {len(theirs)}"
    bad = [(i, o, t) for i, (o, t) in enumerate(zip(ours.tolist(), theirs, strict=True)) if not _same(o, t)]
    assert not bad, f"{name}: {bad[:5]}"


def _blocks(survival_reference, name):
    data = survival_reference["datasets"][name]
    for block in data["km"]:
        km = kaplan_meier(data["time"], data["event"], conf_type=block["conf_type"], level=block["level"])
        yield km, block


def test_reference_has_the_required_awkward_datasets(survival_reference):
    assert set(DATASETS) <= set(survival_reference["datasets"])
    assert survival_reference["survival_version"]


@pytest.mark.parametrize("name", DATASETS)
def test_curve_matches_r_survfit(survival_reference, name):
    for km, ref in _blocks(survival_reference, name):
        where = f"{name}/{ref['conf_type']}/{ref['level']}"
        for col in ("time", "n_risk", "n_event", "n_censor", "survival", "std_err", "lower", "upper"):
            _assert_array(f"{where}.{col}", getattr(km, col), ref[col])


@pytest.mark.parametrize("name", DATASETS)
def test_quantiles_and_brookmeyer_crowley_limits_match_r(survival_reference, name):
    for km, ref in _blocks(survival_reference, name):
        for i, p in enumerate(ref["quantile_p"]):
            est, lo, hi = km.quantile(p)
            where = f"{name}/{ref['conf_type']}/{ref['level']}/p={p}"
            assert _same(est, ref["quantile"][i]), (where, est, ref["quantile"][i])
            assert _same(lo, ref["quantile_lower"][i]), (where, lo, ref["quantile_lower"][i])
            assert _same(hi, ref["quantile_upper"][i]), (where, hi, ref["quantile_upper"][i])


@pytest.mark.parametrize("name", DATASETS)
def test_at_matches_r_summary_with_extend(survival_reference, name):
    for km, ref in _blocks(survival_reference, name):
        for i, t in enumerate(ref["at_time"]):
            got = km.at(t)
            where = f"{name}/{ref['conf_type']}/t={t}"
            assert got.n_risk == ref["at_n_risk"][i], where
            for col in ("survival", "std_err", "lower", "upper"):
                assert _same(getattr(got, col), ref[f"at_{col}"][i]), (where, col, got)


@pytest.mark.parametrize("name", DATASETS)
def test_fractional_times_take_the_sorting_path_and_still_match_r(survival_reference, name):
    # Shifting every time by 0.5 leaves the curve unchanged and moves each quantile by
    # 0.5; whole-number data are otherwise tabulated by counting, so this runs R's
    # datasets through the sorting path too.
    data = survival_reference["datasets"][name]
    for ref in data["km"]:
        km = kaplan_meier(
            np.add(data["time"], 0.5), data["event"], conf_type=ref["conf_type"], level=ref["level"]
        )
        for col in ("n_risk", "n_event", "n_censor", "survival", "std_err", "lower", "upper"):
            _assert_array(f"{name}+0.5.{col}", getattr(km, col), ref[col])
        for i, p in enumerate(ref["quantile_p"]):
            for got, want in zip(
                km.quantile(p),
                (ref["quantile"][i], ref["quantile_lower"][i], ref["quantile_upper"][i]),
                strict=True,
            ):
                assert _same(got, None if want is None else want + 0.5), (name, p, got, want)


def test_flat_stretch_at_the_median_gives_its_midpoint():
    # S(t) = 0.5 exactly from t = 4 to t = 7: R's rule takes (4 + 7) / 2.
    km = kaplan_meier([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 1, 1, 0, 0, 1, 1])
    assert km.median()[0] == 5.5


def test_all_censored_has_no_median_and_no_limits():
    assert kaplan_meier([3, 5, 8], [0, 0, 0]).median() == (None, None, None)


def test_single_event_drops_to_zero_with_undefined_band():
    km = kaplan_meier([7], [1])
    assert km.survival.tolist() == [0.0]
    assert math.isnan(km.lower[0]) and math.isnan(km.upper[0])
    assert km.median() == (7.0, None, None)


def test_integer_and_fractional_times_give_the_same_curve():
    rng = np.random.default_rng(1)
    t = rng.integers(1, 50, 300)
    e = rng.integers(0, 2, 300)
    by_count = kaplan_meier(t, e)
    by_sort = kaplan_meier(t + 0.5, e)  # non-integer times take the sorting path
    np.testing.assert_array_equal(by_count.time + 0.5, by_sort.time)
    np.testing.assert_array_equal(by_count.survival, by_sort.survival)
    np.testing.assert_array_equal(by_count.n_risk, by_sort.n_risk)


def test_boolean_events_are_accepted():
    a = kaplan_meier([1, 2, 3], [True, False, True])
    b = kaplan_meier([1, 2, 3], [1, 0, 1])
    np.testing.assert_array_equal(a.survival, b.survival)


def test_repr_names_n_events_and_median():
    km = kaplan_meier([1, 2, 3, 4, 5, 6], [1, 1, 0, 1, 1, 0])
    assert repr(km) == "KaplanMeier(n=6, events=4, median=4 (1, NE), conf_type='log-log', level=0.95)"


def test_to_dict_writes_undefined_limits_as_none():
    d = kaplan_meier([7], [1]).to_dict()
    assert d["lower"] == [None] and d["survival"] == [0.0] and d["conf_type"] == "log-log"


def test_negative_time_is_refused():
    with pytest.raises(OncotrialError, match=r"^time: must be >= 0 \(got -1\.0\)$"):
        kaplan_meier([-1, 2], [1, 0])


def test_missing_time_is_refused():
    with pytest.raises(OncotrialError, match=r"^time: must be finite \(no NaN or infinity\) \(got nan\)$"):
        kaplan_meier([float("nan"), 2], [1, 0])


def test_event_codes_other_than_zero_and_one_are_refused():
    with pytest.raises(OncotrialError, match=r"^event: must be 0 \(censored\) or 1 \(event\) \(got 2\)$"):
        kaplan_meier([1, 2], [1, 2])


def test_lengths_must_agree():
    with pytest.raises(OncotrialError, match=r"^event: must have the same length as time \(2\)"):
        kaplan_meier([1, 2], [1])


def test_empty_data_is_refused():
    with pytest.raises(OncotrialError, match=r"^time: needs at least one subject \(got 0\)$"):
        kaplan_meier([], [])


def test_unknown_conf_type_is_refused():
    with pytest.raises(OncotrialError, match=r"^conf_type: must be one of 'log-log', 'log', 'plain'"):
        kaplan_meier([1, 2], [1, 0], conf_type="logit")


def test_quantile_outside_zero_one_is_refused():
    with pytest.raises(OncotrialError, match=r"^p: must be strictly between 0 and 1 \(got 1\.5\)$"):
        kaplan_meier([1, 2], [1, 0]).quantile(1.5)
