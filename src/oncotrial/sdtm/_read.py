"""Read an SDTM folder: one XPT or CSV file per domain, named by the domain (dm.xpt, TR.csv)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from oncotrial.errors import OncotrialError, Problem, ValidationFailed
from oncotrial.sdtm._frames import normalise_domain
from oncotrial.sdtm._package import SdtmPackage
from oncotrial.sdtm._specs import DOMAINS, DomainSpec
from oncotrial.sdtm._xport import ENCODINGS, read_xpt

__all__ = ["read_sdtm"]

_SUFFIXES = (".xpt", ".csv")


def _read_csv(path: Path, encoding: str | None) -> pd.DataFrame:
    last: Exception | None = None
    # utf-8-sig also reads UTF-8 with a byte-order mark, as spreadsheet programs write it
    for enc in (encoding,) if encoding else ("utf-8-sig", *ENCODINGS[1:]):
        try:
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=enc)
        except UnicodeDecodeError as exc:
            last = exc
    raise OncotrialError((path.name,), str(path), f"cannot decode the CSV file ({last})")


def _domain_files(folder: Path) -> tuple[dict[str, Path], list[Problem]]:
    files: dict[str, Path] = {}
    problems: list[Problem] = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in _SUFFIXES or not path.is_file():
            continue
        name = path.stem.upper()
        if name in files:
            problems.append(
                Problem(
                    (path.name,),
                    f"domain {name} is given twice ({files[name].name} and {path.name}); keep one",
                    "duplicate_domain",
                    path.name,
                )
            )
            continue
        files[name] = path
    return files, problems


def _missing_domains(files: dict[str, Path]) -> list[Problem]:
    problems = []
    for name, spec in DOMAINS.items():
        if spec.required and name not in ("TU", "TR", "RS") and name not in files:
            problems.append(
                Problem(
                    (f"{name.lower()}.xpt",),
                    f"required domain {name} is missing: expected {name.lower()}.xpt or {name.lower()}.csv",
                    "missing_domain",
                )
            )
    has_tumours = "TU" in files and "TR" in files
    if not has_tumours and "RS" not in files:
        problems.append(
            Problem(
                ("tr.xpt",),
                "no tumour data: give tu and tr (measurements), or rs (recorded responses), as .xpt or .csv",
                "missing_domain",
            )
        )
    elif ("TU" in files) != ("TR" in files):
        lacking = "TU" if "TR" in files else "TR"
        problems.append(
            Problem(
                (f"{lacking.lower()}.xpt",),
                f"domain {lacking} is missing: TU and TR are read together",
                "missing_domain",
            )
        )
    return problems


def _check_values(df: pd.DataFrame, spec: DomainSpec, file_name: str) -> list[Problem]:
    """Lengths of the spec's text variables (controlled terms: :func:`check_sdtm`)."""
    problems = []
    for var in spec.variables:
        if var.name not in df or var.type != "Char":
            continue
        text = df[var.name]
        checks = []
        if var.length:
            checks.append((text.str.len() > var.length, f"longer than {var.length} characters", "length"))
        for bad, reason, code in checks:
            for row in np.flatnonzero(bad.to_numpy())[:5]:
                problems.append(Problem((file_name, var.name, int(row)), reason, code, text.iloc[row]))
    return problems


def read_sdtm(folder: str | Path, *, encoding: str | None = None) -> SdtmPackage:
    """Read every domain of an SDTM folder and check its required variables.

    Parameters
    ----------
    folder
        A directory with one file per domain, ``<domain>.xpt`` (SAS transport) or
        ``<domain>.csv``, in lower or upper case. DM, EX and DS are required, with
        TU and TR (measurements) or RS (recorded responses); AE, SV and CM are optional (absent means none recorded).
    encoding
        Text encoding of the files; by default UTF-8 is tried, then cp1252 (Windows
        SAS, as in the CDISC pilot files).

    Returns
    -------
    SdtmPackage
        One DataFrame per domain: text as str ("" when missing), numbers as float.

    Raises
    ------
    ValidationFailed
        One problem per missing domain, missing required variable (naming the file and the
        variable) or non-numeric value in a numeric variable; nothing is returned.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise OncotrialError(("folder",), str(folder), "not a directory with SDTM files")
    files, problems = _domain_files(folder)
    problems += _missing_domains(files)
    domains: dict[str, pd.DataFrame] = {}
    for name, path in files.items():
        spec = DOMAINS.get(name)
        if path.suffix.lower() == ".xpt":
            raw, _, _ = read_xpt(path, encoding)
            df, found = normalise_domain(raw, spec, path.name)
        else:
            df, found = normalise_domain(_read_csv(path, encoding), spec, path.name)
        problems += found
        if spec is not None:
            problems += _check_values(df, spec, path.name)
            for var in spec.required_names:
                if var not in df.columns:
                    problems.append(
                        Problem(
                            (path.name, var),
                            f"required variable {var} ({spec.variable(var).label}) is missing from {path.name}",
                            "missing_variable",
                        )
                    )
        if name == "DM" and "USUBJID" in df:
            for row in np.flatnonzero(df["USUBJID"].duplicated().to_numpy())[:5]:
                problems.append(
                    Problem(
                        (path.name, "USUBJID", int(row)),
                        "subject is in DM more than once",
                        "duplicate",
                        df["USUBJID"].iloc[row],
                    )
                )
        domains[name] = df
    if problems:
        raise ValidationFailed(problems, source=str(folder))
    return SdtmPackage(domains, source=str(folder), files={name: path.name for name, path in files.items()})
