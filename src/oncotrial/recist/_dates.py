"""ISO 8601 text dates, possibly partial, to datetime64 (imputation documented in docs/recist.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncotrial.errors import Problem, ValidationFailed

__all__ = ["parse_dates"]


def parse_dates(text: pd.Series, loc: tuple[str, str]) -> tuple[pd.Series, pd.Series]:
    """Parse ISO 8601 dates; a partial date becomes the first day of its period.

    Returns the dates (``datetime64[ns]``, NaT where the text is empty) and the imputation
    flag (``"D"`` day imputed, ``"M"`` month and day imputed, ``""`` none). Text that is not
    an ISO 8601 date raises :class:`~oncotrial.errors.ValidationFailed` naming ``loc``.

    >>> d, f = parse_dates(pd.Series(["2014-02-11", "2014-02", "2014", None]), ("TR", "TRDTC"))
    >>> [str(x.date()) if x == x else None for x in d], list(f)
    (['2014-02-11', '2014-02-01', '2014-01-01', None], ['', 'D', 'M', ''])
    """
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    u = pd.Series(uniques, dtype="object").astype(str).str.strip()
    full = u.str.match(r"^\d{4}-\d{2}-\d{2}")
    month = u.str.fullmatch(r"\d{4}-\d{2}")
    year = u.str.fullmatch(r"\d{4}")
    day_text = np.where(
        full, u.str.slice(0, 10), np.where(month, u + "-01", np.where(year, u + "-01-01", ""))
    )
    parsed = pd.to_datetime(pd.Series(day_text), format="%Y-%m-%d", errors="coerce")
    bad = parsed.isna() & (u != "")
    if bad.any():
        problems = [
            Problem(loc, f"not an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD): {v!r}", "date", v)
            for v in u[bad].tolist()[:20]
        ]
        raise ValidationFailed(problems)
    flag_u = np.where(full, "", np.where(month, "D", np.where(year, "M", "")))
    values = parsed.to_numpy(dtype="datetime64[ns]")
    out = np.where(codes >= 0, values[np.maximum(codes, 0)], np.datetime64("NaT"))
    flags = np.where(codes >= 0, flag_u[np.maximum(codes, 0)], "")
    return pd.Series(out, index=text.index, dtype="datetime64[ns]"), pd.Series(flags, index=text.index)
