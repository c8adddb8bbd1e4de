"""Case report form inputs: what a site submits, checked field by field.

The same models are the API's request bodies and what the web pages build from
their forms (:func:`parse_form` turns form data into a model or a
:class:`~oncotrial.errors.ValidationFailed` with one ``{loc, code, msg}`` per
problem). Checks here need no database or protocol (types, ranges, required
fields, date order within one form); rules that need the protocol or other
records live in the services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from oncotrial.errors import Problem, ValidationFailed
from oncotrial.sdtm import vocabulary

__all__ = [
    "AE_ACTIONS",
    "THERAPY_CATEGORIES",
    "AdverseEventIn",
    "DeathIn",
    "DoseIn",
    "EndOfTreatmentIn",
    "EnrollIn",
    "LesionIn",
    "MeasurementIn",
    "QueryIn",
    "ScreeningIn",
    "SignIn",
    "SourceVerificationIn",
    "SurvivalContactIn",
    "TherapyIn",
    "TumourAssessmentIn",
    "parse_form",
    "problems_from_pydantic",
]

#: CDISC "Action Taken with Study Treatment" terms (AEACN).
AE_ACTIONS = ("DOSE NOT CHANGED", "DOSE REDUCED", "DRUG INTERRUPTED", "DRUG WITHDRAWN", "NOT APPLICABLE")
THERAPY_CATEGORIES = ("CONCOMITANT", "SUBSEQUENT ANTI-CANCER THERAPY")


class _Form(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _not_before(start_name: str) -> Any:
    """A field validator: this date must not be before the date in field ``start_name``."""

    def check(cls: Any, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get(start_name)
        if value is not None and start is not None and value < start:
            raise ValueError(f"{info.field_name} {value} is before {start_name} {start}")
        return value

    return check


class ScreeningIn(_Form):
    """Screening visit: consent, screening date and the protocol's screening fields."""

    site_code: str = Field(min_length=1)
    consent_date: dt.date
    screening_date: dt.date
    values: dict[str, Any] = Field(description="screening fields declared by the protocol's eligibility")
    race: str | None = None

    _screening_after_consent = field_validator("screening_date")(_not_before("consent_date"))


class EnrollIn(_Form):
    enrollment_date: dt.date
    version: int = Field(ge=1, description="the subject's version as read")


class DoseIn(_Form):
    """One administration of one study drug in one cycle."""

    drug_code: str = Field(min_length=1, description="protocol drug code, e.g. NABP or PD1")
    cycle: int = Field(ge=1, le=1000)
    dose_date: dt.date
    dose: float = Field(gt=0)
    unit: str = Field(min_length=1, description="mg, or mg/m2 / mg/kg for a body-size based drug")
    adjustment_reason: str | None = None


class AdverseEventIn(_Form):
    term: str = Field(min_length=1, description="CTCAE v5 term")
    grade: int = Field(ge=1, le=5, description="CTCAE grade 1-5")
    serious: bool
    relatedness: dict[str, Literal["RELATED", "NOT RELATED"]] = Field(
        description="relatedness to each study drug, by protocol drug code"
    )
    start_date: dt.date
    end_date: dt.date | None = None
    action_taken: Literal[AE_ACTIONS]  # type: ignore[valid-type]
    outcome: str | None = None

    _end_after_start = field_validator("end_date")(_not_before("start_date"))


class TherapyIn(_Form):
    category: Literal[THERAPY_CATEGORIES]  # type: ignore[valid-type]
    name: str = Field(min_length=1)
    start_date: dt.date
    end_date: dt.date | None = None

    _end_after_start = field_validator("end_date")(_not_before("start_date"))


class EndOfTreatmentIn(_Form):
    end_date: dt.date
    reason_code: str = Field(min_length=1, description="one of the protocol's treatment_end_reasons codes")


class SurvivalContactIn(_Form):
    contact_date: dt.date
    status: Literal["ALIVE", "DEAD", "LOST TO FOLLOW-UP"]


class DeathIn(_Form):
    death_date: dt.date
    cause: str = ""


class LesionIn(_Form):
    """A lesion seen at an assessment: identified at baseline, or new later."""

    code: str = Field(min_length=1, max_length=16, description="lesion id within the subject, e.g. T01")
    category: Literal["TARGET", "NON-TARGET", "NEW"]
    location: str = Field(min_length=1, description='organ or site; "LYMPH NODE" means nodal')


class MeasurementIn(_Form):
    lesion: LesionIn
    diameter_mm: float | None = Field(default=None, ge=0, le=1000)
    state: (
        Literal["PRESENT", "ABSENT", "UNEQUIVOCAL PROGRESSION", "NOT EVALUABLE", "UNEQUIVOCAL", "EQUIVOCAL"]
        | None
    ) = None
    not_done: bool = False

    @model_validator(mode="after")
    def _one_result(self) -> MeasurementIn:
        if self.not_done:
            return self
        if self.lesion.category == "TARGET" and self.diameter_mm is None:
            raise ValueError("a target lesion needs diameter_mm (or not_done)")
        if self.lesion.category != "TARGET" and self.state is None:
            raise ValueError(f"a {self.lesion.category.lower()} lesion needs a state (or not_done)")
        if self.lesion.category != "TARGET":
            # The states of each kind of lesion are the RECIST engine's (oncotrial.sdtm vocabulary).
            vocab = vocabulary(
                "non_target_state" if self.lesion.category == "NON-TARGET" else "new_lesion_state"
            )
            if vocab.canonical(self.state) is None:
                raise ValueError(
                    f"{self.state!r} is not a {vocab.label}: expected one of {', '.join(vocab.spellings)}"
                )
        return self


class TumourAssessmentIn(_Form):
    visit_number: int = Field(ge=0)
    visit: str = Field(min_length=1)
    assessment_date: dt.date
    investigator_response: Literal["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"] | None = None
    measurements: list[MeasurementIn] = Field(min_length=1)


class QueryIn(_Form):
    record_table: str = Field(min_length=1)
    record_id: int = Field(ge=1)
    field: str = Field(min_length=1)
    text: str = Field(min_length=1)


class SourceVerificationIn(_Form):
    """A monitor marks one form (record) source-data verified."""

    record_table: str = Field(min_length=1, description="dose, tumour_assessment, adverse_event, ...")
    record_id: int = Field(ge=1)


class SignIn(_Form):
    password: str = Field(min_length=1, description="the investigator's password, re-entered")
    meaning: str = Field(min_length=1, description="what the signature means, recorded with it")


F = TypeVar("F", bound=BaseModel)


def problems_from_pydantic(exc: ValidationError, prefix: tuple[str | int, ...] = ()) -> list[Problem]:
    """One :class:`Problem` per pydantic error, with pydantic's error type as ``code``."""
    out = []
    for err in exc.errors():
        loc = prefix + tuple(p for p in err["loc"] if p not in ("body",))
        msg = err["msg"].removeprefix("Value error, ")
        out.append(Problem(loc, msg, err["type"], err.get("input")))
    return out


def parse_form(model: type[F], data: Mapping[str, Any]) -> F:
    """Validate form data into ``model``; raise :class:`ValidationFailed` naming each bad field.

    >>> parse_form(TherapyIn, {"category": "CONCOMITANT", "name": "x",
    ...            "start_date": "2024-03-02", "end_date": "2024-03-01"})
    Traceback (most recent call last):
    ...
    oncotrial.errors.ValidationFailed: end_date: end_date 2024-03-01 is before start_date 2024-03-02
    """
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        raise ValidationFailed(problems_from_pydantic(exc)) from None
