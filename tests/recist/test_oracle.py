"""Property tests: the vectorized engine agrees with the per-subject oracle (tests/recist/oracle.py)."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from oncotrial.recist import best_overall_response, evaluate_timepoints

from .conftest import build, load_oracle

ORACLE = load_oracle()
TARGET_VALUES = st.sampled_from([None, 0.0, 4.0, 8.0, 9.9, 10.0, 12.0, 15.0, 20.0, 25.0, 31.5, 40.0])
NT_STATES = st.sampled_from(["ABSENT", "PRESENT", "UNEQUIVOCAL PROGRESSION", "NOT EVALUABLE", None])
NEW_STATES = st.sampled_from([None, None, None, "EQUIVOCAL", "UNEQUIVOCAL"])


@st.composite
def subject(draw, usubjid):
    n_t = draw(st.integers(0, 3))
    n_nt = draw(st.integers(0, 2))
    lesions = {f"T0{i + 1}": draw(st.sampled_from(["LIVER", "LUNG", "LYMPH NODE"])) for i in range(n_t)}
    lesions |= {f"NT0{i + 1}": "BONE" for i in range(n_nt)}
    n_visits = draw(st.integers(1, 6))
    day = 0
    visits = []
    start = pd.Timestamp("2024-01-01")
    for v in range(n_visits):
        if v:
            day += draw(st.sampled_from([0, 14, 21, 28, 35, 42]))
        values = {}
        for lid in lesions:
            if lid.startswith("NT"):
                values[lid] = draw(NT_STATES) if v else "PRESENT"
            else:
                values[lid] = draw(TARGET_VALUES) if v else draw(st.sampled_from([12.0, 20.0, 40.0]))
        new = draw(NEW_STATES) if v else None
        if new:
            values["N01"] = new
        dtc = (start + pd.Timedelta(days=day)).strftime("%Y-%m-%d")
        if v and draw(st.integers(0, 9)) == 0:
            dtc = dtc[:7]
        visits.append((dtc, values))
    tu, tr = build(lesions, visits, usubjid=usubjid)
    nact = draw(st.sampled_from([None, None, 60, 120]))
    subj = {
        "USUBJID": usubjid,
        "REFSTDT": start,
        "NACTDT": start + pd.Timedelta(days=nact) if nact else pd.NaT,
    }
    return tu, tr, subj


@st.composite
def trials(draw):
    parts = [draw(subject(f"S{i}")) for i in range(draw(st.integers(1, 4)))]
    tu = pd.concat([p[0] for p in parts], ignore_index=True)
    with warnings.catch_warnings():  # all-None columns in some parts; dtypes do not matter here
        warnings.simplefilter("ignore", FutureWarning)
        tr = pd.concat([p[1] for p in parts if len(p[1])] or [parts[0][1]], ignore_index=True)
    return tu, tr, pd.DataFrame([p[2] for p in parts])


def _same(a: pd.Series, b: pd.Series) -> bool:
    a = a.astype(object).where(a.notna(), None).tolist()
    b = b.astype(object).where(b.notna(), None).tolist()
    return all(
        (x is None and y is None) or (x is not None and y is not None and np.isclose(x, y))
        for x, y in zip(a, b, strict=True)
    )


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=trials(), max_ne=st.sampled_from([None, 0, 1]))
def test_engine_agrees_with_the_per_subject_oracle(data, max_ne, settings):
    tu, tr, subjects = data
    chosen = dataclasses.replace(settings, max_ne_between=max_ne)
    ours = evaluate_timepoints(tu, tr, chosen, subjects=subjects)
    theirs = ORACLE.oracle_timepoints(tu, tr, chosen, subjects=subjects)
    assert len(ours) == len(theirs)
    if len(ours):
        key = ["USUBJID", "VISITNUM"]
        ours_s = ours.sort_values(key).reset_index(drop=True)
        theirs_s = theirs.sort_values(key).reset_index(drop=True)
        for col in ("ADT", "TRGRESP", "NTRGRESP", "NEWLPROG", "OVRLRESP"):
            assert (
                ours_s[col].astype(object).where(ours_s[col].notna(), None).tolist()
                == theirs_s[col].astype(object).where(theirs_s[col].notna(), None).tolist()
            ), col
        for col in ("SUMDIAM", "BASE", "NADIR"):
            assert _same(ours_s[col], theirs_s[col]), col
    b_ours = best_overall_response(ours, subjects, chosen).set_index("USUBJID")
    b_theirs = ORACLE.oracle_best(ours, subjects, chosen).set_index("USUBJID").loc[b_ours.index]
    assert b_ours["BOR"].tolist() == b_theirs["BOR"].tolist()
    assert b_ours["CBOR"].tolist() == b_theirs["CBOR"].tolist()
    for col in ("BORDT", "CBORDT", "FRSPDT", "PDDT", "LSTADT"):
        mine = [None if pd.isna(x) else x.date() for x in b_ours[col]]
        assert mine == b_theirs[col].tolist(), col


RESPONSES = st.sampled_from(["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"])


@hsettings(max_examples=300, deadline=None)
@given(
    seqs=st.lists(st.lists(st.tuples(st.integers(0, 200), RESPONSES), max_size=8), min_size=1, max_size=5),
    max_ne=st.sampled_from([None, 0, 1, 2]),
    confirm=st.integers(0, 60),
    sd_min=st.integers(0, 70),
)
def test_best_response_agrees_with_the_oracle_on_any_sequence(seqs, max_ne, confirm, sd_min, settings):
    start = pd.Timestamp("2024-01-01")
    rows = [
        {"USUBJID": f"S{i}", "ADT": start + pd.Timedelta(days=d), "OVRLRESP": r}
        for i, seq in enumerate(seqs)
        for d, r in seq
    ]
    tp = pd.DataFrame(rows, columns=["USUBJID", "ADT", "OVRLRESP"])
    subjects = pd.DataFrame({"USUBJID": [f"S{i}" for i in range(len(seqs))], "REFSTDT": start})
    chosen = dataclasses.replace(
        settings, max_ne_between=max_ne, confirmation_min_days=confirm, sd_min_days=sd_min
    )
    ours = best_overall_response(tp, subjects, chosen)
    theirs = ORACLE.oracle_best(tp, subjects, chosen)
    for col in ("BOR", "CBOR"):
        assert ours[col].tolist() == theirs[col].tolist(), col
    for col in ("BORDT", "CBORDT", "FRSPDT", "PDDT", "LSTADT"):
        assert [None if pd.isna(x) else x.date() for x in ours[col]] == theirs[col].tolist(), col
