"""binomial_ci and binomial_test against R's binom.test and prop.test.

Reference values: tests/reference/binomial.json, written by
``Rscript tests/reference/binomial.R`` (R 4.2.2). Tolerance: 1e-12 relative
(the issue's requirement); zeros and ones must match exactly.
"""

from __future__ import annotations

import math

import pytest

from oncotrial.errors import OncotrialError
from oncotrial.stats import binomial_ci, binomial_test

REL = 1e-12


def _close(ours: float, theirs: float) -> bool:
    if theirs in (0.0, 1.0):
        return ours == theirs
    return math.isclose(ours, theirs, rel_tol=REL, abs_tol=0.0)


def test_clopper_pearson_matches_r_binom_test_on_every_case(binomial_reference):
    bad = []
    for c in binomial_reference["cases"]:
        low, high = binomial_ci(c["x"], c["n"], level=c["level"])
        if not (_close(low, c["cp_low"]) and _close(high, c["cp_high"])):
            bad.append((c["x"], c["n"], c["level"], (low, high), (c["cp_low"], c["cp_high"])))
    assert not bad, bad


def test_wilson_matches_r_prop_test_without_correction(binomial_reference):
    bad = []
    for c in binomial_reference["cases"]:
        low, high = binomial_ci(c["x"], c["n"], level=c["level"], method="wilson")
        if not (_close(low, c["wilson_low"]) and _close(high, c["wilson_high"])):
            bad.append((c["x"], c["n"], c["level"], (low, high), (c["wilson_low"], c["wilson_high"])))
    assert not bad, bad


@pytest.mark.parametrize(
    ("alternative", "key"), [("greater", "p_greater"), ("less", "p_less"), ("two-sided", "p_two_sided")]
)
def test_exact_p_values_match_r_binom_test(binomial_reference, alternative, key):
    bad = []
    for c in binomial_reference["cases"]:
        p = binomial_test(c["x"], c["n"], c["p0"], alternative=alternative)
        if not _close(p, c[key]):
            bad.append((c["x"], c["n"], c["p0"], p, c[key]))
    assert not bad, bad


def test_reference_covers_zero_and_all_responders(binomial_reference):
    pairs = {(c["x"], c["n"]) for c in binomial_reference["cases"]}
    assert (0, 1) in pairs and (1, 1) in pairs and (0, 43) in pairs and (43, 43) in pairs


def test_interval_endpoints_are_exact_at_zero_and_n():
    assert binomial_ci(0, 12)[0] == 0.0
    assert binomial_ci(12, 12)[1] == 1.0
    assert binomial_ci(0, 12, method="wilson")[0] == 0.0
    assert binomial_ci(12, 12, method="wilson")[1] == 1.0


def test_x_above_n_is_refused_naming_x():
    with pytest.raises(OncotrialError, match=r"^x: must not exceed n \(5\) \(got 6\)$"):
        binomial_ci(6, 5)


def test_non_integer_count_is_refused():
    with pytest.raises(OncotrialError, match=r"^n: must be an integer \(got 4\.5\)$"):
        binomial_test(2, 4.5, 0.2)


def test_zero_patients_is_refused():
    with pytest.raises(OncotrialError, match=r"^n: must be >= 1 \(got 0\)$"):
        binomial_ci(0, 0)


def test_unknown_method_is_refused_listing_the_choices():
    with pytest.raises(OncotrialError, match=r"^method: must be one of 'clopper-pearson', 'wilson'"):
        binomial_ci(3, 10, method="agresti")


def test_level_outside_zero_one_is_refused():
    with pytest.raises(OncotrialError, match=r"^level: must be strictly between 0 and 1 \(got 95\)$"):
        binomial_ci(3, 10, level=95)


def test_unknown_alternative_is_refused():
    with pytest.raises(OncotrialError, match=r"^alternative: must be one of"):
        binomial_test(3, 10, 0.2, alternative="two.sided")
