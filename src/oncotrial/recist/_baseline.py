"""Baseline checks (RECIST 1.1 §3.1.1, §4.2; protocol baseline window): reported, never fixed."""

from __future__ import annotations

import pandas as pd

from oncotrial.recist._settings import RecistSettings

__all__ = ["check_baseline"]


def check_baseline(
    tu: pd.DataFrame, tr: pd.DataFrame, settings: RecistSettings, *, subjects: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per problem found at baseline: USUBJID, TRLNKID, CHECK, VALUE, MESSAGE."""
    raise NotImplementedError
