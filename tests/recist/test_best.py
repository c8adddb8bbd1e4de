"""Best overall response: RECIST 1.1 Table 3 row by row and the documented decisions.

Protocol settings: confirmation at least 28 days later, SD at least 35 days after the start.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from oncotrial.errors import ValidationFailed
from oncotrial.recist import best_overall_response

from .conftest import timepoints

MET = (42, 84)  # both assessments after the 35-day SD minimum, 42 days apart
NOT_MET = (3, 32)  # 29 days apart (confirmation interval met) but both before the SD minimum

# Eisenhauer et al. 2009, Table 3 (best overall response when confirmation is required):
# (first, second, timing, expected CBOR). Timing MET: minimum SD duration met; NOT_MET: not.
TABLE_3 = [
    ("CR", "CR", MET, "CR"),
    ("CR", "PR", MET, "PR"),  # footnote a: the first CR is taken as a PR (documented decision)
    ("CR", "SD", MET, "SD"),
    ("CR", "SD", NOT_MET, "PD"),
    ("CR", "PD", MET, "SD"),
    ("CR", "PD", NOT_MET, "PD"),
    ("CR", "NE", MET, "SD"),
    ("CR", "NE", NOT_MET, "NE"),
    ("PR", "CR", MET, "PR"),
    ("PR", "PR", MET, "PR"),
    ("PR", "SD", MET, "SD"),
    ("PR", "PD", MET, "SD"),
    ("PR", "PD", NOT_MET, "PD"),
    ("PR", "NE", MET, "SD"),
    ("PR", "NE", NOT_MET, "NE"),
    ("NE", "NE", MET, "NE"),
]


def best(responses, settings, **subject):
    tp, subjects = timepoints(responses)
    for k, v in subject.items():
        subjects[k] = v
    return best_overall_response(tp, subjects, settings).iloc[0]


@pytest.mark.parametrize(("first", "second", "timing", "expected"), TABLE_3)
def test_table_3_row_gives_confirmed_best_response(first, second, timing, expected, settings):
    row = best([(timing[0], first), (timing[1], second)], settings)
    assert expected == row.CBOR


def test_pr_then_sd_before_the_sd_minimum_is_ne_not_sd(settings):
    # Table 3 lists PR-SD as SD without a proviso; our protocol's SD minimum applies to every SD.
    assert best([(3, "PR"), (32, "SD")], settings).CBOR == "NE"


def test_unconfirmed_bor_takes_the_best_response_recorded(settings):
    row = best([(21, "SD"), (42, "PR"), (63, "CR"), (84, "PD")], settings)
    assert (row.BOR, str(row.BORDT.date())) == ("CR", "2024-03-04")
    assert (row.CBOR, row.RSPFL, row.CRSPFL) == ("SD", "Y", "N")


def test_sd_before_the_minimum_then_pd_is_pd(settings):
    row = best([(21, "SD"), (42, "PD")], settings)
    assert (row.BOR, row.CBOR, str(row.PDDT.date())) == ("PD", "PD", "2024-02-12")


def test_sd_before_the_minimum_and_nothing_after_is_ne(settings):
    row = best([(21, "SD")], settings)
    assert (row.BOR, row.CBOR, row.DCRFL) == ("NE", "NE", "N")


def test_sd_exactly_at_the_minimum_counts(settings):
    assert best([(35, "SD")], settings).BOR == "SD"
    assert best([(34, "SD")], settings).BOR == "NE"


def test_confirmation_exactly_at_the_interval_counts(settings):
    assert best([(42, "PR"), (70, "PR")], settings).CBOR == "PR"
    assert best([(42, "PR"), (69, "PR")], settings).CBOR == "SD"


def test_one_ne_between_response_and_confirmation_does_not_break_it(settings):
    row = best([(42, "PR"), (63, "NE"), (84, "PR")], settings)
    assert (row.CBOR, str(row.FRSPDT.date())) == ("PR", "2024-02-12")


def test_limit_on_ne_between_response_and_confirmation(settings):
    # The bundled protocol allows one NE between (response.max_ne_between = 1): two break
    # the confirmation, and the unconfirmed PR counts as SD (day 42, after the SD minimum).
    responses = [(42, "PR"), (63, "NE"), (84, "NE"), (105, "PR")]
    assert settings.max_ne_between == 1
    assert best(responses, settings).CBOR == "SD"
    assert best(responses, dataclasses.replace(settings, max_ne_between=None)).CBOR == "PR"
    assert best(responses, dataclasses.replace(settings, max_ne_between=2)).CBOR == "PR"


def test_sd_between_response_and_confirmation_breaks_it(settings):
    assert best([(42, "PR"), (63, "SD"), (84, "PR")], settings).CBOR == "SD"


def test_pr_between_cr_and_its_confirmation_makes_it_a_confirmed_pr(settings):
    row = best([(42, "CR"), (63, "PR"), (84, "CR")], settings)
    assert row.CBOR == "PR"


def test_first_response_date_is_the_first_confirmed_response(settings):
    row = best([(42, "PR"), (84, "CR"), (126, "CR")], settings)
    assert (row.CBOR, str(row.CBORDT.date()), str(row.FRSPDT.date())) == ("CR", "2024-03-25", "2024-02-12")


def test_only_assessments_up_to_the_first_pd_count(settings):
    row = best([(42, "PR"), (84, "PD"), (126, "PR"), (168, "PR")], settings)
    assert (row.BOR, row.CBOR, str(row.PDDT.date()), str(row.LSTADT.date())) == (
        "PR",
        "SD",
        "2024-03-25",
        "2024-03-25",
    )


def test_assessments_after_new_anti_tumour_therapy_do_not_count(settings):
    responses = [(42, "PR"), (84, "PR")]
    assert (
        best(responses, settings, NACTDT=pd.Timestamp("2024-03-25")).CBOR == "PR"
    )  # scan on that day counts
    row = best(responses, settings, NACTDT=pd.Timestamp("2024-03-01"))
    assert (row.BOR, row.CBOR, str(row.LSTADT.date())) == ("PR", "SD", "2024-02-12")


def test_two_responses_on_one_date_count_as_the_worst_evaluable(settings):
    assert best([(42, "PR"), (42, "SD")], settings).BOR == "SD"
    assert best([(42, "NE"), (42, "PR"), (84, "PR")], settings).CBOR == "PR"


def test_last_adequate_assessment_skips_ne(settings):
    assert str(best([(42, "SD"), (84, "NE")], settings).LSTADT.date()) == "2024-02-12"


def test_subject_without_assessments_is_ne(settings):
    tp, subjects = timepoints([(42, "PR")])
    subjects = pd.concat(
        [subjects, pd.DataFrame({"USUBJID": ["S2"], "REFSTDT": [pd.Timestamp("2024-01-01")]})]
    )
    out = best_overall_response(tp, subjects, settings).set_index("USUBJID")
    assert (out.at["S2", "BOR"], out.at["S2", "NASSESS"], out.at["S2", "BORRULE"]) == (
        "NE",
        0,
        "no post-baseline assessment",
    )
    assert out.at["S2", "RSPFL"] == "N"


def test_rules_say_why_with_the_date(settings):
    row = best([(42, "PR"), (84, "PR")], settings)
    assert row.BORRULE == "PR: first PR (2024-02-12)"
    assert row.CBORRULE == "PR: PR (or CR) confirmed by CR/PR at least 28 days later (2024-02-12)"


def test_non_cr_non_pd_needs_the_sd_minimum(settings):
    assert best([(21, "NON-CR/NON-PD")], settings).BOR == "NE"
    row = best([(21, "NON-CR/NON-PD"), (42, "NON-CR/NON-PD")], settings)
    assert (row.BOR, row.CBOR, row.DCRFL) == ("NON-CR/NON-PD", "NON-CR/NON-PD", "Y")


def test_timepoints_of_a_subject_not_in_subjects_is_an_error(settings):
    tp, _ = timepoints([(42, "PR")])
    with pytest.raises(ValidationFailed) as err:
        best_overall_response(
            tp, pd.DataFrame({"USUBJID": ["X"], "REFSTDT": [pd.Timestamp("2024-01-01")]}), settings
        )
    assert str(err.value) == "subjects.USUBJID: has timepoints but no row in subjects"


def test_unknown_response_is_an_error(settings):
    tp, subjects = timepoints([(42, "GOOD")])
    with pytest.raises(ValidationFailed) as err:
        best_overall_response(tp, subjects, settings)
    assert str(err.value) == (
        "timepoints.OVRLRESP[0]: S1 on 2024-02-12: 'GOOD' is not a response (CR, PR, SD, NON-CR/NON-PD, PD, NE)"
    )


def test_lower_case_response_is_refused_not_read_as_the_term(settings):
    tp, subjects = timepoints([(42, "pd")])
    with pytest.raises(ValidationFailed, match="'pd' is not a response"):
        best_overall_response(tp, subjects, settings)
