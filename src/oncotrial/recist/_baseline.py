"""Baseline checks (RECIST 1.1 §3.1.1, §3.2, §4.2; protocol baseline window): reported, never fixed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncotrial.recist._assessments import build_assessments
from oncotrial.recist._grid import lesion_grid
from oncotrial.recist._settings import RecistSettings
from oncotrial.recist.criteria import (
    MAX_TARGETS,
    MAX_TARGETS_PER_ORGAN,
    MIN_NODAL_TARGET_MM,
    MIN_NON_NODAL_TARGET_MM,
    NODAL_LOCATION,
)

__all__ = ["BASELINE_CHECK_COLUMNS", "check_baseline"]

#: Output columns of :func:`check_baseline`.
BASELINE_CHECK_COLUMNS = ("USUBJID", "TRLNKID", "CHECK", "VALUE", "MESSAGE")


def check_baseline(
    tu: pd.DataFrame, tr: pd.DataFrame, settings: RecistSettings, *, subjects: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Check each subject's baseline against RECIST 1.1 and the protocol; one row per problem.

    Checks (``CHECK`` codes): ``TOO_MANY_TARGETS`` (more than 5, §4.2), ``TOO_MANY_IN_ORGAN``
    (more than 2 in one ``TULOC``, every lymph node location counting as one, §4.2), ``TARGET_TOO_SMALL`` (non-nodal < 10 mm, node < 15 mm
    short axis, §3.1.1), ``TARGET_NOT_MEASURED`` (no baseline measurement), ``NO_BASELINE``
    (no assessment on or before the reference start), ``BASELINE_TOO_EARLY`` (more than the
    protocol's ``baseline_imaging_window`` before the reference start, §3.2) and
    ``UNKNOWN_LESION`` (a target or non-target record after baseline for a lesion not recorded
    at baseline, e.g. a mistyped TRLNKID). Nothing is changed: evaluation uses the data as
    recorded.

    Examples
    --------
    >>> tu = pd.DataFrame({"USUBJID": "S1", "TULNKID": ["T01", "T02"], "TULOC": ["LIVER", "LYMPH NODE"]})
    >>> tr = pd.DataFrame({"USUBJID": "S1", "TRLNKID": ["T01", "T02"], "TRGRPID": "TARGET",
    ...     "TRTESTCD": ["LDIAM", "LPERP"], "TRSTRESN": [12.0, 11.0], "TRSTRESC": ["12", "11"],
    ...     "VISITNUM": 1, "TRDTC": "2024-01-01"})
    >>> check_baseline(tu, tr, RecistSettings(28, 35, "INVESTIGATOR", 28))["MESSAGE"].tolist()
    ['node T02 has a short axis of 11 mm at baseline; a target node needs >= 15 mm (RECIST 1.1 §3.1.1)']
    """
    a, lesions = build_assessments(tu, tr, settings, subjects)
    b, grid = lesion_grid(a, "TARGET", lesions)
    _, nt_grid = lesion_grid(a, "NON-TARGET")
    ids = np.asarray(a.subject_ids, dtype=object)
    found: list[pd.DataFrame] = []
    base = pd.DataFrame(
        {"subj": b["subj"], "TRLNKID": b["id"], "value": b.get("value", []), "NODAL": b.get("nodal", [])}
    )
    base = base.merge(
        lesions.assign(subj=pd.Index(a.subject_ids).get_indexer(lesions["USUBJID"]))[
            ["subj", "TRLNKID", "TULOC"]
        ].astype({"TRLNKID": str}),
        on=["subj", "TRLNKID"],
        how="left",
    )
    base["USUBJID"] = ids[base["subj"].to_numpy()]

    def add(frame: pd.DataFrame, check: str, value, message) -> None:
        if len(frame):
            found.append(
                pd.DataFrame(
                    {
                        "USUBJID": frame["USUBJID"].to_numpy(),
                        "TRLNKID": frame["TRLNKID"].to_numpy() if "TRLNKID" in frame else None,
                        "CHECK": check,
                        "VALUE": value,
                        "MESSAGE": message,
                    }
                )
            )

    n = base.groupby("USUBJID", sort=False).size()
    over = n[n > MAX_TARGETS]
    add(
        pd.DataFrame({"USUBJID": over.index, "TRLNKID": None}),
        "TOO_MANY_TARGETS",
        over.to_numpy(),
        [f"{k} target lesions at baseline; at most {MAX_TARGETS} (RECIST 1.1 §4.2)" for k in over],
    )
    # Every lymph node location (LYMPH NODE, PELVIC LYMPH NODE, ...) is one organ.
    organ = base["TULOC"].where(~base["NODAL"].astype(bool), NODAL_LOCATION)
    per_organ = base.assign(TULOC=organ).groupby(["USUBJID", "TULOC"], sort=False).size()
    over = per_organ[per_organ > MAX_TARGETS_PER_ORGAN].reset_index(name="n")
    add(
        over.assign(TRLNKID=None),
        "TOO_MANY_IN_ORGAN",
        over["n"].to_numpy(),
        [
            f"{k} target lesions in {loc}; at most {MAX_TARGETS_PER_ORGAN} per organ (RECIST 1.1 §4.2)"
            for k, loc in zip(over["n"], over["TULOC"], strict=True)
        ],
    )
    unmeasured = base[base["value"].isna()]
    add(
        unmeasured,
        "TARGET_NOT_MEASURED",
        None,
        [f"target {i} has no baseline measurement" for i in unmeasured["TRLNKID"]],
    )
    nodal = base["NODAL"].to_numpy(bool)
    small = base[
        (nodal & (base["value"] < MIN_NODAL_TARGET_MM)) | (~nodal & (base["value"] < MIN_NON_NODAL_TARGET_MM))
    ]
    add(
        small,
        "TARGET_TOO_SMALL",
        small["value"].to_numpy(),
        [
            f"node {i} has a short axis of {v:g} mm at baseline; a target node needs >= {MIN_NODAL_TARGET_MM:g} mm (RECIST 1.1 §3.1.1)"
            if nd
            else f"target {i} measures {v:g} mm at baseline; a measurable lesion needs >= {MIN_NON_NODAL_TARGET_MM:g} mm (RECIST 1.1 §3.1.1)"
            for i, v, nd in zip(small["TRLNKID"], small["value"], small["NODAL"], strict=True)
        ],
    )
    ref = a.subject_ref_day
    known = ref != np.iinfo(np.int64).max
    no_base = np.flatnonzero(known & (a.base_aid < 0))
    add(
        pd.DataFrame({"USUBJID": ids[no_base], "TRLNKID": None}),
        "NO_BASELINE",
        None,
        ["no tumour assessment on or before the reference start"] * len(no_base),
    )
    has = np.flatnonzero(known & (a.base_aid >= 0))
    gap = ref[has] - a.a_day[a.base_aid[has]]
    late = has[gap > settings.baseline_window_days]
    gap = gap[gap > settings.baseline_window_days]
    add(
        pd.DataFrame({"USUBJID": ids[late], "TRLNKID": None}),
        "BASELINE_TOO_EARLY",
        gap,
        [
            f"baseline scan {g} days before the reference start; at most {settings.baseline_window_days} (protocol schedule.baseline_imaging_window)"
            for g in gap
        ],
    )
    for group, g in (("TARGET", grid), ("NON-TARGET", nt_grid)):
        rows = g["unknown_rows"]
        if len(rows):
            rec = a.tr.iloc[rows]
            lesion_ids = rec["TRLNKID"].astype(str).to_numpy()
            visits = rec["VISITNUM"].to_numpy()
            add(
                pd.DataFrame({"USUBJID": rec["USUBJID"].to_numpy(), "TRLNKID": lesion_ids}),
                "UNKNOWN_LESION",
                visits,
                [
                    f"{group.lower()} lesion {i} at VISITNUM {v:g} was not recorded at baseline; it is not evaluated"
                    for i, v in zip(lesion_ids, visits, strict=True)
                ],
            )
    if not found:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in BASELINE_CHECK_COLUMNS})
    return pd.concat(found, ignore_index=True)[list(BASELINE_CHECK_COLUMNS)]
