"""Patient-level virtual trials: each patient's tumour is measured scan by scan and read
by RECIST 1.1, so the operating characteristics include what the binomial leaves out
(measurement noise, missed scans, deaths before confirmation).
"""

from __future__ import annotations

import numpy as np

from oncotrial.protocol import Protocol
from oncotrial.simulate._latent import draw_latent
from oncotrial.simulate._scenario import Scenario
from oncotrial.simulate._tumour import Scans, draw_lesions, read_scans

__all__ = ["confirmed_responders", "simulate_patient_responses"]


def confirmed_responders(scans: Scans, confirmation_min_days: float) -> np.ndarray:
    """True where a CR/PR is followed by another CR/PR at least ``confirmation_min_days`` later.

    The per-scan reads in ``scans`` stop at the first progression, so no PD can lie
    between the response and its confirmation (RECIST 1.1 section 4.4.1).
    """
    responding = scans.done & np.isin(scans.response, ("CR", "PR"))
    n, k = responding.shape
    out = np.zeros(n, bool)
    for j in range(k):
        later = responding[:, j + 1 :] & (scans.day[:, j + 1 :] - scans.day[:, [j]] >= confirmation_min_days)
        out |= responding[:, j] & later.any(axis=1)
    return out


def simulate_patient_responses(
    protocol: Protocol,
    scenario: Scenario,
    *,
    n_trials: int,
    n_patients: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Confirmed responses ``(n_trials, n_patients)`` of virtual patients read through RECIST.

    Patients are followed until death or the protocol's end of study (no withdrawal:
    the scenario's withdrawal rate applies as an exponential censoring time).
    """
    sched = protocol.schedule
    interval = sched.imaging_interval.days
    total = n_trials * n_patients
    lesions = draw_lesions(rng, total)
    latent = draw_latent(
        scenario,
        rng,
        total,
        imaging_interval_days=interval,
        days_per_month=protocol.analysis.days_per_month,
        baseline_sum_mm=lesions.baseline_sum,
    )
    rate = scenario.withdrawal_per_year / 365.25
    withdrawal = rng.exponential(1.0 / rate, total) if rate > 0 else np.full(total, np.inf)
    stop = np.minimum.reduce([latent.t_death, withdrawal, np.full(total, sched.end_of_study.days)])
    scans = read_scans(
        latent,
        lesions,
        rng,
        interval_days=interval,
        window_days=sched.imaging_window_days,
        stop_day=np.floor(stop) - 1,
        n_scans=int(np.ceil(sched.end_of_study.days / interval)) + 1,
        missed_rate=scenario.missed_visit_rate,
        measurement_cv=scenario.measurement_cv,
        new_lesion_share=scenario.new_lesion_share_of_pd,
    )
    confirmed = confirmed_responders(scans, protocol.response.confirmation_min_interval.days)
    return confirmed.reshape(n_trials, n_patients)
