"""Dosing obeys the protocol's caps and dose levels; AE rates hit the scenario's totals."""

from __future__ import annotations

import numpy as np
import pytest

from oncotrial.protocol import Protocol
from oncotrial.simulate import Scenario
from oncotrial.simulate._treatment import ae_catalogue, simulate_course


def test_catalogue_grade34_total_matches_the_scenario():
    for target in (0.444, 0.3, 0.6):
        s = Scenario(grade34_trae=target)
        related = [a for a in ae_catalogue(s) if a.related_to != "none"]
        total = 1 - np.prod([1 - a.p_grade34 for a in related])
        assert total == pytest.approx(target, abs=1e-6)
        assert (
            related[0].term == "Neutrophil count decreased" and related[0].p_grade34 == s.grade34_neutropenia
        )


def _courses(protocol: Protocol, n: int, stop_day: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    s = Scenario()
    catalogue = ae_catalogue(s)
    return [
        simulate_course(
            protocol,
            s,
            catalogue,
            rng,
            first_dose=np.datetime64("2024-03-01"),
            stop_day=stop_day,
            stop_reason="PROGRESSIVE_DISEASE",
            cutoff_day=5000,
        )
        for _ in range(n)
    ]


def test_caps_from_the_protocol_hold_for_long_treatment(protocol: Protocol):
    nabp, pd1 = protocol.regimen.drug("NABP"), protocol.regimen.drug("PD1")
    limit_days = (
        pd1.max_duration.after(np.datetime64("2024-03-01").astype(object))
        - np.datetime64("2024-03-01").astype(object)
    ).days
    courses = _courses(protocol, 200, stop_day=1500)
    completed = 0
    for course in courses:
        nabp_cycles = [d for d in course.doses if d[2] == "NABP"]
        pd1_days = [d[1] for d in course.doses if d[2] == "PD1"]
        assert len(nabp_cycles) <= nabp.max_cycles
        assert max(pd1_days) < limit_days
        allowed = {nabp.dose, *nabp.dose_levels}
        assert {d[3] for d in nabp_cycles} <= allowed
        assert {d[3] for d in course.doses if d[2] == "PD1"} == {pd1.dose}
        completed += course.end_reason == "COMPLETED"
    # without progression, most reach the anti-PD-1 cap; some stop for toxicity
    assert completed > 100
    assert {c.end_reason for c in courses} <= {"COMPLETED", "TOXICITY"}


def test_reductions_step_down_the_protocol_levels_in_order(protocol: Protocol):
    nabp = protocol.regimen.drug("NABP")
    ladder = [nabp.dose, *nabp.dose_levels]
    reduced = 0
    for course in _courses(protocol, 300, stop_day=200, seed=1):
        doses = [d[3] for d in course.doses if d[2] == "NABP"]
        steps = [ladder.index(x) for x in doses]
        assert steps == sorted(steps)  # never re-escalated
        reduced += steps[-1] > 0
        flagged = [why for *_, why in (d for d in course.doses if d[2] == "NABP")]
        # EXADJ is set exactly on the doses below the protocol dose
        assert [bool(w) for w in flagged] == [dose < nabp.dose for dose in doses]
        assert set(flagged) <= {"", "ADVERSE EVENT"}
    assert reduced > 0


def test_cycles_follow_the_cycle_length_and_stop_at_progression(protocol: Protocol):
    length = int(protocol.regimen.cycle_length.days)
    window = protocol.regimen.dose_window_days
    for course in _courses(protocol, 100, stop_day=130, seed=2):
        days = sorted({d[1] for d in course.doses})
        assert days[0] == 0 and days[-1] < 130
        gaps = np.diff(days)
        assert (gaps >= length - window).all()
        assert course.end_day == 130 or course.end_reason == "TOXICITY"
