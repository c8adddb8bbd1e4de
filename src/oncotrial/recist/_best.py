"""Per-subject best overall response, unconfirmed and confirmed (RECIST 1.1 §4.4).

All subjects at once: rows are sorted by subject and date, and each per-subject question
("is there a CR?", "first confirmed PR?") is a masked ``reduceat`` over the sorted arrays;
confirmation looks up the first later assessment with ``searchsorted``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncotrial.errors import Problem, ValidationFailed
from oncotrial.recist._assessments import factorize_runs
from oncotrial.recist._codes import CR, NE, NON_CR_NON_PD, PD, PR, RESPONSES, SD
from oncotrial.recist._input import require_columns
from oncotrial.recist._settings import RecistSettings

__all__ = ["BEST_COLUMNS", "SAME_DATE_ORDER", "best_overall_response"]

#: Output columns of :func:`best_overall_response`, in order.
BEST_COLUMNS = (
    "USUBJID",
    "BOR",
    "BORDT",
    "CBOR",
    "CBORDT",
    "RSPFL",
    "CRSPFL",
    "CBFL",
    "DCRFL",
    "FRSPDT",
    "PDDT",
    "LSTADT",
    "NASSESS",
    "BORRULE",
    "CBORRULE",
)
_NS_PER_DAY = 86_400_000_000_000
_NAT = np.iinfo(np.int64).max
#: Several responses on one date are one assessment: the worst evaluable one counts, in this
#: order (NE only when every one is NE). Best response uses it, and ADRS flags that record
#: as the analysed one (ANL01FL); docs/recist.md, edge case 7.
SAME_DATE_ORDER = ("PD", "SD", "NON-CR/NON-PD", "PR", "CR", "NE")
# Rank of each code (CR, PR, SD, NON-CR/NON-PD, PD, NE) in SAME_DATE_ORDER.
_SAME_DATE_RANK = np.array([SAME_DATE_ORDER.index(text) for text in RESPONSES])


def _days(values: pd.Series) -> np.ndarray:
    dt = pd.to_datetime(values)
    days = dt.to_numpy("datetime64[ns]").astype("int64") // _NS_PER_DAY
    return np.where(dt.isna().to_numpy(), _NAT, days)


def _to_dates(days: np.ndarray) -> np.ndarray:
    out = np.where(days == _NAT, np.iinfo(np.int64).min, days * _NS_PER_DAY)
    return out.astype("datetime64[ns]")


def _encode(tp: pd.DataFrame) -> np.ndarray:
    """OVRLRESP as codes; a value that is not a response is refused with its rows named."""
    codes, uniques = pd.factorize(tp["OVRLRESP"], use_na_sentinel=True)
    lookup = {t: c for c, t in enumerate(RESPONSES)}
    known = np.array([u in lookup for u in uniques] + [True], dtype=bool)
    bad = np.flatnonzero(~known[codes])
    if len(bad):
        problems = [
            Problem(
                ("timepoints", "OVRLRESP", int(i)),
                f"{tp['USUBJID'].iat[i]} on {_day_text(tp['ADT'].iat[i])}: {tp['OVRLRESP'].iat[i]!r} is not "
                f"a response ({', '.join(RESPONSES)})",
                "term",
                tp["OVRLRESP"].iat[i],
            )
            for i in bad[:20]
        ]
        if len(bad) > 20:
            problems.append(Problem(("timepoints", "OVRLRESP"), f"... and {len(bad) - 20} more rows", "term"))
        raise ValidationFailed(problems)
    table = np.array([lookup[u] for u in uniques] + [-1], dtype=np.int8)
    return table[codes]


def _day_text(value) -> str:
    return "no date" if pd.isna(value) else pd.Timestamp(value).date().isoformat()


class _Groups:
    """Rows sorted by subject (codes 0..n-1, every subject may have zero rows)."""

    def __init__(self, subj: np.ndarray, n_subjects: int) -> None:
        self.subj = subj
        self.n = n_subjects
        self.count = np.bincount(subj, minlength=n_subjects)
        self.start = np.cumsum(self.count) - self.count
        self.end = self.start + self.count

    def first(self, mask: np.ndarray) -> np.ndarray:
        """Index of the first row per subject where ``mask`` holds; -1 when none."""
        idx = np.where(mask, np.arange(len(mask)), len(mask))
        out = np.full(self.n, len(mask), dtype=np.int64)
        np.minimum.at(out, self.subj, idx)
        return np.where(out == len(mask), -1, out)

    def last(self, mask: np.ndarray) -> np.ndarray:
        """Index of the last row per subject where ``mask`` holds; -1 when none."""
        idx = np.where(mask, np.arange(len(mask)), -1)
        out = np.full(self.n, -1, dtype=np.int64)
        np.maximum.at(out, self.subj, idx)
        return out

    def next_after(self, mask: np.ndarray) -> np.ndarray:
        """For each row, the index of the next row of the same subject where ``mask`` holds.

        Returns the subject's end (exclusive) when there is none.
        """
        n = len(mask)
        barrier = mask.copy()
        starts = self.start[self.count > 0]
        barrier[starts] = True  # the next subject's first row bounds this subject's search
        idx = np.where(barrier, np.arange(n), n)
        rc = np.minimum.accumulate(idx[::-1])[::-1]
        return np.r_[rc[1:], n]


def _order(subj: np.ndarray, day: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """``np.lexsort((rank, day, subj))``, as one integer key when it fits (faster on sorted input)."""
    if len(day) == 0:
        return np.zeros(0, dtype=np.int64)
    lo, span = int(day.min()), int(day.max()) - int(day.min()) + 1
    n_rank = len(_SAME_DATE_RANK)
    if int(subj.max()) + 1 > (1 << 62) // (span * n_rank):
        return np.lexsort((rank, day, subj))
    key = (subj.astype(np.int64) * span + (day - lo)) * n_rank + rank
    return np.argsort(key, kind="stable")


def _prepare(timepoints: pd.DataFrame, subjects: pd.DataFrame) -> tuple[pd.DataFrame, pd.Index, dict]:
    require_columns(timepoints, "timepoints", ("USUBJID", "ADT", "OVRLRESP"))
    require_columns(subjects, "subjects", ("USUBJID", "REFSTDT"))
    subj_ids = pd.Index(subjects["USUBJID"].drop_duplicates())
    tp = timepoints[["USUBJID", "ADT", "OVRLRESP"]]
    resp, resp_u = pd.factorize(tp["OVRLRESP"].to_numpy(dtype=object))  # -1: missing
    blank = np.r_[pd.Series(resp_u, dtype=object).astype(str).to_numpy() == "", True]
    tp = tp[~blank[resp] & tp["ADT"].notna().to_numpy()]
    tp_code, tp_ids = factorize_runs(tp["USUBJID"])  # a subject's timepoints are adjacent
    subj = np.r_[subj_ids.get_indexer(pd.Index(tp_ids, dtype=object)), -1][tp_code]
    if (subj < 0).any():
        extra = tp.loc[subj < 0, "USUBJID"].drop_duplicates().head(20).tolist()
        raise ValidationFailed(
            [
                Problem(("subjects", "USUBJID"), "has timepoints but no row in subjects", "missing", u)
                for u in extra
            ]
        )
    subs = subjects.drop_duplicates("USUBJID").set_index("USUBJID").reindex(subj_ids)
    ref = _days(subs["REFSTDT"])
    nact = _days(subs["NACTDT"]) if "NACTDT" in subs.columns else np.full(len(subj_ids), _NAT)
    rows = pd.DataFrame({"subj": subj, "day": _days(tp["ADT"]), "code": _encode(tp)})
    # Assessments count only from the reference start and up to new anti-tumour therapy
    # (a scan on the day that therapy starts is taken before it).
    r, na = ref[rows["subj"]], nact[rows["subj"]]
    rows = rows[((r == _NAT) | (rows["day"] >= r)) & ((na == _NAT) | (rows["day"] <= na))]
    subj_a, day_a, code_a = rows["subj"].to_numpy(), rows["day"].to_numpy(), rows["code"].to_numpy()
    order = _order(subj_a, day_a, _SAME_DATE_RANK[code_a])
    subj_a, day_a, code_a = subj_a[order], day_a[order], code_a[order]
    first = np.r_[True, (subj_a[1:] != subj_a[:-1]) | (day_a[1:] != day_a[:-1])][: len(subj_a)]
    rows = pd.DataFrame({"subj": subj_a[first], "day": day_a[first], "code": code_a[first]})
    return rows, subj_ids, {"ref": ref, "nact": nact}


def best_overall_response(
    timepoints: pd.DataFrame, subjects: pd.DataFrame, settings: RecistSettings
) -> pd.DataFrame:
    """Best overall response per subject, unconfirmed (BOR) and confirmed (CBOR).

    Parameters
    ----------
    timepoints
        ``USUBJID``, ``ADT`` (date), ``OVRLRESP``: the output of
        :func:`~oncotrial.recist.evaluate_timepoints` or RS as recorded.
    subjects
        One row per subject of the population: ``USUBJID``, ``REFSTDT`` (reference start) and
        optional ``NACTDT`` (first new anti-tumour therapy). Subjects without timepoints get
        ``NE``.
    settings
        :class:`~oncotrial.recist.RecistSettings` (confirmation interval, SD minimum).

    Returns
    -------
    pandas.DataFrame
        One row per subject, columns :data:`BEST_COLUMNS`; flags are ``"Y"``/``"N"``.

    Notes
    -----
    Only assessments from the reference start up to and including the first PD, and not after
    new anti-tumour therapy, count. Unconfirmed: CR, else PR, else SD (a CR, PR or SD at least
    ``sd_min_days`` after the reference start), else NON-CR/NON-PD (same minimum), else PD,
    else NE. Confirmed (RECIST 1.1 Table 3): a CR needs a later CR at least
    ``confirmation_min_days`` after it with only CR or NE in between; a PR (or a CR) needs a
    later CR or PR with only CR, PR or NE in between; an unconfirmed CR/PR counts as SD.
    ``docs/recist.md`` lists each decision.

    Examples
    --------
    >>> tp = pd.DataFrame({"USUBJID": "S1", "OVRLRESP": ["SD", "PR", "PR"],
    ...     "ADT": pd.to_datetime(["2024-02-12", "2024-03-25", "2024-05-06"])})
    >>> subjects = pd.DataFrame({"USUBJID": ["S1"], "REFSTDT": pd.to_datetime(["2024-01-01"])})
    >>> best = best_overall_response(tp, subjects, RecistSettings(28, 35, "INVESTIGATOR", 28))
    >>> best[["BOR", "CBOR", "CRSPFL", "FRSPDT"]].astype(str).to_dict("records")
    [{'BOR': 'PR', 'CBOR': 'PR', 'CRSPFL': 'Y', 'FRSPDT': '2024-03-25'}]
    """
    rows, subj_ids, dates = _prepare(timepoints, subjects)
    n = len(subj_ids)
    subj = rows["subj"].to_numpy()
    day = rows["day"].to_numpy()
    code = rows["code"].to_numpy()
    g = _Groups(subj, n)
    # Only assessments up to and including the first PD count.
    is_pd = code == PD
    pd_before = np.cumsum(is_pd) - is_pd
    first_pd_cum = np.repeat(np.r_[0, np.cumsum(is_pd)][g.start], g.count)
    keep = pd_before == first_pd_cum
    subj, day, code = subj[keep], day[keep], code[keep]
    g = _Groups(subj, n)
    ref = dates["ref"][subj]
    since = np.where(ref == _NAT, -1, day - np.where(ref == _NAT, 0, ref))
    long_enough = (ref != _NAT) & (since >= settings.sd_min_days)
    is_ne = code == NE
    level = np.select([code == CR, code == PR, is_ne], [2, 1, -1], 0)
    confirmed = {c: _confirmed(g, subj, day, level, is_ne, c, settings) for c in (2, 1)}

    def pick(mask):
        return g.first(mask)

    idx = np.arange(len(code))
    # --- unconfirmed best overall response ---------------------------------------------
    bor_rules = [
        ("CR", pick(code == CR), "first CR"),
        ("PR", pick(code == PR), "first PR"),
        (
            "SD",
            pick((code <= SD) & long_enough),
            f"CR/PR/SD at least {settings.sd_min_days} days after start",
        ),
        (
            "NON-CR/NON-PD",
            pick((code == NON_CR_NON_PD) & long_enough),
            f"NON-CR/NON-PD at least {settings.sd_min_days} days after start",
        ),
        ("PD", pick(code == PD), "PD (no CR/PR, and SD not long enough)"),
        ("NE", pick(idx >= 0), "no assessment qualifies (SD too early or NE only)"),
    ]
    bor, bordt, borrule = _choose(bor_rules, n, day)
    # --- confirmed best overall response (Table 3) -------------------------------------
    cr_seen = np.cumsum(code == CR) - np.repeat(np.r_[0, np.cumsum(code == CR)][g.start], g.count)
    sd_after_cr = (code == SD) & (cr_seen > 0)
    c = settings.confirmation_min_days
    cbor_rules = [
        ("CR", pick(confirmed[2]), f"CR confirmed by CR at least {c} days later"),
        ("PR", pick(confirmed[1]), f"PR (or CR) confirmed by CR/PR at least {c} days later"),
        (
            "SD",
            pick((code <= SD) & long_enough),
            f"unconfirmed CR/PR or SD at least {settings.sd_min_days} days after start",
        ),
        (
            "NON-CR/NON-PD",
            pick((code == NON_CR_NON_PD) & long_enough),
            f"NON-CR/NON-PD at least {settings.sd_min_days} days after start",
        ),
        ("PD", pick(code == PD), "PD (no confirmed response, and SD not long enough)"),
        ("PD", pick(sd_after_cr), "SD after a CR without the SD minimum: disease came back (Table 3)"),
        ("NE", pick(idx >= 0), "no assessment qualifies (SD too early or NE only)"),
    ]
    cbor, cbordt, cborrule = _choose(cbor_rules, n, day)
    frsp = pick(confirmed[1])
    pdi = pick(code == PD)
    lsta = g.last(~is_ne)
    out = pd.DataFrame(
        {
            "USUBJID": np.asarray(subj_ids, dtype=object),
            "BOR": bor,
            "BORDT": _to_dates(bordt),
            "CBOR": cbor,
            "CBORDT": _to_dates(cbordt),
            "RSPFL": _yn(np.isin(bor, ["CR", "PR"])),
            "CRSPFL": _yn(np.isin(cbor, ["CR", "PR"])),
            "CBFL": _yn(np.isin(bor, ["CR", "PR", "SD", "NON-CR/NON-PD"])),
            "DCRFL": _yn(np.isin(cbor, ["CR", "PR", "SD", "NON-CR/NON-PD"])),
            "FRSPDT": _to_dates(_at(day, frsp)),
            "PDDT": _to_dates(_at(day, pdi)),
            "LSTADT": _to_dates(_at(day, lsta)),
            "NASSESS": g.count,
            "BORRULE": borrule,
            "CBORRULE": cborrule,
        }
    )
    return out


def _confirmed(
    g: _Groups,
    subj: np.ndarray,
    day: np.ndarray,
    level: np.ndarray,
    is_ne: np.ndarray,
    c: int,
    settings: RecistSettings,
) -> np.ndarray:
    """Rows whose response of at least level ``c`` (2 CR, 1 PR) is confirmed.

    A response at row i is confirmed at level c when the first assessment that is not NE and at
    least the confirmation interval later comes before the first non-NE assessment below level c,
    with at most ``settings.max_ne_between`` NE assessments between them.
    """
    n = len(level)
    if n == 0 or is_ne.all():
        return np.zeros(n, dtype=bool)
    breaks = g.next_after((level >= 0) & (level < c))
    # The first non-NE row at least the interval later: search (subject, day) keys.
    key = subj.astype(np.int64) * (1 << 32) + (day - day.min())
    ok_rows = np.flatnonzero(~is_ne)
    gap = max(settings.confirmation_min_days, 1)
    pos = np.searchsorted(key[ok_rows], key + gap, side="left")
    j = np.where(pos < len(ok_rows), ok_rows[np.minimum(pos, len(ok_rows) - 1)], n)
    confirmed = (level >= c) & (j < breaks) & (subj[np.minimum(j, n - 1)] == subj)
    if settings.max_ne_between is not None:
        cum_ne = np.cumsum(is_ne)
        between = cum_ne[np.minimum(j, n - 1)] - cum_ne
        confirmed &= between <= settings.max_ne_between
    return confirmed


def _choose(rules: list, n: int, day: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first rule that applies per subject: its response, date and reason."""
    rule = np.full(n, len(rules), dtype=np.int64)  # past the last rule: no assessment
    when = np.full(n, _NAT, dtype=np.int64)
    done = np.zeros(n, dtype=bool)
    for i, (_, first, _) in enumerate(rules):
        hit = (first >= 0) & ~done
        rule[hit] = i
        when[hit] = day[first[hit]]
        done |= hit
    responses = np.array([r[0] for r in rules] + ["NE"], dtype=object)
    texts = np.array([r[2] for r in rules] + ["no post-baseline assessment"], dtype=object)
    value = responses[rule]
    why = texts[rule]
    dated = np.flatnonzero(when != _NAT)
    if len(dated):
        # Each distinct (rule, date) is phrased once.
        d_rule, d_when = rule[dated], when[dated]
        lo = d_when.min()
        combo, _ = pd.factorize(d_rule * (d_when.max() - lo + 1) + (d_when - lo))
        first = np.unique(combo, return_index=True)[1]
        u_rule = d_rule[first]
        stamp = np.datetime_as_string(_to_dates(d_when[first]), unit="D").astype(object)
        why[dated] = (responses[u_rule] + ": " + texts[u_rule] + " (" + stamp + ")")[combo]
    return value, when, why


def _at(day: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``day[idx]`` with ``_NAT`` where ``idx`` is -1 (no such row)."""
    out = np.full(len(idx), _NAT, dtype=np.int64)
    out[idx >= 0] = day[idx[idx >= 0]]
    return out


def _yn(mask: np.ndarray) -> np.ndarray:
    return np.array(["N", "Y"], dtype=object)[np.asarray(mask, dtype=np.int8)]
