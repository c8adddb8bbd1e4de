"""Case report form inputs: what a site submits, checked field by field.

The same models are the API's request bodies and what the web pages build from
their forms (:func:`parse_form` turns form data into a model or a
:class:`~oncotrial.errors.ValidationFailed` with one ``{loc, code, msg}`` per
problem). Checks here need no database or protocol (types, ranges, required
fields, date order within one form, the limits below); rules that need the protocol
or other records live in the services.

Limits every input model keeps (docs/edc.md, "Input limits"):

- a text is at most as long as its column (``String(n)`` in
  :mod:`oncotrial.edc.store.models`, read by :func:`max_length`; a ``Text`` column holds
  :data:`TEXT_MAX_LENGTH` characters) and holds no NUL character (PostgreSQL cannot
  store one, SQLite would);
- an id, a version or any other whole number fits the database's ``INTEGER`` on both
  backends (:data:`DB_INT_MAX`);
- a number is finite (no NaN or infinity);
- a date lies between :data:`EARLIEST_DATE` and today (UTC) plus
  :data:`FUTURE_DATE_TOLERANCE`;
- a list or mapping has at most a fixed number of items (:data:`MAX_LESIONS`,
  :data:`MAX_MAPPING_ITEMS`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from oncotrial.edc.store import models as _m
from oncotrial.errors import Problem, ValidationFailed
from oncotrial.sdtm import vocabulary

__all__ = [
    "AE_ACTIONS",
    "DB_INT_MAX",
    "EARLIEST_DATE",
    "FUTURE_DATE_TOLERANCE",
    "MAX_LESIONS",
    "MAX_MAPPING_ITEMS",
    "TEXT_MAX_LENGTH",
    "THERAPY_CATEGORIES",
    "AdverseEventIn",
    "Day",
    "DbInt",
    "DeathIn",
    "DoseIn",
    "EndOfTreatmentIn",
    "EnrollIn",
    "FormIn",
    "LesionIn",
    "MeasurementIn",
    "NoNul",
    "QueryIn",
    "RecordId",
    "ScreeningIn",
    "SignIn",
    "SourceVerificationIn",
    "SurvivalContactIn",
    "TherapyIn",
    "TumourAssessmentIn",
    "Version",
    "check_plausible_date",
    "max_length",
    "parse_form",
    "problems_from_pydantic",
    "text_field",
]

#: CDISC "Action Taken with Study Treatment" terms (AEACN).
AE_ACTIONS = ("DOSE NOT CHANGED", "DOSE REDUCED", "DRUG INTERRUPTED", "DRUG WITHDRAWN", "NOT APPLICABLE")
THERAPY_CATEGORIES = ("CONCOMITANT", "SUBSEQUENT ANTI-CANCER THERAPY")

#: The largest whole number any integer column holds on both databases: PostgreSQL's
#: ``INTEGER`` is 4 bytes (SQLite's 8), so an id of 2**31 or more could never name a record
#: and a version that large was never read. Ids start at 1.
DB_INT_MAX = 2**31 - 1

#: The characters a ``Text`` column (free text: a query, an answer, a reason, a meaning)
#: takes: about a printed page, twenty times CDISC's longest ``--TERM`` (200). Longer is not a
#: note about one field but a document, and the audit trail copies every change.
TEXT_MAX_LENGTH = 4000

#: The earliest date any form takes: the SDTM check's first year (``oncotrial.sdtm``), so that
#: the EDC never stores a date its own analysis refuses; no trial subject's event is older.
EARLIEST_DATE = dt.date(1900, 1, 1)

#: How far after today (UTC) a date may lie: the clocks of the world run up to 14 hours
#: ahead of UTC (UTC+14), so a site's "today" can be UTC's tomorrow. Every form records
#: something that happened; none takes a planned date, so no further allowance.
FUTURE_DATE_TOLERANCE = dt.timedelta(days=1)

#: Lesions in one tumour assessment. RECIST 1.1 allows at most 5 target lesions (§4.2);
#: non-target lesions may be grouped by organ ("multiple liver metastases", §4.2) and one
#: new lesion is enough to call progression, so a casebook lists a few dozen rows at most
#: (every organ of RECIST's list with a target, a non-target group and new lesions fits).
#: Each row is a write with its audit entry, all in one transaction that holds the audit
#: chain: 3,000 rows kept other sites waiting 10 s; 50 take about as long as one page.
MAX_LESIONS = 50

#: Items of a mapping in a form (screening values by field name, relatedness by drug code):
#: the protocol names every key, and each unknown one is refused by name; the cap keeps a
#: body of thousands of unknown keys from being checked one by one.
MAX_MAPPING_ITEMS = 200

#: A JSON Schema pattern for "no NUL character", documented on every text field.
_NO_NUL = "^[^\\x00]*$"


def max_length(model: type[_m.Base], column: str) -> int:
    """The characters ``model.column`` holds: ``n`` of a ``String(n)``, else :data:`TEXT_MAX_LENGTH`.

    The one place the EDC's text limits come from: the table declarations.

    >>> max_length(_m.AdverseEvent, "term"), max_length(_m.Query, "text")
    (200, 4000)
    """
    length = getattr(model.__table__.c[column].type, "length", None)
    return int(length) if length else TEXT_MAX_LENGTH


def text_field(
    model: type[_m.Base], column: str, *, min_length: int = 0, default: Any = ..., **kwargs: Any
) -> Any:
    """A pydantic ``Field`` for text stored in ``model.column``: at most as long as the column,
    no NUL character (checked by :class:`FormIn`, documented as a pattern)."""
    return Field(
        default,
        min_length=min_length,
        max_length=max_length(model, column),
        json_schema_extra={"pattern": _NO_NUL},
        **kwargs,
    )


def _iso_day(value: Any) -> Any:
    # A date is written YYYY-MM-DD (RFC 3339 full-date, the OpenAPI "date" format). Pydantic
    # would also read a number as seconds since 1970, so 0 would be 1970-01-01.
    if isinstance(value, str) and not _ISO_DAY.fullmatch(value.strip()):
        raise PydanticCustomError(
            "date_format", "expected a date written YYYY-MM-DD, got {value}", {"value": value}
        )
    if not isinstance(value, str | dt.date):
        raise PydanticCustomError("date_type", "expected a date written YYYY-MM-DD")
    return value


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

#: A calendar day, written YYYY-MM-DD (a number of seconds is not a date).
Day = Annotated[dt.date, BeforeValidator(_iso_day)]

#: A whole number an integer column holds on both databases.
DbInt = Annotated[int, Field(ge=0, le=DB_INT_MAX)]
#: A record id: 1 to :data:`DB_INT_MAX`.
RecordId = Annotated[int, Field(ge=1, le=DB_INT_MAX)]
#: A record's version as read (optimistic concurrency): 1 to :data:`DB_INT_MAX`.
Version = Annotated[int, Field(ge=1, le=DB_INT_MAX, description="the record's version as read")]


def _today(info: ValidationInfo | None) -> dt.date:
    """Today in UTC, or ``context["today"]`` when the caller validates as of another day."""
    context = info.context if info is not None else None
    if isinstance(context, Mapping) and isinstance(context.get("today"), dt.date):
        return context["today"]
    return dt.datetime.now(dt.UTC).date()


def check_plausible_date(value: dt.date, today: dt.date) -> None:
    """Raise (a pydantic error naming the rule) when ``value`` cannot be the date of a trial event.

    >>> check_plausible_date(dt.date(2263, 1, 1), dt.date(2024, 6, 1))
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.PydanticCustomError: 2263-01-01 is in the future: today is 2024-06-01 (UTC), and a form records what happened
    """
    if value < EARLIEST_DATE:
        raise PydanticCustomError(
            "date_too_early",
            "{value} is before {earliest}: not a date of a trial subject's history",
            {"value": value.isoformat(), "earliest": EARLIEST_DATE.isoformat()},
        )
    if value > today + FUTURE_DATE_TOLERANCE:
        raise PydanticCustomError(
            "date_in_future",
            "{value} is in the future: today is {today} (UTC), and a form records what happened",
            {"value": value.isoformat(), "today": today.isoformat()},
        )


def _nul_path(value: Any, path: str = "") -> str | None:
    """Where a NUL character is in ``value`` (a text, or texts inside lists and mappings)."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, Mapping):
        for key, item in value.items():
            where = _nul_path(key, f"{path}[{key!r}] (its name)") or _nul_path(item, f"{path}[{key!r}]")
            if where is not None:
                return where
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            where = _nul_path(item, f"{path}[{i}]")
            if where is not None:
                return where
    return None


def _reject_nul(value: Any) -> Any:
    where = _nul_path(value)
    if where is not None:
        raise PydanticCustomError(
            "nul_character",
            "contains a NUL character (\\x00){where}: no text may hold one",
            {"where": f" at {where}" if where else ""},
        )
    return value


#: Annotate a text outside :class:`FormIn` (a query or header parameter) with it: no NUL.
NoNul = AfterValidator(_reject_nul)


class FormIn(BaseModel):
    """The base of every input model: unknown fields refused, text stripped, and the limits
    of this module kept by every field (NUL characters, finite numbers, plausible dates)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any, info: ValidationInfo) -> Any:
        _reject_nul(value)
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            check_plausible_date(value, _today(info))
        return value


def _not_before(start_name: str) -> Any:
    """A field validator: this date must not be before the date in field ``start_name``."""

    def check(cls: Any, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get(start_name)
        if value is not None and start is not None and value < start:
            raise ValueError(f"{info.field_name} {value} is before {start_name} {start}")
        return value

    return check


class ScreeningIn(FormIn):
    """Screening visit: consent, screening date and the protocol's screening fields."""

    site_code: str = text_field(_m.Site, "code", min_length=1)
    consent_date: Day
    screening_date: Day
    values: dict[str, Any] = Field(
        max_length=MAX_MAPPING_ITEMS,
        description="screening fields declared by the protocol's eligibility",
    )
    race: str | None = text_field(_m.Subject, "race", default=None)

    _screening_after_consent = field_validator("screening_date")(_not_before("consent_date"))


class EnrollIn(FormIn):
    enrollment_date: Day
    version: Version


class DoseIn(FormIn):
    """One administration of one study drug in one cycle.

    The protocol's limits (the drug's dose and unit, its cycles, their spacing) are the
    dosing service's (:func:`oncotrial.edc.services.dosing.check_dose`).
    """

    drug_code: str = text_field(
        _m.Dose, "drug_code", min_length=1, description="protocol drug code, e.g. NABP or PD1"
    )
    cycle: int = Field(ge=1, le=1000)
    dose_date: Day
    dose: float = Field(gt=0, description="finite, above 0; at most the protocol dose of the drug")
    unit: str = text_field(
        _m.Dose, "unit", min_length=1, description="mg, or mg/m2 / mg/kg for a body-size based drug"
    )
    adjustment_reason: str | None = text_field(_m.Dose, "adjustment_reason", default=None)


class AdverseEventIn(FormIn):
    term: str = text_field(_m.AdverseEvent, "term", min_length=1, description="CTCAE v5 term")
    grade: int = Field(ge=1, le=5, description="CTCAE grade 1-5")
    serious: bool
    relatedness: dict[
        Annotated[str, Field(max_length=max_length(_m.Dose, "drug_code"))], Literal["RELATED", "NOT RELATED"]
    ] = Field(
        max_length=MAX_MAPPING_ITEMS, description="relatedness to each study drug, by protocol drug code"
    )
    start_date: Day
    end_date: Day | None = None
    action_taken: Literal[AE_ACTIONS]  # type: ignore[valid-type]
    outcome: str | None = text_field(_m.AdverseEvent, "outcome", default=None)

    _end_after_start = field_validator("end_date")(_not_before("start_date"))


class TherapyIn(FormIn):
    category: Literal[THERAPY_CATEGORIES]  # type: ignore[valid-type]
    name: str = text_field(_m.Therapy, "name", min_length=1)
    start_date: Day
    end_date: Day | None = None

    _end_after_start = field_validator("end_date")(_not_before("start_date"))


class EndOfTreatmentIn(FormIn):
    end_date: Day
    reason_code: str = text_field(
        _m.EndOfTreatment,
        "reason_code",
        min_length=1,
        description="one of the protocol's treatment_end_reasons codes",
    )


class SurvivalContactIn(FormIn):
    contact_date: Day
    status: Literal["ALIVE", "DEAD", "LOST TO FOLLOW-UP"]


class DeathIn(FormIn):
    death_date: Day
    cause: str = text_field(_m.Death, "cause", default="")


class LesionIn(FormIn):
    """A lesion seen at an assessment: identified at baseline, or new later."""

    code: str = text_field(
        _m.Lesion, "code", min_length=1, description="lesion id within the subject, e.g. T01"
    )
    category: Literal["TARGET", "NON-TARGET", "NEW"]
    location: str = text_field(
        _m.Lesion, "location", min_length=1, description='organ or site; "LYMPH NODE" means nodal'
    )


class MeasurementIn(FormIn):
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


class TumourAssessmentIn(FormIn):
    visit_number: DbInt
    visit: str = text_field(_m.TumourAssessment, "visit", min_length=1)
    assessment_date: Day
    investigator_response: Literal["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"] | None = None
    measurements: list[MeasurementIn] = Field(
        min_length=1, max_length=MAX_LESIONS, description=f"one per lesion, at most {MAX_LESIONS}"
    )


class QueryIn(FormIn):
    record_table: str = text_field(_m.Query, "record_table", min_length=1)
    record_id: RecordId
    field: str = text_field(_m.Query, "field", min_length=1)
    text: str = text_field(_m.Query, "text", min_length=1)


class SourceVerificationIn(FormIn):
    """A monitor marks one form (record) source-data verified."""

    record_table: str = text_field(
        _m.SourceVerification,
        "record_table",
        min_length=1,
        description="dose, tumour_assessment, adverse_event, ...",
    )
    record_id: RecordId


class SignIn(FormIn):
    password: str = Field(
        min_length=1,
        max_length=TEXT_MAX_LENGTH,
        description="the investigator's password, re-entered",
    )
    meaning: str = text_field(
        _m.Signature, "meaning", min_length=1, description="what the signature means, recorded with it"
    )


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
