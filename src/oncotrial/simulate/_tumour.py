"""Virtual tumours: baseline lesions chosen by the RECIST 1.1 selection rules, and what
the investigator measures at each scan.

Everything is vectorised over patients (arrays ``(patients, scans, lesions)``), so the
same code makes one demo cohort and the patient-level operating characteristics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oncotrial.recist.criteria import (
    CR_NODE_MAX_MM,
    MAX_TARGETS,
    MAX_TARGETS_PER_ORGAN,
    MIN_NODAL_TARGET_MM,
    MIN_NON_NODAL_TARGET_MM,
    NODAL_LOCATION,
    PR_MIN_DECREASE,
)
from oncotrial.simulate._latent import PD_ABSOLUTE_MM, PD_RELATIVE, Latent, relative_burden

__all__ = ["MAX_TARGETS", "ORGANS", "Lesions", "Scans", "draw_lesions", "read_scans"]

# RECIST 1.1 (constants from the recist package): at most 5 target lesions, at most
# 2 per organ; measurable means longest diameter >= 10 mm (short axis >= 15 mm for a
# lymph node); a node of 10-15 mm short axis is non-target; below 10 mm it is normal.
MEASURABLE_MM = MIN_NON_NODAL_TARGET_MM
MEASURABLE_NODE_MM = MIN_NODAL_TARGET_MM
NORMAL_NODE_MM = CR_NODE_MAX_MM
TOO_SMALL_MM = 5.0  # RECIST 1.1 appendix: a lesion too small to measure is recorded as 5 mm

#: Sites of recurrent cervical cancer and how often a lesion sits there (assumption,
#: after the usual pattern: pelvic/para-aortic nodes, local pelvic recurrence, lung,
#: liver, peritoneum, bone).
ORGANS = (NODAL_LOCATION, "PELVIS", "LUNG", "LIVER", "PERITONEUM", "BONE", "ADRENAL GLAND")
ORGAN_WEIGHTS = np.array([0.34, 0.16, 0.20, 0.10, 0.08, 0.08, 0.04])
NODE = 0
BONE = ORGANS.index("BONE")
MAX_NON_TARGETS = 3


@dataclass(frozen=True)
class Lesions:
    """Baseline lesions. Targets ``(n, MAX_TARGETS)``, NaN-padded; non-targets by organ."""

    target_mm: np.ndarray
    target_organ: np.ndarray  # index into ORGANS, -1 padding
    node_floor_mm: np.ndarray  # size a shrinking node settles at (a normal node)
    nontarget_organ: np.ndarray  # (n, MAX_NON_TARGETS), -1 padding

    @property
    def baseline_sum(self) -> np.ndarray:
        return np.nansum(self.target_mm, axis=1)

    @property
    def n_targets(self) -> np.ndarray:
        return np.sum(~np.isnan(self.target_mm), axis=1)

    @property
    def nodal(self) -> np.ndarray:
        return self.target_organ == NODE


def draw_lesions(rng: np.random.Generator, n: int) -> Lesions:
    """Draw 1-7 lesions per patient and select targets by the RECIST 1.1 rules."""
    count = np.minimum(1 + rng.poisson(2.0, n), 7)
    organ = rng.choice(len(ORGANS), size=(n, 7), p=ORGAN_WEIGHTS)
    # sizes: nodes by short axis (10-40 mm), other sites by longest diameter (8-70 mm)
    size = np.where(organ == NODE, rng.uniform(10.0, 40.0, (n, 7)), rng.lognormal(np.log(25.0), 0.45, (n, 7)))
    size = np.round(np.clip(size, 8.0, 90.0))
    # the first lesion is always measurable and not bone (eligibility requires one)
    size[:, 0] = np.maximum(size[:, 0], np.where(organ[:, 0] == NODE, MEASURABLE_NODE_MM, MEASURABLE_MM))
    organ[:, 0] = np.where(organ[:, 0] == BONE, ORGANS.index("LUNG"), organ[:, 0])
    exists = np.arange(7)[None, :] < count[:, None]
    measurable = (
        exists & (organ != BONE) & (size >= np.where(organ == NODE, MEASURABLE_NODE_MM, MEASURABLE_MM))
    )
    target_mm = np.full((n, MAX_TARGETS), np.nan)
    target_organ = np.full((n, MAX_TARGETS), -1)
    nontarget_organ = np.full((n, MAX_NON_TARGETS), -1)
    for i in range(n):
        order = np.argsort(-np.where(measurable[i], size[i], -1.0), kind="stable")
        per_organ: dict[int, int] = {}
        t = nt = 0
        for j in order:
            if not exists[i, j]:
                continue
            o = int(organ[i, j])
            if measurable[i, j] and t < MAX_TARGETS and per_organ.get(o, 0) < MAX_TARGETS_PER_ORGAN:
                target_mm[i, t], target_organ[i, t] = size[i, j], o
                per_organ[o] = per_organ.get(o, 0) + 1
                t += 1
            elif nt < MAX_NON_TARGETS and not (o == NODE and size[i, j] < NORMAL_NODE_MM):
                nontarget_organ[i, nt] = o
                nt += 1
    node_floor = np.round(rng.uniform(4.0, 9.0, (n, MAX_TARGETS)))
    return Lesions(target_mm, target_organ, node_floor, nontarget_organ)


@dataclass(frozen=True)
class Scans:
    """What the investigator reads at each scheduled scan ``(n, K)``.

    ``done`` marks scans that took place (alive, on study, before cut-off, not missed,
    not after the first progression). ``target_mm`` is ``(n, K, MAX_TARGETS)``.
    ``response`` is the overall response per RECIST 1.1 as read from these values.
    """

    day: np.ndarray  # days from first dose
    done: np.ndarray
    target_mm: np.ndarray
    nontarget_absent: np.ndarray
    new_lesion: np.ndarray
    response: np.ndarray  # CR, PR, SD, PD; "" where not done
    pd_scan: np.ndarray  # index of the first PD scan, -1 if none


def read_scans(
    latent: Latent,
    lesions: Lesions,
    rng: np.random.Generator,
    *,
    interval_days: float,
    window_days: int,
    stop_day: np.ndarray,
    n_scans: int,
    missed_rate: float,
    measurement_cv: float,
    new_lesion_share: float,
) -> Scans:
    """Measure every lesion at each scheduled scan up to ``stop_day`` and read RECIST.

    Scans are every ``interval_days`` from the first dose, jittered within the
    protocol's window; the investigator stops scanning after the first progression.
    """
    n = len(latent)
    k = np.arange(1, n_scans + 1)
    jitter = np.clip(np.round(rng.normal(0.0, window_days / 2.5, (n, n_scans))), -window_days, window_days)
    day = k[None, :] * interval_days + jitter
    possible = (day <= stop_day[:, None]) & (rng.random((n, n_scans)) >= missed_rate)

    r = relative_burden(day, latent.sensitive[:, None], latent.decay[:, None], latent.growth[:, None])
    noise = rng.lognormal(0.0, measurement_cv, (n, n_scans, MAX_TARGETS))
    raw = lesions.target_mm[:, None, :] * r[:, :, None] * noise
    nodal = lesions.nodal[:, None, :]
    complete = (latent.klass == "CR")[:, None, None]
    non_nodal = np.where(raw < TOO_SMALL_MM, np.where(complete, 0.0, TOO_SMALL_MM), raw)
    target_mm = np.round(np.where(nodal, np.maximum(raw, lesions.node_floor_mm[:, None, :]), non_nodal))
    target_mm = np.where(np.isnan(lesions.target_mm)[:, None, :], np.nan, target_mm)
    nontarget_absent = (latent.klass == "CR")[:, None] & (r < 0.15)

    new_by_share = rng.random(n) < new_lesion_share
    with_new = new_by_share | (latent.klass == "CR")
    t_new = np.where(
        latent.klass == "PD",
        0.5 * interval_days,
        np.maximum(latent.t_prog - 0.5 * interval_days, 0.25 * interval_days),
    )
    new_lesion = with_new[:, None] & (day >= t_new[:, None])

    sums = np.nansum(target_mm, axis=2)
    base = lesions.baseline_sum
    all_gone = np.all(
        np.where(nodal, target_mm < NORMAL_NODE_MM, target_mm == 0) | np.isnan(target_mm), axis=2
    )
    has_nontarget = (lesions.nontarget_organ >= 0).any(axis=1)

    done = np.zeros((n, n_scans), bool)
    response = np.full((n, n_scans), "", dtype="<U2")
    nadir = base.copy()
    stopped = np.zeros(n, bool)
    pd_scan = np.full(n, -1)
    for j in range(n_scans):
        now = possible[:, j] & ~stopped
        s = sums[:, j]
        # all targets gone (nodes < 10 mm) is a target CR even if normal nodes grew, as the
        # RECIST engine reads it
        target_pd = (s >= PD_RELATIVE * nadir) & (s - nadir >= PD_ABSOLUTE_MM) & ~all_gone[:, j]
        is_pd = target_pd | new_lesion[:, j]
        nt_absent = nontarget_absent[:, j] | ~has_nontarget
        is_cr = all_gone[:, j] & nt_absent
        is_pr = (s <= (1.0 - PR_MIN_DECREASE) * base) | all_gone[:, j]
        code = np.where(is_pd, "PD", np.where(is_cr, "CR", np.where(is_pr, "PR", "SD")))
        response[:, j] = np.where(now, code, "")
        done[:, j] = now
        first_pd = now & is_pd
        pd_scan = np.where(first_pd & (pd_scan < 0), j, pd_scan)
        stopped |= first_pd
        nadir = np.where(now, np.minimum(nadir, s), nadir)
    return Scans(day, done, target_mm, nontarget_absent, new_lesion & done, response, pd_scan)
