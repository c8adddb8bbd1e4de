"""Write ADaM datasets as SAS transport v5 or CSV files, one per dataset."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from oncotrial.adam._labels import DATASET_LABELS, LABELS
from oncotrial.sdtm._frames import is_text
from oncotrial.sdtm._write import Format, check_format
from oncotrial.sdtm._xport import XPT_MAX_CHAR, write_xpt

__all__ = ["write_adam"]


def _chunks(text: str, size: int) -> list[str]:
    """``text`` cut into pieces of at most ``size`` UTF-8 bytes, never inside a character;
    spaces at a cut start the next piece, since SAS drops trailing blanks.

    >>> _chunks("ab cd", 3)
    ['ab', ' cd']
    """
    out, piece, used = [], [], 0
    for ch in text:
        n = len(ch.encode("utf-8"))
        if used + n > size:
            joined = "".join(piece)
            kept = joined.rstrip(" ")
            out.append(kept)
            carry = len(joined) - len(kept)
            piece, used = [" "] * carry, carry
        piece.append(ch)
        used += n
    out.append("".join(piece))
    return out


def split_long_text(frame: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Text longer than 200 bytes continues in NAME1, NAME2, ... (the SDTM IG 4.5.3.2 way),
    so nothing is cut; the extra columns follow the first and share its label."""
    out = frame.copy()
    for col in frame.columns:
        if not is_text(frame[col]):
            continue
        text = frame[col].map(lambda v: v if isinstance(v, str) else "")
        if not len(text) or text.map(lambda v: len(v.encode("utf-8"))).max() <= XPT_MAX_CHAR:
            continue
        pieces = text.map(lambda v: _chunks(v, XPT_MAX_CHAR))
        pos = out.columns.get_loc(col)
        out[col] = pieces.str[0]
        for i in range(1, int(pieces.map(len).max())):
            name = f"{col[: 8 - len(str(i))]}{i}"
            out.insert(pos + i, name, pieces.map(lambda p, i=i: p[i] if i < len(p) else ""))
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
