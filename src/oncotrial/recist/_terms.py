"""The controlled terms the engine reads, from :mod:`oncotrial.sdtm`'s vocabulary, as integer codes.

The engine accepts every spelling the vocabulary lists (CDISC's ``UNEQUIVOCAL`` as RECIST's
``UNEQUIVOCAL PROGRESSION``, ``NE`` as ``NOT EVALUABLE``) and refuses anything else with the
rows named: a value it does not know is never read as "not evaluated".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncotrial.errors import Problem, ValidationFailed
from oncotrial.sdtm import Match, Vocabulary, vocabulary

__all__ = [
    "MEASURE_TESTS",
    "NEW_STATE",
    "NT_STATE",
    "STATE_TEST",
    "SUM_TEST",
    "is_nodal",
    "measure_codes",
    "state_codes",
    "target_text_codes",
]

#: TRTESTCD of a lesion's state (non-target and new lesions).
STATE_TEST = "TUMSTATE"
#: TRTESTCD of a collected sum of diameters: compared with the computed sum, never a lesion.
SUM_TEST = "SUMDIAM"
#: TRTESTCD of a target measurement, by code: DIAMETER is the measurement the criteria call
#: for (long axis, short axis of a node); without it, LPERP (short axis) for a node and LDIAM
#: (longest diameter) for any other lesion.
MEASURE_TESTS = {"LPERP": 1, "LDIAM": 2, "DIAMETER": 3}
#: Non-target states by code; 3 is "not evaluated" (also a record NOT DONE or without a state).
NT_STATE = {"ABSENT": 0, "PRESENT": 1, "UNEQUIVOCAL PROGRESSION": 2, "NOT EVALUABLE": 3}
#: New-lesion states by code: 2 unequivocal, 1 equivocal, 0 no new lesion or not evaluated.
NEW_STATE = {"ABSENT": 0, "NOT EVALUABLE": 0, "EQUIVOCAL": 1, "UNEQUIVOCAL": 2}
#: A target result given as text instead of a number: merged (0 mm) or not evaluated.
_TARGET_TEXT = {"MERGED": 1, "NOT EVALUABLE": 0}


def _refuse(vocab: Vocabulary, tr: pd.DataFrame, rows: np.ndarray, bad: np.ndarray, what: str) -> None:
    """Raise naming the first rows (USUBJID, VISITNUM, TRLNKID, value) whose text is not a term."""
    rows = rows[bad]
    rec = tr.iloc[rows[:10]]
    problems = []
    for (_, r), row in zip(rec.iterrows(), rows[:10], strict=True):
        value = r["TRSTRESC"]
        hint = vocab.suggestion(value) if isinstance(value, str) and value else None
        near = f"; did you mean {hint!r}?" if hint else ""
        problems.append(
            Problem(
                ("TR", "TRSTRESC", int(row)),
                f"{r['USUBJID']} VISITNUM {r['VISITNUM']} {r['TRLNKID']}: {value!r} is not a {what} "
                f"({vocab.describe()}){near}; `oncotrial sdtm check` lists every such row",
                "term",
                value,
            )
        )
    if len(rows) > 10:
        problems.append(Problem(("TR", "TRSTRESC"), f"... and {len(rows) - 10} more rows", "term"))
    raise ValidationFailed(problems)


def state_codes(
    tr: pd.DataFrame, rows: np.ndarray, name: str, codes: dict[str, int], blank: int | None
) -> np.ndarray:
    """Code of each row's ``TRSTRESC`` by the vocabulary ``name``; ``blank`` for an empty one
    (``None``: an empty state is refused too)."""
    vocab = vocabulary(name)
    match, term = vocab.classify(tr["TRSTRESC"].to_numpy(dtype=object)[rows])
    bad = match != Match.TERM
    if blank is not None:
        bad &= match != Match.BLANK
    if bad.any():
        _refuse(vocab, tr, rows, bad, vocab.label)
    out = np.full(len(rows), -1 if blank is None else blank, dtype=np.int8)
    for text, code in codes.items():
        out[term == text] = code
    return out


def target_text_codes(tr: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """For target records without a number: 1 merged, 0 not evaluated (empty, NE, NOT DONE)."""
    return state_codes(tr, rows, "target_result_text", _TARGET_TEXT, 0)


def measure_codes(tests: np.ndarray) -> np.ndarray:
    """Code of each TRTESTCD by :data:`MEASURE_TESTS`; 0 for anything else."""
    out = np.zeros(len(tests), dtype=np.int8)
    for text, code in MEASURE_TESTS.items():
        out[tests == text] = code
    return out


def is_nodal(locations: pd.Series) -> np.ndarray:
    """Whether each TULOC names a lymph node (``LYMPH NODE`` or any CDISC location of a node)."""
    vocab = vocabulary("nodal_location")
    match, _ = vocab.classify(locations)
    return (match == Match.TERM) | (match == Match.KNOWN)
