"""The integer-key sorts used on the hot path give exactly ``np.lexsort``'s order, fallback included."""

from __future__ import annotations

import numpy as np
import pytest

from oncotrial.recist._assessments import _date_order
from oncotrial.recist._best import _SAME_DATE_RANK, _order


def _sorted_by_subject_then_visit(rng: np.random.Generator, n: int, max_subject: int):
    subj = np.sort(rng.integers(0, max_subject, n))
    day = rng.integers(-30, 800, n)
    vis = np.zeros(n, dtype=np.int64)
    for s in np.unique(subj):  # rows numbered in (subject, VISITNUM) order, as the engine has them
        rows = np.flatnonzero(subj == s)
        vis[rows] = np.arange(len(rows))
    return subj, day, vis


@pytest.mark.parametrize("max_subject", [50, 1 << 58])  # the second forces the lexsort fallback
def test_date_order_equals_lexsort(max_subject):
    rng = np.random.default_rng(7)
    subj, day, vis = _sorted_by_subject_then_visit(rng, 2000, max_subject)
    np.testing.assert_array_equal(_date_order(subj, day, vis), np.lexsort((vis, day, subj)))


@pytest.mark.parametrize("max_subject", [50, 1 << 58])
def test_best_response_order_equals_lexsort(max_subject):
    rng = np.random.default_rng(11)
    subj, day, _ = _sorted_by_subject_then_visit(rng, 2000, max_subject)
    rank = rng.integers(0, len(_SAME_DATE_RANK), len(subj))
    np.testing.assert_array_equal(_order(subj, day, rank), np.lexsort((rank, day, subj)))


def test_empty_input_sorts_to_nothing():
    empty = np.zeros(0, dtype=np.int64)
    assert len(_date_order(empty, empty, empty)) == 0 and len(_order(empty, empty, empty)) == 0
