"""Input checks and reader selection for TU / TR (validated at the boundary)."""

from __future__ import annotations

import pandas as pd

from oncotrial.errors import OncotrialError, Problem, ValidationFailed
from oncotrial.recist._settings import RecistSettings

__all__ = ["require_columns", "select_reader"]


def require_columns(df: pd.DataFrame, domain: str, columns: tuple[str, ...]) -> None:
    """Raise naming every required column that ``df`` lacks."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValidationFailed(
            [Problem((domain, c), "required column is missing", "missing", None) for c in missing]
        )


def select_reader(df: pd.DataFrame, prefix: str, settings: RecistSettings) -> pd.DataFrame:
    """Keep the accepted evaluator's rows (``TR``/``TU`` by ``prefix``).

    The evaluator is ``settings.accepted_evaluator`` (column ``<prefix>EVAL``; a table without
    that column has one reader and is kept whole). ``settings.evaluator_id`` picks one reader
    (``<prefix>EVALID``); otherwise, for a subject read by several readers of that evaluator,
    only the rows flagged ``<prefix>ACPTFL = "Y"`` count.
    """
    domain = prefix
    ev, evid, acpt = f"{prefix}EVAL", f"{prefix}EVALID", f"{prefix}ACPTFL"
    if ev not in df.columns:
        return df
    mask = df[ev].to_numpy(dtype=object) == settings.accepted_evaluator
    out = df if mask.all() else df.loc[mask]  # no copy of a large table read by one evaluator
    if out.empty and not df.empty:
        found = sorted(df[ev].dropna().astype(str).unique().tolist())
        raise OncotrialError(
            (domain, ev), settings.accepted_evaluator, f"no rows of the accepted evaluator; found {found}"
        )
    if evid not in out.columns:
        return out
    if settings.evaluator_id is not None:
        picked = out[out[evid] == settings.evaluator_id]
        if picked.empty:
            found = sorted(out[evid].dropna().astype(str).unique().tolist())
            raise OncotrialError(
                (domain, evid), settings.evaluator_id, f"no rows of this reader; found {found}"
            )
        return picked
    if out[evid].nunique() <= 1:
        return out
    readers = out.groupby("USUBJID", sort=False)[evid].transform("nunique")
    several = readers > 1
    if not several.any():
        return out
    flagged = out[acpt].eq("Y") if acpt in out.columns else pd.Series(False, index=out.index)
    has_flag = flagged[several].groupby(out.loc[several, "USUBJID"], sort=False).any()
    bad = has_flag.index[~has_flag.to_numpy()]
    if len(bad):
        raise ValidationFailed(
            [
                Problem(
                    (domain, acpt),
                    f"{u}: several {settings.accepted_evaluator} readers and none flagged as accepted",
                    "reader",
                    u,
                )
                for u in bad[:20]
            ]
        )
    return out[~several | flagged]
