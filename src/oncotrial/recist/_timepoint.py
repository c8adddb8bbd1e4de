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
        tr = tr.reset_index(drop=True)
        self.tr = tr
        subj, self.subject_ids = pd.factorize(tr["USUBJID"], sort=False)
        row_dt, row_flag = parse_dates(tr["TRDTC"], ("TR", "TRDTC"))
        row_day = row_dt.to_numpy("datetime64[ns]").astype("int64")
        nat = np.iinfo(np.int64).max
        row_day = np.where(row_dt.isna().to_numpy(), nat, row_day // _NS_PER_DAY)
        vis = pd.to_numeric(tr["VISITNUM"], errors="coerce").to_numpy(float)
        if np.isnan(vis).any():
            bad = tr.loc[np.isnan(vis), "VISITNUM"].head(5).tolist()
            raise ValidationFailed([Problem(("TR", "VISITNUM"), "must be a number", "type", v) for v in bad])
        # One assessment = one subject x VISITNUM; its date is the earliest scan date in it.
        order = np.lexsort((row_day, vis, subj))
        s_o, v_o = subj[order], vis[order]
        start = np.ones(len(order), dtype=bool)
        start[1:] = (s_o[1:] != s_o[:-1]) | (v_o[1:] != v_o[:-1])
        aid_sorted = np.cumsum(start) - 1
        self.row_aid = np.empty(len(order), dtype=np.int64)
        self.row_aid[order] = aid_sorted
        first = order[start]
        self.a_subj = subj[first]
        self.a_vis = vis[first]
        day = row_day[first]
        if (day == nat).any():
            i = first[day == nat][0]
            raise ValidationFailed(
                [
                    Problem(
                        ("TR", "TRDTC"),
                        f"{tr.at[i, 'USUBJID']} VISITNUM {tr.at[i, 'VISITNUM']}: assessment has no date",
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


def _parent_ids(ids: pd.Series) -> pd.Series:
    """Fragment ids ``T01.1``, ``T01.2`` name their parent ``T01`` (a lesion that split)."""
    codes, uniques = pd.factorize(ids)
    parents = pd.Series(uniques, dtype="object").str.replace(r"\.\d+$", "", regex=True).to_numpy()
    return pd.Series(parents[codes], index=ids.index)


def _grid(
    a: Assessments, group: str, lesions: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Baseline lesions of ``group`` crossed with each subject's post-baseline assessments.

    Returns the baseline lesion rows (subj, TRLNKID, value, NODAL) and the grid with one row
    per post-baseline assessment x baseline lesion, holding that visit's record (if any).
    For target lesions only the record of the lesion's own measure counts: the short axis
    (``LPERP``) of a node, the longest diameter (``LDIAM``) of any other lesion.
    """
    tr = a.tr
    rows = np.flatnonzero(tr["TRGRPID"].to_numpy() == group)
    aid = a.row_aid[rows]
    keep = a.a_is_base[aid] | a.a_post[aid]
    rows, aid = rows[keep], aid[keep]
    recs = pd.DataFrame(
        {
            "aid": aid,
            "subj": a.a_subj[aid],
            "base": a.a_is_base[aid],
            "TRLNKID": tr["TRLNKID"].astype(str).to_numpy()[rows],
            "TRTESTCD": tr["TRTESTCD"].to_numpy()[rows],
            "value": pd.to_numeric(tr["TRSTRESN"], errors="coerce").to_numpy(float)[rows],
            "state": tr["TRSTRESC"].to_numpy()[rows],
            "notdone": tr["TRSTAT"].eq("NOT DONE").to_numpy()[rows] if "TRSTAT" in tr.columns else False,
        }
    )
    base_ids = recs.loc[recs["base"], ["subj", "TRLNKID"]].drop_duplicates()
    if group == "TARGET":
        # Fragments of a baseline target lesion are added into it (RECIST 1.1 §4.3.1 notes).
        parent = _parent_ids(recs["TRLNKID"])
        known = pd.MultiIndex.from_frame(base_ids)
        is_frag = (~recs["base"]) & (parent != recs["TRLNKID"])
        is_frag &= pd.MultiIndex.from_arrays([recs["subj"], parent]).isin(known)
        recs["TRLNKID"] = np.where(is_frag, parent, recs["TRLNKID"])
        les = lesions.assign(subj=pd.Index(a.subject_ids).get_indexer(lesions["USUBJID"]))
        les = les.loc[les["subj"] >= 0, ["subj", "TRLNKID", "NODAL"]].astype({"TRLNKID": str})
        base_ids = base_ids.merge(les, on=["subj", "TRLNKID"], how="left")
        # A lesion without a TU row is nodal when its baseline record is a short axis.
        at_base = recs.loc[recs["base"], ["subj", "TRLNKID", "TRTESTCD"]]
        at_base = at_base.assign(lperp=at_base["TRTESTCD"].eq("LPERP"), ldiam=at_base["TRTESTCD"].eq("LDIAM"))
        tests = at_base.groupby(["subj", "TRLNKID"], sort=False)[["lperp", "ldiam"]].any()
        base_tests = tests["lperp"] & ~tests["ldiam"]
        short_only = base_tests.reindex(pd.MultiIndex.from_frame(base_ids[["subj", "TRLNKID"]])).to_numpy()
        base_ids["NODAL"] = np.where(base_ids["NODAL"].isna(), short_only, base_ids["NODAL"]).astype(bool)
        recs = recs.merge(base_ids, on=["subj", "TRLNKID"], how="inner")
        wanted = np.where(recs["NODAL"].to_numpy(), "LPERP", "LDIAM")
        merged = recs["state"].eq("MERGED").to_numpy()
        recs = recs[(recs["TRTESTCD"].to_numpy() == wanted) | merged]
        recs = recs.assign(merged=recs["state"].eq("MERGED").to_numpy())
        meas = recs.groupby(["aid", "TRLNKID"], sort=False).agg(
            value=("value", "sum"),
            nvalue=("value", "count"),
            merged=("merged", "any"),
            notdone=("notdone", "any"),
        )
        meas.loc[meas["nvalue"] == 0, "value"] = np.nan
        meas = meas.reset_index()
        base = meas.merge(recs[["aid", "subj"]].drop_duplicates(), on="aid")
        base = base_ids.merge(
            base[base["aid"].isin(np.flatnonzero(a.a_is_base))][["subj", "TRLNKID", "value"]],
            on=["subj", "TRLNKID"],
            how="left",
        )
    else:
        meas = recs.drop_duplicates(["aid", "TRLNKID"])
        base = base_ids
    meas = meas[~a.a_is_base[meas["aid"].to_numpy()]]
    post_aids = np.flatnonzero(a.a_post)
    visits = pd.DataFrame({"aid": post_aids, "subj": a.a_subj[post_aids]})
    grid = visits.merge(base.drop(columns=["value"], errors="ignore"), on="subj", how="inner")
    grid = grid.merge(meas.drop(columns=["subj"], errors="ignore"), on=["aid", "TRLNKID"], how="left")
    return base, grid


def _targets(a: Assessments, lesions: pd.DataFrame) -> dict[str, np.ndarray]:
    n_a, n_s = len(a.a_subj), len(a.subject_ids)
    base, grid = _grid(a, "TARGET", lesions)
    n_targets = np.bincount(base["subj"], minlength=n_s)
    base_sum = np.bincount(base["subj"], weights=np.nan_to_num(base["value"]), minlength=n_s)
    merged = grid["merged"].eq(True).to_numpy()
    value = np.where(merged & grid["value"].isna().to_numpy(), 0.0, grid["value"].to_numpy(float))
    measured = ~np.isnan(value) & ~grid["notdone"].eq(True).to_numpy()
    nodal = grid["NODAL"].to_numpy(bool)
    g_aid = grid["aid"].to_numpy()
    val0 = np.where(measured, value, 0.0)
    total = np.bincount(g_aid, weights=val0, minlength=n_a)
    nmiss = np.bincount(g_aid, weights=~measured, minlength=n_a).astype(int)
    visible = np.bincount(g_aid, weights=measured & ~nodal & (val0 > 0), minlength=n_a) > 0
    big_node = np.bincount(g_aid, weights=measured & nodal & (val0 >= CR_NODE_MAX_MM), minlength=n_a) > 0
    missing_ids = join_ids(g_aid[~measured], grid["TRLNKID"].to_numpy()[~measured])
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
    }


_NT_STATE = {"ABSENT": 0, "PRESENT": 1, "UNEQUIVOCAL PROGRESSION": 2}


def _non_targets(a: Assessments) -> dict[str, np.ndarray]:
    n_a, n_s = len(a.a_subj), len(a.subject_ids)
    base, grid = _grid(a, "NON-TARGET")
    n_nt = np.bincount(base["subj"], minlength=n_s)
    state = grid["state"].map(_NT_STATE).fillna(3).to_numpy(int)
    state = np.where(grid["notdone"].eq(True).to_numpy(), 3, state)
    g_aid = grid["aid"].to_numpy()
    count = np.bincount(g_aid, minlength=n_a)
    absent = np.bincount(g_aid, weights=state == 0, minlength=n_a)
    prog = np.bincount(g_aid, weights=state == 2, minlength=n_a) > 0
    unevaluable = np.bincount(g_aid, weights=state == 3, minlength=n_a) > 0
    has_nt = n_nt[a.a_subj] > 0
    code = np.select([~has_nt, prog, unevaluable, absent == count], [NA, PD, NE, CR], NON_CR_NON_PD).astype(
        np.int8
    )
    lid = grid["TRLNKID"].to_numpy()
    ids = {
        name: join_ids(g_aid[mask], lid[mask]) for name, mask in (("prog", state == 2), ("ne", state == 3))
    }
    return {"code": code, **ids}


def _new_lesions(a: Assessments) -> dict[str, object]:
    """Unequivocal new lesions per assessment; an equivocal one later confirmed counts from its first scan."""
    n_a = len(a.a_subj)
    tr = a.tr
    rows = (tr["TRGRPID"].to_numpy() == "NEW") & a.a_post[a.row_aid]
    if "TRSTAT" in tr.columns:
        rows &= ~tr["TRSTAT"].eq("NOT DONE").to_numpy()
    new = pd.DataFrame(
        {
            "aid": a.row_aid[rows],
            "subj": a.a_subj[a.row_aid[rows]],
            "TRLNKID": tr["TRLNKID"].astype(str).to_numpy()[rows],
            "equivocal": tr["TRSTRESC"].eq("EQUIVOCAL").to_numpy()[rows],
        }
    )
    flag = np.zeros(n_a, dtype=bool)
    if new.empty:
        return {"flag": flag, "uneq": {}, "equiv": {}, "backdated": {}}
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
    uneq = join_ids(aids[~eq], lids[~eq])
    equiv = join_ids(aids[eq], lids[eq])
    bd = join_ids(first_aid[backdated], np.asarray(per.index.get_level_values(1))[backdated])
    return {"flag": flag, "uneq": uneq, "equiv": equiv, "backdated": bd}


def join_ids(aids: np.ndarray, ids: np.ndarray) -> dict[int, str]:
    """``{assessment: "T01, T02"}`` for the (few) rows given, without a per-group Python call."""
    if len(aids) == 0:
        return {}
    ids = np.asarray(ids).astype(str)
    order = np.lexsort((ids, aids))
    a, i = aids[order], ids[order].astype(object)
    start = np.flatnonzero(np.r_[True, a[1:] != a[:-1]])
    joined = np.add.reduceat(i + ", ", start)
    return dict(zip(a[start].tolist(), (j[:-2] for j in joined), strict=True))


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


def _special_text(aid: int, tc: int, ntc: int, t: dict, nt: dict, new: dict) -> str:
    """The RULE template of an assessment that names lesions (not assessed, progressing, new)."""
    tt = _T_TEXT[tc]
    if aid in t["missing"]:
        miss = t["missing"][aid]
        tt = (
            f"target NE: {miss} not assessed, the others do not show PD"
            if tc == NE
            else f"{tt}, even without {miss} (not assessed)"
        )
    ntt = _NT_TEXT[ntc]
    if ntc == PD and aid in nt["prog"]:
        ntt = f"non-target PD: unequivocal progression of {nt['prog'][aid]}"
    elif ntc == NE and aid in nt["ne"]:
        ntt = f"non-target NE: {nt['ne'][aid]} not evaluated"
    parts = []
    if aid in new["uneq"]:
        parts.append(f"unequivocal new lesion {new['uneq'][aid]}")
    if aid in new["backdated"]:
        parts.append(
            f"new lesion {new['backdated'][aid]} first seen here, confirmed later (PD dated here, §4.3.2)"
        )
    if aid in new["equiv"] and aid not in new["backdated"]:
        parts.append(f"equivocal new lesion {new['equiv'][aid]} (not PD unless confirmed)")
    newt = "; ".join(parts) if parts else "no new lesion"
    return f"{tt}; {ntt}; {newt} -> {{}} (RECIST 1.1 Table {1 if tc != NA else 2})"


def _rules(rows: np.ndarray, tcode, ntcode, otext, t: dict, nt: dict, new: dict) -> np.ndarray:
    """RULE text per assessment: one phrase per code combination, lesion ids where they matter.

    Numbers (sums, % changes, nadir) are in their own columns; ``explain_subject`` prints them.
    """
    key = (tcode[rows].astype(np.int64) + 1) * 10 + (ntcode[rows].astype(np.int64) + 1)
    key = key * 10 + decode_index(otext[rows])
    uniq, inverse = np.unique(key, return_inverse=True)
    texts = []
    for k in uniq.tolist():
        tc, ntc, oc = k // 100 - 1, (k // 10) % 10 - 1, k % 10
        table = 1 if tc != NA else 2
        texts.append(
            f"{_T_TEXT[tc]}; {_NT_TEXT[ntc]}; no new lesion -> {RESPONSES[oc]} (RECIST 1.1 Table {table})"
        )
    out = np.array(texts, dtype=object)[inverse]
    special = set(t["missing"]) | set(nt["prog"]) | set(nt["ne"]) | set(new["uneq"]) | set(new["equiv"])
    special |= set(new["backdated"])
    if special:
        pos = np.full(len(tcode), -1, dtype=np.int64)
        pos[rows] = np.arange(len(rows))
        for aid in special:
            p = pos[aid]
            if p >= 0:
                out[p] = _special_text(aid, int(tcode[aid]), int(ntcode[aid]), t, nt, new).format(otext[aid])
    return out


def decode_index(text: np.ndarray) -> np.ndarray:
    """Response text to its index in RESPONSES."""
    lookup = {r: i for i, r in enumerate(RESPONSES)}
    codes, uniques = pd.factorize(text)
    return np.array([lookup[u] for u in uniques], dtype=np.int64)[codes]


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
    rules = _rules(post, tcode, ntcode, otext, t, nt, new)
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
