"""Case report forms as field lists: what each form shows, built from the EDC's input models.

A :class:`FieldSpec` says how to draw one input (label, kind, choices, hint). Choices
come from the protocol (drug codes) or from the EDC's input models (CDISC terms, grade
range); nothing here checks a value: the services do, and their problems are shown
next to the fields.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from typing import Any

from annotated_types import Ge, Le
from pydantic import BaseModel

from oncotrial.edc.services.forms import (
    AE_ACTIONS,
    THERAPY_CATEGORIES,
    AdverseEventIn,
    DoseIn,
    SurvivalContactIn,
)
from oncotrial.protocol import DoseBasis, Protocol

__all__ = [
    "FieldSpec",
    "ae_fields",
    "ae_payload",
    "dose_fields",
    "dose_payload",
    "labels_of",
    "literal_choices",
]


@dataclass(frozen=True)
class FieldSpec:
    """One input of a form."""

    name: str
    label: str
    kind: str = "text"  # text | number | date | select | yesno | textarea
    choices: list[tuple[str, str]] = field(default_factory=list)
    hint: str | None = None
    required: bool = False
    step: str | None = None


def labels_of(fields: list[FieldSpec]) -> dict[str, str]:
    return {f.name: f.label for f in fields}


def _bounds(model: type[BaseModel], name: str) -> tuple[int, int]:
    low = high = None
    for item in model.model_fields[name].metadata:
        if isinstance(item, Ge):
            low = item.ge
        if isinstance(item, Le):
            high = item.le
    assert low is not None and high is not None, f"{model.__name__}.{name} has no bounds"
    return int(low), int(high)


def literal_choices(model: type[BaseModel], name: str) -> list[str]:
    """The values a ``Literal`` field of an input model allows (inside ``dict`` or ``| None`` too).

    >>> literal_choices(AdverseEventIn, "relatedness")
    ['RELATED', 'NOT RELATED']
    """
    annotation = model.model_fields[name].annotation

    def walk(tp: Any) -> list[str]:
        if typing.get_origin(tp) is typing.Literal:
            return [str(a) for a in typing.get_args(tp)]
        out: list[str] = []
        for arg in typing.get_args(tp):
            out += walk(arg)
        return out

    return walk(annotation)


def dose_fields(protocol: Protocol) -> list[FieldSpec]:
    drugs = protocol.regimen.drugs
    units = sorted({d.unit for d in drugs} | {b.value for b in DoseBasis if b is not DoseBasis.FLAT})
    dose_hint = "; ".join(
        f"{d.code}: {d.dose:g} {d.unit if d.basis is DoseBasis.FLAT else d.basis.value}" for d in drugs
    )
    return [
        FieldSpec(
            "drug_code",
            "Study drug",
            "select",
            [(d.code, f"{d.name} ({d.code})") for d in drugs],
            required=True,
        ),
        FieldSpec("cycle", "Cycle number", "number", required=True, step="1"),
        FieldSpec("dose_date", "Date given", "date", required=True),
        FieldSpec(
            "dose", "Dose given", "number", hint=f"Protocol doses – {dose_hint}", required=True, step="any"
        ),
        FieldSpec("unit", "Unit", "select", [(u, u) for u in units], required=True),
        FieldSpec(
            "adjustment_reason", "Reason for a reduced dose", "text", hint="Required when the dose is reduced"
        ),
    ]


def dose_payload(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: values.get(k) for k in ("drug_code", "cycle", "dose_date", "dose", "unit", "adjustment_reason")
    }


def ae_fields(protocol: Protocol) -> list[FieldSpec]:
    low, high = _bounds(AdverseEventIn, "grade")
    related = [(c, c.capitalize()) for c in literal_choices(AdverseEventIn, "relatedness")]
    return [
        FieldSpec("term", "Adverse event term (CTCAE v5)", "text", required=True),
        FieldSpec(
            "grade", "CTCAE grade", "select", [(str(g), str(g)) for g in range(low, high + 1)], required=True
        ),
        FieldSpec("serious", "Serious adverse event", "yesno", required=True),
        *[
            FieldSpec(
                f"related_{d.code}", f"Related to {d.name} ({d.code})", "select", related, required=True
            )
            for d in protocol.regimen.drugs
        ],
        FieldSpec("start_date", "Start date", "date", required=True),
        FieldSpec("end_date", "End date", "date", hint="Leave empty while ongoing"),
        FieldSpec(
            "action_taken",
            "Action taken with study treatment",
            "select",
            [(a, a.capitalize()) for a in AE_ACTIONS],
            required=True,
        ),
        FieldSpec("outcome", "Outcome", "text"),
    ]


def ae_payload(values: dict[str, Any], protocol: Protocol) -> dict[str, Any]:
    relatedness = {
        d.code: values[f"related_{d.code}"] for d in protocol.regimen.drugs if values.get(f"related_{d.code}")
    }
    out = {
        k: values.get(k)
        for k in ("term", "grade", "serious", "start_date", "end_date", "action_taken", "outcome")
    }
    out["relatedness"] = relatedness
    return out


def ae_values(record: Any) -> dict[str, Any]:
    """A stored adverse event as form values (for its edit form)."""
    out = {
        k: getattr(record, k)
        for k in ("term", "grade", "serious", "start_date", "end_date", "action_taken", "outcome")
    }
    for code, value in (record.relatedness or {}).items():
        out[f"related_{code}"] = value
    return out


def dose_values(record: Any) -> dict[str, Any]:
    return {
        k: getattr(record, k)
        for k in ("drug_code", "cycle", "dose_date", "dose", "unit", "adjustment_reason")
    }


# Used by the edit forms to show which fields a monitor may query.
QUERYABLE: dict[str, list[str]] = {
    "dose": list(DoseIn.model_fields),
    "adverse_event": list(AdverseEventIn.model_fields),
    "therapy": ["category", "name", "start_date", "end_date"],
    "end_of_treatment": ["end_date", "reason_code"],
    "survival_contact": ["contact_date", "status"],
    "death": ["death_date", "cause"],
}


# --- the other CRFs: therapies, end of treatment, survival contacts, death ----------------


def therapy_fields(protocol: Protocol) -> list[FieldSpec]:
    return [
        FieldSpec(
            "category",
            "Kind of therapy",
            "select",
            [(c, c.capitalize()) for c in THERAPY_CATEGORIES],
            required=True,
        ),
        FieldSpec("name", "Therapy", "text", required=True),
        FieldSpec("start_date", "Start date", "date", required=True),
        FieldSpec("end_date", "End date", "date", hint="Leave empty while ongoing"),
    ]


def eot_fields(protocol: Protocol) -> list[FieldSpec]:
    reasons = [(r.code, r.label) for r in protocol.treatment_end_reasons]
    return [
        FieldSpec("end_date", "Date treatment ended", "date", required=True),
        FieldSpec("reason_code", "Reason", "select", reasons, required=True),
    ]


def contact_fields(protocol: Protocol) -> list[FieldSpec]:
    statuses = [(s, s.capitalize()) for s in literal_choices(SurvivalContactIn, "status")]
    return [
        FieldSpec("contact_date", "Date of contact", "date", required=True),
        FieldSpec("status", "Status at contact", "select", statuses, required=True),
    ]


def death_fields(protocol: Protocol) -> list[FieldSpec]:
    return [
        FieldSpec("death_date", "Date of death", "date", required=True),
        FieldSpec("cause", "Cause of death", "text"),
    ]


def plain_payload(fields: list[FieldSpec], values: dict[str, Any]) -> dict[str, Any]:
    """Form values of the named fields, empty ones left out (the input model's defaults apply)."""
    return {f.name: values[f.name] for f in fields if values.get(f.name) is not None}
