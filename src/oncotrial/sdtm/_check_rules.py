"""Checks every domain gets: controlled terms, keys and whitespace, --SEQ, subjects in DM, dates."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from oncotrial.sdtm._findings import Findings
from oncotrial.sdtm._vocabulary import Match, Vocabulary

__all__ = [
    "Table",
    "check_dates",
    "check_duplicates",
    "check_keys",
    "check_seq",
    "check_subjects",
    "check_terms",
]

#: Identifiers and codes an engine matches exactly: surrounding spaces would split a subject
#: or a lesion in two.
KEY_VARIABLES = (
    "STUDYID",
    "USUBJID",
    "SUBJID",
    "SITEID",
    "TULNKID",
    "TRLNKID",
    "TRTESTCD",
    "RSTESTCD",
    "TRGRPID",
    "TUSTRESC",
    "TREVAL",
    "TREVALID",
    "TUEVAL",
    "TUEVALID",
    "RSEVAL",
    "RSEVALID",
    "EXCAT",
    "DSDECOD",
)
#: ISO 8601 date/time as SDTM writes it: complete or right-truncated, optional time and zone.
_ISO = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<H>\d{2})(?::(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?)?)?)?$"
)
#: Dates outside these years are refused: not a date of a living trial subject, and past
#: pandas' date range (1677-2262), where an analysis could not hold them.
_YEARS = (1900, 2200)


def distinct(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of a column (code -1 for a missing value), hashing only the first of
    each run of equal neighbours (sorted SDTM tables repeat a subject's or a visit's values)."""
    v = values.to_numpy(dtype=object) if values.dtype.kind not in "fiu" else values.to_numpy()
    if len(v) < 2:
        codes, uniques = pd.factorize(v)
        return codes.astype(np.int64), np.asarray(uniques, dtype=object)
    head = np.empty(len(v), dtype=bool)
    head[0] = True
    try:
        np.not_equal(v[1:], v[:-1], out=head[1:])
    except (TypeError, ValueError):  # values whose comparison is not a plain bool
        head[1:] = True
    starts = np.flatnonzero(head)
    codes, uniques = pd.factorize(v[starts])
    return np.repeat(codes.astype(np.int64), np.diff(np.r_[starts, len(v)])), np.asarray(
        uniques, dtype=object
    )


class Table:
    """One domain under check: its file name and rows, each column factorized once and shared
    by the checks (a 5-million-row TR is hashed column by column, not check by check)."""

    def __init__(self, file: str, df: pd.DataFrame) -> None:
        self.file = file
        self.df = df
        self._coded: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def __len__(self) -> int:
        return len(self.df)

    def has(self, column: str) -> bool:
        return column in self.df.columns

    def coded(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """Codes (-1: missing; an absent column is all missing) and distinct values of ``column``."""
        if column not in self._coded:
            if column in self.df.columns:
                self._coded[column] = distinct(self.df[column])
            else:
                self._coded[column] = (np.full(len(self.df), -1, dtype=np.int64), np.zeros(0, dtype=object))
        return self._coded[column]

    def text(self, column: str) -> np.ndarray:
        """The column as an object array ("" for an absent column)."""
        if column not in self.df.columns:
            return np.full(len(self.df), "", dtype=object)
        return self.df[column].to_numpy(dtype=object)

    def equals(self, column: str, value: object) -> np.ndarray:
        """Rows whose ``column`` is ``value``, compared on the codes."""
        codes, uniques = self.coded(column)
        hit = np.flatnonzero(uniques == value) if len(uniques) else np.zeros(0, dtype=np.int64)
        return codes == hit[0] if len(hit) else np.zeros(len(codes), dtype=bool)

    def is_blank(self, column: str) -> np.ndarray:
        """Rows whose ``column`` is missing or empty."""
        codes, uniques = self.coded(column)
        blank = np.r_[np.array([u == "" or u is None for u in uniques], dtype=bool), True]
        return blank[codes]

    def key(self, columns: Sequence[str], rows: np.ndarray | None = None) -> np.ndarray | None:
        """One int64 per row (of ``rows``) combining the codes of ``columns``; ``None`` when
        the combined key space would not fit (the caller then compares the columns)."""
        out = np.zeros(len(self.df) if rows is None else len(rows), dtype=np.int64)
        space = 1
        for column in columns:
            codes, uniques = self.coded(column)
            n = len(uniques) + 1
            space *= n
            if space >= 1 << 62:
                return None
            out = out * n + ((codes if rows is None else codes[rows]) + 1)
        return out


def check_terms(
    found: Findings,
    table: Table,
    variable: str,
    vocab: Vocabulary,
    *,
    rows: np.ndarray | None = None,
    blank_ok: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check ``variable`` (on ``rows``, default all) against ``vocab``.

    Near misses (another case, surrounding spaces) are errors naming the spelling to use;
    values outside a closed vocabulary are returned (the caller reports them: an error, or
    the user's choice); ``known`` terms no engine reads are returned too. Returns the row
    positions checked, each one's :class:`Match` (int8) and its term.
    """
    positions = np.arange(len(table)) if rows is None else np.asarray(rows, dtype=np.int64)
    if not table.has(variable):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int8), np.zeros(0, dtype=object)
    codes, uniques = table.coded(variable)
    u_match, u_term = vocab.classify_distinct(uniques)
    c = codes[positions]
    match, term = u_match[c], u_term[c]
    near = np.flatnonzero(match == Match.NEAR)
    if len(near):
        values = table.text(variable)[positions[near]]
        found.rows(
            table.file,
            variable,
            positions[near],
            values,
            [
                f"{v!r} is not a controlled term: write {vocab.suggestion(v)!r} ({vocab.label})"
                for v in values
            ],
            "term_case",
        )
    if not blank_ok:
        blank = np.flatnonzero(match == Match.BLANK)
        found.rows(
            table.file,
            variable,
            positions[blank],
            [""] * len(blank),
            f"empty: every row needs its {vocab.label}",
            "missing",
        )
    return positions, match, term


def check_keys(found: Findings, table: Table) -> None:
    """Identifiers and codes with surrounding spaces (e.g. ``'S-01 '``) are errors."""
    for variable in KEY_VARIABLES:
        if not table.has(variable) or not len(table):
            continue
        codes, uniques = table.coded(variable)
        text = pd.Series(uniques, dtype=object).astype(str)
        spaced = np.flatnonzero((text != text.str.strip()).to_numpy())
        if len(spaced):
            rows = np.flatnonzero(np.isin(codes, spaced))
            found.rows(
                table.file,
                variable,
                rows,
                table.text(variable)[rows],
                "has spaces before or after the value",
                "whitespace",
            )


def check_seq(found: Findings, table: Table, domain: str) -> None:
    """``--SEQ`` must identify a record within its subject (a whole row repeated is reported as
    a repeat by the domain's duplicate check, not here)."""
    seq = f"{domain}SEQ"
    if not table.has(seq) or not table.has("USUBJID") or not len(table):
        return
    df = table.df
    key = table.key(["USUBJID", seq])
    clash = (pd.Series(key).duplicated() if key is not None else df.duplicated(["USUBJID", seq])).to_numpy()
    if not clash.any():
        return
    clash = clash & df[seq].notna().to_numpy() & ~df.duplicated(keep="first").to_numpy()
    dup = np.flatnonzero(clash)
    found.rows(
        table.file,
        seq,
        dup,
        df[seq].to_numpy()[dup],
        [
            f"{u}: {seq} {s:g} is used by another record of this subject"
            for u, s in zip(df["USUBJID"].to_numpy()[dup], df[seq].to_numpy()[dup], strict=True)
        ],
        "duplicate",
    )


def check_subjects(found: Findings, table: Table, subjects: pd.Index) -> None:
    """Every subject of a domain is in DM (else its records would be dropped without a word)."""
    if not table.has("USUBJID") or not len(table):
        return
    codes, uniques = table.coded("USUBJID")
    missing = np.flatnonzero(~pd.Index(uniques).isin(subjects))
    for u in missing[:5]:
        rows = np.flatnonzero(codes == u)
        found.rows(
            table.file,
            "USUBJID",
            rows[:1],
            [uniques[u]],
            f"subject {uniques[u]!r} ({len(rows)} rows) is not in DM: give it a DM record",
            "not_in_dm",
        )
    if len(missing) > 5:
        found.rows(
            table.file,
            "USUBJID",
            [0],
            [""],
            f"... and {len(missing) - 5} more subjects not in DM",
            "not_in_dm",
        )


def _date_problem(text: str) -> str | None:
    """Why ``text`` is not an ISO 8601 date SDTM can carry; ``None`` when it is one."""
    m = _ISO.match(text)
    if m is None:
        if re.match(r"^\d{4}-(?:\d{2}|-)-", text):
            return "a date with an unknown month and a known day cannot be used (YYYY, YYYY-MM or YYYY-MM-DD)"
        return "not an ISO 8601 date (YYYY, YYYY-MM, YYYY-MM-DD, optionally THH:MM[:SS])"
    y, mo, d = int(m["y"]), m["m"], m["d"]
    if not _YEARS[0] <= y <= _YEARS[1]:
        return f"year {y} is not plausible ({_YEARS[0]}-{_YEARS[1]})"
    try:
        dt.date(y, int(mo) if mo else 1, int(d) if d else 1)
    except ValueError:
        return "no such day in the calendar"
    hh, mm, ss = (int(m[k]) if m[k] else 0 for k in ("H", "M", "S"))
    if hh > 23 or mm > 59 or ss > 59:
        return "no such time of day"
    return None


def check_dates(found: Findings, table: Table) -> None:
    """Every ``--DTC`` variable holds ISO 8601 dates (partial ones allowed), real calendar days."""
    for variable in [c for c in table.df.columns if c.endswith("DTC")]:
        codes, uniques = table.coded(variable)
        reasons = {i: r for i, u in enumerate(uniques) if u and (r := _date_problem(str(u).strip()))}
        if not reasons:
            continue
        rows = np.flatnonzero(np.isin(codes, list(reasons)))
        found.rows(
            table.file, variable, rows, table.text(variable)[rows], [reasons[c] for c in codes[rows]], "date"
        )


def check_duplicates(
    found: Findings,
    table: Table,
    key: Sequence[str],
    what: str,
    *,
    show: Sequence[str] = (),
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """Records (of ``rows``, default all) that share ``key``.

    A record repeated with the same value in every variable but ``--SEQ`` is one fact written
    twice: a warning, and its positions are returned so that it is counted once. Records
    that share the key but differ are errors: the engines would count both.
    """
    df, file = table.df, table.file
    key = [k for k in key if k in df.columns]
    positions = np.arange(len(df)) if rows is None else np.asarray(rows, dtype=np.int64)
    if not len(positions) or not key:
        return np.zeros(0, dtype=np.int64)
    codes = table.key(key, positions)
    if codes is not None:
        dup = pd.Series(codes).duplicated(keep=False).to_numpy()
    else:
        dup = df.iloc[positions].duplicated(key, keep=False).to_numpy()
    if not dup.any():
        return np.zeros(0, dtype=np.int64)
    positions = positions[dup]
    sub = df.iloc[positions]
    values = [c for c in sub.columns if not c.endswith("SEQ")]
    repeat = sub.duplicated(values, keep="first").to_numpy()
    identical = positions[repeat]
    if len(identical):
        found.rows(
            file,
            key[-1],
            identical[:1],
            [""],
            f"{len(identical)} {what} records repeat another record value for value "
            f"(all but --SEQ); each is counted once",
            "duplicate",
            warning=True,
        )
    rest = sub.iloc[np.flatnonzero(~repeat)]
    conflict = rest.duplicated(key, keep=False).to_numpy()
    rest, rest_pos = rest.iloc[np.flatnonzero(conflict)], positions[~repeat][conflict]
    later = rest.duplicated(key, keep="first").to_numpy()
    reasons = []
    for _, r in rest.iloc[np.flatnonzero(later)[:5]].iterrows():
        same = (rest[key] == r[key]).all(axis=1).to_numpy()
        extra = "; ".join(
            f"{c} {', '.join(sorted(set(rest.loc[same, c].astype(str))))}" for c in show if c in rest.columns
        )
        label = " ".join(f"{k} {r[k]}" for k in key if str(r[k]) != "")
        reasons.append(
            f"{what} recorded twice with different values: {label}" + (f" ({extra})" if extra else "")
        )
    reasons += [""] * (int(later.sum()) - len(reasons))
    found.rows(file, key[-1], rest_pos[later], [""] * int(later.sum()), reasons, "duplicate")
    return identical
