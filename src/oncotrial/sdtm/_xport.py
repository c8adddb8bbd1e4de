"""SAS transport (XPORT v5) files through pyreadstat, shared by the SDTM and ADaM writers.

Version 5 limits are checked before writing, so a file that SAS or R cannot read
is never produced: names at most 8 characters, labels at most 40, character
values at most 200 bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

from oncotrial.errors import OncotrialError, Problem, ValidationFailed
from oncotrial.sdtm._frames import is_text

__all__ = ["ENCODINGS", "XPT_MAX_CHAR", "read_xpt", "write_xpt"]

#: Bytes a character value may take in an XPORT v5 file.
XPT_MAX_CHAR = 200
#: Encodings tried in turn when reading; the CDISC pilot files are Windows cp1252.
ENCODINGS = ("utf-8", "cp1252")


def read_xpt(path: Path, encoding: str | None = None) -> tuple[pd.DataFrame, dict[str, str], str]:
    """Read one transport file: (data, variable labels, dataset label).

    Dates stay as SAS numbers unless formatted as dates, which become datetime64.
    """
    encodings = (encoding,) if encoding else ENCODINGS
    last: Exception | None = None
    for enc in encodings:
        try:
            df, meta = pyreadstat.read_xport(str(path), encoding=enc, dates_as_pandas_datetime=True)
        except (pyreadstat.ReadstatError, UnicodeDecodeError) as exc:  # wrong encoding: try the next
            last = exc
            continue
        labels = {k: v for k, v in meta.column_names_to_labels.items() if v}
        return df, labels, meta.file_label or ""
    raise OncotrialError((path.name,), str(path), f"cannot read as SAS transport file ({last})")


def _check_v5(df: pd.DataFrame, name: str, labels: Mapping[str, str], file_label: str) -> None:
    problems: list[Problem] = []
    if len(name) > 8:
        problems.append(Problem((name,), "dataset name longer than 8 characters", "xpt_name", name))
    if len(file_label) > 40:
        problems.append(Problem((name,), "dataset label longer than 40 characters", "xpt_label", file_label))
    for col in df.columns:
        if len(col) > 8 or not col.isidentifier():
            problems.append(
                Problem((name, col), "variable name must be at most 8 characters", "xpt_name", col)
            )
        if len(labels.get(col, "")) > 40:
            problems.append(
                Problem((name, col), "variable label longer than 40 characters", "xpt_label", labels[col])
            )
        if is_text(df[col]):
            sizes = df[col].map(lambda v: len(v.encode("utf-8")) if isinstance(v, str) else 0)
            if len(sizes) and sizes.max() > XPT_MAX_CHAR:
                row = int(sizes.to_numpy().argmax())
                problems.append(
                    Problem(
                        (name, col, row),
                        f"character value longer than {XPT_MAX_CHAR} bytes ({int(sizes.max())})",
                        "xpt_length",
                        df[col].iloc[row],
                    )
                )
    if problems:
        raise ValidationFailed(problems, source=f"{name}.xpt")


def _for_xpt(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Dates become ``datetime.date`` objects with a DATE9 format; text keeps "" for missing."""
    out = df.copy()
    formats: dict[str, str] = {}
    for col in out.columns:
        series = out[col]
        if pd.api.types.is_datetime64_any_dtype(series):
            out[col] = [d.date() if not pd.isna(d) else None for d in series]
            formats[col] = "DATE9"
        elif series.dtype == object and series.map(lambda v: isinstance(v, dt.date)).any():
            formats[col] = "DATE9"
        elif series.dtype == bool or pd.api.types.is_numeric_dtype(series):
            out[col] = series.astype(float)
        else:
            out[col] = series.map(
                lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
            )
    return out, formats


def write_xpt(df: pd.DataFrame, path: Path, *, name: str, labels: Mapping[str, str], file_label: str) -> None:
    """Write one dataset as a SAS XPORT v5 file after checking the v5 limits."""
    _check_v5(df, name, labels, file_label)
    data, formats = _for_xpt(df)
    pyreadstat.write_xport(
        data,
        str(path),
        file_label=file_label,
        column_labels={c: labels.get(c) for c in data.columns},
        table_name=name,
        file_format_version=5,
        variable_format=formats or None,
    )
