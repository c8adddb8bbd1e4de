"""RECIST 1.1 Table 1 (target +/- non-target) and Table 2 (non-target only), one case per row."""

from __future__ import annotations

import pytest

from oncotrial.recist import overall_response

# Eisenhauer et al. 2009, Table 1: target, non-target, new lesions -> overall response.
# None for the non-target column = no non-target lesion at baseline (Table 1 with targets only).
TABLE_1 = [
    ("CR", "CR", False, "CR"),
    ("CR", "NON-CR/NON-PD", False, "PR"),
    ("CR", "NE", False, "PR"),
    ("PR", "NON-CR/NON-PD", False, "PR"),
    ("PR", "NE", False, "PR"),
    ("PR", "CR", False, "PR"),
    ("SD", "NON-CR/NON-PD", False, "SD"),
    ("SD", "NE", False, "SD"),
    ("NE", "NON-CR/NON-PD", False, "NE"),
    ("PD", "CR", False, "PD"),
    ("PD", "NON-CR/NON-PD", True, "PD"),
    ("CR", "PD", False, "PD"),
    ("SD", "PD", False, "PD"),
    ("CR", "CR", True, "PD"),
    ("SD", "NON-CR/NON-PD", True, "PD"),
    ("CR", None, False, "CR"),
    ("PR", None, False, "PR"),
    ("NE", None, False, "NE"),
]

# Table 2: non-target lesions only.
TABLE_2 = [
    ("CR", False, "CR"),
    ("NON-CR/NON-PD", False, "NON-CR/NON-PD"),
    ("NE", False, "NE"),
    ("PD", False, "PD"),
    ("CR", True, "PD"),
    ("NON-CR/NON-PD", True, "PD"),
]


@pytest.mark.parametrize(("target", "non_target", "new", "expected"), TABLE_1)
def test_table_1_row_gives_overall_response(target, non_target, new, expected):
    assert overall_response([target], [non_target], [new]).tolist() == [expected]


@pytest.mark.parametrize(("non_target", "new", "expected"), TABLE_2)
def test_table_2_non_target_only_row_gives_overall_response(non_target, new, expected):
    assert overall_response([None], [non_target], [new]).tolist() == [expected]


@pytest.mark.parametrize(("new", "expected"), [(False, "NE"), (True, "PD")])
def test_no_baseline_disease_is_ne_unless_a_new_lesion_appears(new, expected):
    assert overall_response([None], [None], [new]).tolist() == [expected]


def test_rows_are_evaluated_independently_in_one_call():
    t = [row[0] for row in TABLE_1]
    nt = [row[1] for row in TABLE_1]
    new = [row[2] for row in TABLE_1]
    assert overall_response(t, nt, new).tolist() == [row[3] for row in TABLE_1]
