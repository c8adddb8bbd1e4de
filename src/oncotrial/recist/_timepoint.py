"""Per-assessment evaluation: sums, nadir, target / non-target / new and overall response.

Vectorized over all subjects: lesions and assessments become integer-keyed arrays, and
every per-subject quantity is a ``bincount`` or a grouped cumulative operation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncotrial.recist._assessments import Assessments, build_assessments
from oncotrial.recist._codes import CR, NA, NE, NON_CR_NON_PD, PD, PR, SD, decode
from oncotrial.recist._grid import lesion_grid, lesion_text
from oncotrial.recist._rules import join_ids, timepoint_rules
from oncotrial.recist._settings import RecistSettings
from oncotrial.recist._tables import overall_codes
from oncotrial.recist._terms import NEW_STATE, STATE_TEST, state_codes
from oncotrial.recist.criteria import (
    CR_NODE_MAX_MM,
    PD_MIN_ABSOLUTE_MM,
    PD_MIN_INCREASE,
    PR_MIN_DECREASE,
)

__all__ = ["TIMEPOINT_COLUMNS", "evaluate_timepoints"]

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
    "NMISS",
    "TRGRESP",
    "NTRGRESP",
    "NEWLPROG",
    "OVRLRESP",
    "RULE",
)
# Comparisons of sums are made with this tolerance (mm) so that e.g. exactly -30.0% is a PR
# whatever the floating-point rounding of the sum.
_EPS = 1e-9


def _targets(a: Assessments, lesions: pd.DataFrame) -> dict[str, np.ndarray]:
    n_a, n_s = len(a.a_subj), len(a.subject_ids)
    base, grid = lesion_grid(a, "TARGET", lesions)
    n_targets = np.bincount(base["subj"], minlength=n_s)
    base_sum = np.bincount(base["subj"], weights=np.nan_to_num(base["value"]), minlength=n_s)
    value = np.where(grid["merged"] & np.isnan(grid["value"]), 0.0, grid["value"])
    measured = ~np.isnan(value) & ~grid["notdone"]
    nodal = base["nodal"][grid["bidx"]] if len(grid["bidx"]) else np.zeros(0, dtype=bool)
    g_aid = grid["aid"]
    val0 = np.where(measured, value, 0.0)
    total = np.bincount(g_aid, weights=val0, minlength=n_a)
    nmiss = np.bincount(g_aid, weights=~measured, minlength=n_a).astype(int)
    nmeasured = np.bincount(g_aid, weights=measured, minlength=n_a)
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
    # An assessment without any target measurement (e.g. a scan that only looked for new
    # lesions) has no sum: it is not a sum of 0 mm.
    sums = np.where(has_t & (nmeasured > 0), total, np.nan)
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
        "nmiss_any": np.where(has_t, nmiss, np.nan),
        "missing": missing_ids,
        "named": nmiss > 0,
    }


def _non_targets(a: Assessments) -> dict[str, np.ndarray]:
    n_a, n_s = len(a.a_subj), len(a.subject_ids)
    base, grid = lesion_grid(a, "NON-TARGET")
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
    rows = np.flatnonzero(a.equals("TRGRPID", "NEW") & a.equals("TRTESTCD", STATE_TEST))
    rows = rows[a.a_post[a.row_aid[rows]]]
    if "TRSTAT" in tr.columns:
        rows = rows[~a.equals("TRSTAT", "NOT DONE")[rows]]
    # A new-lesion record needs its state; ABSENT and NOT EVALUABLE records show no new lesion.
    state = state_codes(tr, rows, "new_lesion_state", NEW_STATE, blank=None)
    rows, state = rows[state > 0], state[state > 0]
    new = pd.DataFrame(
        {
            "aid": a.row_aid[rows],
            "subj": a.a_subj[a.row_aid[rows]],
            "TRLNKID": lesion_text(a, rows),
            "equivocal": state == NEW_STATE["EQUIVOCAL"],
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
    rules = timepoint_rules(post, tcode, ntcode, ovr, t, nt, new)
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
            "NMISS": t["nmiss_any"][post],
            "TRGRESP": decode(tcode[post]),
            "NTRGRESP": decode(ntcode[post]),
            "NEWLPROG": np.array(["N", "Y"], dtype=object)[new["flag"][post].astype(np.int8)],
            "OVRLRESP": otext[post],
            "RULE": rules,
        }
    )
    return out
