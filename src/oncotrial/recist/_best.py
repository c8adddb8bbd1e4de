"""Per-subject best overall response, unconfirmed and confirmed."""

from __future__ import annotations

import pandas as pd

from oncotrial.recist._settings import RecistSettings

__all__ = ["best_overall_response"]


def best_overall_response(
    timepoints: pd.DataFrame, subjects: pd.DataFrame, settings: RecistSettings
) -> pd.DataFrame:
    """One row per subject: BOR, BORDT, CBOR, CBORDT, RSPFL, CRSPFL, DCRFL, FRSPDT, PDDT, LSTADT."""
    raise NotImplementedError
