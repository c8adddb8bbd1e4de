"""Small helpers shared by the ADaM builders: flags, cut-off, per-drug variable names, EX records."""

from __future__ import annotations

import pandas as pd

from oncotrial.adam._dates import parse_dtc
from oncotrial.protocol import Drug, Protocol
from oncotrial.sdtm import SdtmPackage

__all__ = ["cutoff", "drug_rows", "drug_var", "flag", "valid_doses"]


def flag(mask: pd.Series) -> pd.Series:
    """Boolean mask as an ADaM "Y"/"N" flag."""
    return mask.map({True: "Y", False: "N"}).astype(object)


def cutoff(protocol: Protocol) -> pd.Timestamp | None:
    """The data cut-off date of the analysis (``analysis.data_cutoff``), if set."""
    value = protocol.analysis.data_cutoff
    return pd.Timestamp(value) if value else None


def drug_var(code: str, suffix: str) -> str:
    """ADSL variable of one drug, e.g. ``drug_var("NABP", "SDT") == "NABPSDT"`` (8 characters at most)."""
    return code[: 8 - len(suffix)] + suffix


def valid_doses(ex: pd.DataFrame) -> pd.DataFrame:
    """EX records of a dose given (dose above zero, or a placebo) with ASTDT/AENDT dates."""
    text = ex["EXTRT"].astype(str).str.upper()
    out = ex[(ex["EXDOSE"] > 0) | text.str.contains("PLACEBO")].copy()
    out["ASTDT"] = parse_dtc(out["EXSTDTC"])
    end = out["EXENDTC"] if "EXENDTC" in out else pd.Series("", index=out.index)
    out["AENDT"] = parse_dtc(end).fillna(out["ASTDT"])
    return out[out["ASTDT"].notna()]


def drug_rows(ex: pd.DataFrame, drug: Drug) -> pd.Series:
    """Mask of the EX rows of one protocol drug: EXCAT is its code, or EXTRT its name."""
    by_name = ex["EXTRT"].astype(str).str.casefold() == drug.name.casefold()
    if "EXCAT" in ex:
        return (ex["EXCAT"] == drug.code) | by_name
    return by_name


def domain(sdtm: SdtmPackage, name: str) -> pd.DataFrame | None:
    """A domain of the package, or None when absent (optional domains)."""
    return sdtm.get(name)
