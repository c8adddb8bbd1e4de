"""ISO 8601 text dates (possibly partial) to datetime64 dates, with the imputation named."""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["Impute", "compute_dt", "parse_dtc"]

Impute = Literal["first", "last"] | None

_DTC = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def compute_dt(text: str, impute: Impute = None) -> pd.Timestamp:
    """One ``--DTC`` value as a date: the time part is dropped, partial dates imputed.

    ``impute="first"`` fills a missing day (month) with the first day (January),
    ``"last"`` with the last; ``None`` leaves a partial date missing.

    >>> compute_dt("2014-02", "first"), compute_dt("2014-02", "last").day, compute_dt("2014-02")
    (Timestamp('2014-02-01 00:00:00'), 28, NaT)
    """
    match = _DTC.match(text.strip()) if isinstance(text, str) else None
    if not match:
        return pd.NaT
    year, month, day = match.groups()
    if day is not None and month is not None:
        return pd.Timestamp(int(year), int(month), int(day))
    if impute is None:
        return pd.NaT
    if month is None:
        return pd.Timestamp(int(year), 1 if impute == "first" else 12, 1 if impute == "first" else 31)
    first = pd.Timestamp(int(year), int(month), 1)
    return first if impute == "first" else first + pd.offsets.MonthEnd(0)


def parse_dtc(values: pd.Series, impute: Impute = None) -> pd.Series:
    """A column of ``--DTC`` text as datetime64 dates (see :func:`compute_dt`)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed = pd.Series([compute_dt(v, impute) for v in uniques], dtype="datetime64[ns]").to_numpy()
    out = np.where(
        codes >= 0,
        parsed[np.maximum(codes, 0)] if len(parsed) else np.datetime64("NaT", "ns"),
        np.datetime64("NaT", "ns"),
    )
    return pd.Series(out, index=values.index, dtype="datetime64[ns]")
