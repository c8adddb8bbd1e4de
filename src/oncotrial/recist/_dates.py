"""ISO 8601 text dates, possibly partial, to datetime64 (imputation documented in docs/recist.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncotrial.errors import Problem, ValidationFailed

__all__ = ["compute_assessment_dates", "floor_after_previous", "parse_dates"]


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


def floor_after_previous(subj: np.ndarray, day: np.ndarray, flag: np.ndarray) -> np.ndarray:
    """Partial assessment dates moved after the subject's previous assessment.

    ``subj``, ``day`` (integer days) and ``flag`` (``""`` for a complete date) describe one
    subject's assessments after another, each subject's in assessment (VISITNUM) order. A
    complete date is kept; a partial one becomes the later of its imputed day and the day
    after the previous assessment (as moved), sequentially along a run of partial dates.

    >>> floor_after_previous(np.array([0, 0, 0, 1]), np.array([10, 5, 5, 5]),
    ...                      np.array(["", "D", "D", "D"], dtype=object)).tolist()
    [10, 11, 12, 5]
    """
    subj, day = np.asarray(subj), np.asarray(day, dtype=np.int64)
    if len(day) == 0:
        return day.copy()
    # Sequentially, c[k] = max(day[k], c[k-1] + 1) along a run of partial dates; with
    # y = day - k this is a running maximum of y within each run (segmented cummax).
    same_subj_prev = np.r_[False, subj[1:] == subj[:-1]]
    seg = np.cumsum((np.asarray(flag) == "") | ~same_subj_prev)
    k = np.arange(len(day), dtype=np.int64)
    offset = seg.astype(np.int64) * (1 << 40)
    return np.maximum.accumulate(day - k + offset) - offset + k


def compute_assessment_dates(
    usubjid: pd.Series, dtc: pd.Series, loc: tuple[str, str]
) -> tuple[pd.Series, pd.Series]:
    """Assessment dates by the engine's rule, for rows already in assessment order.

    A partial date takes the first day of its period (flag ``"D"`` / ``"M"``), but never on
    or before the subject's previous row (:func:`floor_after_previous`). Used for RS as
    recorded, so that it is dated as the engine dates TR. Empty text gives NaT and is not
    a previous assessment.

    >>> d, f = compute_assessment_dates(pd.Series(["S1", "S1"]), pd.Series(["2024-04-20", "2024-04"]),
    ...                                 ("RS", "RSDTC"))
    >>> [str(x.date()) for x in d], list(f)
    (['2024-04-20', '2024-04-21'], ['', 'D'])
    """
    dates, flags = parse_dates(dtc, loc)
    known = dates.notna().to_numpy()
    out = dates.copy()
    if known.any():
        subj = pd.factorize(usubjid.to_numpy(dtype=object)[known])[0]
        day = dates[known].to_numpy("datetime64[D]").astype(np.int64)
        moved = floor_after_previous(subj, day, flags.to_numpy(dtype=object)[known])
        out[known] = moved.astype("datetime64[D]").astype("datetime64[ns]")
    return out, flags
