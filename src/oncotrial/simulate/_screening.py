"""Virtual screening: values a site would enter, judged by the protocol's own rules.

A screened patient's values are drawn as a typical eligible patient of this
population; a screen failure is made by changing the values one criterion reads
until :func:`oncotrial.protocol.evaluate_eligibility` says that criterion blocks. The
failure reasons are therefore the protocol's real criterion ids, whatever the file says.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from oncotrial.protocol import EligibilityResult, Protocol, evaluate_eligibility
from oncotrial.protocol.model import FieldType, ScreeningField

__all__ = ["screen_failure_values", "typical_values"]

# Typical values of a previously treated, fit patient with recurrent cervical cancer
# (assumption: normal-range laboratory values, no exclusion present). Fields a protocol
# declares that are not listed here get a neutral value from their type and range.
Sampler = Callable[[np.random.Generator], Any]
_TYPICAL: dict[str, Sampler] = {
    "sex": lambda g: "F",
    "histology_confirmed": lambda g: True,
    "disease_status": lambda g: "recurrent",
    "life_expectancy_weeks": lambda g: int(g.integers(16, 60)),
    "prior_anti_pd1_pdl1": lambda g: False,
    "prior_taxane_progression_6m": lambda g: False,
    "anc_10e9_l": lambda g: round(float(g.uniform(1.8, 6.5)), 1),
    "platelets_10e9_l": lambda g: float(g.integers(140, 380)),
    "hemoglobin_g_l": lambda g: float(g.integers(95, 140)),
    "bilirubin_x_uln": lambda g: round(float(g.uniform(0.3, 1.2)), 2),
    "ast_x_uln": lambda g: round(float(g.uniform(0.3, 1.8)), 2),
    "alt_x_uln": lambda g: round(float(g.uniform(0.3, 1.8)), 2),
    "creatinine_x_uln": lambda g: round(float(g.uniform(0.5, 1.2)), 2),
    "creatinine_clearance_ml_min": lambda g: float(g.integers(55, 120)),
    "active_autoimmune_disease": lambda g: False,
    "systemic_steroids": lambda g: False,
    "untreated_cns_metastases": lambda g: False,
    "neuropathy_grade": lambda g: int(g.random() < 0.25),
    "pregnant_or_breastfeeding": lambda g: False,
}


def _neutral(spec: ScreeningField) -> Any:
    if spec.type is FieldType.BOOLEAN:
        return False
    if spec.type is FieldType.CHOICE:
        return (spec.choices or [""])[0]
    low = spec.min if spec.min is not None else 0.0
    high = spec.max if spec.max is not None else low + 1.0
    mid = (low + high) / 2
    return int(mid) if spec.type is FieldType.INTEGER else mid


def typical_values(protocol: Protocol, rng: np.random.Generator, known: dict[str, Any]) -> dict[str, Any]:
    """One value per declared screening field; ``known`` (age, ECOG, lesions...) wins."""
    out: dict[str, Any] = {}
    for spec in protocol.eligibility.fields:
        if spec.type is FieldType.DATE:
            continue
        if spec.name in known:
            out[spec.name] = known[spec.name]
        elif spec.name in _TYPICAL:
            out[spec.name] = _TYPICAL[spec.name](rng)
        else:
            out[spec.name] = _neutral(spec)
    return out


def _candidates(spec: ScreeningField, current: Any) -> list[Any]:
    """Alternative values, nearest first, so a failure is the smallest change that fails."""
    if spec.type is FieldType.BOOLEAN:
        return [not current]
    if spec.type is FieldType.CHOICE:
        return [c for c in (spec.choices or []) if c != current]
    value = float(current or 0.0)
    low = spec.min if spec.min is not None else -np.inf
    high = spec.max if spec.max is not None else np.inf
    factors = np.concatenate([np.arange(0.9, 0.05, -0.1), np.arange(1.1, 3.05, 0.1)])
    points = [*(value * factors), *(value + np.arange(-3, 4)), low, high]
    if spec.type is FieldType.INTEGER:
        points = [round(p) for p in points if np.isfinite(p)]
    else:
        points = [round(float(p), 2) for p in points if np.isfinite(p)]
    unique = [p for p in dict.fromkeys(points) if low <= p <= high and p != value]
    return sorted(unique, key=lambda p: abs(p - value))


def screen_failure_values(
    protocol: Protocol, rng: np.random.Generator, values: dict[str, Any]
) -> tuple[dict[str, Any], EligibilityResult]:
    """Change the values one random criterion reads so that it blocks eligibility.

    Tries criteria in random order and, for each field the rule reads, the field's
    alternative values (other choices, the range ends, points between); returns the
    first set of values that fails, with its evaluation.
    """
    criteria = protocol.eligibility.inclusion + protocol.eligibility.exclusion
    fields = {f.name: f for f in protocol.eligibility.fields}
    for ci in rng.permutation(len(criteria)):
        criterion = criteria[int(ci)]
        names = sorted(criterion.rule.fields)
        for fi in rng.permutation(len(names)):
            name = names[int(fi)]
            for option in _candidates(fields[name], values.get(name)):
                trial = {**values, name: option}
                result = evaluate_eligibility(protocol, trial)
                if any(r.criterion.id == criterion.id for r in result.failing):
                    return trial, result
    raise AssertionError("no criterion of the protocol can be made to fail")  # pragma: no cover
