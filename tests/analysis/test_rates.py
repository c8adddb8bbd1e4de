"""Response rates and the best-overall-response distribution."""

from __future__ import annotations

import pandas as pd
import pytest

from oncotrial.analysis import best_response, compute_bor_distribution, compute_rate
from oncotrial.errors import OncotrialError


def test_orr_counts_confirmed_cr_and_pr_over_the_whole_fas(adam, protocol):
    orr = compute_rate(
        adam.adrs, adsl=adam.adsl, endpoint=protocol.endpoint("ORR"), protocol=protocol, test_p0=True
    )
    # S03's unconfirmed PR (CBOR SD) is not a response; S06 (no record) stays in the denominator.
    assert (orr.x, orr.n, orr.population) == (2, 6, "FAS")
    assert orr.rate.estimate == pytest.approx(2 / 6)


def test_orr_exact_ci_and_one_sided_test_match_r_binom_test(adam, protocol):
    orr = compute_rate(
        adam.adrs, adsl=adam.adsl, endpoint=protocol.endpoint("ORR"), protocol=protocol, test_p0=True
    )
    # R 4.2.2: binom.test(2, 6)$conf.int; binom.test(2, 6, p = 0.2, alternative = "greater")$p.value
    assert orr.rate.low == pytest.approx(0.0432718682927417, abs=1e-12)
    assert orr.rate.high == pytest.approx(0.7772219044964879, abs=1e-12)
    assert orr.p_value == pytest.approx(0.34464, abs=1e-12)
    assert orr.p0 == protocol.design.p0


def test_dcr_adds_stable_disease_and_has_no_test_against_p0(adam, protocol):
    dcr = compute_rate(adam.adrs, adsl=adam.adsl, endpoint=protocol.endpoint("DCR"), protocol=protocol)
    assert (dcr.x, dcr.n) == (3, 6)
    # R 4.2.2: binom.test(3, 6)$conf.int
    assert (dcr.rate.low, dcr.rate.high) == pytest.approx((0.118117248757025, 0.881882751242975), abs=1e-12)
    assert dcr.p_value is None and dcr.test is None


def test_rate_reads_its_population_from_the_protocol(adam, protocol):
    endpoint = protocol.endpoint("ORR").model_copy(update={"population": "EFF"})
    orr = compute_rate(adam.adrs, adsl=adam.adsl, endpoint=endpoint, protocol=protocol)
    assert (orr.x, orr.n, orr.population) == (2, 5, "EFF")


def test_unconfirmed_endpoint_reads_bor_instead_of_cbor(adam, protocol):
    endpoint = protocol.endpoint("ORR").model_copy(update={"confirmed": False})
    orr = compute_rate(adam.adrs, adsl=adam.adsl, endpoint=endpoint, protocol=protocol)
    assert orr.x == 3  # S03's PR counts when confirmation is not required


def test_empty_population_gives_no_estimate(adam, protocol):
    adam.adsl["FASFL"] = "N"
    orr = compute_rate(
        adam.adrs, adsl=adam.adsl, endpoint=protocol.endpoint("ORR"), protocol=protocol, test_p0=True
    )
    assert orr.n == 0 and orr.rate.estimate is None and orr.p_value is None


def test_best_response_marks_patients_without_a_record_not_assessed(adam):
    bor = best_response(adam.adrs, pd.Index(["S01", "S06"]), confirmed=True)
    assert bor.to_dict() == {"S01": "CR", "S06": "NOT ASSESSED"}


def test_missing_avalc_names_dataset_and_variable(adam, protocol):
    with pytest.raises(OncotrialError, match=r"ADRS\.AVALC: variable is missing from the dataset"):
        compute_rate(
            adam.adrs.drop(columns="AVALC"),
            adsl=adam.adsl,
            endpoint=protocol.endpoint("ORR"),
            protocol=protocol,
        )


def test_bor_distribution_lists_recist_order_then_not_assessed(adam, protocol):
    dist = compute_bor_distribution(adam.adrs, adsl=adam.adsl, protocol=protocol)
    assert [r.category for r in dist.rows] == ["CR", "PR", "SD", "PD", "NE", "NOT ASSESSED"]
    assert sum(r.n for r in dist.rows) == dist.n == 6
    assert dist.confirmed is True
