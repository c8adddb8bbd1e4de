"""Partial dates imputed by the protocol's rules, their ADaM flags, and the date findings.

Each kind of date the analysis reads (tumour assessment, death, adverse event start, new
anti-cancer therapy) has a rule in the protocol (``analysis.date_imputation``): which part
is filled how, and the dates it may never precede. A floor is used only when it lies within
the partial date's own period (as admiral's ``min_dates``); a floor beyond that period, or a
complete date before a known later event, contradicts the data. Such a date is not moved:
it is reported in ``date_findings`` (USUBJID, VARIABLE, VALUE, CHECK, MESSAGE).

Flags follow the ADaM IG's ``*DTF``: ``"D"`` day imputed, ``"M"`` month and day imputed,
blank for a complete date (a missing year is never imputed: such text is an error).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from oncotrial.adam._dates import compute_dt
from oncotrial.adam._readers import accepted_rows
from oncotrial.errors import Problem, ValidationFailed
from oncotrial.protocol import PartialDateRule

__all__ = [
    "DATE_FINDING_COLUMNS",
    "ImputedDates",
    "baseline_date_flags",
    "compute_partial_dates",
    "date_findings_frame",
    "derive_var_adtf",
    "tumour_date_findings",
]

#: Columns of ``AdamPackage.date_findings``, one row per contradiction between dates.
DATE_FINDING_COLUMNS = ["USUBJID", "VARIABLE", "VALUE", "CHECK", "MESSAGE"]

# YYYY, YYYY-MM or YYYY-MM-DD, optionally with a time after a complete date.
_ISO = re.compile(r"\d{4}(-\d{2}(-\d{2}(T.*)?)?)?")


@dataclass(frozen=True)
class ImputedDates:
    """Dates imputed by a rule, aligned on the input's index.

    ``dates`` the imputed dates (NaT where the text is empty), ``flags`` ``""``/``"D"``/``"M"``,
    ``latest`` the last day the partial date allows (the date itself when complete).
    """

    dates: pd.Series
    flags: pd.Series
    latest: pd.Series

    def raise_to(self, floor: pd.Series) -> tuple[ImputedDates, pd.Series]:
        """Partial dates raised to ``floor`` where it lies within their period.

        Returns the new dates and a mask of the rows that ``floor`` contradicts: a floor
        after the last day the date allows (a complete date counts as its own period).
        Missing floors are ignored.

        >>> from oncotrial.protocol import StartDateRule
        >>> first = StartDateRule(missing_day="first", missing_month="first", not_before=[])
        >>> i = compute_partial_dates(pd.Series(["2024-03", "2024-02", "2024-03-05"]), first, ("DM", "DTHDTC"))
        >>> moved, bad = i.raise_to(pd.Series(pd.to_datetime(["2024-03-20", "2024-03-20", "2024-03-20"])))
        >>> [str(d.date()) for d in moved.dates], bad.tolist()
        (['2024-03-20', '2024-02-01', '2024-03-05'], [False, True, True])
        """
        floor = pd.Series(floor.to_numpy(dtype="datetime64[ns]"), index=self.dates.index)
        known = self.dates.notna() & floor.notna()
        within = known & (floor > self.dates) & (floor <= self.latest)
        beyond = known & (floor > self.latest)
        dates = self.dates.where(~within, floor)
        return ImputedDates(dates, self.flags, self.latest), beyond


def _impute(rule: PartialDateRule) -> str:
    # The protocol model admits "first" for both parts; a rule that fills day and month
    # differently would need its own code here.
    if rule.missing_day != rule.missing_month:
        raise ValueError(f"missing_day {rule.missing_day!r} and missing_month {rule.missing_month!r} differ")
    return rule.missing_day


def _parse_one(text: str, impute: str) -> tuple[pd.Timestamp, pd.Timestamp, str] | None:
    text = text.strip()
    if not _ISO.fullmatch(text):
        return None
    try:
        date = compute_dt(text, impute)  # type: ignore[arg-type]
        latest = compute_dt(text, "last")
    except ValueError:  # e.g. month 13 or 30 February
        return None
    flag = "" if len(text) >= 10 else ("D" if len(text) == 7 else "M")
    return date, latest, flag


def compute_partial_dates(values: pd.Series, rule: PartialDateRule, loc: tuple[str, str]) -> ImputedDates:
    """``--DTC`` text as dates by ``rule`` (before its floors: see :meth:`ImputedDates.raise_to`).

    Text that is not an ISO 8601 date (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, optionally with a
    time) raises :class:`~oncotrial.errors.ValidationFailed` naming ``loc`` and the value.

    >>> from oncotrial.protocol import StartDateRule
    >>> first = StartDateRule(missing_day="first", missing_month="first", not_before=[])
    >>> i = compute_partial_dates(pd.Series(["2024-03", "2024", "2024-03-05T10:00", ""]), first, ("DM", "DTHDTC"))
    >>> [str(d.date()) if d == d else "" for d in i.dates], i.flags.tolist()
    (['2024-03-01', '2024-01-01', '2024-03-05', ''], ['D', 'M', '', ''])
    """
    impute = _impute(rule)
    text = values.astype(object).where(values.notna(), "").astype(str)
    codes, uniques = pd.factorize(text)
    parsed, problems = [], []
    for value in uniques:
        if not value.strip():
            parsed.append((pd.NaT, pd.NaT, ""))
            continue
        one = _parse_one(value, impute)
        if one is None:
            problems.append(
                Problem(loc, f"not an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD): {value!r}", "date", value)
            )
            continue
        parsed.append(one)
    if problems:
        raise ValidationFailed(problems[:20])
    dates = pd.Series([p[0] for p in parsed], dtype="datetime64[ns]").to_numpy()
    latest = pd.Series([p[1] for p in parsed], dtype="datetime64[ns]").to_numpy()
    flags = np.array([p[2] for p in parsed], dtype=object)
    return ImputedDates(
        pd.Series(dates[codes], index=values.index, dtype="datetime64[ns]"),
        pd.Series(flags[codes], index=values.index, dtype=object),
        pd.Series(latest[codes], index=values.index, dtype="datetime64[ns]"),
    )


def date_findings_frame(rows: Sequence[dict] = ()) -> pd.DataFrame:
    """The findings as a frame with :data:`DATE_FINDING_COLUMNS` (empty when there are none)."""
    return pd.DataFrame(list(rows), columns=DATE_FINDING_COLUMNS)


def _day(value) -> str:
    return "" if pd.isna(value) else pd.Timestamp(value).date().isoformat()


def tumour_date_findings(timepoints: pd.DataFrame | None, variable: str) -> list[dict]:
    """Partial assessment dates that the previous assessment pushed past their own period.

    The engine never dates an assessment on or before the previous one; when the previous
    one is later than the whole month (or year) the partial text allows, the two records
    contradict each other (a wrong date or a wrong VISITNUM).
    """
    if timepoints is None or timepoints.empty or "ADTF" not in timepoints or "ADTC" not in timepoints:
        return []
    partial = timepoints[timepoints["ADTF"].fillna("").ne("") & timepoints["ADT"].notna()]
    rows = []
    for r in partial.itertuples(index=False):
        visit = (
            r.VISIT if isinstance(getattr(r, "VISIT", None), str) and r.VISIT else f"VISITNUM {r.VISITNUM}"
        )
        text = str(r.ADTC).strip()
        latest = compute_dt(text, "last")
        if not pd.isna(latest) and latest < r.ADT:
            rows.append(
                {
                    "USUBJID": r.USUBJID,
                    "VARIABLE": variable,
                    "VALUE": text,
                    "CHECK": "ASSESSMENT_AFTER_ITS_PERIOD",
                    "MESSAGE": (
                        f"{visit}: partial date {text!r} lies before the "
                        f"previous assessment, so ADT is {_day(r.ADT)} (the day after it), outside "
                        f"{text}; check this assessment's date or its VISITNUM"
                    ),
                }
            )
    return rows


def baseline_date_flags(
    tr: pd.DataFrame, subjects: pd.DataFrame, evaluator: str, rule: PartialDateRule
) -> pd.Series:
    """Imputation flag of each subject's baseline tumour assessment date (BLTADT).

    The baseline date is the last TR date (first day of a partial period) on or before
    REFSTDT, as :func:`~oncotrial.adam._readers.baseline_findings` takes it; its flag is blank
    when some record of that date is complete, else the partial record's flag.
    """
    rows = accepted_rows(tr, "TR", evaluator)
    if rows.empty:
        return pd.Series(dtype=object)
    imputed = compute_partial_dates(rows["TRDTC"], rule, ("TR", "TRDTC"))
    frame = pd.DataFrame({"USUBJID": rows["USUBJID"], "ADT": imputed.dates, "FLAG": imputed.flags})
    frame = frame.merge(subjects[["USUBJID", "REFSTDT"]], on="USUBJID", how="inner")
    frame = frame[frame["ADT"].notna() & (frame["ADT"] <= frame["REFSTDT"])]
    last = frame.groupby("USUBJID")["ADT"].transform("max")
    at_base = frame[frame["ADT"] == last]
    # "" sorts before "D" and "M": a complete record of the day wins
    return at_base.groupby("USUBJID")["FLAG"].min()


def derive_var_adtf(
    adtr: pd.DataFrame, *, timepoints: pd.DataFrame | None, baseline_flags: pd.Series
) -> pd.DataFrame:
    """Add ADTF to ADTR: the engine's flag of each post-baseline assessment (matched by subject
    and VISITNUM), :func:`baseline_date_flags` on the baseline row (ABLFL = "Y")."""
    out = adtr.copy()
    flags = pd.Series("", index=out.index, dtype=object)
    if timepoints is not None and not timepoints.empty and len(out):
        tp = timepoints[["USUBJID", "VISITNUM", "ADTF"]].drop_duplicates(["USUBJID", "VISITNUM"])
        key = pd.MultiIndex.from_frame(tp[["USUBJID", "VISITNUM"]].astype({"VISITNUM": float}))
        by_visit = pd.Series(tp["ADTF"].fillna("").to_numpy(), index=key)
        post = out["ABLFL"] != "Y"
        wanted = pd.MultiIndex.from_arrays([out.loc[post, "USUBJID"], out.loc[post, "AVISITN"].astype(float)])
        flags[post] = by_visit.reindex(wanted).fillna("").to_numpy()
        base = ~post
        flags[base] = out.loc[base, "USUBJID"].map(baseline_flags).fillna("").to_numpy()
    out.insert(out.columns.get_loc("ADT") + 1 if "ADT" in out else len(out.columns), "ADTF", flags)
    return out
