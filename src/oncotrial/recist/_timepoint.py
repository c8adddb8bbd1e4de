"""Per-assessment evaluation: sums, nadir, target / non-target / new and overall response."""

from __future__ import annotations

import pandas as pd

from oncotrial.recist._settings import RecistSettings

__all__ = ["evaluate_timepoints"]


def evaluate_timepoints(
    tu: pd.DataFrame, tr: pd.DataFrame, settings: RecistSettings, *, subjects: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per USUBJID x post-baseline assessment (see the module docs for columns)."""
    raise NotImplementedError
