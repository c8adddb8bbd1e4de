"""One shape for SDTM tables in memory: text columns hold str ("" when missing), numbers float."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from oncotrial.errors import Problem
from oncotrial.sdtm._specs import DomainSpec

__all__ = ["is_text", "normalise_domain"]


def is_text(series: pd.Series) -> bool:
    """Whether a column is a text column: object (pandas 2's default) or a string dtype (pandas 3's).

    >>> is_text(pd.Series(["a"], dtype=object)), is_text(pd.Series(["a"], dtype="string"))
    (True, True)
    >>> is_text(pd.Series([1.0]))
    False
    """
    return series.dtype == object or isinstance(series.dtype, pd.StringDtype)


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (np.integer, int)):
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return "" if pd.isna(value) else value.date().isoformat()
    return str(value)


def normalise_domain(
    df: pd.DataFrame, spec: DomainSpec | None, file_name: str
) -> tuple[pd.DataFrame, list[Problem]]:
    """Upper-case names, text as str, numbers as float; problems name file, variable and row.

    Columns the spec does not know keep their type (a CSV file carries no types, so
    there they are text).
    """
    out = df.copy()
    out.columns = [str(c).upper() for c in out.columns]
    problems: list[Problem] = []
    numeric = set(spec.numeric_names) if spec else set()
    text_vars = {v.name for v in spec.variables if v.type == "Char"} if spec else set()
    for col in out.columns:
        series = out[col]
        if col in numeric:
            if pd.api.types.is_numeric_dtype(series):
                out[col] = series.astype("float64")
                continue
            text = series.map(_as_text).str.strip()
            values = pd.to_numeric(text.replace("", np.nan), errors="coerce")
            bad = values.isna() & (text != "")
            for row in np.flatnonzero(bad.to_numpy())[:5]:
                problems.append(
                    Problem((file_name, col, int(row)), "expected a number", "not_a_number", text.iloc[row])
                )
            out[col] = values.astype("float64")
        elif col in text_vars or is_text(series):
            out[col] = series.map(_as_text).astype(object)
    return out.reset_index(drop=True), problems
