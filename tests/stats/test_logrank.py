"""logrank_test against R's survdiff.

Reference values: tests/reference/survival.json (``Rscript tests/reference/survival.R``,
R 4.2.2, survival 3.5-3: ``survdiff(Surv(time, event) ~ group)``; p from
``pchisq(chisq, 1, lower.tail = FALSE)``). Tolerance 1e-10 relative.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from oncotrial.errors import OncotrialError
from oncotrial.stats import logrank_test

REL = 1e-10


def _with_groups(survival_reference):
    return [(k, v) for k, v in survival_reference["datasets"].items() if "logrank" in v]


def test_chisq_and_p_value_match_r_survdiff(survival_reference):
    cases = _with_groups(survival_reference)
    assert len(cases) >= 5
    for name, data in cases:
        got = logrank_test(data["time"], data["event"], data["group"])
        ref = data["logrank"]
        assert math.isclose(got.chisq, ref["chisq"], rel_tol=REL), name
        assert math.isclose(got.p_value, ref["p_value"], rel_tol=REL), name
        assert list(got.observed) == ref["observed"], name
        assert all(
            math.isclose(a, b, rel_tol=REL) for a, b in zip(got.expected, ref["expected"], strict=True)
        )


def test_swapping_the_reference_swaps_the_columns_not_the_statistic(survival_reference):
    data = survival_reference["datasets"]["aml"]
    a = logrank_test(data["time"], data["event"], data["group"])
    b = logrank_test(data["time"], data["event"], data["group"], reference=1)
    assert b.groups == (1, 0) and b.observed == a.observed[::-1]
    assert math.isclose(a.chisq, b.chisq, rel_tol=1e-12)


def test_text_group_labels_are_accepted_in_sorted_order():
    got = logrank_test([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 1], np.array(["Y", "Y", "Y", "N", "N", "N"]))
    assert got.groups == ("N", "Y") and got.observed == (3, 3)


def test_three_groups_are_refused():
    with pytest.raises(
        OncotrialError, match=r"^group: must have exactly two distinct values \(got \[0, 1, 2\]\)$"
    ):
        logrank_test([1, 2, 3], [1, 1, 1], [0, 1, 2])


def test_unknown_reference_is_refused():
    with pytest.raises(OncotrialError, match=r"^reference: must be one of the groups \[0, 1\] \(got 5\)$"):
        logrank_test([1, 2, 3], [1, 1, 1], [0, 1, 1], reference=5)


def test_group_length_must_match_time():
    with pytest.raises(OncotrialError, match=r"^group: must have the same length as time \(3\)"):
        logrank_test([1, 2, 3], [1, 1, 1], [0, 1])
