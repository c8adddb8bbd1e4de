"""Virtual lesions follow the RECIST 1.1 selection rules; scan reads stop at progression."""

from __future__ import annotations

import numpy as np

from oncotrial.recist.criteria import MAX_TARGETS_PER_ORGAN, MIN_NODAL_TARGET_MM, MIN_NON_NODAL_TARGET_MM
from oncotrial.simulate import Scenario
from oncotrial.simulate._latent import draw_latent
from oncotrial.simulate._tumour import NODE, ORGANS, draw_lesions, read_scans


def test_targets_are_measurable_at_most_five_and_two_per_organ():
    lesions = draw_lesions(np.random.default_rng(1), 3000)
    sizes, organs = lesions.target_mm, lesions.target_organ
    present = ~np.isnan(sizes)
    assert present.any(axis=1).all()  # every patient has a measurable lesion
    assert present.sum(axis=1).max() <= 5
    nodal = organs == NODE
    assert (sizes[present & nodal] >= MIN_NODAL_TARGET_MM).all()
    assert (sizes[present & ~nodal] >= MIN_NON_NODAL_TARGET_MM).all()
    assert not (organs == ORGANS.index("BONE")).any()  # bone lesions are non-target
    for row in organs:
        _, counts = np.unique(row[row >= 0], return_counts=True)
        assert counts.max() <= MAX_TARGETS_PER_ORGAN


def _scans(seed: int, n: int = 2000, missed: float = 0.0):
    rng = np.random.default_rng(seed)
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
        stop_day=np.full(n, 730.0),
        n_scans=18,
        missed_rate=missed,
        measurement_cv=0.05,
        new_lesion_share=0.4,
    )
    return latent, lesions, scans


def test_scans_stop_after_the_first_progression_and_stay_in_the_window():
    _, _, scans = _scans(2)
    for i in np.flatnonzero(scans.pd_scan >= 0):
        assert not scans.done[i, scans.pd_scan[i] + 1 :].any()
        assert scans.response[i, scans.pd_scan[i]] == "PD"
        assert "PD" not in set(scans.response[i, : scans.pd_scan[i]])
    k = np.arange(1, 19) * 42.0
    assert (np.abs(scans.day - k[None, :]) <= 7).all()


def test_progression_is_read_near_the_latent_time():
    latent, _, scans = _scans(3)
    progressed = scans.pd_scan >= 0
    read_day = scans.day[progressed, scans.pd_scan[progressed]]
    # PD is read at the scan nearest the latent time: no bias (the median difference is
    # within the +-7 day scan window) and most reads within one imaging interval; noise
    # on a slowly regrowing tumour moves the rest by a scan
    difference = read_day - latent.t_prog[progressed]
    assert abs(np.median(difference)) <= 7
    assert np.mean(np.abs(difference) <= 42.0) > 0.8


def test_latent_classes_are_what_recist_reads():
    latent, _, scans = _scans(4)
    order = {"CR": 0, "PR": 1, "SD": 2, "PD": 3}
    best = np.array([min((r for r in row if r), key=order.get) for row in scans.response])
    agreement = np.mean(np.where(latent.klass == "CR", np.isin(best, ("CR", "PR")), best == latent.klass))
    assert agreement > 0.93


def test_missed_scans_are_about_the_requested_share():
    _, _, scans = _scans(5, missed=0.1)
    _, _, full = _scans(5, missed=0.0)
    # same seed, same draws: only the missed-scan mask differs before the first PD
    share = 1 - scans.done[:, 0].mean()
    assert 0.07 < share < 0.13
    assert full.done[:, 0].all()
