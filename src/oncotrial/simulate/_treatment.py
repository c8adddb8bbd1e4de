"""Dosing cycle by cycle under the protocol's rules, with adverse events and their
consequences (delays, dose reductions, holds, discontinuation for toxicity).

Rules come from the protocol: cycle length and early window, each drug's starting
dose, reduced dose levels and caps (``max_cycles``, ``max_duration``), the longest
allowed delay. Rates come from the scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from oncotrial.protocol import Drug, Protocol
from oncotrial.simulate._scenario import Scenario

__all__ = ["AdverseEvent", "AeSpec", "Course", "ae_catalogue", "simulate_course"]


@dataclass(frozen=True)
class AeSpec:
    """An adverse event term with its per-patient incidence (any grade, grade 3-4)."""

    term: str
    soc: str
    p_any: float
    p_grade34: float
    related_to: str  # "chemotherapy", "immunotherapy", "both" or "none"
    grade4_share: float = 0.0
    lasting: bool = False  # e.g. hypothyroidism: usually not resolved


# Per-patient incidences over a course of treatment. Grade 3-4 neutrophil count
# decreased and the total of grade 3-4 related AEs come from the scenario (the 2023
# trial); the other rates are assumptions in line with nab-paclitaxel and anti-PD-1
# labels, scaled together so that the grade 3-4 total is the scenario's.
_BASE = (
    AeSpec("Neutrophil count decreased", "Investigations", 0.60, 0.22, "chemotherapy", 0.35),
    AeSpec("White blood cell count decreased", "Investigations", 0.55, 0.10, "chemotherapy", 0.1),
    AeSpec("Anaemia", "Blood and lymphatic system disorders", 0.55, 0.07, "chemotherapy"),
    AeSpec("Peripheral sensory neuropathy", "Nervous system disorders", 0.45, 0.04, "chemotherapy"),
    AeSpec("Alopecia", "Skin and subcutaneous tissue disorders", 0.45, 0.0, "chemotherapy"),
    AeSpec("Fatigue", "General disorders and administration site conditions", 0.35, 0.03, "both"),
    AeSpec("Nausea", "Gastrointestinal disorders", 0.25, 0.01, "chemotherapy"),
    AeSpec("Alanine aminotransferase increased", "Investigations", 0.20, 0.03, "both"),
    AeSpec("Hypothyroidism", "Endocrine disorders", 0.20, 0.0, "immunotherapy", lasting=True),
    AeSpec("Rash", "Skin and subcutaneous tissue disorders", 0.18, 0.02, "immunotherapy"),
    AeSpec("Pneumonitis", "Respiratory, thoracic and mediastinal disorders", 0.05, 0.02, "immunotherapy"),
    AeSpec("Abdominal pain", "Gastrointestinal disorders", 0.20, 0.03, "none"),
    AeSpec("Urinary tract infection", "Infections and infestations", 0.12, 0.03, "none"),
)


def ae_catalogue(scenario: Scenario) -> tuple[AeSpec, ...]:
    """The AE terms with grade 3-4 rates set so that the scenario's totals hold.

    Neutrophil count decreased gets ``grade34_neutropenia``; the other related terms'
    grade 3-4 rates are scaled by one factor so that P(any related grade 3-4) equals
    ``grade34_trae`` (terms treated as independent).
    """
    neut = scenario.grade34_neutropenia
    others = [s for s in _BASE[1:] if s.related_to != "none"]

    def total(c: float) -> float:
        keep = np.prod([1.0 - min(c * s.p_grade34, s.p_any) for s in others])
        return 1.0 - (1.0 - neut) * keep - scenario.grade34_trae

    c_max = max(s.p_any / s.p_grade34 for s in others if s.p_grade34 > 0)
    if total(0.0) >= 0:
        c = 0.0
    elif total(c_max) <= 0:
        c = c_max
    else:
        c = optimize.brentq(total, 0.0, c_max, xtol=1e-10)
    out = [AeSpec(**{**_BASE[0].__dict__, "p_grade34": neut, "p_any": max(_BASE[0].p_any, neut)})]
    for s in _BASE[1:]:
        scaled = min(c * s.p_grade34, s.p_any) if s.related_to != "none" else s.p_grade34
        out.append(AeSpec(**{**s.__dict__, "p_grade34": scaled}))
    return tuple(out)


def _kind(drug: Drug) -> str:
    text = drug.drug_class.lower()
    if "pd-1" in text or "pd-l1" in text or "ctla" in text or "immun" in text:
        return "immunotherapy"
    return "chemotherapy"


def _related(spec: AeSpec, drug: Drug) -> bool:
    return spec.related_to == "both" or spec.related_to == _kind(drug)


@dataclass
class AdverseEvent:
    """One AE as a site records it; days from first dose."""

    spec: AeSpec
    grade: int
    start_day: int
    end_day: int | None
    related: dict[str, bool]
    action: str = "DOSE NOT CHANGED"


@dataclass
class Course:
    """One patient's treatment: doses per cycle, AEs and how treatment ended."""

    doses: list[tuple[int, int, str, float, str]] = field(default_factory=list)
    # (cycle, day, drug code, dose, adjustment reason or "")
    adverse_events: list[AdverseEvent] = field(default_factory=list)
    end_day: int | None = None  # day of the end-of-treatment decision; None = ongoing
    end_reason: str | None = None  # protocol treatment_end_reasons code

    @property
    def last_dose_day(self) -> int:
        return max(d[1] for d in self.doses)


def simulate_course(
    protocol: Protocol,
    scenario: Scenario,
    catalogue: tuple[AeSpec, ...],
    rng: np.random.Generator,
    *,
    first_dose: np.datetime64,
    stop_day: int,
    stop_reason: str | None,
    cutoff_day: int,
) -> Course:
    """Give cycles from day 0 until ``stop_day`` (progression scan, death, withdrawal...).

    ``stop_reason`` is the protocol's end-of-treatment code for ``stop_day``, or None
    when ``stop_day`` is the data cut-off (treatment ongoing).
    """
    regimen = protocol.regimen
    cycle_days = int(regimen.cycle_length.days)
    max_delay = regimen.max_cycle_delay.days
    drugs = list(regimen.drugs)
    level = {d.code: 0 for d in drugs}  # 0 = starting dose, i = dose_levels[i - 1]
    active = {d.code: True for d in drugs}
    held = {d.code: False for d in drugs}
    given = {d.code: 0 for d in drugs}
    first_day: dict[str, int] = {}
    course = Course()

    # which cycles can happen at all, for placing AE onsets
    planned = max(1, int(np.ceil(stop_day / cycle_days)))
    events = []
    for spec in catalogue:
        if rng.random() >= spec.p_any:
            continue
        severe = rng.random() < spec.p_grade34 / spec.p_any if spec.p_any > 0 else False
        grade = (4 if rng.random() < spec.grade4_share else 3) if severe else int(1 + (rng.random() < 0.4))
        early = min(planned, 4)
        cycle = (
            int(rng.integers(min(2, early), early + 1))
            if "neuropathy" in spec.term
            else int(rng.integers(1, early + 1))
        )
        events.append((cycle, spec, grade))
    toxicity_stop = rng.random() < min(
        1.0, scenario.toxicity_discontinuation / max(scenario.grade34_trae, 1e-9)
    )

    day = 0
    cycle = 0
    reason: str | None = None
    end_day: int | None = None
    delay_next = 0
    placed: set[int] = set()
    while True:
        cycle += 1
        if cycle > 1:
            jitter = int(rng.integers(-regimen.dose_window_days, 3))
            delay = 7 if rng.random() < scenario.delay_per_cycle else 0
            delay = max(delay, delay_next)
            day = day + cycle_days + max(jitter, 0 if delay else jitter) + delay
            if delay > max_delay:
                for code in active:
                    active[code] = False
        if day >= stop_day and cycle > 1:  # every enrolled patient gets the first dose
            end_day, reason = stop_day, stop_reason
            break
        date = first_dose + np.timedelta64(day, "D")
        for drug in drugs:
            code = drug.code
            if not active[code]:
                continue
            if drug.max_cycles is not None and given[code] >= drug.max_cycles:
                active[code] = False
                continue
            if drug.max_duration is not None and code in first_day:
                limit = drug.max_duration.after(
                    (first_dose + np.timedelta64(first_day[code], "D")).astype(object)
                )
                if date.astype(object) >= limit:
                    active[code] = False
                    continue
            if held[code]:
                held[code] = False
                continue
            dose = drug.dose if level[code] == 0 else drug.dose_levels[level[code] - 1]
            # every dose below the protocol dose carries its reason (EXADJ), as a site records it
            why = "ADVERSE EVENT" if dose < drug.dose else ""
            course.doses.append((cycle, day, code, float(dose), why))
            given[code] += 1
            first_day.setdefault(code, day)
        if not any(active.values()):
            end_day, reason = day, "COMPLETED"
            break
        # adverse events starting in this cycle, and what they change next cycle
        delay_next = 0
        stopped_for_toxicity = False
        for index, (onset_cycle, spec, grade) in enumerate(events):
            if onset_cycle != cycle:
                continue
            start = _onset(rng, day, min(stop_day, cutoff_day))
            if start is None:
                continue
            placed.add(index)
            length = int(rng.integers(5, 22)) if grade >= 3 else int(rng.integers(3, 31))
            end = None if spec.lasting or start + length > cutoff_day else start + length
            related = {d.code: _related(spec, d) and d.code in first_day for d in drugs}
            ae = AdverseEvent(spec, grade, start, end, related)
            severe = grade >= 3 or ("neuropathy" in spec.term and grade >= 2)
            if severe and any(related.values()):
                if toxicity_stop and grade >= 3:
                    ae.action = "DRUG WITHDRAWN"
                    stopped_for_toxicity = True
                    end_day, reason = start + int(rng.integers(1, 5)), "TOXICITY"
                else:
                    for drug in drugs:
                        if not related[drug.code] or not active[drug.code]:
                            continue
                        if drug.dose_levels:
                            if level[drug.code] < len(drug.dose_levels):
                                level[drug.code] += 1
                                ae.action = "DOSE REDUCED"
                            else:
                                active[drug.code] = False
                                ae.action = "DRUG WITHDRAWN"
                        else:
                            held[drug.code] = True
                            ae.action = "DRUG INTERRUPTED"
                    delay_next = 7
            course.adverse_events.append(ae)
        if stopped_for_toxicity:
            end_day = min(end_day, stop_day) if end_day is not None else stop_day
            if end_day == stop_day and stop_reason != "TOXICITY":
                reason = stop_reason
            break
    # an AE drawn for a cycle that was not reached (a delay, an earlier stop) starts after
    # the last dose instead, so that the scenario's incidences hold
    last = course.last_dose_day
    limit = min(stop_day, cutoff_day, stop_day if end_day is None else end_day + 30)
    for index, (_cycle, spec, grade) in enumerate(events):
        if index in placed:
            continue
        start = _onset(rng, last, limit)
        if start is None:
            continue
        length = int(rng.integers(5, 22)) if grade >= 3 else int(rng.integers(3, 31))
        end = None if spec.lasting or start + length > cutoff_day else start + length
        related = {d.code: _related(spec, d) and d.code in first_day for d in drugs}
        course.adverse_events.append(AdverseEvent(spec, grade, start, end, related))
    course.adverse_events.sort(key=lambda ae: ae.start_day)
    course.end_day, course.end_reason = end_day, reason
    return course


def _onset(rng: np.random.Generator, day: int, limit: int) -> int | None:
    """An AE onset 3-14 days after a dose, moved before ``limit`` (stop or cut-off) if need be."""
    start = min(day + int(rng.integers(3, 15)), limit - 1)
    return start if start >= day else None
