"""Write ADaM datasets as SAS transport v5 or CSV files, one per dataset."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from oncotrial.adam._labels import DATASET_LABELS, LABELS
from oncotrial.sdtm._write import Format, check_format
from oncotrial.sdtm._xport import XPT_MAX_CHAR, write_xpt

__all__ = ["write_adam"]


def split_long_text(frame: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Text longer than 200 characters continues in NAME1, NAME2, ... (the SDTM IG 4.5.3.2 way),
    so nothing is cut; the extra columns follow the first and share its label."""
    out = frame.copy()
    for col in frame.columns:
        if frame[col].dtype != object:
            continue
        text = frame[col].map(lambda v: v if isinstance(v, str) else "")
        longest = int(text.map(lambda v: len(v.encode("utf-8"))).max()) if len(text) else 0
        if longest <= XPT_MAX_CHAR:
            continue
        ascii_only = bool(text.map(str.isascii).all())
        width = XPT_MAX_CHAR if ascii_only else XPT_MAX_CHAR // 4  # at most 4 bytes a character
        chunks = -(-int(text.str.len().max()) // width)
        pos = out.columns.get_loc(col)
        out[col] = text.str.slice(0, width)
        for i in range(1, chunks):
            name = f"{col[: 8 - len(str(i))]}{i}"
            out.insert(pos + i, name, text.str.slice(i * width, (i + 1) * width))
            labels[name] = labels.get(col, col)
    return out


def write_adam(
    datasets: Mapping[str, pd.DataFrame], folder: str | Path, *, fmt: Format = "csv"
) -> list[Path]:
    """Write each dataset to ``<folder>/<name>.<fmt>`` (lower case); return the paths.

    XPT files are SAS XPORT v5 with variable and dataset labels (dates as SAS dates with a
    DATE9 format; text over 200 bytes continues in NAME1, NAME2, ...); CSV files write dates
    as ``YYYY-MM-DD``. Any mapping of name to frame
    works, including an :class:`~oncotrial.adam.AdamPackage`.
    """
    check_format(fmt)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in datasets.items():
        path = folder / f"{name.lower()}.{fmt}"
        if fmt == "xpt":
            labels = {c: LABELS[c] for c in frame.columns if c in LABELS}
            write_xpt(
                split_long_text(frame, labels),
                path,
                name=name.upper(),
                labels=labels,
                file_label=DATASET_LABELS.get(name.upper(), name),
            )
        else:
            frame.to_csv(path, index=False, date_format="%Y-%m-%d")
        written.append(path)
    return written
