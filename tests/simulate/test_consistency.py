"""Generated cohorts analysed by `oncotrial analyze` give back their scenario.

Three seeds of 300 patients each, through the whole pipeline (SDTM files -> RECIST ->
ADaM -> statistics). Tolerances follow from the sample size:

- rates: binomial SE with n = 300 is at most 0.029; each seed must be within 3 SE of
  the scenario, and the pooled 900 patients within 3 pooled SE (0.017) plus 0.01 for the
  confirmations that missed scans and noise cost (measured in test_patient_level);
- medians: PFS is read at scans every 6 weeks, so the Kaplan-Meier median moves in steps
  of one imaging interval; allowed: half an interval (0.69 months) plus 3 SE of a median
  of 300 (PFS: 1 / (2 f(m) sqrt(n)) = 0.27 months, f(m) = shape / (4 median) for the
  log-logistic used; OS, with about a third censored at the cut-off: about 0.6 months).
"""

from __future__ import annotations

import json

import pytest

from oncotrial.cli.analyze import run_analysis
from oncotrial.protocol import Protocol
from oncotrial.sdtm import SdtmPackage, write_sdtm
from oncotrial.simulate import Scenario, simulate_cohort

N = 300
SEEDS = (101, 102, 103)
RATE_SE = (0.25 / N) ** 0.5  # largest binomial SE (p = 0.5)


@pytest.fixture(scope="module")
def analysed(protocol: Protocol, tmp_path_factory) -> list[dict]:
    out = []
    for seed in SEEDS:
        folder = tmp_path_factory.mktemp(f"seed{seed}")
        trial = simulate_cohort(protocol, Scenario(n_subjects=N), seed=seed)
        write_sdtm(SdtmPackage(trial.sdtm), folder / "sdtm", fmt="xpt")
        outputs = run_analysis(folder / "sdtm", folder / "out")
        out.append(json.loads(outputs.results.read_text()))
    return out


@pytest.mark.slow
def test_response_rates_match_the_scenario(analysed: list[dict]):
    s = Scenario()
    for code, truth in (("ORR", s.orr), ("DCR", s.dcr)):
        hits = [r["rates"][code]["x"] for r in analysed]
        for x in hits:
            assert abs(x / N - truth) <= 3 * RATE_SE, (code, x)
        pooled = sum(hits) / (N * len(SEEDS))
        assert abs(pooled - truth) <= 3 * (0.25 / (N * len(SEEDS))) ** 0.5 + 0.01, (code, pooled)


@pytest.mark.slow
def test_medians_match_the_scenario(analysed: list[dict], protocol: Protocol):
    s = Scenario()
    half_interval = protocol.schedule.imaging_interval.days / 2 / protocol.analysis.days_per_month
    for code, truth, se in (("PFS", s.median_pfs_months, 0.27), ("OS", s.median_os_months, 0.6)):
        for r in analysed:
            estimate = r["time_to_event"][code]["median"]["estimate"]
            assert estimate is not None
            assert abs(estimate - truth) <= half_interval + 3 * se, (code, estimate)


@pytest.mark.slow
def test_every_patient_is_in_the_analysis(analysed: list[dict]):
    for r in analysed:
        assert r["rates"]["ORR"]["n"] == N
        assert r["time_to_event"]["PFS"]["n"] == N
