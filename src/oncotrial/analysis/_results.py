"""Typed, frozen results of the analyses; each has ``to_dict()`` for ``results.json``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

__all__ = [
    "AeSummary",
    "AeTermRow",
    "BorDistribution",
    "CountRow",
    "Disposition",
    "Estimate",
    "FollowUp",
    "InterimStatus",
    "KmCurve",
    "Landmark",
    "MethodNote",
    "PopulationCount",
    "Provenance",
    "RateResult",
    "SimonStatus",
    "StudyResults",
    "TimeToEventResult",
    "as_plain",
]


def _clean(value: Any) -> Any:
    """A JSON-safe version of ``value``: NaN becomes None, tuples become lists."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _clean(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def as_plain(value: Any) -> Any:
    """Plain JSON-ready data (dicts, lists, numbers, strings, None) from a result object."""
    return _clean(value)


class _Result:
    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON-ready data."""
        return as_plain(self)


@dataclass(frozen=True)
class Estimate(_Result):
    """A point estimate with its confidence interval; None where not estimable."""

    estimate: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class RateResult(_Result):
    """A response rate (ORR, DCR) with its exact CI and, for the primary, the test against p0."""

    code: str
    name: str
    population: str
    responses: tuple[str, ...]
    confirmed: bool
    n: int
    x: int
    rate: Estimate
    conf_level: float
    ci_method: str
    p0: float | None = None
    p_value: float | None = None
    test: str | None = None


@dataclass(frozen=True)
class CountRow(_Result):
    """One category with its count and percentage of the denominator."""

    category: str
    n: int
    percent: float | None


@dataclass(frozen=True)
class BorDistribution(_Result):
    """Best overall response counts in a population (confirmed BOR when ``confirmed``)."""

    population: str
    n: int
    confirmed: bool
    rows: tuple[CountRow, ...]


@dataclass(frozen=True)
class KmCurve(_Result):
    """A Kaplan-Meier step curve; times in months, one entry per distinct time."""

    time: tuple[float, ...]
    survival: tuple[float, ...]
    lower: tuple[float | None, ...]
    upper: tuple[float | None, ...]
    n_risk: tuple[int, ...]
    n_event: tuple[int, ...]
    n_censor: tuple[int, ...]


@dataclass(frozen=True)
class Landmark(_Result):
    """Kaplan-Meier survival at a landmark time with its CI."""

    label: str
    months: float
    survival: Estimate
    n_risk: int


@dataclass(frozen=True)
class TimeToEventResult(_Result):
    """PFS, OS or DoR: counts, median with CI, landmark rates and the curve (months)."""

    code: str
    name: str
    population: str
    n: int
    n_events: int
    n_censored: int
    median: Estimate
    landmarks: tuple[Landmark, ...]
    curve: KmCurve
    censor_times: tuple[float, ...]
    at_risk: tuple[tuple[float, int], ...]
    conf_level: float
    conf_type: str
    unit: str = "months"


@dataclass(frozen=True)
class FollowUp(_Result):
    """Median follow-up by the reverse Kaplan-Meier method (months)."""

    endpoint: str
    population: str
    n: int
    median: Estimate
    method: str


@dataclass(frozen=True)
class PopulationCount(_Result):
    code: str
    flag: str
    label: str
    n: int


@dataclass(frozen=True)
class Disposition(_Result):
    """Enrolment, treatment and study status counts from ADSL."""

    n_enrolled: int
    n_treated: int
    n_deaths: int
    treatment_status: tuple[CountRow, ...]
    treatment_end_reasons: tuple[CountRow, ...]
    populations: tuple[PopulationCount, ...]


@dataclass(frozen=True)
class AeTermRow(_Result):
    term: str
    n_any: int
    n_grade3plus: int


@dataclass(frozen=True)
class AeSummary(_Result):
    """Treatment-emergent adverse events by each patient's worst CTCAE grade."""

    population: str
    scale: str
    n: int
    n_any: int
    worst_grade: tuple[CountRow, ...]
    n_grade3plus: int
    n_serious: int
    n_related: int
    n_fatal: int
    terms: tuple[AeTermRow, ...]


@dataclass(frozen=True)
class SimonStatus(_Result):
    """Where the trial stands in its Simon two-stage design."""

    kind: str
    r1: int
    n1: int
    r: int
    n: int
    alpha: float
    power: float
    stage1_evaluated: int
    stage1_responders: int
    stage1_decision: str
    stage1_reason: str
    evaluated: int
    responders: int
    final_decision: str
    final_reason: str


@dataclass(frozen=True)
class InterimStatus(_Result):
    """Interim monitoring: current ORR, Simon stage-1 status, predictive probability.

    ``n_patients`` counts the primary population so far; ``n_evaluated`` those whose
    outcome is known.
    """

    n_patients: int
    n_evaluated: int
    n_responders: int
    orr: Estimate
    conf_level: float
    simon: SimonStatus
    predictive_probability: float | None
    monitoring_decision: str


@dataclass(frozen=True)
class MethodNote(_Result):
    topic: str
    text: str


@dataclass(frozen=True)
class Provenance(_Result):
    """What the results were computed from: inputs' and protocol's SHA-256, package version."""

    package_version: str
    protocol_path: str
    protocol_sha256: str
    inputs_sha256: str
    input_files: tuple[tuple[str, str], ...]
    created: str


@dataclass(frozen=True)
class DataCheck(_Result):
    """One finding of a data check: which check (``source``), about whom (``subject``, may be
    empty) and what (``message``)."""

    source: str
    subject: str
    message: str


@dataclass(frozen=True)
class StudyResults(_Result):
    """Every efficacy and safety result of one analysis run."""

    study_id: str
    title: str
    conf_level: float
    disposition: Disposition
    rates: dict[str, RateResult]
    best_response: BorDistribution
    time_to_event: dict[str, TimeToEventResult]
    follow_up: FollowUp | None
    simon: SimonStatus
    interim: InterimStatus
    safety: AeSummary | None
    methods: tuple[MethodNote, ...]
    assumptions: tuple[tuple[str, str], ...]
    provenance: Provenance | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    data_checks: tuple[DataCheck, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready results; ``schema`` names the layout version."""
        return {"schema": "oncotrial.results/1", **as_plain(self)}
