"""The protocol's safety section: BSA, SAE reporting clocks, immune-related categories,
adverse events of special interest, and the dose-modification rules as data.

A dose rule is a small expression (the eligibility rules' language, :class:`Rule`) over the
values known when a dose is due (``oncotrial.safety.DECISION_VALUES``: day-1 labs, the
worst grade of ongoing neuropathy and of each immune-related category, the delay, the
reductions so far) and the action it calls for with one drug. The EDC evaluates them when a
dose is entered and explains the decision it expected; a dose given against them is stored
with the investigator's reason and becomes a protocol deviation with a query.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator, model_validator

from oncotrial.protocol._base import Source, _Model, _Sourced
from oncotrial.protocol._duration import Duration
from oncotrial.protocol._rules import Rule

__all__ = ["DECISION_VALUES", "DoseAction", "DoseRule", "SafetySettings", "decision_values"]


#: The values a dose rule may name, known when a dose is due (the EDC computes them; see
#: oncotrial.safety). Labs are the cycle's day-1 values (the latest within
#: ``safety.day1_lab_window`` before the dose); ``*_x_uln`` is the value over the site lab's
#: upper limit of normal. Grades are CTCAE v5.0 grades (0: none): ``*_grade`` of adverse events
#: ongoing on the dose date, ``*_since_last_dose`` of those that began after the drug's previous
#: dose (resolved or not). Besides these, each immune-related category ``c`` of
#: ``safety.irae_categories`` gives ``irae_grade_c`` (ongoing on the dose date: hold rules) and
#: ``irae_worst_grade_c`` (the worst since the drug's first dose: discontinuation rules).
DECISION_VALUES: dict[str, str] = {
    "anc_10e9_l": "day-1 absolute neutrophil count (10^9/L)",
    "platelets_10e9_l": "day-1 platelets (10^9/L)",
    "hemoglobin_g_l": "day-1 hemoglobin (g/L)",
    "wbc_10e9_l": "day-1 white blood cells (10^9/L)",
    "alt_x_uln": "day-1 ALT / ULN",
    "ast_x_uln": "day-1 AST / ULN",
    "bilirubin_x_uln": "day-1 total bilirubin / ULN",
    "creatinine_x_uln": "day-1 creatinine / ULN",
    "neuropathy_grade": "worst grade of peripheral sensory or motor neuropathy ongoing at the dose",
    "neuropathy_grade_since_last_dose": "worst neuropathy grade since the drug's previous dose",
    "febrile_neutropenia_since_last_dose": "a febrile neutropenia since the drug's previous dose (true/false)",
    "severe_neutropenia_since_last_dose": "an ANC below 0.5 x 10^9/L since the drug's previous dose (true/false)",
    "delay_days": "days the dose is later than scheduled (the drug's previous dose + cycle_length; 0 if not late)",
    "reductions": "dose reductions of this drug so far",
    "cycle": "the cycle number",
}


def decision_values(irae_categories: list[str]) -> dict[str, str]:
    """Every value a dose rule may name, with the immune-related categories' own."""
    per_category: dict[str, str] = {}
    for c in irae_categories:
        per_category[f"irae_grade_{c}"] = f"worst grade of immune-related {c} ongoing on the dose date"
        per_category[f"irae_worst_grade_{c}"] = (
            f"worst grade of immune-related {c} since the drug's first dose"
        )
    return DECISION_VALUES | per_category


class DoseAction(StrEnum):
    """What a rule calls for with one drug, from the mildest to the most severe."""

    GIVE = "give"
    REDUCE = "reduce"  # the next lower of the drug's dose_levels (none left: discontinue)
    HOLD = "hold"
    DISCONTINUE = "discontinue"

    @property
    def severity(self) -> int:
        return list(DoseAction).index(self)


class DoseRule(_Model):
    """One dose-modification rule: when ``when`` holds for ``drug``, ``action`` is expected."""

    id: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]*$", description="e.g. NABP-D1-ANC")
    drug: str = Field(pattern=r"^[A-Z0-9_]+$", description="the drug's code in regimen.drugs")
    when: Rule = Field(description="an expression over oncotrial.safety.DECISION_VALUES")
    action: DoseAction
    text: str = Field(min_length=1, description="what the rule says, as a site reads it")
    source: Source


class SafetySettings(_Sourced):
    """How safety data are collected, graded, reported and acted on."""

    bsa_formula: Literal["mosteller", "du_bois"] = Field(description="body surface area formula")
    bsa_dose_tolerance: float = Field(
        gt=0, le=0.5, description="a mg/m2 drug's recorded mg may differ from dose x BSA by this fraction"
    )
    day1_lab_window: Duration = Field(
        description="labs count as a cycle's day-1 labs up to this long before the dose"
    )
    sae_initial_report: Duration = Field(
        description="the initial SAE report is due this long after awareness"
    )
    sae_follow_up_interval: Duration = Field(
        description="a follow-up report is due this often until the SAE ends"
    )
    irae_categories: list[str] = Field(
        min_length=1, description="immune-related AE categories of the anti-PD-1"
    )
    aesi_terms: list[str] = Field(
        default_factory=list, description="CTCAE terms that are AEs of special interest"
    )
    dose_rules: list[DoseRule] = Field(default_factory=list)

    @field_validator("irae_categories")
    @classmethod
    def _categories_are_names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not name.isidentifier() or name != name.lower():
                raise ValueError(
                    f"an immune-related category is a lower-case name (it names a rule value): {name!r}"
                )
        return value

    @model_validator(mode="after")
    def _rules_name_known_values(self) -> SafetySettings:
        known = decision_values(self.irae_categories)
        ids = [r.id for r in self.dose_rules]
        if len(set(ids)) != len(ids):
            raise ValueError(f"dose rule ids must be unique, got {ids}")
        for i, rule in enumerate(self.dose_rules):
            unknown = sorted(set(rule.when.fields) - set(known))
            if unknown:
                raise ValueError(
                    f"dose_rules[{i}] ({rule.id}) names unknown value(s) {unknown}; known: {sorted(known)}"
                )
        return self
