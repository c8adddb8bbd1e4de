"""Turning a group column into a reference / comparison split for two-group tests."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from oncotrial.errors import OncotrialError


def split_two_groups(group: ArrayLike, n: int, reference: Any = None) -> tuple[np.ndarray, Any, Any]:
    """Return (is_comparison, reference_level, comparison_level).

    The reference is ``reference`` if given, else the smallest of the two
    sorted levels (0 before 1, "N" before "Y").
    """
    g = np.asarray(group)
    if g.shape != (n,):
        raise OncotrialError("group", g.shape, f"must have the same length as time ({n})")
    levels = np.unique(g)
    if levels.size != 2:
        raise OncotrialError("group", levels.tolist(), "must have exactly two distinct values")
    if reference is None:
        ref, other = levels[0], levels[1]
    elif reference in levels.tolist():
        ref = reference
        other = levels[1] if levels[0] == reference else levels[0]
    else:
        raise OncotrialError("reference", reference, f"must be one of the groups {levels.tolist()}")
    return g == other, np.asarray(ref).item(), np.asarray(other).item()
