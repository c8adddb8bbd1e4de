"""The protocol as typed, validated data.

Every rule of the trial that code acts on (a dose cap, a visit window, the
confirmation interval, a censoring rule, the design's error rates) is a field
here, read from one protocol file. Every section records where its values come
from: a quotation of the registration text, or an assumption that the sponsor
must confirm (``source`` for the section, ``sources`` for single fields).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from oncotrial.protocol._base import Source, SourceKind, _Model, _Sourced
from oncotrial.protocol._date_rules import (
    DateImputation,
    DeathDateRule,
    PartialDateRule,
    StartDateRule,
    TumourDateRule,
)
from oncotrial.protocol._duration import Duration
from oncotrial.protocol._rules import Rule
from oncotrial.protocol._safety import DECISION_VALUES, DoseAction, DoseRule, SafetySettings, decision_values

__all__ = [
    "DECISION_VALUES",
    "AnalysisSettings",
    "CensoringRules",
    "Criterion",
    "DateImputation",
    "DeathDateRule",
    "DoseAction",
    "DoseBasis",
    "DoseRule",
    "Drug",
    "Eligibility",
    "Endpoint",
    "EndpointKind",
    "FieldType",
    "Identity",
    "Monitoring",
    "PartialDateRule",
    "Population",
    "Protocol",
    "Regimen",
    "ResponseCriteria",
    "SafetySettings",
    "Schedule",
    "ScreeningField",
    "SimonDesignSpec",
    "Source",
    "SourceKind",
    "StartDateRule",
    "TreatmentEndReason",
    "TumourDateRule",
    "decision_values",
]


# --- identity --------------------------------------------------------------------------


class Identity(_Sourced):
    title: str = Field(min_length=1)
    short_title: str = Field(min_length=1)
    study_id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_-]+$", description="STUDYID")
    phase: Literal["1", "1/2", "2", "2/3", "3"]
    allocation: Literal["single-arm"]
    masking: Literal["open-label"]
    multi_center: bool
    condition: str = Field(min_length=1)
    intervention: str = Field(min_length=1)
    registry_id: str | None = None
    start_date: dt.date | None = Field(
        default=None,
        description="the trial's start: no informed consent, and so no subject's data, is dated before it",
    )


# --- regimen ---------------------------------------------------------------------------


class DoseBasis(StrEnum):
    FLAT = "flat"
    PER_KG = "mg/kg"
    PER_M2 = "mg/m2"


class Drug(_Sourced):
    code: str = Field(pattern=r"^[A-Z0-9_]+$", description="short code, used as EXTRT key")
    name: str = Field(min_length=1)
    drug_class: str = Field(min_length=1)
    dose: float = Field(gt=0)
    unit: Literal["mg"]
    basis: DoseBasis
    route: Literal["IV", "PO", "SC"]
    days_of_cycle: list[Annotated[int, Field(ge=1)]] = Field(min_length=1)
    dose_levels: list[Annotated[float, Field(gt=0)]] = Field(
        default_factory=list,
        description="permitted reduced doses, highest first; empty = no reduction allowed",
    )
    max_cycles: int | None = Field(default=None, ge=1)
    max_duration: Duration | None = Field(
        default=None, description="limit counted from this drug's first dose"
    )

    @model_validator(mode="after")
    def _levels_below_dose(self) -> Drug:
        if any(level >= self.dose for level in self.dose_levels):
            raise ValueError(f"dose_levels must all be below the starting dose {self.dose}")
        if self.dose_levels != sorted(self.dose_levels, reverse=True):
            raise ValueError("dose_levels must be listed highest first")
        if self.max_cycles is None and self.max_duration is None:
            raise ValueError("give max_cycles or max_duration (the drug's own limit)")
        return self


class Regimen(_Sourced):
    cycle_length: Duration
    dose_window_days: int = Field(
        ge=0, description="a cycle may start this many days before its scheduled day"
    )
    max_cycle_delay: Duration = Field(description="longest delay of a cycle before the drug is discontinued")
    min_dose_fraction: float | None = Field(
        default=None,
        gt=0,
        le=1,
        description=(
            "a recorded dose below this fraction of the drug's protocol dose is an entry error (grams or "
            "micrograms entered as mg) and is refused; a real reduced or partial dose above it is "
            "stored with its reason. None: any dose above 0"
        ),
    )
    drugs: list[Drug] = Field(min_length=1)

    @field_validator("cycle_length")
    @classmethod
    def _positive_cycle(cls, value: Duration) -> Duration:
        if value.days <= 0:
            raise ValueError(f"cycle_length must be positive, got '{value}'")
        return value

    @model_validator(mode="after")
    def _drug_codes_unique_and_days_in_cycle(self) -> Regimen:
        codes = [d.code for d in self.drugs]
        if len(set(codes)) != len(codes):
            raise ValueError(f"drug codes must be unique, got {codes}")
        for drug in self.drugs:
            if max(drug.days_of_cycle) > self.cycle_length.days:
                raise ValueError(
                    f"drug {drug.code}: day {max(drug.days_of_cycle)} is beyond the {self.cycle_length} cycle"
                )
        return self

    def drug(self, code: str) -> Drug:
        for drug in self.drugs:
            if drug.code == code:
                return drug
        raise KeyError(code)


class TreatmentEndReason(_Model):
    code: str = Field(pattern=r"^[A-Z_]+$")
    label: str
    dsdecod: str = Field(description="CDISC NCOMPLT term for DS.DSDECOD")
    source: Source


# --- schedule --------------------------------------------------------------------------


class Schedule(_Sourced):
    screening_window: Duration = Field(
        description="screening assessments at most this long before first dose"
    )
    baseline_imaging_window: Duration = Field(description="baseline scan at most this long before first dose")
    imaging_interval: Duration
    imaging_window_days: int = Field(ge=0, description="± days around each scheduled scan")
    imaging_anchor: Literal["first_dose", "enrollment"]
    survival_follow_up_interval: Duration
    end_of_study: Duration = Field(description="counted from enrollment")


# --- eligibility -----------------------------------------------------------------------


class FieldType(StrEnum):
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    CHOICE = "choice"
    DATE = "date"


class ScreeningField(_Model):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    type: FieldType
    unit: str | None = None
    choices: list[str] | None = None
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _choices_for_choice(self) -> ScreeningField:
        if (self.type is FieldType.CHOICE) != bool(self.choices):
            raise ValueError("choices are required for a 'choice' field and only there")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class Criterion(_Model):
    id: str = Field(pattern=r"^(IN|EX)[0-9]{2}$")
    text: str = Field(min_length=1)
    rule: Rule = Field(description="true when the criterion is met (for exclusion: when it excludes)")
    source: Source


class Eligibility(_Model):
    fields: list[ScreeningField] = Field(min_length=1)
    inclusion: list[Criterion] = Field(min_length=1)
    exclusion: list[Criterion] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rules_name_known_fields(self) -> Eligibility:
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError("screening field names must be unique")
        known = set(names)
        problems = []
        for kind, criteria in (("inclusion", self.inclusion), ("exclusion", self.exclusion)):
            for i, criterion in enumerate(criteria):
                expected_prefix = "IN" if kind == "inclusion" else "EX"
                if not criterion.id.startswith(expected_prefix):
                    problems.append(f"{kind}[{i}].id {criterion.id!r} must start with {expected_prefix}")
                unknown = sorted(criterion.rule.fields - known)
                if unknown:
                    problems.append(
                        f"{kind}[{i}].rule ({criterion.id}) names unknown field(s) "
                        f"{', '.join(unknown)}; declare them under eligibility.fields"
                    )
        ids = [c.id for c in self.inclusion + self.exclusion]
        if len(set(ids)) != len(ids):
            problems.append("criterion ids must be unique")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def field(self, name: str) -> ScreeningField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


# --- response criteria, endpoints, populations -----------------------------------------


class ResponseCriteria(_Sourced):
    name: Literal["RECIST 1.1"]
    accepted_evaluator: str = Field(description="TREVAL/RSEVAL whose reads count, e.g. INVESTIGATOR")
    confirmation_min_interval: Duration = Field(
        description="a CR/PR is confirmed by a later CR/PR at least this long after it"
    )
    sd_min_duration: Duration = Field(
        description="SD counts as best response only at least this long after the reference start"
    )
    reference_start: Literal["first_dose", "enrollment"]
    max_ne_between: int | None = Field(
        description=(
            "how many NE assessments may lie between a response and its confirmation: a whole "
            'number >= 0, or "unlimited" (None here); must be stated'
        )
    )

    @field_validator("max_ne_between", mode="before")
    @classmethod
    def _count_or_unlimited(cls, value: Any) -> int | None:
        # TOML has no null: "unlimited" is the explicit spelling of no limit.
        if value == "unlimited":
            return None
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        raise ValueError(f'expected a whole number >= 0 or "unlimited", got {value!r}')


class EndpointKind(StrEnum):
    RESPONSE_RATE = "response_rate"
    TIME_TO_EVENT = "time_to_event"


class Endpoint(_Model):
    code: str = Field(pattern=r"^[A-Z]+$")
    name: str
    role: Literal["primary", "secondary"]
    kind: EndpointKind
    definition: str
    population: str
    horizon: Duration
    responses: list[Literal["CR", "PR", "SD", "NON-CR/NON-PD"]] = Field(default_factory=list)
    confirmed: bool = False
    origin: Literal["enrollment", "first_dose", "first_response"] | None = None
    events: list[Literal["progression", "death"]] = Field(default_factory=list)
    source: Source

    @model_validator(mode="after")
    def _kind_fields(self) -> Endpoint:
        if self.kind is EndpointKind.RESPONSE_RATE:
            if not self.responses:
                raise ValueError("a response_rate endpoint lists its responses")
            if self.origin or self.events:
                raise ValueError("origin and events belong to time_to_event endpoints")
        else:
            if not self.origin or not self.events:
                raise ValueError("a time_to_event endpoint gives origin and events")
            if self.responses:
                raise ValueError("responses belong to response_rate endpoints")
        return self


class CensoringRules(_Sourced):
    """PFS/DoR censoring per FDA (2018) 'Clinical Trial Endpoints for the Approval of
    Cancer Drugs and Biologics', Table 3; each flag switches one rule on."""

    guidance: str
    no_baseline_censor_at_start: bool
    no_post_baseline_censor_at_start: bool
    early_death_event_within_missed: int = Field(
        ge=0,
        description="death before any assessment is an event if within this many scheduled intervals of start",
    )
    new_therapy_censor_at_last_assessment: bool
    missed_assessments_censor: int = Field(
        ge=1, description="event after this many or more missed assessments is censored"
    )


class Population(_Model):
    code: str = Field(pattern=r"^[A-Z]+$")
    flag: str = Field(pattern=r"^[A-Z]+FL$", description="ADSL flag variable")
    label: str
    definition: str
    source: Source


class SimonDesignSpec(_Sourced):
    """Simon two-stage design inputs; stage sizes are computed, never typed here."""

    method: Literal["simon-two-stage"]
    kind: Literal["optimal", "minimax"]
    p0: float = Field(gt=0, lt=1, description="response rate not worth pursuing")
    p1: float = Field(gt=0, lt=1, description="response rate worth pursuing")
    alpha: float = Field(gt=0, lt=0.5, description="one-sided type I error")
    beta: float = Field(gt=0, lt=0.5, description="type II error (1 - power)")
    n_max: int | None = Field(default=None, ge=2, le=500, description="largest total n searched")

    @model_validator(mode="after")
    def _p1_above_p0(self) -> SimonDesignSpec:
        if self.p1 <= self.p0:
            raise ValueError(f"p1 ({self.p1}) must be above p0 ({self.p0})")
        return self


class Monitoring(_Sourced):
    """Bayesian predictive-probability monitoring (Lee & Liu 2008) beside the Simon design."""

    prior_a: float = Field(gt=0)
    prior_b: float = Field(gt=0)
    theta_t: float = Field(gt=0, lt=1, description="posterior P(p > p0) needed to call success")
    theta_l: float = Field(ge=0, lt=1, description="stop for futility when PP falls below")
    theta_u: float = Field(gt=0, le=1, description="stop for efficacy when PP rises above")
    first_look: int = Field(ge=1, description="first patient count at which PP is computed")


class AnalysisSettings(_Sourced):
    conf_level: float = Field(gt=0, lt=1)
    km_conf_type: Literal["log-log", "log", "plain"]
    landmarks: list[Duration] = Field(min_length=1)
    days_per_month: float = Field(gt=0)
    aval_convention: Literal["end - start + 1"]
    treatment_emergent_window: Duration = Field(
        description="an adverse event starting up to this long after the last dose is treatment-emergent"
    )
    data_cutoff: dt.date | None = None
    date_imputation: DateImputation


# --- the protocol ----------------------------------------------------------------------


class Protocol(_Model):
    """One trial's rules, read by the EDC, the RECIST engine, ADaM, the simulator and the report."""

    format_version: Literal[1]
    identity: Identity
    regimen: Regimen
    treatment_end_reasons: list[TreatmentEndReason] = Field(min_length=1)
    schedule: Schedule
    eligibility: Eligibility
    response: ResponseCriteria
    endpoints: list[Endpoint] = Field(min_length=1)
    censoring: CensoringRules
    populations: list[Population] = Field(min_length=1)
    design: SimonDesignSpec
    monitoring: Monitoring
    analysis: AnalysisSettings
    safety: SafetySettings | None = Field(
        default=None, description="BSA, SAE clocks, immune-related categories and dose-modification rules"
    )

    @model_validator(mode="after")
    def _cross_references(self) -> Protocol:
        problems = []
        pop_codes = {p.code for p in self.populations}
        for i, endpoint in enumerate(self.endpoints):
            if endpoint.population not in pop_codes:
                problems.append(
                    f"endpoints[{i}].population {endpoint.population!r} is not one of {sorted(pop_codes)}"
                )
        codes = [e.code for e in self.endpoints]
        if len(set(codes)) != len(codes):
            problems.append(f"endpoint codes must be unique, got {codes}")
        if sum(e.role == "primary" for e in self.endpoints) != 1:
            problems.append("exactly one endpoint must be primary")
        drug_codes = {d.code for d in self.regimen.drugs}
        for i, rule in enumerate(self.safety.dose_rules if self.safety else []):
            if rule.drug not in drug_codes:
                problems.append(
                    f"safety.dose_rules[{i}].drug {rule.drug!r} is not one of {sorted(drug_codes)}"
                )
        reason_codes = [r.code for r in self.treatment_end_reasons]
        if len(set(reason_codes)) != len(reason_codes):
            problems.append("treatment_end_reasons codes must be unique")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # Convenience accessors used across rooms; each reads one field, adds no rule.

    def endpoint(self, code: str) -> Endpoint:
        for endpoint in self.endpoints:
            if endpoint.code == code:
                return endpoint
        raise KeyError(code)

    @property
    def primary_endpoint(self) -> Endpoint:
        return next(e for e in self.endpoints if e.role == "primary")

    def population(self, code: str) -> Population:
        for population in self.populations:
            if population.code == code:
                return population
        raise KeyError(code)

    def treatment_end_reason(self, code: str) -> TreatmentEndReason:
        for reason in self.treatment_end_reasons:
            if reason.code == code:
                return reason
        raise KeyError(code)

    def assumptions(self) -> list[tuple[str, Source]]:
        """Every (field path, source) whose value is an assumption, in file order."""
        out: list[tuple[str, Source]] = []

        def walk(obj: Any, path: str) -> None:
            if isinstance(obj, _Sourced):
                for name in type(obj).model_fields:
                    if name in ("source", "sources"):
                        continue
                    value = getattr(obj, name)
                    src = obj.source_of(name)
                    # a sourced subsection (e.g. analysis.date_imputation) lists its own fields
                    if src.is_assumption and not isinstance(value, _Sourced):
                        out.append((f"{path}.{name}", src))
                    walk(value, f"{path}.{name}")
            elif isinstance(obj, _Model):
                own = getattr(obj, "source", None)
                if isinstance(own, Source) and own.is_assumption:
                    out.append((path, own))
                for name in type(obj).model_fields:
                    if name != "source":
                        walk(getattr(obj, name), f"{path}.{name}")
            elif isinstance(obj, list):
                for i, item in enumerate(obj):
                    walk(item, f"{path}[{i}]")

        for name in type(self).model_fields:
            walk(getattr(self, name), name)
        return out
