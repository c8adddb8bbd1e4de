"""The protocol's [safety] section: BSA, SAE clocks, irAE categories, dose rules as data."""

from __future__ import annotations

import datetime as dt
import re

from tests.protocol.test_loader import problems_of, write_variant

from oncotrial.protocol import DoseAction, Duration, decision_values, read_protocol


def test_seed_safety_section_reads_with_every_rule_sourced():
    p = read_protocol().protocol
    s = p.safety
    assert s is not None
    assert s.bsa_formula == "mosteller"
    assert s.sae_initial_report.delta == dt.timedelta(hours=24)
    assert s.day1_lab_window.days == 3
    ids = [r.id for r in s.dose_rules]
    assert ids[:2] == ["NABP-D1-ANC", "NABP-D1-PLT"]
    assert {r.drug for r in s.dose_rules} == {"NABP", "PD1"}
    # PD-1 is never reduced (no dose levels), so no rule may ask for it.
    assert not [r.id for r in s.dose_rules if r.drug == "PD1" and r.action is DoseAction.REDUCE]
    assumed = dict(p.assumptions())
    assert all(f"safety.dose_rules[{i}]" in assumed for i in range(len(ids)))


def test_actions_order_by_severity():
    assert [a.severity for a in DoseAction] == [0, 1, 2, 3]
    assert max([DoseAction.REDUCE, DoseAction.HOLD], key=lambda a: a.severity) is DoseAction.HOLD


def test_each_irae_category_names_two_rule_values():
    values = decision_values(["colitis"])
    assert "irae_grade_colitis" in values and "irae_worst_grade_colitis" in values
    assert "anc_10e9_l" in values


def test_rule_naming_an_unknown_value_is_refused(tmp_path):
    path = write_variant(tmp_path, 'when = "anc_10e9_l < 1.5"', 'when = "neutrophils < 1.5"')
    (problem,) = problems_of(path)
    assert problem.startswith(
        "safety: dose_rules[0] (NABP-D1-ANC) names unknown value(s) ['neutrophils']; known: ["
    )


def test_rule_for_a_drug_outside_the_regimen_is_refused(tmp_path):
    path = write_variant(tmp_path, 'id = "NABP-D1-PLT"\ndrug = "NABP"', 'id = "NABP-D1-PLT"\ndrug = "CARBO"')
    (problem,) = problems_of(path)
    assert "safety.dose_rules[1].drug 'CARBO' is not one of ['NABP', 'PD1']" in problem


def test_duplicate_rule_ids_are_refused(tmp_path):
    path = write_variant(tmp_path, 'id = "NABP-D1-PLT"', 'id = "NABP-D1-ANC"')
    (problem,) = problems_of(path)
    assert "dose rule ids must be unique" in problem


def test_irae_category_must_be_a_lower_case_name(tmp_path):
    path = write_variant(tmp_path, '"endocrinopathies", "nephritis"', '"Endocrine disorders", "nephritis"')
    problems = problems_of(path)
    assert any(
        re.search(r"immune-related category is a lower-case name.*'Endocrine disorders'", p) for p in problems
    )


def test_unknown_action_and_bsa_formula_are_refused(tmp_path):
    path = write_variant(tmp_path, 'action = "hold"', 'action = "skip"')
    assert problems_of(path) == [
        "safety.dose_rules[0].action: Input should be 'give', 'reduce', 'hold' or 'discontinue', got 'skip'"
    ]
    path = write_variant(tmp_path, 'bsa_formula = "mosteller"', 'bsa_formula = "haycock"')
    assert problems_of(path) == [
        "safety.bsa_formula: Input should be 'mosteller' or 'du_bois', got 'haycock'"
    ]


def test_reporting_clock_durations_take_hours():
    assert Duration.parse("24 hours").delta == dt.timedelta(days=1)
    assert Duration.parse("7 days").delta == dt.timedelta(days=7)
    assert str(Duration.parse("1 hour")) == "1 hour"
