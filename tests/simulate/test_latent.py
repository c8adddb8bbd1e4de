"""Latent truth: the mixture reproduces the scenario's rates and medians."""

from __future__ import annotations

import numpy as np
import pytest

from oncotrial.errors import OncotrialError
from oncotrial.simulate import Scenario
from oncotrial.simulate._latent import (
    draw_latent,
    growth_rate_for_crossing,
    loglogistic_shape,
    loglogistic_survival,
    relative_burden,
)

N = 40_000  # binomial SE of a share near 0.4 is 0.0025; tolerances below are 4 SE
DAYS_PER_MONTH = 30.4375


def _draw(scenario: Scenario, seed: int = 3):
    rng = np.random.default_rng(seed)
    return draw_latent(
        scenario,
        rng,
        N,
        imaging_interval_days=42.0,
        days_per_month=DAYS_PER_MONTH,
        baseline_sum_mm=rng.uniform(20, 150, N),
    )


def test_class_shares_match_orr_and_dcr():
    s = Scenario()
    latent = _draw(s)
    responders = np.isin(latent.klass, ("CR", "PR")).mean()
    controlled = (latent.klass != "PD").mean()
    assert responders == pytest.approx(s.orr, abs=0.01)
    assert controlled == pytest.approx(s.dcr, abs=0.01)


def test_latent_medians_match_pfs_and_os():
    s = Scenario()
    latent = _draw(s)
    # sample median of 40,000 draws: relative SE about 1%; allow 4%
    assert np.median(latent.t_prog) / DAYS_PER_MONTH == pytest.approx(s.median_pfs_months, rel=0.04)
    assert np.median(latent.t_death) / DAYS_PER_MONTH == pytest.approx(s.median_os_months, rel=0.04)


def test_responders_progress_late_enough_to_be_confirmed():
    latent = _draw(Scenario())
    responders = np.isin(latent.klass, ("CR", "PR"))
    assert latent.t_prog[responders].min() >= 3 * 42.0
    assert (latent.t_death >= latent.t_prog).all()


def test_loglogistic_shape_reproduces_both_quantiles():
    b = loglogistic_shape(150.0, 0.85, 63.0)
    assert loglogistic_survival(150.0, 150.0, b) == pytest.approx(0.5)
    assert loglogistic_survival(63.0, 150.0, b) == pytest.approx(0.85)


def test_unreachable_dcr_names_the_field():
    with pytest.raises(OncotrialError, match=r"scenario.dcr: cannot be reached with a median PFS of 30 days"):
        loglogistic_shape(30.0, 0.9, 63.0)


def test_orr_too_high_for_the_pfs_is_refused():
    with pytest.raises(OncotrialError, match=r"scenario.orr: is too high for a median PFS of 3.5 months"):
        _draw(Scenario(orr=0.6, dcr=0.7, median_pfs_months=3.5, median_os_months=8.0))


def test_growth_rate_puts_the_progression_threshold_at_the_crossing_time():
    t = np.array([90.0, 200.0, 400.0])
    sensitive = np.array([0.7, 0.1, 0.5])
    decay = np.array([0.05, 0.03, 0.04])
    base = np.array([60.0, 30.0, 100.0])
    g = growth_rate_for_crossing(t, sensitive, decay, base)
    grid = np.linspace(0, 600, 60001)
    for i in range(3):
        r = relative_burden(grid, sensitive[i], decay[i], g[i])
        nadir = r[grid <= t[i]].min()
        threshold = max(1.2 * nadir, nadir + 5.0 / base[i])
        crossed = grid[(r >= threshold) & (grid >= grid[np.argmin(r)])][0]
        assert crossed == pytest.approx(t[i], abs=0.5)
