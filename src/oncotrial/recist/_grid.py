"""Baseline lesions crossed with each subject's post-baseline assessments, as integer arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncotrial.recist._assessments import Assessments, factorize_runs
from oncotrial.recist._terms import (
    MEASURE_TESTS,
    NT_STATE,
    STATE_TEST,
    measure_codes,
    state_codes,
    target_text_codes,
)

__all__ = ["lesion_grid", "lesion_text"]

# Up to this many subject x lesion keys, baseline lesions are found with a lookup table.
_DENSE_KEYS = 5_000_000


def _lesion_codes(a: Assessments) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integer code of each TR row's TRLNKID, the ids, and each id's parent code (split lesions)."""
    if a.lesion_cache is None:
        link = a.tr["TRLNKID"].to_numpy(dtype=object)
        codes, uniques = pd.factorize(link)  # twice as fast as counting missing as a value
        a.lesion_link_missing = bool(len(codes) and codes.min() < 0)
        if a.lesion_link_missing:
            codes, uniques = pd.factorize(link, use_na_sentinel=False)
        text = pd.Index(uniques).astype(str)
        recode, ids = pd.factorize(text)
        codes = recode[codes]
        ids = pd.Index(ids)
        # Fragment ids ``T01.1``, ``T01.2`` name their parent ``T01`` (a lesion that split).
        parents = ids.get_indexer(ids.str.replace(r"\.\d+$", "", regex=True))
        a.lesion_cache = (codes, np.asarray(ids, dtype=object), parents)
    return a.lesion_cache


def lesion_text(a: Assessments, rows: np.ndarray) -> np.ndarray:
    """``TRLNKID`` of TR rows ``rows`` as text (object array), from the lesion codes."""
    codes, ids, _ = _lesion_codes(a)
    if a.lesion_link_missing:  # a missing id: text as pandas writes it
        return a.tr["TRLNKID"].astype(str).to_numpy()[rows]
    return ids[codes[rows]]


def lesion_grid(a: Assessments, group: str, lesions: pd.DataFrame | None = None) -> tuple[dict, dict]:
    """Baseline lesions of ``group`` crossed with each subject's post-baseline assessments.

    Returns the baseline lesions (arrays ``subj``, ``lesion`` code, ``id``, ``value``,
    ``nodal``, sorted by subject) and the grid: one entry per post-baseline assessment x
    baseline lesion (arrays ``aid``, ``bidx`` into the baseline lesions, and that visit's
    record: ``value``, ``merged``, ``notdone`` for targets, ``state`` for non-targets), plus
    ``unknown_rows``: TR rows after baseline of a lesion not recorded at baseline.
    For target lesions only the record of the lesion's own measure counts: ``DIAMETER`` when
    the lesion has one at baseline, else the short axis (``LPERP``) of a node and the longest
    diameter (``LDIAM``) of any other lesion. Non-target and new lesions are read from their
    ``TUMSTATE`` records.
    """
    tr = a.tr
    lcode_all, ids, parents = _lesion_codes(a)
    n_ids = max(len(ids), 1)
    # Targets are read from their measurements, other lesions from their state (TUMSTATE).
    if group == "TARGET":
        rows = np.flatnonzero(a.equals("TRGRPID", group) & ~a.equals("TRTESTCD", STATE_TEST))
    else:
        rows = np.flatnonzero(a.equals("TRGRPID", group) & a.equals("TRTESTCD", STATE_TEST))
    aid = a.row_aid[rows]
    keep = a.a_is_base[aid] | a.a_post[aid]
    rows, aid = rows[keep], aid[keep]
    subj = a.a_subj[aid].astype(np.int64)
    lc = lcode_all[rows].astype(np.int64)
    at_base = a.a_is_base[aid]
    n_keys = len(a.subject_ids) * n_ids
    dense = n_keys <= _DENSE_KEYS and (len(subj) == 0 or subj.min() >= 0)
    if dense:
        # Small key space: a table from subject x lesion key to baseline-lesion index.
        present = np.zeros(n_keys, dtype=bool)
        present[subj[at_base] * n_ids + lc[at_base]] = True
        bkeys = np.flatnonzero(present)
        index = np.where(present, np.cumsum(present) - 1, -1)
    else:
        bkeys = np.sort(subj[at_base] * n_ids + lc[at_base])
        bkeys = bkeys[np.r_[True, bkeys[1:] != bkeys[:-1]]] if len(bkeys) else bkeys
    b_subj, b_lc = bkeys // n_ids, bkeys % n_ids
    n_b = len(bkeys)

    def lookup(keys: np.ndarray) -> np.ndarray:
        """Index of each key among the baseline lesions; -1 when it is not one."""
        if n_b == 0:
            return np.full(len(keys), -1, dtype=np.int64)
        if dense:
            return index[keys]
        i = np.minimum(np.searchsorted(bkeys, keys), n_b - 1)
        return np.where(bkeys[i] == keys, i, -1)

    value = a.values()[rows]
    notdone = a.equals("TRSTAT", "NOT DONE")[rows]
    if group == "TARGET":
        # Only the target rows' measure names are needed, and a result text only where there
        # is no value (a lesion recorded as MERGED, or not evaluable).
        tests = measure_codes(tr["TRTESTCD"].to_numpy(dtype=object)[rows])
        lperp_code, ldiam_code, diameter_code = (MEASURE_TESTS[t] for t in ("LPERP", "LDIAM", "DIAMETER"))
        no_value = np.isnan(value)
        merged = np.zeros(len(rows), dtype=bool)
        merged[no_value] = target_text_codes(tr, rows[no_value]) == 1
    base = {"subj": b_subj, "lesion": b_lc, "id": ids[b_lc] if n_b else np.array([], dtype=object)}
    if group == "TARGET":
        par = parents[lc]
        frag = ~at_base & (par >= 0) & (par != lc)
        frag &= lookup(subj * n_ids + np.where(par >= 0, par, 0)) >= 0
        lc = np.where(frag, par, lc)
        bidx = lookup(subj * n_ids + lc)
        # Nodal: TU.TULOC is LYMPH NODE; without a TU row, a lesion measured by short axis only.
        # Keys of the lesion table, looked up once per distinct value.
        code, uniq = factorize_runs(lesions["USUBJID"])
        les_subj = np.r_[pd.Index(a.subject_ids).get_indexer(pd.Index(uniq, dtype=object)), -1][code]
        code, uniq = pd.factorize(lesions["TRLNKID"].to_numpy(dtype=object), use_na_sentinel=False)
        les_lc = pd.Index(ids).get_indexer(pd.Series(uniq, dtype=object).astype(str))[code]
        ok = (les_subj >= 0) & (les_lc >= 0)
        tu_idx = lookup(les_subj[ok].astype(np.int64) * n_ids + les_lc[ok])
        nodal_tu = np.full(n_b, -1, dtype=np.int8)
        nodal_tu[tu_idx[tu_idx >= 0]] = lesions["NODAL"].to_numpy(bool)[ok][tu_idx >= 0]
        bb = at_base & (bidx >= 0)
        lperp = np.bincount(bidx[bb], weights=tests[bb] == lperp_code, minlength=n_b) > 0
        ldiam = np.bincount(bidx[bb], weights=tests[bb] == ldiam_code, minlength=n_b) > 0
        diameter = np.bincount(bidx[bb], weights=tests[bb] == diameter_code, minlength=n_b) > 0
        nodal = np.where(nodal_tu >= 0, nodal_tu == 1, lperp & ~ldiam)
        # Each baseline lesion is followed by one measure throughout: DIAMETER when it was
        # recorded at baseline, else the short axis of a node and the longest diameter of others.
        measure = np.where(diameter, diameter_code, np.where(nodal, lperp_code, ldiam_code))
        wanted = measure[np.maximum(bidx, 0)] if n_b else tests
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
    # Post-baseline records of a lesion that was not recorded at baseline (reported by
    # check_baseline; they take no part in the evaluation).
    unknown = rows[(bidx < 0) & ~at_base & (a.base_aid[subj] >= 0)]
    grid = {"aid": g_aid, "bidx": g_bidx, "unknown_rows": unknown}
    if group == "TARGET":
        v, has = value[pu], ~np.isnan(value[pu])
        n_val = np.bincount(pos, weights=has, minlength=n_g)
        total = np.bincount(pos, weights=np.where(has, v, 0.0), minlength=n_g)
        grid["value"] = np.where(n_val > 0, total, np.nan)
        grid["merged"] = np.bincount(pos, weights=merged[pu], minlength=n_g) > 0
        grid["notdone"] = np.bincount(pos, weights=notdone[pu], minlength=n_g) > 0
    else:
        st = state_codes(tr, rows, "non_target_state", NT_STATE, blank=NT_STATE["NOT EVALUABLE"])
        st = np.where(notdone, NT_STATE["NOT EVALUABLE"], st)[pu]
        state = np.full(n_g, -1, dtype=np.int8)
        np.maximum.at(state, pos, st)  # several records of one lesion at one visit: the worst
        grid["state"] = np.where(state < 0, 3, state)
    return base, grid
