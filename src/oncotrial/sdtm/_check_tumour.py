"""Checks of the tumour domains (TU, TR, RS): what the RECIST engine and ADRS read."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from oncotrial.sdtm._check_rules import Table, check_duplicates, check_terms
from oncotrial.sdtm._findings import Findings
from oncotrial.sdtm._vocabulary import Match, vocabulary

__all__ = ["Choices", "check_rs", "check_tr", "check_tu"]

_STATE_TEST = "TUMSTATE"
_MEASURES = ("DIAMETER", "LDIAM", "LPERP")
_SUM_TEST = "SUMDIAM"
# A location that speaks of a node but is not one of the CDISC lymph node locations.
_NODE_WORDS = re.compile(r"\b(LYMPH|NODES?|NODAL)\b", re.IGNORECASE)


class Choices:
    """What the user chose for values the engines do not know (see docs/sdtm.md).

    ``unknown_states``: ``"stop"`` (default) or ``"ne"`` (a lesion state or target result
    the vocabulary does not list is read as not evaluable). ``unknown_responses``: ``"stop"``
    or ``"exclude"`` (a recorded overall response that is not a response is left out).
    """

    def __init__(self, unknown_states: str = "stop", unknown_responses: str = "stop") -> None:
        if unknown_states not in ("stop", "ne"):
            raise ValueError(f"unknown_states: expected 'stop' or 'ne', got {unknown_states!r}")
        if unknown_responses not in ("stop", "exclude"):
            raise ValueError(f"unknown_responses: expected 'stop' or 'exclude', got {unknown_responses!r}")
        self.unknown_states = unknown_states
        self.unknown_responses = unknown_responses


def _where(table: Table, rows: np.ndarray) -> list[str]:
    """``USUBJID VISITNUM TRLNKID`` of rows, for messages."""
    u, lesion = table.text("USUBJID"), table.text("TRLNKID")
    visit = table.df["VISITNUM"].to_numpy() if table.has("VISITNUM") else None
    out = []
    for r in rows:
        at = f" VISITNUM {visit[r]:g}" if visit is not None and visit[r] == visit[r] else ""
        out.append(f"{u[r]}{at} {lesion[r]}".rstrip())
    return out


def _closed_terms(found: Findings, table: Table, variable: str, vocab_name: str, *, blank_ok: bool = True):
    """:func:`check_terms`, and values outside the (closed) vocabulary reported as errors."""
    vocab = vocabulary(vocab_name)
    rows, match, term = check_terms(found, table, variable, vocab, blank_ok=blank_ok)
    bad = rows[match == Match.UNKNOWN]
    found.rows(
        table.file,
        variable,
        bad,
        table.text(variable)[bad],
        f"not a {vocab.label}: expected {vocab.describe()}",
        "term",
    )
    return rows, match, term


def check_tu(found: Findings, tu: Table) -> None:
    """Lesion ids, groups, nodal locations, evaluators; one record per lesion and reader."""
    blank = np.flatnonzero(tu.is_blank("TULNKID"))
    found.rows(tu.file, "TULNKID", blank, [""] * len(blank), "empty: every lesion needs its id", "missing")
    _closed_terms(found, tu, "TUSTRESC", "lesion_group")
    check_terms(found, tu, "TUEVAL", vocabulary("evaluator"))
    _closed_terms(found, tu, "TUACPTFL", "accepted_flag")
    codes, uniques = tu.coded("TULOC")
    u_match, _ = vocabulary("nodal_location").classify_distinct(uniques)
    check_terms(found, tu, "TULOC", vocabulary("nodal_location"))
    nodeish = np.r_[
        np.array(
            [
                m == Match.OTHER and bool(_NODE_WORDS.search(str(u)))
                for u, m in zip(uniques, u_match, strict=False)
            ],
            dtype=bool,
        ),
        False,
    ]
    rows = np.flatnonzero(nodeish[codes])
    found.rows(
        tu.file,
        "TULOC",
        rows,
        tu.text("TULOC")[rows],
        "names a node but is not a CDISC lymph node location (e.g. LYMPH NODE, PELVIC LYMPH NODE): "
        "a node is measured by its short axis, so the location must say it",
        "term",
    )
    check_duplicates(found, tu, ["USUBJID", "TUEVAL", "TUEVALID", "TULNKID"], "lesion", show=("TULOC",))


def check_tr(found: Findings, tr: Table, choices: Choices) -> tuple[pd.DataFrame, list[str]]:
    """Groups, tests, states, results, units and keys of TR; returns TR with the user's choices
    applied (unknown states read as NOT EVALUABLE), repeated records counted once, and one
    note per row a choice changed."""
    notes: list[str] = []
    if not len(tr):
        return tr.df, notes
    _closed_terms(found, tr, "TRGRPID", "lesion_group", blank_ok=False)
    test_vocab = vocabulary("tumour_test")
    rows, t_match, test = check_terms(found, tr, "TRTESTCD", test_vocab, blank_ok=False)
    bad = rows[t_match == Match.UNKNOWN]
    found.rows(
        tr.file,
        "TRTESTCD",
        bad,
        test[bad],
        f"not a CDISC tumour test code; RECIST 1.1 reads {', '.join(test_vocab.values)}",
        "term",
    )
    for code in pd.unique(test[t_match == Match.KNOWN]):
        where = np.flatnonzero(test == code)
        found.rows(
            tr.file,
            "TRTESTCD",
            where[:1],
            [code],
            f"{len(where)} records of test {code} are not read by RECIST 1.1 evaluation",
            "ignored",
            warning=True,
        )
    _closed_terms(found, tr, "TRSTAT", "completion_status")
    check_terms(found, tr, "TREVAL", vocabulary("evaluator"))
    _closed_terms(found, tr, "TRACPTFL", "accepted_flag")
    is_sum = tr.equals("TRTESTCD", _SUM_TEST)
    no_link = np.flatnonzero(tr.is_blank("TRLNKID") & ~is_sum)
    found.rows(
        tr.file,
        "TRLNKID",
        no_link,
        [""] * len(no_link),
        "empty: every lesion record needs its lesion id",
        "missing",
    )
    no_date = np.flatnonzero(tr.is_blank("TRDTC"))
    found.rows(
        tr.file, "TRDTC", no_date, [""] * len(no_date), "empty: every assessment needs its date", "missing"
    )

    not_done = tr.equals("TRSTAT", "NOT DONE")
    is_state = tr.equals("TRTESTCD", _STATE_TEST)
    states = None  # TRSTRESC as changed by a choice, copied only when one applies
    for grp, name in (("NON-TARGET", "non_target_state"), ("NEW", "new_lesion_state")):
        in_group = tr.equals("TRGRPID", grp)
        vocab = vocabulary(name)
        pos, match, _ = check_terms(
            found, tr, "TRSTRESC", vocab, rows=np.flatnonzero(in_group & is_state & ~not_done)
        )
        unknown = pos[(match == Match.UNKNOWN) | ((match == Match.BLANK) & (grp == "NEW"))]
        _unknown_values(found, tr, unknown, vocab.label, vocab.describe(), choices, notes, "state")
        if choices.unknown_states == "ne" and len(unknown):
            states = tr.text("TRSTRESC").copy() if states is None else states
            states[unknown] = "NOT EVALUABLE"
        # A non-target or new lesion is read from its state: measurements alone say nothing.
        _state_needed(found, tr, in_group, is_state, grp)
    measured = tr.equals("TRGRPID", "TARGET") & np.isin(
        tr.coded("TRTESTCD")[0], _codes_of(tr, "TRTESTCD", _MEASURES)
    )
    value = pd.to_numeric(tr.df["TRSTRESN"], errors="coerce").to_numpy(float)
    negative = np.flatnonzero(measured & (value < 0))
    found.rows(tr.file, "TRSTRESN", negative, value[negative], "a diameter cannot be negative", "range")
    text = tr.text("TRSTRESC")
    no_value = np.flatnonzero(measured & np.isnan(value) & ~not_done & ~tr.is_blank("TRSTRESC"))
    numeric = pd.to_numeric(pd.Series(text[no_value], dtype=object), errors="coerce").notna().to_numpy()
    found.rows(
        tr.file,
        "TRSTRESN",
        no_value[numeric],
        text[no_value[numeric]],
        "empty, but TRSTRESC holds a number: the engine reads TRSTRESN",
        "missing",
    )
    vocab = vocabulary("target_result_text")
    pos, match, _ = check_terms(found, tr, "TRSTRESC", vocab, rows=no_value[~numeric])
    unknown = pos[match == Match.UNKNOWN]
    _unknown_values(found, tr, unknown, vocab.label, vocab.describe(), choices, notes, "result")
    if choices.unknown_states == "ne" and len(unknown):
        states = tr.text("TRSTRESC").copy() if states is None else states
        states[unknown] = "NOT EVALUABLE"
    pos, match, _ = check_terms(
        found,
        tr,
        "TRSTRESU",
        vocabulary("measurement_unit"),
        rows=np.flatnonzero(measured & ~np.isnan(value)),
    )
    wrong = pos[match == Match.UNKNOWN]
    found.rows(
        tr.file,
        "TRSTRESU",
        wrong,
        tr.text("TRSTRESU")[wrong],
        "lesion measurements must be in mm (TRSTRESN in standard units)",
        "unit",
    )
    no_unit = pos[match == Match.BLANK]
    if len(no_unit):
        found.rows(
            tr.file,
            "TRSTRESU",
            no_unit[:1],
            [""],
            f"{len(no_unit)} measurements have no unit; they are read as mm",
            "unit",
            warning=True,
        )
    out = tr.df
    if states is not None:
        out = out.copy()
        out["TRSTRESC"] = states
    repeated = check_duplicates(
        found,
        tr,
        ["USUBJID", "TREVAL", "TREVALID", "TRLNKID", "TRTESTCD", "VISITNUM"],
        "tumour",
        show=("TRDTC", "TRSTRESC"),
    )
    if len(repeated):
        out = out.drop(index=out.index[repeated])
    return out, notes


def _codes_of(table: Table, column: str, values: tuple[str, ...]) -> np.ndarray:
    """The codes of ``values`` among ``column``'s distinct values."""
    _, uniques = table.coded(column)
    return np.flatnonzero(np.isin(uniques, values))


def _state_needed(found: Findings, tr: Table, in_group: np.ndarray, is_state: np.ndarray, group: str) -> None:
    """A lesion of ``group`` measured at an assessment without a TUMSTATE record there is an error."""
    measured = np.flatnonzero(in_group & ~is_state)
    if not len(measured):
        return
    key = [k for k in ("USUBJID", "TREVAL", "TREVALID", "TRLNKID", "VISITNUM") if tr.has(k)]
    have = tr.df.loc[in_group & is_state, key].drop_duplicates()
    rec = tr.df.iloc[measured][key].reset_index(drop=True).merge(have, on=key, how="left", indicator=True)
    lacking = measured[(rec["_merge"] == "left_only").to_numpy()]
    test = tr.text("TRTESTCD")
    found.rows(
        tr.file,
        "TRTESTCD",
        lacking,
        test[lacking],
        [
            f"{w}: a {group.lower()} lesion measured without a state (TUMSTATE) record at this "
            f"assessment; RECIST reads it by its state"
            for w in _where(tr, lacking)
        ],
        "missing",
    )
    rest = np.setdiff1d(measured, lacking)
    if len(rest):
        found.rows(
            tr.file,
            "TRTESTCD",
            rest[:1],
            test[rest[:1]],
            f"{len(rest)} measurement records of {group.lower()} lesions are not read "
            "(their state records are)",
            "ignored",
            warning=True,
        )


def _unknown_values(
    found: Findings,
    tr: Table,
    rows: np.ndarray,
    label: str,
    accepted: str,
    choices: Choices,
    notes: list[str],
    what: str,
) -> None:
    """Report values outside a closed vocabulary: an error, or by the user's choice a warning and a note per row."""
    if not len(rows):
        return
    values = tr.text("TRSTRESC")[rows]
    where = _where(tr, rows)
    if choices.unknown_states == "ne":
        found.rows(
            tr.file,
            "TRSTRESC",
            rows,
            values,
            [
                f"{w}: {v!r} is not a {label}; read as NOT EVALUABLE (--unknown-states ne)"
                for w, v in zip(where, values, strict=True)
            ],
            "choice",
            warning=True,
        )
        notes.extend(
            f"{tr.file} row {r}: {w}: TRSTRESC {v!r} is not a {label}; read as not evaluable by the user's choice"
            for r, w, v in zip(rows, where, values, strict=True)
        )
        return
    found.rows(
        tr.file,
        "TRSTRESC",
        rows,
        values,
        [
            f"{w}: {v!r} is not a {label} ({accepted}); fix the data, or choose --unknown-states ne "
            f"to read such a {what} as not evaluable"
            for w, v in zip(where, values, strict=True)
        ],
        "term",
    )


def check_rs(found: Findings, rs: Table, choices: Choices) -> tuple[pd.DataFrame, list[str]]:
    """Tests, evaluators and overall responses of RS; returns RS with responses as their terms
    (``NOT EVALUABLE`` as ``NE``, empty and NOT DONE as ``NE``) and, by the user's choice, records
    that are not responses left out (one note each)."""
    notes: list[str] = []
    if not len(rs):
        return rs.df, notes
    test_vocab = vocabulary("response_test")
    rows, match, test = check_terms(found, rs, "RSTESTCD", test_vocab, blank_ok=False)
    bad = rows[match == Match.UNKNOWN]
    found.rows(rs.file, "RSTESTCD", bad, test[bad], "not a CDISC oncology response test code", "term")
    check_terms(found, rs, "RSEVAL", vocabulary("evaluator"))
    _closed_terms(found, rs, "RSACPTFL", "accepted_flag")
    _closed_terms(found, rs, "RSSTAT", "completion_status")
    ovr = np.flatnonzero(rs.equals("RSTESTCD", "OVRLRESP"))
    vocab = vocabulary("overall_response")
    pos, match, term = check_terms(found, rs, "RSSTRESC", vocab, rows=ovr)
    not_done = rs.equals("RSSTAT", "NOT DONE")[pos]
    term = np.where((match == Match.BLANK) & not_done, "NE", term)
    unknown = (match == Match.UNKNOWN) | ((match == Match.BLANK) & ~not_done)
    bad = pos[unknown]
    values = rs.text("RSSTRESC")[bad]
    where = [
        f"{u} on {d or 'no date'}" + (f" ({v})" if v else "")
        for u, d, v in zip(rs.text("USUBJID")[bad], rs.text("RSDTC")[bad], rs.text("VISIT")[bad], strict=True)
    ]
    no_date = pos[~unknown & rs.is_blank("RSDTC")[pos]]
    found.rows(
        rs.file,
        "RSDTC",
        no_date,
        [""] * len(no_date),
        "empty: every overall response needs its date",
        "missing",
    )
    if choices.unknown_responses == "exclude":
        found.rows(
            rs.file,
            "RSSTRESC",
            bad,
            values,
            [
                f"{w}: {v!r} is not an overall response; left out (--unknown-responses exclude)"
                for w, v in zip(where, values, strict=True)
            ],
            "choice",
            warning=True,
        )
        notes.extend(
            f"{rs.file} row {r}: {w}: RSSTRESC {v!r} is not an overall response; left out by the user's choice"
            for r, w, v in zip(bad, where, values, strict=True)
        )
    else:
        found.rows(
            rs.file,
            "RSSTRESC",
            bad,
            values,
            [
                f"{w}: {v!r} is not an overall response ({vocab.describe()}); fix the data, or choose "
                "--unknown-responses exclude to leave such records out"
                for w, v in zip(where, values, strict=True)
            ],
            "term",
        )
    out = rs.df
    current = rs.text("RSSTRESC")[pos]
    if (term[~unknown] != current[~unknown]).any():
        stresc = rs.text("RSSTRESC").copy()
        stresc[pos[~unknown]] = term[~unknown]
        out = out.copy()
        out["RSSTRESC"] = stresc
    repeated = check_duplicates(
        found,
        rs,
        ["USUBJID", "RSEVAL", "RSEVALID", "RSTESTCD", "VISITNUM"],
        "overall response",
        show=("RSDTC", "RSSTRESC"),
        rows=ovr,
    )
    gone = np.union1d(repeated, bad) if choices.unknown_responses == "exclude" else repeated
    if len(gone):
        out = out.drop(index=out.index[gone])
    return out, notes
