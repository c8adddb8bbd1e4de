"""``check_sdtm``: the gate every command that reads SDTM passes first.

It checks what the engines read (controlled terms and their case, ISO 8601 dates, keys and
duplicates, subjects against DM, required and empty domains) and returns the package with
the user's explicit choices applied, the errors that stop an analysis, and the warnings and
notes a report prints. Nothing is ever read silently as something else.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from oncotrial.errors import Problem, ValidationFailed
from oncotrial.sdtm._check_rules import Table, check_dates, check_keys, check_seq, check_subjects, check_terms
from oncotrial.sdtm._check_tumour import Choices, check_rs, check_tr, check_tu
from oncotrial.sdtm._findings import Findings
from oncotrial.sdtm._package import SdtmPackage
from oncotrial.sdtm._read import read_sdtm
from oncotrial.sdtm._specs import DOMAINS
from oncotrial.sdtm._vocabulary import Match, Vocabulary, vocabulary

__all__ = ["SdtmCheck", "check_sdtm", "load_sdtm"]

#: Domains an analysis cannot run without rows in.
_NON_EMPTY = ("DM", "EX", "DS")
#: Domains whose controlled terms depend on the row (lesion group, test): checked by their own functions.
_TUMOUR = ("TU", "TR", "RS")


@dataclass(frozen=True)
class SdtmCheck:
    """The result of :func:`check_sdtm`.

    ``package`` is the package to analyse: recorded overall responses written as their terms
    (``NOT EVALUABLE`` as ``NE``), records repeated value for value counted once, and the
    user's choices applied. ``errors`` stop every command; ``warnings`` are printed and listed
    in the report; ``notes`` name every row a choice changed, for the report; ``rows_read``
    the size of each domain as given.
    """

    package: SdtmPackage
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    notes: tuple[str, ...]
    rows_read: dict[str, int]

    @property
    def ok(self) -> bool:
        return not self.errors

    def raise_for_errors(self) -> SdtmCheck:
        """Raise :class:`~oncotrial.errors.ValidationFailed` listing every error; else return self."""
        if self.errors:
            raise ValidationFailed(list(self.errors), source=self.package.source)
        return self

    def report_lines(self) -> tuple[str, ...]:
        """The warnings for a report, one line each; the rows a choice changed are in ``notes``
        (all of them, where the warnings show the first few)."""
        return tuple(str(w) for w in self.warnings if w.code != "choice")


def load_sdtm(
    folder: str | Path,
    *,
    protocol: Any = None,
    unknown_states: str = "stop",
    unknown_responses: str = "stop",
    encoding: str | None = None,
) -> SdtmCheck:
    """Read an SDTM folder and check it (:func:`read_sdtm`, then :func:`check_sdtm`).

    Raises :class:`~oncotrial.errors.ValidationFailed` with every error; the returned check
    carries the package to analyse and the warnings.
    """
    package = read_sdtm(folder, encoding=encoding)
    return check_sdtm(
        package, protocol=protocol, unknown_states=unknown_states, unknown_responses=unknown_responses
    ).raise_for_errors()


def check_sdtm(
    package: SdtmPackage,
    *,
    protocol: Any = None,
    unknown_states: str = "stop",
    unknown_responses: str = "stop",
) -> SdtmCheck:
    """Check what the engines read in an SDTM package; nothing stored is changed.

    Parameters
    ----------
    package
        The domains (:func:`read_sdtm`, or built in memory).
    protocol
        The trial's protocol: its drugs (EX) and disposition terms (DS) are known terms too.
    unknown_states
        ``"stop"`` (default): a lesion state or target result that the vocabulary does not
        list is an error. ``"ne"``: it is read as not evaluable, and each such row is listed
        in the warnings and notes.
    unknown_responses
        ``"stop"`` (default) or ``"exclude"``: a recorded overall response (RS) that is not a
        response is an error, or is left out (as admiralonco's ``aval_resp()`` maps unknown
        values to missing) and listed.

    Returns
    -------
    SdtmCheck
        The package to analyse, errors, warnings and notes (see docs/sdtm.md for every check).

    Examples
    --------
    >>> import pandas as pd
    >>> pkg = SdtmPackage({"DM": pd.DataFrame({"USUBJID": ["S-1"], "SEX": ["f"]})})
    >>> [str(p) for p in check_sdtm(pkg).errors]
    ['EX: required domain EX has no rows', 'DS: required domain DS has no rows', "DM.SEX[0]: 'f' is not a controlled term: write 'F' (sex)"]
    """
    choices = Choices(unknown_states, unknown_responses)
    found = Findings()
    domains = dict(package.items())
    tables = {name: Table(package.file_name(name), df) for name, df in domains.items()}
    for name in _NON_EMPTY:
        if name not in domains or domains[name].empty:
            found.add(Problem((name,), f"required domain {name} has no rows", "empty_domain"))
    if "AE" not in domains:
        found.add(
            Problem(
                ("AE",),
                "no AE file: the report will say no adverse events were recorded; give an AE file "
                "(an empty one with its variables says 'none recorded')",
                "missing_domain",
            ),
            warning=True,
        )
    subjects = pd.Index(domains["DM"]["USUBJID"]) if "DM" in domains and "USUBJID" in domains["DM"] else None
    for name, table in tables.items():
        check_keys(found, table)
        check_seq(found, table, name)
        check_dates(found, table)
        if name != "DM" and subjects is not None:
            check_subjects(found, table, subjects)
        spec = DOMAINS.get(name)
        if spec is None or name in _TUMOUR:
            continue
        for var in spec.variables:
            if var.vocabulary and var.name != "DSDECOD":  # DSDECOD: with the protocol's terms, below
                _terms(found, table, var.name, vocabulary(var.vocabulary))
    notes: list[str] = []
    if "DS" in tables:
        _check_ds(found, tables["DS"], protocol)
    if "EX" in tables:
        _check_ex(found, tables["EX"], protocol)
    if "CM" in tables:
        cm = tables["CM"]
        _missing_dates(
            found,
            cm,
            "CMSTDTC",
            cm.equals("CMCAT", "SUBSEQUENT ANTI-CANCER THERAPY"),
            "a subsequent anti-cancer therapy needs its start date (it ends PFS follow-up)",
        )
    if "AE" in tables:
        blank = np.flatnonzero(tables["AE"].is_blank("AESTDTC"))
        if len(blank):
            found.rows(
                tables["AE"].file,
                "AESTDTC",
                blank,
                [""] * len(blank),
                "no start date: whether the event is treatment-emergent cannot be told",
                "missing",
                warning=True,
            )
    if "TU" in tables:
        check_tu(found, tables["TU"])
    if "TR" in tables:
        domains["TR"], tr_notes = check_tr(found, tables["TR"], choices)
        notes += tr_notes
    if "RS" in tables:
        domains["RS"], rs_notes = check_rs(found, tables["RS"], choices)
        notes += rs_notes
    checked = SdtmPackage(domains, source=package.source, files=package.files)
    rows_read = {name: len(df) for name, df in package.items()}
    return SdtmCheck(checked, tuple(found.errors), tuple(found.warnings), tuple(notes), rows_read)


def _terms(found: Findings, table: Table, variable: str, vocab: Vocabulary) -> None:
    """Near misses of any vocabulary, and values outside a closed one, are errors."""
    rows, match, _ = check_terms(found, table, variable, vocab)
    bad = rows[match == Match.UNKNOWN]
    found.rows(
        table.file,
        variable,
        bad,
        table.text(variable)[bad],
        f"not one of {list(vocab.values)} ({vocab.label})",
        "term",
    )


def _missing_dates(found: Findings, table: Table, variable: str, where: np.ndarray, why: str) -> None:
    blank = np.flatnonzero(where & table.is_blank(variable))
    found.rows(table.file, variable, blank, [""] * len(blank), why, "missing")


def _check_ds(found: Findings, ds: Table, protocol: Any) -> None:
    vocab = vocabulary("disposition_term")
    if protocol is not None:
        vocab = vocab.with_terms(
            [r.dsdecod for r in protocol.treatment_end_reasons], "the protocol's treatment_end_reasons"
        )
    _terms(found, ds, "DSDECOD", vocab)
    _missing_dates(
        found, ds, "DSSTDTC", np.ones(len(ds), dtype=bool), "every disposition event needs its date"
    )


def _check_ex(found: Findings, ex: Table, protocol: Any) -> None:
    dose = (
        pd.to_numeric(ex.df["EXDOSE"], errors="coerce").to_numpy(float) if ex.has("EXDOSE") else np.zeros(0)
    )
    negative = np.flatnonzero(dose < 0)
    found.rows(ex.file, "EXDOSE", negative, dose[negative], "a dose cannot be negative", "range")
    _missing_dates(found, ex, "EXSTDTC", np.ones(len(ex), dtype=bool), "every dose needs its date")
    if protocol is None or not ex.has("EXTRT"):
        return
    names = {d.name.casefold() for d in protocol.regimen.drugs}
    codes = {d.code for d in protocol.regimen.drugs}
    cat_codes, cats = ex.coded("EXCAT")
    trt_codes, treatments = ex.coded("EXTRT")
    ours_cat = np.r_[np.isin(cats, list(codes)), False][cat_codes]
    ours_trt = np.r_[np.array([str(t).casefold() in names for t in treatments], dtype=bool), False][trt_codes]
    ours = ours_cat | ours_trt
    for code in pd.unique(trt_codes[~ours])[:5]:
        rows = np.flatnonzero((trt_codes == code) & ~ours)
        value = treatments[code] if code >= 0 else ""
        found.rows(
            ex.file,
            "EXTRT",
            rows[:1],
            [value],
            f"{len(rows)} doses of {value!r}, which is not a drug of the protocol: they count for "
            "first and last dose, not for any drug's exposure",
            "not_protocol_drug",
            warning=True,
        )
