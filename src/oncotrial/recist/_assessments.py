"""TR rows keyed by subject and assessment, each subject's baseline, and the lesion table.

An assessment is one subject x VISITNUM. Keys are integers built by hashing (no sort of the
TR rows); everything downstream works on these integer arrays.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncotrial.errors import Problem, ValidationFailed
from oncotrial.recist._dates import floor_after_previous, parse_dates
from oncotrial.recist._input import require_columns, select_reader
from oncotrial.recist._settings import RecistSettings
from oncotrial.recist._terms import MEASURE_TESTS, STATE_TEST, SUM_TEST, is_nodal
from oncotrial.sdtm import Match, vocabulary

__all__ = [
    "NS_PER_DAY",
    "Assessments",
    "build_assessments",
    "collected_sums",
    "factorize_runs",
    "lesion_records",
]

_TR_REQUIRED = ("USUBJID", "TRLNKID", "TRGRPID", "TRTESTCD", "TRSTRESN", "TRSTRESC", "VISITNUM", "TRDTC")
_TU_REQUIRED = ("USUBJID", "TULNKID", "TULOC")
NS_PER_DAY = 86_400_000_000_000
# Up to this many subject x visit keys, assessments are numbered with a presence table.
_DENSE_KEYS = 20_000_000


def factorize_runs(values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` (codes by first appearance, -1 for missing) of text sorted in runs.

    Only the first value of each run of equal neighbours is hashed: a subject's or an
    assessment's rows are usually adjacent, so e.g. ``USUBJID`` of TR has a few runs per
    subject instead of one hash per row. The result equals ``pd.factorize``'s, uniques as
    an object array.

    >>> codes, uniques = factorize_runs(np.array(["S2", "S2", "S1", None, "S2"], dtype=object))
    >>> codes.tolist(), uniques.tolist()
    ([0, 0, 1, -1, 0], ['S2', 'S1'])
    """
    v = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else np.asarray(values, dtype=object)
    if len(v) < 2:
        codes, uniques = pd.factorize(v)
        return codes.astype(np.int64), np.asarray(uniques, dtype=object)
    head = np.empty(len(v), dtype=bool)
    head[0] = True
    try:
        np.not_equal(v[1:], v[:-1], out=head[1:])
    except (TypeError, ValueError):  # values whose comparison is not a plain bool (e.g. pd.NA)
        head[1:] = True
    starts = np.flatnonzero(head)
    codes, uniques = pd.factorize(v[starts])
    return np.repeat(codes.astype(np.int64), np.diff(np.r_[starts, len(v)])), np.asarray(
        uniques, dtype=object
    )


def _visit_ranks(vis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rank of each VISITNUM among the distinct values (ascending), and those values.

    Values in exact thousandths (e.g. 2.1 for an unscheduled visit) are ranked with a
    presence table; anything else by factorizing the floats.
    """
    if vis.dtype.kind in "iu":  # whole numbers: ranked by a presence table directly
        lo = int(vis.min()) if len(vis) else 0
        if len(vis) and int(vis.max()) - lo < 1e7:
            offset = (vis - lo).astype(np.int64)
            levels = np.zeros(int(offset.max()) + 1, dtype=bool)
            levels[offset] = True
            ranks = np.cumsum(levels) - 1
            return ranks[offset], (np.flatnonzero(levels) + lo).astype(float)
        vis = vis.astype(float)
    milli = np.rint(vis * 1000)
    if len(vis) and np.array_equal(milli / 1000, vis) and milli.max() - milli.min() < 1e7:
        lo = milli.min()
        offset = (milli - lo).astype(np.int64)
        levels = np.zeros(int(milli.max() - lo) + 1, dtype=bool)
        levels[offset] = True
        ranks = np.cumsum(levels) - 1
        return ranks[offset], (np.flatnonzero(levels) + lo) / 1000
    codes, uniques = pd.factorize(vis, sort=True)
    return codes.astype(np.int64), np.asarray(uniques, dtype=float)


def _date_order(subj: np.ndarray, day: np.ndarray, vis: np.ndarray) -> np.ndarray:
    """``np.lexsort((vis, day, subj))`` of assessments numbered in (subject, VISITNUM) order.

    Such rows are already in (subject, VISITNUM) order, so a stable sort on one integer
    key (subject, day) gives the same order, and is fast on nearly sorted input.
    """
    if len(day) == 0:
        return np.zeros(0, dtype=np.int64)
    lo, span = int(day.min()), int(day.max()) - int(day.min()) + 1
    if int(subj.max()) + 1 > (1 << 62) // span:
        return np.lexsort((vis, day, subj))
    return np.argsort(subj.astype(np.int64) * span + (day - lo), kind="stable")


class Assessments:
    """TR rows keyed by subject and assessment, with each subject's baseline (internal)."""

    def __init__(self, tr: pd.DataFrame, subjects: pd.DataFrame | None) -> None:
        self.tr = tr
        self.lesion_cache: tuple | None = None
        self.lesion_link_missing = False  # set with lesion_cache: some TRLNKID is missing
        self._codes: dict[str, np.ndarray] = {}
        self._values: np.ndarray | None = None
        subj, subject_ids = factorize_runs(tr["USUBJID"])
        self.subject_ids = pd.Index(subject_ids, dtype=object)
        # Dates are parsed once per distinct text (a visit's rows share theirs).
        dtc_code, dtc_text = factorize_runs(tr["TRDTC"])
        u_dt, u_flag = parse_dates(pd.Series(dtc_text, dtype=object), ("TR", "TRDTC"))
        nat = np.iinfo(np.int64).max
        u_day = u_dt.to_numpy("datetime64[ns]").astype("int64") // NS_PER_DAY
        u_day = np.r_[np.where(u_dt.isna().to_numpy(), nat, u_day), nat]  # last: missing text
        u_flag = np.concatenate([u_flag.to_numpy(dtype=object), np.array([""], dtype=object)])
        row_day = u_day[dtc_code]  # code -1 picks the trailing missing entry
        vis_num = pd.to_numeric(tr["VISITNUM"], errors="coerce")
        plain_int = isinstance(vis_num.dtype, np.dtype) and vis_num.dtype.kind in "iu"
        vis = vis_num.to_numpy() if plain_int else vis_num.to_numpy(float)
        if vis.dtype.kind == "f" and np.isnan(vis).any():
            bad = tr.loc[np.isnan(vis), "VISITNUM"].head(5).tolist()
            raise ValidationFailed([Problem(("TR", "VISITNUM"), "must be a number", "type", v) for v in bad])
        # One assessment = one subject x VISITNUM; its date is the earliest scan date in it,
        # its ADTC/VISIT those of that scan's first row. Assessment ids are numbered in
        # (subject, VISITNUM) order.
        vcodes, vuniq = _visit_ranks(vis)
        n_v = max(len(vuniq), 1)
        akey = subj.astype(np.int64) * n_v + vcodes
        n_s = len(self.subject_ids)
        if n_s * n_v <= _DENSE_KEYS:
            # Small key space: a presence table and its running count number the keys in
            # order, without hashing or sorting the rows.
            present = np.zeros(n_s * n_v, dtype=bool)
            present[akey] = True
            akeys = np.flatnonzero(present)
            self.row_aid = (np.cumsum(present) - 1)[akey]
        else:
            acode, akeys = pd.factorize(akey)
            akeys = np.asarray(akeys, dtype=np.int64)
            order = np.argsort(akeys, kind="stable")
            rank = np.empty(len(akeys), dtype=np.int64)
            rank[order] = np.arange(len(akeys))
            self.row_aid = rank[acode]
            akeys = akeys[order]
        k_subj, k_vis = akeys // n_v, np.asarray(vuniq, dtype=float)[akeys % n_v]
        n_a = len(akeys)
        day = np.full(n_a, nat, dtype=np.int64)
        np.minimum.at(day, self.row_aid, row_day)
        hit = row_day == day[self.row_aid]
        first = np.full(n_a, len(row_day), dtype=np.int64)
        np.minimum.at(first, self.row_aid[hit], np.flatnonzero(hit))
        first = np.where(first == len(row_day), 0, first)
        self.a_subj = k_subj
        self.a_vis = k_vis
        if (day == nat).any():
            i = first[day == nat][0]
            raise ValidationFailed(
                [
                    Problem(
                        ("TR", "TRDTC"),
                        f"{tr['USUBJID'].iat[i]} VISITNUM {tr['VISITNUM'].iat[i]}: assessment has no date",
                        "missing",
                        None,
                    )
                ]
            )
        flag = u_flag[dtc_code[first]]
        # A partial date is imputed to the first day of its period, but never on or before
        # the subject's previous assessment (by VISITNUM): the protocol's
        # analysis.date_imputation.tumour_assessment rule, the only one its model accepts.
        day = floor_after_previous(self.a_subj, day, flag)
        self.a_day = day
        self.a_flag = flag
        self.a_dtc = tr["TRDTC"].to_numpy(object)[first]
        self.a_visit = (
            tr["VISIT"].to_numpy(object)[first] if "VISIT" in tr.columns else np.full(len(first), None)
        )
        n_a = len(first)
        # Date order within subject, then the baseline: the last assessment on or before the
        # reference start; without a reference start, the subject's first assessment.
        self.date_order = _date_order(self.a_subj, self.a_day, self.a_vis)
        ds = self.a_subj[self.date_order]
        gstart = np.ones(n_a, dtype=bool)
        gstart[1:] = ds[1:] != ds[:-1]
        self.rank = np.empty(n_a, dtype=np.int64)  # position in date order, global
        self.rank[self.date_order] = np.arange(n_a)
        gpos = np.arange(n_a) - np.maximum.accumulate(np.where(gstart, np.arange(n_a), 0))
        ref = self._reference_days(subjects)
        n_s = len(self.subject_ids)
        ref_known = ref != nat
        cand = ref_known[ds] & (self.a_day[self.date_order] <= ref[ds])
        last_cand = np.full(n_s, -1, dtype=np.int64)
        np.maximum.at(last_cand, ds[cand], gpos[cand])
        base_pos = np.where(ref_known, last_cand, 0)
        self.subject_ref_day = ref
        self.base_pos = base_pos  # -1: no baseline assessment
        pos = np.empty(n_a, dtype=np.int64)
        pos[self.date_order] = gpos
        self.a_pos = pos
        self.a_is_base = pos == base_pos[self.a_subj]
        self.a_post = pos > base_pos[self.a_subj]
        base_aid = np.full(n_s, -1, dtype=np.int64)
        base_aid[self.a_subj[self.a_is_base]] = np.flatnonzero(self.a_is_base)
        self.base_aid = base_aid

    def _reference_days(self, subjects: pd.DataFrame | None) -> np.ndarray:
        nat = np.iinfo(np.int64).max
        if subjects is None:
            return np.full(len(self.subject_ids), nat, dtype=np.int64)
        require_columns(subjects, "subjects", ("USUBJID", "REFSTDT"))
        ref = pd.to_datetime(subjects.drop_duplicates("USUBJID").set_index("USUBJID")["REFSTDT"])
        ref = ref.reindex(self.subject_ids)
        days = ref.to_numpy("datetime64[ns]").astype("int64") // NS_PER_DAY
        return np.where(ref.isna().to_numpy(), nat, days)

    def values(self) -> np.ndarray:
        """TRSTRESN as floats (computed once)."""
        if self._values is None:
            self._values = pd.to_numeric(self.tr["TRSTRESN"], errors="coerce").to_numpy(float)
        return self._values

    def equals(self, column: str, value: str) -> np.ndarray:
        """Rows whose ``column`` is ``value`` (cached; an absent column matches nothing)."""
        key = f"{column}={value}"
        if key not in self._codes:
            if column in self.tr.columns:
                self._codes[key] = self.tr[column].to_numpy(dtype=object) == value
            else:
                self._codes[key] = np.zeros(len(self.tr), dtype=bool)
        return self._codes[key]

    def dates(self, aids: np.ndarray) -> np.ndarray:
        """Assessment dates as ``datetime64[ns]``."""
        return (self.a_day[aids] * NS_PER_DAY).astype("datetime64[ns]")


def build_assessments(
    tu: pd.DataFrame, tr: pd.DataFrame, settings: RecistSettings, subjects: pd.DataFrame | None
) -> tuple[Assessments, pd.DataFrame]:
    """Validate, select the accepted reader and key TR rows by assessment; also the lesion table."""
    require_columns(tr, "TR", _TR_REQUIRED)
    require_columns(tu, "TU", _TU_REQUIRED)
    tr = select_reader(lesion_records(tr), "TR", settings)
    assessments = Assessments(tr, subjects)
    return assessments, _lesions(tu, settings)


def lesion_records(tr: pd.DataFrame) -> pd.DataFrame:
    """The TR rows the engine evaluates: lesion measurements and states of a known lesion group.

    Collected sums (``SUMDIAM``) and other CDISC tumour tests that RECIST 1.1 does not read
    are set aside (the sums are compared with the computed ones by
    :func:`~oncotrial.recist.compare_collected_sums`); a test code or lesion group that is not
    a controlled term raises, naming the values.
    """
    tests = tr["TRTESTCD"]
    groups = tr["TRGRPID"]
    read = tests.isin([*MEASURE_TESTS, STATE_TEST]).to_numpy()
    grouped = groups.isin(vocabulary("lesion_group").values).to_numpy()
    if read.all() and grouped.all():
        return tr  # the usual case: no copy
    problems = []
    for column, vocab_name, mask in (("TRTESTCD", "tumour_test", read), ("TRGRPID", "lesion_group", grouped)):
        vocab = vocabulary(vocab_name)
        for value in pd.unique(tr[column].to_numpy(dtype=object)[~mask]):
            match = vocab.match(value)
            if match in (Match.TERM, Match.KNOWN) and column == "TRTESTCD":
                continue  # a sum or another valid test: not read by RECIST 1.1 evaluation
            hint = vocab.suggestion(value) if match is Match.NEAR else None
            reason = f"did you mean {hint!r}?" if hint else f"expected one of {list(vocab.values)}"
            problems.append(
                Problem(("TR", column), f"{value!r} is not a controlled term: {reason}", "term", value)
            )
    if problems:
        raise ValidationFailed(problems)
    return tr.loc[read & grouped]


def collected_sums(tr: pd.DataFrame) -> pd.DataFrame:
    """The TR rows of collected sums of diameters (``TRTESTCD = SUMDIAM``)."""
    return tr.loc[tr["TRTESTCD"].to_numpy(dtype=object) == SUM_TEST]


def _lesions(tu: pd.DataFrame, settings: RecistSettings) -> pd.DataFrame:
    """One row per USUBJID x TULNKID: TULOC and whether it is nodal (accepted reader's first)."""
    try:
        chosen = select_reader(tu, "TU", settings)
    except (ValueError, KeyError):
        chosen = tu.iloc[0:0]
    both = chosen if len(chosen) == len(tu) else pd.concat([chosen, tu], ignore_index=True)
    # First row per USUBJID x TULNKID (as drop_duplicates), on integer keys.
    subj, _ = factorize_runs(both["USUBJID"])
    link, links = pd.factorize(both["TULNKID"].to_numpy(dtype=object))
    key = (subj + 1) * (len(links) + 1) + (link + 1)
    lesions = both.loc[~pd.Index(key).duplicated(), ["USUBJID", "TULNKID", "TULOC"]]
    lesions = lesions.rename(columns={"TULNKID": "TRLNKID"})
    lesions["NODAL"] = is_nodal(lesions["TULOC"])
    return lesions
