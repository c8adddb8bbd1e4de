"""Latent truth per virtual patient: intended response class, progression and death times,
and the parameters of each patient's tumour growth-inhibition curve.

Times are days from the first dose. The model, in order:

1. Progression time ``t_prog`` (the time a trial would report PFS at) is log-logistic,
   with its median the scenario's median PFS and its shape chosen so that the share of
   patients still free of progression at the first scan (PD read at scan 1 means the
   latent time is nearer scan 1 than scan 2: before 1.5 imaging intervals) equals the
   scenario's DCR. The log-logistic (a usual survival model in oncology appraisals,
   NICE DSU TSD 14) keeps the long tail of durable responses to chemo-immunotherapy
   that a Weibull through the same two points would cut off. Progression is read at the scan nearest ``t_prog`` (see 3), so the
   scan grid does not shift the reported median.
2. Responders (CR/PR) are drawn among patients whose progression comes after scan 3
   (so that a response at scan 1 or 2 can be confirmed with a scan of margin), with the probability that
   makes their share of all patients the scenario's ORR; CRs are a share of them.
   Non-responders progressing after scan 1 are SD, the others PD.
3. Tumour burden relative to baseline follows the two-population growth-inhibition
   model (Stein et al., Clin Cancer Res 2008): a sensitive fraction ``D`` shrinking at
   rate ``d`` and a resistant fraction ``1 - D`` growing at rate ``g``:
   ``r(t) = (1 - D) exp(g t) + D exp(-d t)``. ``D`` and ``d`` vary between patients by
   class; ``g`` is solved so that ``r`` crosses RECIST's progression threshold (20% and
   5 mm above the nadir) half an imaging interval before ``t_prog``, so the first scan
   past the crossing is the scan nearest ``t_prog``.
4. Death is ``t_prog`` plus an exponential post-progression survival whose median is
   solved so that the median overall survival is the scenario's.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import optimize

from oncotrial.errors import OncotrialError
from oncotrial.recist.criteria import PD_MIN_ABSOLUTE_MM, PD_MIN_INCREASE
from oncotrial.simulate._scenario import Scenario

__all__ = [
    "Latent",
    "draw_latent",
    "growth_rate_for_crossing",
    "loglogistic_shape",
    "loglogistic_survival",
    "relative_burden",
]

PD_RELATIVE = 1.0 + PD_MIN_INCREASE
PD_ABSOLUTE_MM = PD_MIN_ABSOLUTE_MM

CLASSES = ("CR", "PR", "SD", "PD")

#: Responders are drawn among patients whose latent progression comes at least this
#: many imaging intervals after the first dose.
CONFIRMABLE_AFTER = 3.0


@dataclass(frozen=True)
class Latent:
    """Per-patient latent truth, arrays of equal length (one entry per patient)."""

    klass: np.ndarray  # intended best response: CR, PR, SD or PD
    t_prog: np.ndarray  # days from first dose
    t_death: np.ndarray  # days from first dose
    sensitive: np.ndarray  # D
    decay: np.ndarray  # d, per day
    growth: np.ndarray  # g, per day (0 for CR: never regrows; progresses by a new lesion)

    def __len__(self) -> int:
        return len(self.klass)


def loglogistic_shape(median_days: float, dcr: float, boundary_days: float) -> float:
    """Log-logistic shape b with S(median) = 0.5 and S(boundary) = dcr.

    S(t) = 1 / (1 + (t / median) ** b), so b = log((1 - dcr) / dcr) / log(boundary / median).

    >>> round(loglogistic_shape(158.3, 0.889, 63.0), 3)
    2.258
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        shape = np.log((1.0 - dcr) / dcr) / np.log(boundary_days / median_days)
    if not np.isfinite(shape) or shape <= 0:
        raise OncotrialError(
            ("scenario", "dcr"),
            dcr,
            f"cannot be reached with a median PFS of {median_days:.0f} days: progression at the first scan "
            f"(before day {boundary_days:.0f}) must be rarer than progression by the median",
        )
    return float(shape)


def loglogistic_survival(t, median_days: float, shape: float):
    """S(t) of the log-logistic with the given median and shape.

    >>> float(loglogistic_survival(100.0, 100.0, 2.0))
    0.5
    """
    return 1.0 / (1.0 + (np.asarray(t, float) / median_days) ** shape)


@lru_cache(maxsize=64)
def post_progression_median(shape: float, median_pfs_days: float, median_os_days: float) -> float:
    """Median of the exponential post-progression survival that gives ``median_os_days``.

    Solves P(T_prog + X <= m) = 1/2 for T_prog log-logistic, X exponential, by
    quadrature over T_prog (the PFS median is below ``m`` by validation).
    """
    s = np.linspace(0.0, median_os_days, 4001)
    cdf = 1.0 - loglogistic_survival(s, median_pfs_days, shape)
    density = np.gradient(cdf, s)

    def cdf_at_median(rate: float) -> float:
        return float(np.trapezoid(density * (1.0 - np.exp(-rate * (median_os_days - s))), s)) - 0.5

    hi = 50.0 / median_os_days
    if cdf_at_median(hi) <= 0:
        raise OncotrialError(
            ("scenario", "median_os_months"), median_os_days, "is too close to the median PFS"
        )
    rate = optimize.brentq(cdf_at_median, 1e-9, hi, xtol=1e-12)
    return float(np.log(2.0) / rate)


def relative_burden(t: np.ndarray, sensitive, decay, growth) -> np.ndarray:
    """r(t) = (1 - D) exp(g t) + D exp(-d t), broadcast over patients and times.

    >>> float(relative_burden(np.array(0.0), 0.6, 0.05, 0.01))
    1.0
    """
    return (1.0 - sensitive) * np.exp(growth * t) + sensitive * np.exp(-decay * t)


def _nadir(sensitive, decay, growth) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        t_star = np.log(sensitive * decay / ((1.0 - sensitive) * growth)) / (growth + decay)
    t_star = np.where(np.isfinite(t_star) & (t_star > 0), t_star, 0.0)
    return relative_burden(t_star, sensitive, decay, growth)


def growth_rate_for_crossing(t_cross, sensitive, decay, baseline_sum_mm) -> np.ndarray:
    """Growth rate g at which r(t) reaches the RECIST progression threshold at ``t_cross``.

    Vectorised bisection on log g (60 steps: far below a millimetre of error).

    >>> g = growth_rate_for_crossing(np.array([100.0]), np.array([0.0]), np.array([0.05]), np.array([60.0]))
    >>> round(float(relative_burden(np.array(100.0), 0.0, 0.05, g[0])), 4)
    1.2
    """
    t_cross = np.asarray(t_cross, float)
    lo = np.full(t_cross.shape, np.log(1e-7))
    hi = np.full(t_cross.shape, np.log(1.0))
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        g = np.exp(mid)
        nadir = _nadir(sensitive, decay, g)
        threshold = np.maximum(PD_RELATIVE * nadir, nadir + PD_ABSOLUTE_MM / baseline_sum_mm)
        above = relative_burden(t_cross, sensitive, decay, g) >= threshold
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    return np.exp(hi)


def draw_latent(
    scenario: Scenario,
    rng: np.random.Generator,
    n: int,
    *,
    imaging_interval_days: float,
    days_per_month: float,
    baseline_sum_mm: np.ndarray,
) -> Latent:
    """Draw the latent truth of ``n`` patients (see the module docstring for the model)."""
    interval = imaging_interval_days
    median_pfs = scenario.median_pfs_months * days_per_month
    shape = loglogistic_shape(median_pfs, scenario.dcr, 1.5 * interval)
    u = rng.random(n)
    t_prog = median_pfs * (u / (1.0 - u)) ** (1.0 / shape)

    # responders among those progressing after scan 3 (a full interval of margin after
    # the confirming scan, so that measurement noise rarely turns it into PD)
    can_confirm = t_prog >= CONFIRMABLE_AFTER * interval
    share_can_confirm = float(loglogistic_survival(CONFIRMABLE_AFTER * interval, median_pfs, shape))
    p_respond = scenario.orr / share_can_confirm if share_can_confirm > 0 else np.inf
    if p_respond > 1.0:
        raise OncotrialError(
            ("scenario", "orr"),
            scenario.orr,
            f"is too high for a median PFS of {scenario.median_pfs_months} months: only "
            f"{share_can_confirm:.0%} of patients stay progression-free long enough to confirm a response",
        )
    u_respond = rng.random(n)
    u_cr = rng.random(n)
    responder = can_confirm & (u_respond < p_respond)
    complete = responder & (u_cr < scenario.cr_share_of_responders) & (t_prog >= 3.5 * interval)
    klass = np.where(
        complete, "CR", np.where(responder, "PR", np.where(t_prog >= 1.5 * interval, "SD", "PD"))
    )

    # growth-inhibition parameters by class
    u_depth = rng.random(n)
    half_life = np.exp(rng.normal(np.log(14.0), 0.3, n))  # days; sensitive cells halve in ~2 weeks
    sensitive = np.select(
        [klass == "CR", klass == "PR", klass == "SD"],
        [1.0, 0.55 + 0.35 * u_depth, 0.22 * u_depth],
        0.10 * u_depth,
    )
    # responding tumours shrink faster, so that the response is seen by the first scan
    decay = np.log(2.0) / np.where(np.isin(klass, ("CR", "PR")), 0.6 * half_life, half_life)
    # the curve crosses the threshold half an interval before t_prog; for a primary
    # progression, somewhere in the weeks before the first scan, so that the growth it
    # shows there is the modest one usually seen (+20% to about +60%), not years of it
    u_cross = rng.random(n)
    t_cross = np.where(
        klass == "PD", interval * (0.55 + 0.4 * u_cross), np.maximum(t_prog - 0.5 * interval, 0.25 * interval)
    )
    growth = np.zeros(n)
    regrows = klass != "CR"
    if regrows.any():
        growth[regrows] = growth_rate_for_crossing(
            t_cross[regrows], sensitive[regrows], decay[regrows], baseline_sum_mm[regrows]
        )

    pps_median = post_progression_median(
        float(shape), float(median_pfs), float(scenario.median_os_months * days_per_month)
    )
    t_death = t_prog + rng.exponential(pps_median / np.log(2.0), n)
    return Latent(klass, t_prog, t_death, sensitive, decay, growth)
