"""Evaluate a patient's screening values against the protocol's eligibility criteria.

Pure and shared: the EDC's screening form, the simulator's screening step and the
report all call :func:`evaluate_eligibility`, so a criterion means the same thing
everywhere. Values are checked against each field's declared type and range first;
a bad value is a :class:`~oncotrial.errors.ValidationFailed` naming the field.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from oncotrial.errors import Problem, ValidationFailed
from oncotrial.protocol.model import Criterion, FieldType, Protocol, ScreeningField

__all__ = ["CriterionResult", "EligibilityResult", "check_screening_values", "evaluate_eligibility"]

Outcome = Literal["met", "not met", "not evaluable"]


@dataclass(frozen=True)
class CriterionResult:
    """One criterion's outcome for one patient, with what it read."""

    criterion: Criterion
    kind: Literal["inclusion", "exclusion"]
    outcome: Outcome
    values: dict[str, Any]
    missing: list[str]

    @property
    def blocks_eligibility(self) -> bool:
        """True when this criterion makes the patient ineligible (or cannot be decided)."""
        if self.outcome == "not evaluable":
            return True
        return (self.outcome == "not met") if self.kind == "inclusion" else (self.outcome == "met")

    @property
    def explanation(self) -> str:
        shown = ", ".join(f"{k} = {v!r}" for k, v in sorted(self.values.items()))
        if self.outcome == "not evaluable":
            return f"{self.criterion.id}: missing {', '.join(self.missing)} (rule: {self.criterion.rule})"
        verdict = {
            "inclusion": {"met": "met", "not met": "NOT met"},
            "exclusion": {"met": "APPLIES (excluded)", "not met": "does not apply"},
        }
        return (
            f"{self.criterion.id} {verdict[self.kind][self.outcome]}: {shown} (rule: {self.criterion.rule})"
        )


@dataclass(frozen=True)
class EligibilityResult:
    """All criteria for one patient; ``eligible`` only if none blocks."""

    results: list[CriterionResult] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not any(r.blocks_eligibility for r in self.results)

    @property
    def failing(self) -> list[CriterionResult]:
        """The criteria that make the patient ineligible, in protocol order."""
        return [r for r in self.results if r.blocks_eligibility]

    def to_dict(self) -> dict[str, Any]:
        return {
            "eligible": self.eligible,
            "criteria": [
                {
                    "id": r.criterion.id,
                    "kind": r.kind,
                    "text": r.criterion.text,
                    "outcome": r.outcome,
                    "blocks": r.blocks_eligibility,
                    "explanation": r.explanation,
                }
                for r in self.results
            ],
        }


def check_screening_values(protocol: Protocol, values: Mapping[str, Any]) -> dict[str, Any]:
    """Coerce screening values to their declared types; raise naming every bad field.

    Unknown field names are errors too: a typo must not silently leave a criterion unevaluated.
    """
    declared = {f.name: f for f in protocol.eligibility.fields}
    problems: list[Problem] = []
    clean: dict[str, Any] = {}
    for name, value in values.items():
        if name not in declared:
            problems.append(
                Problem((name,), "is not a screening field of this protocol", "unknown_field", value)
            )
            continue
        if value is None or value == "":
            clean[name] = None
            continue
        try:
            clean[name] = _coerce(declared[name], value)
        except ValueError as exc:
            problems.append(Problem((name,), str(exc), "invalid", value))
    if problems:
        raise ValidationFailed(problems)
    return clean


def evaluate_eligibility(protocol: Protocol, values: Mapping[str, Any]) -> EligibilityResult:
    """Evaluate every inclusion and exclusion criterion.

    >>> from oncotrial.protocol import load_protocol
    >>> result = evaluate_eligibility(load_protocol(), {"age_years": 17, "ecog": 1})
    >>> result.eligible, result.failing[0].criterion.id
    (False, 'IN01')
    """
    clean = check_screening_values(protocol, values)
    out = []
    for kind, criteria in (
        ("inclusion", protocol.eligibility.inclusion),
        ("exclusion", protocol.eligibility.exclusion),
    ):
        for criterion in criteria:
            verdict = criterion.rule.evaluate(clean)
            outcome: Outcome = "not evaluable" if verdict is None else ("met" if verdict else "not met")
            read = {f: clean.get(f) for f in criterion.rule.fields}
            out.append(CriterionResult(criterion, kind, outcome, read, criterion.rule.missing(clean)))
    return EligibilityResult(out)


def _coerce(spec: ScreeningField, value: Any) -> Any:
    if spec.type is FieldType.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "yes", "y", "1"):
            return True
        if text in ("false", "no", "n", "0"):
            return False
        raise ValueError("expected yes or no")
    if spec.type is FieldType.CHOICE:
        if str(value) not in (spec.choices or []):
            raise ValueError(f"expected one of {spec.choices}")
        return str(value)
    if spec.type is FieldType.DATE:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"expected a number{f' in {spec.unit}' if spec.unit else ''}") from None
    if not math.isfinite(number):  # NaN passes every comparison with min and max
        raise ValueError(f"expected a finite number, got {value!r}")
    if spec.type is FieldType.INTEGER:
        if not number.is_integer():
            raise ValueError("expected a whole number")
        number = int(number)
    if spec.min is not None and number < spec.min:
        raise ValueError(f"must be at least {spec.min:g}{f' {spec.unit}' if spec.unit else ''}")
    if spec.max is not None and number > spec.max:
        raise ValueError(f"must be at most {spec.max:g}{f' {spec.unit}' if spec.unit else ''}")
    return number
