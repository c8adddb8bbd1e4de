"""RULE text of each timepoint: the criterion that fired and the lesions it names."""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncotrial.recist._codes import CR, NA, NE, NON_CR_NON_PD, PD, PR, RESPONSES, SD
from oncotrial.recist.criteria import CR_NODE_MAX_MM, PD_MIN_ABSOLUTE_MM, PD_MIN_INCREASE, PR_MIN_DECREASE

__all__ = ["join_ids", "timepoint_rules"]


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


def timepoint_rules(rows: np.ndarray, tcode, ntcode, ocode, t: dict, nt: dict, new: dict) -> np.ndarray:
    """RULE text per assessment: one phrase per code combination, lesion ids where they matter.

    Built with array operations: the common phrases once per combination of codes, the
    assessments that name lesions (not assessed, progressing, new) by object-array
    concatenation, once per distinct combination of codes and lesion ids. Numbers (sums, % changes, nadir) are in their own columns;
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
    s_all = np.flatnonzero((t["named"] | nt["named"] | new["named"])[rows])
    if len(s_all) == 0:
        return out
    named_all = rows[s_all]
    # Many assessments name the same lesions with the same codes: each distinct combination
    # of codes and named lesions is phrased once.
    parts = [
        key[s_all],
        *(src[named_all] for src in (t["missing"], nt["prog"], nt["ne"])),
        *(new[k][named_all] for k in ("uneq", "equiv", "backdated")),
    ]
    combo = np.zeros(len(s_all), dtype=np.int64)
    for part in parts:
        codes, uniques = pd.factorize(part)
        combo, _ = pd.factorize(combo * (len(uniques) + 1) + (codes + 1))
    _, first = np.unique(combo, return_index=True)
    s, named = s_all[first], named_all[first]
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
    text = tt + "; " + ntt + "; " + newt + " -> " + _obj(RESPONSES)[oc[s]] + table_text
    out[s_all] = text[combo]
    return out
