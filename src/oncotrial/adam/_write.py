"""Write ADaM datasets as SAS transport v5 or CSV files, one per dataset."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from oncotrial.adam._labels import DATASET_LABELS, LABELS
from oncotrial.sdtm._write import Format, check_format
from oncotrial.sdtm._xport import write_xpt

__all__ = ["write_adam"]


def write_adam(
    datasets: Mapping[str, pd.DataFrame], folder: str | Path, *, fmt: Format = "csv"
) -> list[Path]:
    """Write each dataset to ``<folder>/<name>.<fmt>`` (lower case); return the paths.

    XPT files are SAS XPORT v5 with variable and dataset labels (dates as SAS dates with a
    DATE9 format); CSV files write dates as ``YYYY-MM-DD``. Any mapping of name to frame
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
                frame,
                path,
                name=name.upper(),
                labels=labels,
                file_label=DATASET_LABELS.get(name.upper(), name),
            )
        else:
            frame.to_csv(path, index=False, date_format="%Y-%m-%d")
        written.append(path)
    return written
