"""Adverse events summarised by each patient's worst grade (ADAE, safety set)."""

from __future__ import annotations

import pandas as pd

from oncotrial.analysis._datasets import population_ids, require_columns, yes
from oncotrial.analysis._disposition import count_rows
from oncotrial.analysis._results import AeSummary, AeTermRow
from oncotrial.protocol import Protocol

__all__ = ["RELATED_TERMS", "compute_ae_summary"]

#: AEREL values read as "related to study treatment" (Y/N as this project writes it,
#: and the causality scales found in imported SDTM).
RELATED_TERMS = frozenset(
    {"Y", "RELATED", "POSSIBLE", "PROBABLE", "DEFINITE", "POSSIBLY RELATED", "PROBABLY RELATED"}
)
_GRADE_COLUMNS = ("ATOXGRN", "ATOXGR", "AETOXGR")
_SEVERITY = {"MILD": 1, "MODERATE": 2, "SEVERE": 3}


def compute_ae_summary(
    adae: pd.DataFrame, *, adsl: pd.DataFrame, protocol: Protocol, top_terms: int = 15
) -> AeSummary:
    """Treatment-emergent AEs in the safety set by worst CTCAE grade, plus the commonest terms.

    Rows with ``TRTEMFL = "Y"`` count when the flag is present (every row otherwise).
    The grade is read from ``ATOXGRN``, ``ATOXGR`` or ``AETOXGR``; data that record only
    ``AESEV`` (``AESEV`` alone, or ``ATOXGRS = "AESEV"``) are summarised by worst severity
    (MILD, MODERATE, SEVERE) instead, and the grade 3 or higher count is then the SEVERE count.
    """
    pop = protocol.population("SAF")
    subjects = population_ids(adsl, pop.flag)
    n = len(subjects)
    require_columns(adae, "ADAE", ["USUBJID"])
    ae = adae[adae["USUBJID"].astype(str).isin(subjects)]
    if "TRTEMFL" in ae.columns:
        ae = ae[yes(ae["TRTEMFL"])]
    grade, labels, scale = _grades(ae)
    ae = ae.assign(_GRADE=grade)
    worst = ae.groupby(ae["USUBJID"].astype(str))["_GRADE"].max()
    worst_label = worst.map(lambda g: labels.get(int(g), "NOT RECORDED") if pd.notna(g) else "NOT RECORDED")
    subjects_any = ae["USUBJID"].astype(str).unique()
    serious = ae[yes(ae["AESER"])] if "AESER" in ae.columns else ae.iloc[0:0]
    related = (
        ae[ae["AEREL"].astype("string").str.strip().str.upper().isin(RELATED_TERMS).fillna(False)]
        if "AEREL" in ae.columns
        else ae.iloc[0:0]
    )
    fatal_mask = ae["_GRADE"].eq(5)
    if "AEOUT" in ae.columns:
        fatal_mask |= ae["AEOUT"].astype("string").str.upper().eq("FATAL").fillna(False)
    term_col = "AEDECOD" if "AEDECOD" in ae.columns else "AETERM"
    terms: tuple[AeTermRow, ...] = ()
    if term_col in ae.columns and len(ae):
        per_term = ae.groupby(ae[term_col].astype(str))
        any_n = per_term["USUBJID"].nunique()
        g3_n = ae[ae["_GRADE"].ge(3)].groupby(ae[term_col].astype(str))["USUBJID"].nunique()
        table = pd.DataFrame({"any": any_n, "g3": g3_n}).fillna(0).astype(int)
        table = table.sort_values(["any", "g3"], ascending=False, kind="stable").head(top_terms)
        terms = tuple(
            AeTermRow(term=t, n_any=int(r["any"]), n_grade3plus=int(r["g3"])) for t, r in table.iterrows()
        )
    order = [labels[g] for g in sorted(labels)] + ["NOT RECORDED"]
    return AeSummary(
        population=pop.code,
        scale=scale,
        n=n,
        n_any=len(subjects_any),
        worst_grade=count_rows(worst_label, n, order),
        n_grade3plus=int(worst.ge(3).sum()),
        n_serious=int(serious["USUBJID"].nunique()),
        n_related=int(related["USUBJID"].nunique()),
        n_fatal=int(ae.loc[fatal_mask, "USUBJID"].nunique()),
        terms=terms,
    )


def _grades(ae: pd.DataFrame) -> tuple[pd.Series, dict[int, str], str]:
    """Numeric grade per row, the label of each grade value, and the scale's name.

    ADAE's ``ATOXGRS = "AESEV"`` says that ``ATOXGRN`` holds the severity (1-3), not a grade.
    """
    severity_labels = {v: k.capitalize() for k, v in _SEVERITY.items()}
    for column in _GRADE_COLUMNS:
        if column in ae.columns:
            grade = pd.to_numeric(ae[column], errors="coerce")
            if "ATOXGRS" in ae.columns and ae["ATOXGRS"].astype(str).eq("AESEV").any():
                return grade, severity_labels, "severity"
            return grade, {g: f"Grade {g}" for g in range(1, 6)}, "CTCAE grade"
    if "AESEV" in ae.columns:
        grade = ae["AESEV"].astype("string").str.strip().str.upper().map(_SEVERITY)
        return pd.to_numeric(grade, errors="coerce"), severity_labels, "severity"
    return pd.Series(float("nan"), index=ae.index), {}, "CTCAE grade"
