"""Patient-level virtual trials: RECIST-read confirmed responses track the scenario's rate."""

from __future__ import annotations

import numpy as np
import pytest

from oncotrial.protocol import Protocol
from oncotrial.simulate import Scenario
from oncotrial.simulate._patient_level import simulate_patient_responses


@pytest.mark.parametrize("orr", [0.2, 0.444])
def test_confirmed_response_rate_is_the_scenarios_less_a_small_loss(protocol: Protocol, orr: float):
    responses = simulate_patient_responses(
        protocol, Scenario(orr=orr), n_trials=200, n_patients=43, rng=np.random.default_rng(3)
    )
    assert responses.shape == (200, 43)
    rate = responses.mean()
    # 8,600 patients: SE <= 0.0054. Missed scans, deaths and noise lose a few
    # confirmations (measured: about 1-3% of responders), never add any.
    assert orr - 0.03 <= rate <= orr + 4 * 0.0054


def test_no_responders_when_the_true_rate_is_zero(protocol: Protocol):
    responses = simulate_patient_responses(
        protocol, Scenario(orr=0.0), n_trials=20, n_patients=43, rng=np.random.default_rng(4)
    )
    assert not responses.any()


def test_engine_reads_of_the_virtual_tumours_are_the_generators_reads(protocol: Protocol):
    from oncotrial.recist import RecistSettings, evaluate_timepoints
    from oncotrial.simulate._latent import draw_latent
    from oncotrial.simulate._patient_level import tumour_frames
    from oncotrial.simulate._tumour import draw_lesions, read_scans

    rng = np.random.default_rng(8)
    n = 400
    lesions = draw_lesions(rng, n)
    latent = draw_latent(
        Scenario(),
        rng,
        n,
        imaging_interval_days=42.0,
        days_per_month=30.4375,
        baseline_sum_mm=lesions.baseline_sum,
    )
    scans = read_scans(
        latent,
        lesions,
        rng,
        interval_days=42.0,
        window_days=7,
        stop_day=np.full(n, 700.0),
        n_scans=17,
        missed_rate=0.05,
        measurement_cv=0.05,
        new_lesion_share=0.4,
    )
    tu, tr = tumour_frames(lesions, scans, "INVESTIGATOR")
    timepoints = evaluate_timepoints(tu, tr, RecistSettings.from_protocol(protocol))
    i, j = np.nonzero(scans.done)
    expected = {(f"V{a:07d}", 201 + b): scans.response[a, b] for a, b in zip(i, j, strict=True)}
    got = dict(
        zip(
            zip(timepoints["USUBJID"], timepoints["VISITNUM"].astype(int), strict=True),
            timepoints["OVRLRESP"],
            strict=True,
        )
    )
    assert got == expected
