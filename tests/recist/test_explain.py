"""Explanations: one subject's rows and the rules behind its responses."""

from __future__ import annotations

import pandas as pd
import pytest

from oncotrial.errors import OncotrialError
from oncotrial.recist import best_overall_response, evaluate_timepoints, explain_subject

from .conftest import build


@pytest.fixture
def derived(settings):
    tu, tr = build(
        {"T01": "LIVER"},
        [("2024-01-01", {"T01": 40}), ("2024-02-12", {"T01": 26}), ("2024-03-25", {"T01": 24})],
    )
    subjects = pd.DataFrame({"USUBJID": ["S1"], "REFSTDT": [pd.Timestamp("2024-01-01")]})
    tp = evaluate_timepoints(tu, tr, settings, subjects=subjects)
    return tp, best_overall_response(tp, subjects, settings)


def test_explanation_lists_each_assessment_with_its_rule(derived):
    tp, best = derived
    ex = explain_subject("S1", tp, best)
    assert [r["OVRLRESP"] for r in ex.timepoints] == ["PR", "PR"]
    assert ex.timepoints[0]["ADT"] == "2024-02-12"
    assert ex.timepoints[0]["RULE"].startswith("target PR: sum >= 30% below baseline")
    assert ex.best["CBOR"] == "PR"
    assert ex.best["CBORRULE"] == "PR: PR (or CR) confirmed by CR/PR at least 28 days later (2024-02-12)"


def test_explanation_prints_numbers_and_reasons(derived):
    text = str(explain_subject("S1", *derived))
    assert "V2 (2024-02-12): PR" in text
    assert "sum of diameters 26 mm, -35.0% from baseline, -35.0% from the nadir 40 mm" in text
    assert "Best overall response (confirmed): PR" in text


def test_explanation_to_dict_is_plain_data(derived):
    d = explain_subject("S1", *derived).to_dict()
    assert d["usubjid"] == "S1"
    assert d["best"]["FRSPDT"] == "2024-02-12"
    assert d["timepoints"][1]["NADIR"] == 26.0


def test_unknown_subject_is_an_error(derived):
    with pytest.raises(OncotrialError) as err:
        explain_subject("NOPE", *derived)
    assert str(err.value) == "USUBJID: no timepoint and no best response for this subject (got 'NOPE')"
