"""Disposition and population counts."""

from __future__ import annotations

from oncotrial.analysis import compute_disposition


def test_disposition_counts_enrolled_treated_and_deaths(adam, protocol):
    d = compute_disposition(adam.adsl, protocol=protocol)
    assert (d.n_enrolled, d.n_treated, d.n_deaths) == (7, 6, 2)


def test_treatment_end_reasons_follow_the_protocol_order_and_skip_blanks(adam, protocol):
    d = compute_disposition(adam.adsl, protocol=protocol)
    reasons = [(r.category, r.n) for r in d.treatment_end_reasons]
    assert reasons == [("PROGRESSIVE DISEASE", 3), ("ADVERSE EVENT", 1), ("WITHDRAWAL BY SUBJECT", 1)]
    assert d.treatment_end_reasons[0].percent == 50.0


def test_every_protocol_population_is_counted(adam, protocol):
    d = compute_disposition(adam.adsl, protocol=protocol)
    assert {p.code: p.n for p in d.populations} == {"FAS": 6, "EFF": 5, "SAF": 6, "RESP": 2}


def test_without_enrollment_date_every_adsl_row_is_enrolled(adam, protocol):
    d = compute_disposition(adam.adsl.drop(columns="ENRLDT"), protocol=protocol)
    assert d.n_enrolled == 7
