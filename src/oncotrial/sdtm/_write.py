"""Write an SDTM package as one SAS transport (v5) or CSV file per domain."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from oncotrial.errors import OncotrialError
from oncotrial.sdtm._frames import normalise_domain
from oncotrial.sdtm._package import SdtmPackage
from oncotrial.sdtm._specs import DOMAINS
from oncotrial.sdtm._xport import write_xpt

__all__ = ["write_sdtm"]

Format = Literal["xpt", "csv"]


def check_format(fmt: str) -> None:
    """Raise unless ``fmt`` is one of the two file formats written."""
    if fmt not in ("xpt", "csv"):
        raise OncotrialError(("fmt",), fmt, "expected 'xpt' or 'csv'")


def write_sdtm(package: SdtmPackage, folder: str | Path, *, fmt: Format = "xpt") -> list[Path]:
    """Write each domain to ``<folder>/<domain>.<fmt>`` (lower-case names); return the paths.

    XPT files are SAS XPORT version 5 with the SDTM variable and dataset labels, readable
    by SAS and R; every limit of the format is checked first. :func:`read_sdtm` reads them
    back to the same tables.

    >>> import tempfile, pandas as pd
    >>> from oncotrial.sdtm import SdtmPackage, read_sdtm
    >>> pkg = SdtmPackage({"CM": pd.DataFrame({"STUDYID": ["S"], "USUBJID": ["S-1"],
    ...     "CMTRT": ["CISPLATIN"], "CMCAT": ["SUBSEQUENT ANTI-CANCER THERAPY"], "CMSTDTC": ["2024-05-01"]})})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     [p.name for p in write_sdtm(pkg, d)]
    ['cm.xpt']
    """
    check_format(fmt)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in package.items():
        spec = DOMAINS.get(name)
        df, _ = normalise_domain(frame, spec, f"{name.lower()}.{fmt}")
        path = folder / f"{name.lower()}.{fmt}"
        if fmt == "xpt":
            labels = spec.labels() if spec else {}
            write_xpt(df, path, name=name, labels=labels, file_label=spec.label if spec else name)
        else:
            df.to_csv(path, index=False, encoding="utf-8")
        written.append(path)
    return written
