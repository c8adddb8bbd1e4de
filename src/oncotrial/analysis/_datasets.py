"""Reach the ADaM datasets of a package and check the variables an analysis needs.

The analyses accept any object that carries the datasets as attributes
(``adsl``, ``adrs``, ``adtr``, ``adtte``, ``adae``, ``adex``) or as mapping keys
(upper or lower case), so they run on the ADaM builders' package and on
hand-made frames alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from oncotrial.errors import OncotrialError

__all__ = ["dataset", "has_dataset", "population_ids", "require_columns", "yes"]


def _lookup(adam: Any, name: str) -> pd.DataFrame | None:
    if isinstance(adam, Mapping):
        for key in (name.lower(), name.upper()):
            if key in adam:
                return adam[key]
        return None
    return getattr(adam, name.lower(), None)


def has_dataset(adam: Any, name: str) -> bool:
    """True when the package carries dataset ``name`` (e.g. ``"ADAE"``)."""
    return _lookup(adam, name) is not None


def dataset(adam: Any, name: str, columns: Iterable[str] = ()) -> pd.DataFrame:
    """Dataset ``name`` of the package, checked to have ``columns``.

    Raises :class:`OncotrialError` naming the dataset (and the variable) when missing.
    """
    frame = _lookup(adam, name)
    if frame is None:
        raise OncotrialError(name.upper(), None, "dataset is missing from the ADaM package", "missing")
    require_columns(frame, name, columns)
    return frame


def require_columns(frame: pd.DataFrame, name: str, columns: Iterable[str]) -> None:
    """Raise :class:`OncotrialError` naming the first variable ``frame`` lacks."""
    for column in columns:
        if column not in frame.columns:
            raise OncotrialError(
                (name.upper(), column), None, "variable is missing from the dataset", "missing"
            )


def yes(values: pd.Series) -> pd.Series:
    """Boolean mask of ``"Y"`` flags (blank, ``"N"`` and missing are False)."""
    return values.astype("string").str.strip().str.upper().eq("Y").fillna(False).astype(bool)


def population_ids(adsl: pd.DataFrame, flag: str) -> pd.Index:
    """USUBJIDs whose ADSL population ``flag`` (e.g. ``FASFL``) is ``"Y"``."""
    require_columns(adsl, "ADSL", ["USUBJID", flag])
    return pd.Index(adsl.loc[yes(adsl[flag]), "USUBJID"].astype(str).unique())
