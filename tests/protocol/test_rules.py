"""Eligibility rule expressions and the evaluation of screening values."""

from __future__ import annotations

import pytest

from oncotrial.errors import ValidationFailed
from oncotrial.protocol import Rule, RuleSyntaxError, evaluate_eligibility

ELIGIBLE = {
    "age_years": 52,
    "sex": "F",
    "histology_confirmed": True,
    "disease_status": "recurrent",
    "measurable_lesions": 2,
    "ecog": 1,
    "life_expectancy_weeks": 24,
    "prior_anti_pd1_pdl1": False,
    "prior_taxane_progression_6m": False,
    "anc_10e9_l": 2.1,
    "platelets_10e9_l": 180,
    "hemoglobin_g_l": 112,
    "bilirubin_x_uln": 0.6,
    "ast_x_uln": 1.0,
    "alt_x_uln": 0.9,
    "liver_metastases": False,
    "creatinine_x_uln": 0.8,
    "creatinine_clearance_ml_min": 85,
    "active_autoimmune_disease": False,
    "systemic_steroids": False,
    "untreated_cns_metastases": False,
    "neuropathy_grade": 0,
    "pregnant_or_breastfeeding": False,
}


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("age_years >= 18", {"age_years": 18}, True),
        ("age_years >= 18", {"age_years": 17}, False),
        ("age_years >= 18", {}, None),
        ("ecog in [0, 1]", {"ecog": 2}, False),
        ("not prior", {"prior": False}, True),
        ("a or b", {"a": True}, True),  # true whatever b is
        ("a and b", {"a": False}, False),  # false whatever b is
        ("a and b", {"a": True}, None),
        ("0 < x <= 2.5 * y", {"x": 2, "y": 1}, True),
        ("x == 'recurrent'", {"x": "recurrent"}, True),
        ("flag == true", {"flag": True}, True),
    ],
)
def test_rule_three_valued_evaluation(text, values, expected):
    assert Rule.parse(text).evaluate(values) is expected


@pytest.mark.parametrize(
    "text", ["__import__('os')", "x.attr > 1", "[i for i in x]", "lambda: 1", "x ** 2 > 1", "x >="]
)
def test_rule_rejects_anything_but_the_small_language(text):
    with pytest.raises(RuleSyntaxError):
        Rule.parse(text)


def test_eligible_patient_passes_every_criterion(protocol):
    result = evaluate_eligibility(protocol, ELIGIBLE)
    assert result.eligible, [r.explanation for r in result.failing]
    assert len(result.results) == len(protocol.eligibility.inclusion) + len(protocol.eligibility.exclusion)


def test_each_failing_criterion_is_named(protocol):
    values = ELIGIBLE | {"ecog": 2, "prior_anti_pd1_pdl1": True}
    result = evaluate_eligibility(protocol, values)
    assert not result.eligible
    assert [r.criterion.id for r in result.failing] == ["IN04", "EX01"]
    assert result.failing[0].explanation == "IN04 NOT met: ecog = 2 (rule: ecog in [0, 1])"


def test_liver_metastases_relax_transaminase_threshold(protocol):
    high = ELIGIBLE | {"ast_x_uln": 4.0}
    assert [r.criterion.id for r in evaluate_eligibility(protocol, high).failing] == ["IN07"]
    assert evaluate_eligibility(protocol, high | {"liver_metastases": True}).eligible


def test_missing_value_makes_criterion_not_evaluable(protocol):
    values = dict(ELIGIBLE)
    del values["anc_10e9_l"]
    (failing,) = evaluate_eligibility(protocol, values).failing
    assert failing.outcome == "not evaluable"
    assert failing.missing == ["anc_10e9_l"]


def test_bad_values_are_rejected_naming_each_field(protocol):
    with pytest.raises(ValidationFailed) as info:
        evaluate_eligibility(protocol, ELIGIBLE | {"ecog": 7, "sex": "X", "age_yrs": 40})
    problems = {p.where: p.msg for p in info.value.problems}
    assert problems == {
        "ecog": "must be at most 5",
        "sex": "expected one of ['F', 'M']",
        "age_yrs": "is not a screening field of this protocol",
    }
