"""Patient-level virtual trials: each patient's tumour is measured scan by scan and read
by RECIST 1.1, so the operating characteristics include what the binomial leaves out
(measurement noise, missed scans, deaths before confirmation).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncotrial.protocol import Duration, Protocol
from oncotrial.recist import RecistSettings, best_overall_response, evaluate_timepoints
from oncotrial.simulate._latent import draw_latent
from oncotrial.simulate._scenario import Scenario
from oncotrial.simulate._tumour import MAX_TARGETS, NODE, ORGANS, Lesions, Scans, draw_lesions, read_scans

__all__ = ["confirmed_by_recist", "simulate_patient_responses", "tumour_frames"]


def tumour_frames(lesions: Lesions, scans: Scans, evaluator: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """TU and TR of many virtual patients at once (minimal columns the RECIST engine reads).

    Patient ``i`` is ``V0000001``-style; day 0 (first dose) is 2000-01-01 for everyone,
    the baseline scan a week before it.
    """
    n, _k, _t = scans.target_mm.shape
    ids = np.array([f"V{i:07d}" for i in range(n)], dtype=object)
    organ_names = np.array(ORGANS, dtype=object)
    present = ~np.isnan(lesions.target_mm)
    nodal = lesions.target_organ == NODE
    target_ids = np.array([f"T{t + 1:02d}" for t in range(MAX_TARGETS)], dtype=object)
    nt_ids = np.array([f"NT{j + 1:02d}" for j in range(lesions.nontarget_organ.shape[1])], dtype=object)
    has_nt = lesions.nontarget_organ >= 0

    ti, tt = np.nonzero(present)
    ni, nj = np.nonzero(has_nt)
    new_i, new_j = np.nonzero(scans.new_lesion)
    first_new = np.unique(new_i, return_index=True)[1]
    tu = pd.DataFrame(
        {
            "USUBJID": np.concatenate([ids[ti], ids[ni], ids[new_i[first_new]]]),
            "TULNKID": np.concatenate([target_ids[tt], nt_ids[nj], np.full(len(first_new), "NEW01", object)]),
            "TUSTRESC": np.concatenate(
                [
                    np.full(len(ti), "TARGET", object),
                    np.full(len(ni), "NON-TARGET", object),
                    np.full(len(first_new), "NEW", object),
                ]
            ),
            "TULOC": np.concatenate(
                [
                    organ_names[lesions.target_organ[ti, tt]],
                    organ_names[lesions.nontarget_organ[ni, nj]],
                    np.full(len(first_new), ORGANS[ORGANS.index("LIVER")], object),
                ]
            ),
            "TUEVAL": evaluator,
        }
    )

    day0 = np.datetime64("2000-01-01", "D")
    parts = []

    def add(i, linkid, group, testcd, value, text, visitnum, day):
        parts.append(
            pd.DataFrame(
                {
                    "USUBJID": ids[i],
                    "TRLNKID": linkid,
                    "TRGRPID": group,
                    "TRTESTCD": testcd,
                    "TRSTRESN": value,
                    "TRSTRESC": text,
                    "VISITNUM": visitnum,
                    "TRDTC": (day0 + day.astype("timedelta64[D]")).astype(str),
                }
            )
        )

    baseline_day = np.full(len(ti), -7)
    testcd = np.where(nodal[ti, tt], "LPERP", "LDIAM")
    values = lesions.target_mm[ti, tt]
    add(ti, target_ids[tt], "TARGET", testcd, values, values.astype(str), 1, baseline_day)
    add(ni, nt_ids[nj], "NON-TARGET", "TUMSTATE", np.nan, "PRESENT", 1, np.full(len(ni), -7))
    si, sj, st = np.nonzero(scans.done[:, :, None] & present[:, None, :])
    values = scans.target_mm[si, sj, st]
    add(
        si,
        target_ids[st],
        "TARGET",
        np.where(nodal[si, st], "LPERP", "LDIAM"),
        values,
        values.astype(str),
        201 + sj,
        scans.day[si, sj].astype(int),
    )
    ui, uj, uk = np.nonzero(scans.done[:, :, None] & has_nt[:, None, :])
    state = np.where(scans.nontarget_absent[ui, uj], "ABSENT", "PRESENT")
    add(ui, nt_ids[uk], "NON-TARGET", "TUMSTATE", np.nan, state, 201 + uj, scans.day[ui, uj].astype(int))
    add(
        new_i,
        "NEW01",
        "NEW",
        "TUMSTATE",
        np.nan,
        "UNEQUIVOCAL",
        201 + new_j,
        scans.day[new_i, new_j].astype(int),
    )
    tr = pd.concat(parts, ignore_index=True)
    tr["TREVAL"] = evaluator
    tr["TRACPTFL"] = "Y"
    return tu, tr


def confirmed_by_recist(lesions: Lesions, scans: Scans, settings: RecistSettings) -> np.ndarray:
    """Confirmed CR/PR per patient as the RECIST engine reads the measurements."""
    tu, tr = tumour_frames(lesions, scans, settings.accepted_evaluator)
    timepoints = evaluate_timepoints(tu, tr, settings)
    ids = np.array([f"V{i:07d}" for i in range(len(scans.day))], dtype=object)
    subjects = pd.DataFrame({"USUBJID": ids, "REFSTDT": np.datetime64("2000-01-01", "ns")})
    best = best_overall_response(timepoints, subjects, settings)
    flags = best.set_index("USUBJID")["CRSPFL"].reindex(ids)
    return (flags == "Y").to_numpy()


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
    rate = scenario.withdrawal_per_year / Duration(1, "years").days
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
    confirmed = confirmed_by_recist(lesions, scans, RecistSettings.from_protocol(protocol))
    return confirmed.reshape(n_trials, n_patients)
