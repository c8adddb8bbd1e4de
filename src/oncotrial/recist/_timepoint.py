"""Per-assessment evaluation: sums, nadir, target / non-target / new and overall response.

Vectorized over all subjects: lesions and assessments become integer-keyed arrays, and
every per-subject quantity is a ``bincount`` or a grouped cumulative operation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncotrial.errors import Problem, ValidationFailed
from oncotrial.recist._codes import CR, NA, NE, NON_CR_NON_PD, PD, PR, RESPONSES, SD, decode
from oncotrial.recist._criteria import (
    CR_NODE_MAX_MM,
    NODAL_LOCATION,
    PD_MIN_ABSOLUTE_MM,
    PD_MIN_INCREASE,
    PR_MIN_DECREASE,
)
from oncotrial.recist._dates import parse_dates
from oncotrial.recist._input import require_columns, select_reader
from oncotrial.recist._settings import RecistSettings
from oncotrial.recist._tables import overall_codes

__all__ = ["TIMEPOINT_COLUMNS", "Assessments", "build_assessments", "evaluate_timepoints"]

#: Output columns of :func:`evaluate_timepoints`, in order.
TIMEPOINT_COLUMNS = (
    "USUBJID",
    "VISITNUM",
    "VISIT",
    "ADT",
    "ADTC",
    "ADTF",
    "SUMDIAM",
    "BASE",
    "CHG",
    "PCHG",
    "NADIR",
    "CHGNAD",
    "PCHGNAD",
    "TRGRESP",
    "NTRGRESP",
    "NEWLPROG",
    "OVRLRESP",
    "RULE",
)
_TR_REQUIRED = ("USUBJID", "TRLNKID", "TRGRPID", "TRTESTCD", "TRSTRESN", "TRSTRESC", "VISITNUM", "TRDTC")
_TU_REQUIRED = ("USUBJID", "TULNKID", "TULOC")
# Comparisons of sums are made with this tolerance (mm) so that e.g. exactly -30.0% is a PR
# whatever the floating-point rounding of the sum.
_EPS = 1e-9
_NS_PER_DAY = 86_400_000_000_000


class Assessments:
    """TR rows keyed by subject and assessment, with each subject's baseline (internal)."""

    def __init__(self, tr: pd.DataFrame, subjects: pd.DataFrame | None) -> None:
        self.tr = tr
        self.lesion_cache: tuple | None = None
        self._codes: dict[str, np.ndarray] = {}
        self._values: np.ndarray | None = None
        subj, self.subject_ids = pd.factorize(tr["USUBJID"], sort=False)
        row_dt, row_flag = parse_dates(tr["TRDTC"], ("TR", "TRDTC"))
        row_day = row_dt.to_numpy("datetime64[ns]").astype("int64")
        nat = np.iinfo(np.int64).max
        row_day = np.where(row_dt.isna().to_numpy(), nat, row_day // _NS_PER_DAY)
        vis = pd.to_numeric(tr["VISITNUM"], errors="coerce").to_numpy(float)
        if np.isnan(vis).any():
            bad = tr.loc[np.isnan(vis), "VISITNUM"].head(5).tolist()
            raise ValidationFailed([Problem(("TR", "VISITNUM"), "must be a number", "type", v) for v in bad])
        # One assessment = one subject x VISITNUM (hashed, no row sort); its date is the
        # earliest scan date in it, its ADTC/VISIT those of that scan's first row.
        vcodes, vuniq = pd.factorize(vis, sort=True)
        n_v = max(len(vuniq), 1)
        acode, akeys = pd.factorize(subj.astype(np.int64) * n_v + vcodes)
        akeys = np.asarray(akeys, dtype=np.int64)
        k_subj, k_vis = akeys // n_v, np.asarray(vuniq, dtype=float)[akeys % n_v] if len(akeys) else akeys
        by_key = np.lexsort((k_vis, k_subj))
        rank = np.empty(len(akeys), dtype=np.int64)
        rank[by_key] = np.arange(len(akeys))
        self.row_aid = rank[acode]
        n_a = len(akeys)
        day = np.full(n_a, nat, dtype=np.int64)
        np.minimum.at(day, self.row_aid, row_day)
        hit = row_day == day[self.row_aid]
        first = np.full(n_a, len(row_day), dtype=np.int64)
        np.minimum.at(first, self.row_aid[hit], np.flatnonzero(hit))
        first = np.where(first == len(row_day), 0, first)
        self.a_subj = k_subj[by_key]
        self.a_vis = np.asarray(k_vis, dtype=float)[by_key]
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
        flag = row_flag.to_numpy()[first]
        # A partial date is imputed to the first day of its period, but never on or before
        # the subject's previous assessment (by VISITNUM).
        # Sequentially, c[k] = max(day[k], c[k-1] + 1) along a run of partial dates; with
        # y = day - k this is a running maximum of y within each run (segmented cummax).
        same_subj_prev = np.r_[False, self.a_subj[1:] == self.a_subj[:-1]]
        seg = np.cumsum((flag == "") | ~same_subj_prev)
        k = np.arange(len(day), dtype=np.int64)
        offset = seg.astype(np.int64) * (1 << 40)
        day = np.maximum.accumulate(day - k + offset) - offset + k
        self.a_day = day
        self.a_flag = flag
        self.a_dtc = tr["TRDTC"].to_numpy(object)[first]
        self.a_visit = (
            tr["VISIT"].to_numpy(object)[first] if "VISIT" in tr.columns else np.full(len(first), None)
        )
        n_a = len(first)
        # Date order within subject, then the baseline: the last assessment on or before the
        # reference start; without a reference start, the subject's first assessment.
        self.date_order = np.lexsort((self.a_vis, self.a_day, self.a_subj))
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
        days = ref.to_numpy("datetime64[ns]").astype("int64") // _NS_PER_DAY
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
        return (self.a_day[aids] * _NS_PER_DAY).astype("datetime64[ns]")


def build_assessments(
    tu: pd.DataFrame, tr: pd.DataFrame, settings: RecistSettings, subjects: pd.DataFrame | None
) -> tuple[Assessments, pd.DataFrame]:
    """Validate, select the accepted reader and key TR rows by assessment; also the lesion table."""
    require_columns(tr, "TR", _TR_REQUIRED)
    require_columns(tu, "TU", _TU_REQUIRED)
    tr = select_reader(tr, "TR", settings)
    assessments = Assessments(tr, subjects)
    return assessments, _lesions(tu, settings)


def _lesions(tu: pd.DataFrame, settings: RecistSettings) -> pd.DataFrame:
    """One row per USUBJID x TULNKID: TULOC and whether it is nodal (accepted reader's first)."""
    try:
        chosen = select_reader(tu, "TU", settings)
    except (ValueError, KeyError):
        chosen = tu.iloc[0:0]
    both = pd.concat([chosen, tu], ignore_index=True)
    lesions = both.drop_duplicates(["USUBJID", "TULNKID"])[["USUBJID", "TULNKID", "TULOC"]]
    lesions = lesions.rename(columns={"TULNKID": "TRLNKID"})
    lesions["NODAL"] = lesions["TULOC"].eq(NODAL_LOCATION).to_numpy()
    return lesions


_NT_STATE = {"ABSENT": 0, "PRESENT": 1, "UNEQUIVOCAL PROGRESSION": 2}


def _lesion_codes(a: Assessments) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integer code of each TR row's TRLNKID, the ids, and each id's parent code (split lesions)."""
    if a.lesion_cache is None:
        codes, uniques = pd.factorize(a.tr["TRLNKID"], use_na_sentinel=False)
        text = pd.Index(uniques).astype(str)
        recode, ids = pd.factorize(text)
        codes = recode[codes]
        ids = pd.Index(ids)
        # Fragment ids ``T01.1``, ``T01.2`` name their parent ``T01`` (a lesion that split).
        parents = ids.get_indexer(ids.str.replace(r"\.\d+$", "", regex=True))
        a.lesion_cache = (codes, np.asarray(ids, dtype=object), parents)
    return a.lesion_cache


def _grid(a: Assessments, group: str, lesions: pd.DataFrame | None = None) -> tuple[dict, dict]:
    """Baseline lesions of ``group`` crossed with each subject's post-baseline assessments.

    Returns the baseline lesions (arrays ``subj``, ``lesion`` code, ``id``, ``value``,
    ``nodal``, sorted by subject) and the grid: one entry per post-baseline assessment x
    baseline lesion (arrays ``aid``, ``bidx`` into the baseline lesions, and that visit's
    record: ``value``, ``merged``, ``notdone`` for targets, ``state`` for non-targets).
    For target lesions only the record of the lesion's own measure counts: the short axis
    (``LPERP``) of a node, the longest diameter (``LDIAM``) of any other lesion.
    """
    tr = a.tr
    lcode_all, ids, parents = _lesion_codes(a)
    n_ids = max(len(ids), 1)
    rows = np.flatnonzero(a.equals("TRGRPID", group))
    aid = a.row_aid[rows]
    keep = a.a_is_base[aid] | a.a_post[aid]
    rows, aid = rows[keep], aid[keep]
    subj = a.a_subj[aid].astype(np.int64)
    lc = lcode_all[rows].astype(np.int64)
    at_base = a.a_is_base[aid]
    bkeys = np.sort(subj[at_base] * n_ids + lc[at_base])
    bkeys = bkeys[np.r_[True, bkeys[1:] != bkeys[:-1]]] if len(bkeys) else bkeys
    b_subj, b_lc = bkeys // n_ids, bkeys % n_ids
    n_b = len(bkeys)

    def lookup(keys: np.ndarray) -> np.ndarray:
        """Index of each key among the baseline lesions; -1 when it is not one."""
        if n_b == 0:
            return np.full(len(keys), -1, dtype=np.int64)
        i = np.minimum(np.searchsorted(bkeys, keys), n_b - 1)
        return np.where(bkeys[i] == keys, i, -1)

    value = a.values()[rows]
    notdone = a.equals("TRSTAT", "NOT DONE")[rows]
    if group == "TARGET":
        # Only the target rows' measure names are needed, and a state only where there is no
        # value (a lesion recorded as MERGED).
        test_text = tr["TRTESTCD"].to_numpy(dtype=object)[rows]
        tests = np.where(test_text == "LPERP", 1, np.where(test_text == "LDIAM", 2, 0))
        lperp_code, ldiam_code = 1, 2
        no_value = np.isnan(value)
        merged = np.zeros(len(rows), dtype=bool)
        merged[no_value] = tr["TRSTRESC"].to_numpy(dtype=object)[rows[no_value]] == "MERGED"
    else:
        state_text = tr["TRSTRESC"].to_numpy(dtype=object)[rows]
    base = {"subj": b_subj, "lesion": b_lc, "id": ids[b_lc] if n_b else np.array([], dtype=object)}
    if group == "TARGET":
        par = parents[lc]
        frag = ~at_base & (par >= 0) & (par != lc)
        frag &= lookup(subj * n_ids + np.where(par >= 0, par, 0)) >= 0
        lc = np.where(frag, par, lc)
        bidx = lookup(subj * n_ids + lc)
        # Nodal: TU.TULOC is LYMPH NODE; without a TU row, a lesion measured by short axis only.
        les_subj = pd.Index(a.subject_ids).get_indexer(lesions["USUBJID"])
        les_lc = pd.Index(ids).get_indexer(lesions["TRLNKID"].astype(str))
        ok = (les_subj >= 0) & (les_lc >= 0)
        tu_idx = lookup(les_subj[ok].astype(np.int64) * n_ids + les_lc[ok])
        nodal_tu = np.full(n_b, -1, dtype=np.int8)
        nodal_tu[tu_idx[tu_idx >= 0]] = lesions["NODAL"].to_numpy(bool)[ok][tu_idx >= 0]
        bb = at_base & (bidx >= 0)
        lperp = np.bincount(bidx[bb], weights=tests[bb] == lperp_code, minlength=n_b) > 0
        ldiam = np.bincount(bidx[bb], weights=tests[bb] == ldiam_code, minlength=n_b) > 0
        nodal = np.where(nodal_tu >= 0, nodal_tu == 1, lperp & ~ldiam)
        wanted = np.where(nodal[np.maximum(bidx, 0)], lperp_code, ldiam_code) if n_b else tests
        use = (bidx >= 0) & ((tests == wanted) | merged)
        base["nodal"] = nodal
        bu = use & at_base
        has_val = ~np.isnan(value)
        b_n = np.bincount(bidx[bu], weights=has_val[bu], minlength=n_b)
        b_sum = np.bincount(bidx[bu], weights=np.where(has_val, value, 0.0)[bu], minlength=n_b)
        base["value"] = np.where(b_n > 0, b_sum, np.nan)
    else:
        bidx = lookup(subj * n_ids + lc)
        use = bidx >= 0
    # The grid, laid out as each post-baseline assessment followed by its subject's lesions.
    n_s = len(a.subject_ids)
    per_subj = np.bincount(b_subj, minlength=n_s)
    b_start = np.cumsum(per_subj) - per_subj
    post_aids = np.flatnonzero(a.a_post)
    counts = per_subj[a.a_subj[post_aids]]
    g_aid = np.repeat(post_aids, counts)
    offsets = np.cumsum(counts) - counts
    g_bidx = np.repeat(b_start[a.a_subj[post_aids]], counts) + (
        np.arange(len(g_aid)) - np.repeat(offsets, counts)
    )
    start_of = np.full(len(a.a_subj), -1, dtype=np.int64)
    start_of[post_aids] = offsets
    pu = use & ~at_base
    pos = start_of[aid[pu]] + (bidx[pu] - b_start[subj[pu]])
    n_g = len(g_aid)
    grid = {"aid": g_aid, "bidx": g_bidx}
    if group == "TARGET":
        v, has = value[pu], ~np.isnan(value[pu])
        n_val = np.bincount(pos, weights=has, minlength=n_g)
        total = np.bincount(pos, weights=np.where(has, v, 0.0), minlength=n_g)
        grid["value"] = np.where(n_val > 0, total, np.nan)
        grid["merged"] = np.bincount(pos, weights=merged[pu], minlength=n_g) > 0
        grid["notdone"] = np.bincount(pos, weights=notdone[pu], minlength=n_g) > 0
    else:
        st = np.full(len(state_text), 3, dtype=np.int8)
        for text, code in _NT_STATE.items():
            st[state_text == text] = code
        st = np.where(notdone, 3, st)[pu]
        state = np.full(n_g, -1, dtype=np.int8)
        np.maximum.at(state, pos, st)  # several records of one lesion at one visit: the worst
        grid["state"] = np.where(state < 0, 3, state)
    return base, grid


def _targets(a: Assessments, lesions: pd.DataFrame) -> dict[str, np.ndarray]:
    n_a, n_s = len(a.a_subj), len(a.subject_ids)
    base, grid = _grid(a, "TARGET", lesions)
    n_targets = np.bincount(base["subj"], minlength=n_s)
    base_sum = np.bincount(base["subj"], weights=np.nan_to_num(base["value"]), minlength=n_s)
    value = np.where(grid["merged"] & np.isnan(grid["value"]), 0.0, grid["value"])
    measured = ~np.isnan(value) & ~grid["notdone"]
    nodal = base["nodal"][grid["bidx"]] if len(grid["bidx"]) else np.zeros(0, dtype=bool)
    g_aid = grid["aid"]
    val0 = np.where(measured, value, 0.0)
    total = np.bincount(g_aid, weights=val0, minlength=n_a)
    nmiss = np.bincount(g_aid, weights=~measured, minlength=n_a).astype(int)
    visible = np.bincount(g_aid, weights=measured & ~nodal & (val0 > 0), minlength=n_a) > 0
    big_node = np.bincount(g_aid, weights=measured & nodal & (val0 >= CR_NODE_MAX_MM), minlength=n_a) > 0
    missing_ids = join_ids(g_aid[~measured], base["id"][grid["bidx"][~measured]], n_a)
    subj = a.a_subj
    has_t = n_targets[subj] > 0
    base_a = np.where(has_t, base_sum[subj], np.nan)
    complete = nmiss == 0
    # Nadir: the smallest sum among baseline and the earlier complete assessments.
    o = a.date_order
    comp_sum = np.where(complete & a.a_post, total, np.inf)[o]
    s_o = pd.Series(comp_sum)
    prior = s_o.groupby(subj[o]).cummin().groupby(subj[o]).shift(1).fillna(np.inf).to_numpy()
    nadir_o = np.minimum(prior, base_a[o])
    nadir = np.empty(n_a)
    nadir[o] = nadir_o
    sums = np.where(has_t, total, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        chg = sums - base_a
        pchg = np.where(base_a > 0, 100.0 * chg / base_a, np.nan)
        chgnad = sums - nadir
        pchgnad = np.where(nadir > 0, 100.0 * chgnad / nadir, np.nan)
        is_cr = complete & ~visible & ~big_node
        is_pd = (chgnad >= PD_MIN_ABSOLUTE_MM - _EPS) & (sums >= nadir * (1 + PD_MIN_INCREASE) - _EPS)
        is_pr = (base_a > 0) & (sums <= base_a * (1 - PR_MIN_DECREASE) + _EPS)
    code = np.select([~has_t, is_cr, is_pd, ~complete, is_pr], [NA, CR, PD, NE, PR], SD).astype(np.int8)
    return {
        "code": code,
        "sum": sums,
        "base": base_a,
        "chg": chg,
        "pchg": pchg,
        "nadir": np.where(has_t, nadir, np.nan),
        "chgnad": np.where(has_t, chgnad, np.nan),
        "pchgnad": np.where(has_t, pchgnad, np.nan),
        "nmiss": nmiss,
        "missing": missing_ids,
        "named": nmiss > 0,
    }


def _non_targets(a: Assessments) -> dict[str, np.ndarray]:
    n_a, n_s = len(a.a_subj), len(a.subject_ids)
    base, grid = _grid(a, "NON-TARGET")
    n_nt = np.bincount(base["subj"], minlength=n_s)
    state = grid["state"]
    g_aid = grid["aid"]
    count = np.bincount(g_aid, minlength=n_a)
    absent = np.bincount(g_aid, weights=state == 0, minlength=n_a)
    prog = np.bincount(g_aid, weights=state == 2, minlength=n_a) > 0
    unevaluable = np.bincount(g_aid, weights=state == 3, minlength=n_a) > 0
    has_nt = n_nt[a.a_subj] > 0
    code = np.select([~has_nt, prog, unevaluable, absent == count], [NA, PD, NE, CR], NON_CR_NON_PD).astype(
        np.int8
    )
    lid = base["id"][grid["bidx"]] if len(grid["bidx"]) else np.array([], dtype=object)
    ids = {
        name: join_ids(g_aid[mask], lid[mask], n_a)
        for name, mask in (("prog", state == 2), ("ne", state == 3))
    }
    return {"code": code, **ids, "named": prog | unevaluable}


def _new_lesions(a: Assessments) -> dict[str, object]:
    """Unequivocal new lesions per assessment; an equivocal one later confirmed counts from its first scan."""
    n_a = len(a.a_subj)
    tr = a.tr
    rows = a.equals("TRGRPID", "NEW") & a.a_post[a.row_aid]
    if "TRSTAT" in tr.columns:
        rows &= ~a.equals("TRSTAT", "NOT DONE")
    new = pd.DataFrame(
        {
            "aid": a.row_aid[rows],
            "subj": a.a_subj[a.row_aid[rows]],
            "TRLNKID": tr["TRLNKID"].astype(str).to_numpy()[rows],
            "equivocal": a.equals("TRSTRESC", "EQUIVOCAL")[rows],
        }
    )
    flag = np.zeros(n_a, dtype=bool)
    if new.empty:
        none = np.full(n_a, "", dtype=object)
        return {"flag": flag, "uneq": none, "equiv": none, "backdated": none, "named": flag}
    new["rank"] = a.rank[new["aid"].to_numpy()]
    new["unequivocal"] = ~new["equivocal"].to_numpy()
    per = new.groupby(["subj", "TRLNKID"], sort=False).agg(
        confirmed=("unequivocal", "any"), first_rank=("rank", "min")
    )
    first_aid = a.date_order[per["first_rank"].to_numpy()]
    backdated = per["confirmed"].to_numpy() & (first_aid >= 0)
    flag[new.loc[~new["equivocal"], "aid"].to_numpy()] = True
    flag[first_aid[backdated]] = True
    eq = new["equivocal"].to_numpy()
    aids, lids = new["aid"].to_numpy(), new["TRLNKID"].to_numpy()
    uneq = join_ids(aids[~eq], lids[~eq], n_a)
    equiv = join_ids(aids[eq], lids[eq], n_a)
    bd = join_ids(first_aid[backdated], np.asarray(per.index.get_level_values(1))[backdated], n_a)
    named = np.zeros(n_a, dtype=bool)
    named[aids] = True
    return {"flag": flag, "uneq": uneq, "equiv": equiv, "backdated": bd, "named": named}


def join_ids(aids: np.ndarray, ids: np.ndarray, n: int) -> np.ndarray:
    """Per assessment (``n`` of them), the ids given for it joined as ``"T01, T02"`` (else "")."""
    out = np.full(n, "", dtype=object)
    if len(aids) == 0:
        return out
    ids = np.asarray(ids).astype(str)
    order = np.lexsort((ids, aids))
    a, i = aids[order], ids[order].astype(object)
    start = np.flatnonzero(np.r_[True, a[1:] != a[:-1]])
    joined = np.add.reduceat(i + ", ", start)
    out[a[start]] = np.array([j[:-2] for j in joined], dtype=object)
    return out


_T_TEXT = {
    NA: "no target lesion at baseline",
    CR: f"target CR: every non-nodal target 0 mm and every node < {CR_NODE_MAX_MM:g} mm",
    PD: f"target PD: sum >= {PD_MIN_INCREASE:.0%} and >= {PD_MIN_ABSOLUTE_MM:g} mm above the nadir",
    NE: "target NE: a target lesion not assessed",
    PR: f"target PR: sum >= {PR_MIN_DECREASE:.0%} below baseline",
    SD: "target SD: neither PR nor PD",
}
_NT_TEXT = {
    NA: "no non-target lesion at baseline",
    CR: "non-target CR: every non-target lesion absent",
    NON_CR_NON_PD: "non-target NON-CR/NON-PD: not all absent, none progressing",
    NE: "non-target NE: a non-target lesion not evaluated",
    PD: "non-target PD: unequivocal progression",
}


def _obj(values) -> np.ndarray:
    return np.asarray(values, dtype=object)


def _rules(rows: np.ndarray, tcode, ntcode, ocode, t: dict, nt: dict, new: dict) -> np.ndarray:
    """RULE text per assessment: one phrase per code combination, lesion ids where they matter.

    Built with array operations: the common phrases once per combination of codes, the
    assessments that name lesions (not assessed, progressing, new) by object-array
    concatenation. Numbers (sums, % changes, nadir) are in their own columns;
    ``explain_subject`` prints them.
    """
    tc = tcode[rows].astype(np.int64)
    ntc = ntcode[rows].astype(np.int64)
    oc = ocode[rows].astype(np.int64)
    n_codes = len(RESPONSES) + 1
    key = ((tc + 1) * n_codes + (ntc + 1)) * len(RESPONSES) + oc
    table = np.empty(n_codes * n_codes * len(RESPONSES), dtype=object)
    for k in np.flatnonzero(np.bincount(key, minlength=len(table))).tolist():
        t_, nt_, o_ = (
            k // (n_codes * len(RESPONSES)) - 1,
            (k // len(RESPONSES)) % n_codes - 1,
            k % len(RESPONSES),
        )
        table[k] = (
            f"{_T_TEXT[t_]}; {_NT_TEXT[nt_]}; no new lesion -> {RESPONSES[o_]} "
            f"(RECIST 1.1 Table {1 if t_ != NA else 2})"
        )
    out = table[key]
    s = np.flatnonzero((t["named"] | nt["named"] | new["named"])[rows])
    if len(s) == 0:
        return out
    named = rows[s]
    miss, prog, ne = t["missing"][named], nt["prog"][named], nt["ne"][named]
    uneq, equiv, back = new["uneq"][named], new["equiv"][named], new["backdated"][named]
    # Phrases indexed by code + 1 (NA = -1 first).
    t_text = _obj([_T_TEXT.get(c, "") for c in range(NA, NE + 1)])
    nt_text = _obj([_NT_TEXT.get(c, "") for c in range(NA, NE + 1)])
    tcs, ntcs = tc[s], ntc[s]
    tt = t_text[tcs + 1]
    m = miss
    tt = _obj(
        np.where(
            (m != "") & (tcs == NE),
            "target NE: " + m + " not assessed, the others do not show PD",
            _obj(np.where(m != "", tt + ", even without " + m + " (not assessed)", tt)),
        )
    )
    ntt = nt_text[ntcs + 1]
    p, e = prog, ne
    ntt = _obj(
        np.where(
            (ntcs == PD) & (p != ""),
            "non-target PD: unequivocal progression of " + p,
            _obj(np.where((ntcs == NE) & (e != ""), "non-target NE: " + e + " not evaluated", ntt)),
        )
    )
    u, b, q = uneq, back, equiv
    blank = np.full(len(s), "", dtype=object)
    p1 = _obj(np.where(u != "", "unequivocal new lesion " + u, blank))
    p2 = _obj(
        np.where(
            b != "", "new lesion " + b + " first seen here, confirmed later (PD dated here, §4.3.2)", blank
        )
    )
    p3 = _obj(
        np.where((q != "") & (b == ""), "equivocal new lesion " + q + " (not PD unless confirmed)", blank)
    )
    newt = p1 + _obj(np.where((p1 != "") & (p2 != ""), "; ", blank)) + p2
    newt = newt + _obj(np.where((newt != "") & (p3 != ""), "; ", blank)) + p3
    newt = _obj(np.where(newt == "", "no new lesion", newt))
    table_text = _obj(np.where(tcs != NA, " (RECIST 1.1 Table 1)", " (RECIST 1.1 Table 2)"))
    out[s] = tt + "; " + ntt + "; " + newt + " -> " + _obj(RESPONSES)[oc[s]] + table_text
    return out


def evaluate_timepoints(
    tu: pd.DataFrame, tr: pd.DataFrame, settings: RecistSettings, *, subjects: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Evaluate every post-baseline assessment of every subject by RECIST 1.1.

    Parameters
    ----------
    tu, tr
        SDTM TU and TR (project conventions in the shared data conventions). Only the accepted
        reader's rows count (:func:`~oncotrial.recist._input.select_reader`).
    settings
        :class:`~oncotrial.recist.RecistSettings`.
    subjects
        Optional table with ``USUBJID`` and ``REFSTDT`` (reference start, e.g. first dose): the
        baseline is the last assessment on or before it. Without it, the first assessment.

    Returns
    -------
    pandas.DataFrame
        One row per USUBJID x post-baseline assessment (VISITNUM), in date order, with the
        columns :data:`TIMEPOINT_COLUMNS`. ``TRGRESP``/``NTRGRESP`` are ``None`` when the
        subject had no lesion of that kind at baseline; ``RULE`` says why.

    Notes
    -----
    Target response (RECIST 1.1 §4.3.1): CR when every non-nodal target is 0 mm and every
    node < 10 mm (checked first); PD when the sum is at least 20% and 5 mm above the nadir,
    which may already show on a partial sum; NE when a target was not assessed; PR when the
    sum is at least 30% below baseline; SD otherwise. Overall response by Tables 1 and 2.

    Examples
    --------
    >>> tu = pd.DataFrame({"USUBJID": ["S1"], "TULNKID": ["T01"], "TULOC": ["LIVER"]})
    >>> tr = pd.DataFrame({"USUBJID": "S1", "TRLNKID": "T01", "TRGRPID": "TARGET", "TRTESTCD": "LDIAM",
    ...     "TRSTRESN": [40.0, 26.0], "TRSTRESC": ["40", "26"], "VISITNUM": [1, 2],
    ...     "TRDTC": ["2024-01-01", "2024-02-12"]})
    >>> s = RecistSettings(28, 35, "INVESTIGATOR", 28)
    >>> evaluate_timepoints(tu, tr, s)[["VISITNUM", "SUMDIAM", "PCHG", "OVRLRESP"]].to_dict("records")
    [{'VISITNUM': 2.0, 'SUMDIAM': 26.0, 'PCHG': -35.0, 'OVRLRESP': 'PR'}]
    """
    a, lesions = build_assessments(tu, tr, settings, subjects)
    t = _targets(a, lesions)
    nt = _non_targets(a)
    new = _new_lesions(a)
    ovr = overall_codes(t["code"], nt["code"], new["flag"])
    post = a.date_order[a.a_post[a.date_order]]
    tcode, ntcode, otext = t["code"], nt["code"], decode(ovr)
    rules = _rules(post, tcode, ntcode, ovr, t, nt, new)
    out = pd.DataFrame(
        {
            "USUBJID": np.asarray(a.subject_ids, dtype=object)[a.a_subj[post]],
            "VISITNUM": a.a_vis[post],
            "VISIT": a.a_visit[post],
            "ADT": a.dates(post),
            "ADTC": a.a_dtc[post],
            "ADTF": a.a_flag[post],
            "SUMDIAM": t["sum"][post],
            "BASE": t["base"][post],
            "CHG": t["chg"][post],
            "PCHG": t["pchg"][post],
            "NADIR": t["nadir"][post],
            "CHGNAD": t["chgnad"][post],
            "PCHGNAD": t["pchgnad"][post],
            "TRGRESP": decode(tcode[post]),
            "NTRGRESP": decode(ntcode[post]),
            "NEWLPROG": np.where(new["flag"][post], "Y", "N"),
            "OVRLRESP": otext[post],
            "RULE": rules,
        }
    )
    return out
