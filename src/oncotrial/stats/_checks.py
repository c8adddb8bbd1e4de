"""Boundary checks shared by the statistics kernels.

Each raises :class:`oncotrial.errors.OncotrialError` naming the argument, the
value and what was expected.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np

from oncotrial.errors import OncotrialError


def check_count(name: str, value: object, *, low: int = 0) -> int:
    """Return ``value`` as an int, or raise if it is not an integer >= ``low``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise OncotrialError(name, value, "must be an integer")
    if value < low:
        raise OncotrialError(name, value, f"must be >= {low}")
    return int(value)


def check_probability(name: str, value: object, *, closed: bool = False) -> float:
    """Return ``value`` as a float strictly inside (0, 1) (or in [0, 1] if ``closed``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise OncotrialError(name, value, "must be a finite number")
    if closed and not 0.0 <= value <= 1.0:
        raise OncotrialError(name, value, "must be between 0 and 1")
    if not closed and not 0.0 < value < 1.0:
        raise OncotrialError(name, value, "must be strictly between 0 and 1")
    return float(value)


def check_choice(name: str, value: object, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise listing them."""
    choices = tuple(choices)
    if value not in choices:
        raise OncotrialError(name, value, "must be one of " + ", ".join(repr(c) for c in choices))
    return str(value)
