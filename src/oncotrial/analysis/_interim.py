"""Interim monitoring: the Simon two-stage status and Lee & Liu predictive probability.

The pure functions take the patients' outcomes in enrolment order (``True`` a confirmed
responder, ``False`` a non-responder, ``None`` not yet known), so the web dashboard can
call them live; :func:`outcomes_from_adam` builds that list from ADSL + ADRS.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import pandas as pd

from oncotrial.analysis._datasets import dataset, population_ids
from oncotrial.analysis._rates import CI_METHOD, best_response
from oncotrial.analysis._results import Estimate, InterimStatus, SimonStatus
from oncotrial.protocol import Protocol
from oncotrial.stats import (
    SimonDecision,
    SimonDesign,
    binomial_ci,
    predictive_probability,
    simon_decision,
    simon_design,
)

__all__ = ["compute_interim", "compute_simon_status", "outcomes_from_adam", "simon_design_of"]

#: EOTSTT value of a patient still on treatment (outcome may still change).
ONGOING = "ONGOING"


@lru_cache(maxsize=16)
def _design(p0: float, p1: float, alpha: float, beta: float, kind: str, n_max: int | None) -> SimonDesign:
    return simon_design(p0, p1, alpha, beta, kind=kind, n_max=n_max)


def simon_design_of(protocol: Protocol) -> SimonDesign:
    """The Simon two-stage design computed from the protocol's design parameters (cached)."""
    d = protocol.design
    return _design(d.p0, d.p1, d.alpha, d.beta, d.kind, d.n_max)


def compute_simon_status(outcomes: Sequence[bool | None], *, protocol: Protocol) -> SimonStatus:
    """Where the trial stands in its Simon design (Simon 1989), by :func:`stats.simon_decision`.

    Stage 1 is the first ``n1`` patients in enrolment order and the final analysis the
    first ``n``; within each, evaluated patients are those whose outcome is known, and
    pending ones count as still to come. After a stage-1 stop for futility the final
    decision is "not promising".

    >>> from oncotrial.protocol import load_protocol
    >>> s = compute_simon_status([False] * 30, protocol=load_protocol())
    >>> s.stage1_decision, s.final_decision
    ('stop for futility', 'not promising')
    """
    d = simon_design_of(protocol)
    stage1 = list(outcomes[: d.n1])
    x1 = sum(o is True for o in stage1)
    evaluated1 = sum(o is not None for o in stage1)
    overall = list(outcomes[: d.n])
    x = sum(o is True for o in overall)
    evaluated = sum(o is not None for o in overall)
    first = simon_decision(d, x1, evaluated1)
    if first.decision == "stop for futility":
        final = SimonDecision("final", "not promising", f"stage 1 stopped for futility: {first.reason}")
    elif first.decision == "continue stage 1":
        final = SimonDecision("final", "not reached", "stage 1 is still open")
    else:
        final = simon_decision(d, x1, evaluated1, responses_total=x, n_total=evaluated)
    return SimonStatus(
        kind=protocol.design.kind,
        r1=d.r1,
        n1=d.n1,
        r=d.r,
        n=d.n,
        alpha=d.alpha,
        power=d.power,
        stage1_evaluated=evaluated1,
        stage1_responders=x1,
        stage1_decision=first.decision,
        stage1_reason=first.reason,
        evaluated=evaluated,
        responders=x,
        final_decision=final.decision,
        final_reason=final.reason,
    )


def compute_interim(outcomes: Sequence[bool | None], *, protocol: Protocol) -> InterimStatus:
    """Current ORR with its exact CI, the Simon status and the predictive probability.

    Parameters
    ----------
    outcomes : sequence of bool or None
        One entry per patient of the primary population in enrolment order: ``True`` a
        (confirmed) responder, ``False`` a non-responder, ``None`` not yet known.
    protocol : Protocol
        Supplies the design (p0, p1, alpha, beta), the monitoring rule (prior,
        ``theta_t``, ``theta_l``, ``theta_u``, ``first_look``) and the confidence level.

    Returns
    -------
    InterimStatus
        The predictive probability (Lee & Liu 2008) is that of success at the design's
        maximum sample size; it is computed from the ``first_look``-th evaluated patient
        up to ``n``. The monitoring rule stops for futility below ``theta_l`` and for
        efficacy above ``theta_u``.

    Examples
    --------
    >>> from oncotrial.protocol import load_protocol
    >>> status = compute_interim([True, False] * 6, protocol=load_protocol())
    >>> status.n_evaluated, status.n_responders, status.simon.stage1_decision
    (12, 6, 'continue to stage 2')
    >>> round(status.predictive_probability, 3), status.monitoring_decision
    (0.956, 'continue')
    >>> compute_interim([False] * 12, protocol=load_protocol()).monitoring_decision
    'stop for futility'
    """
    m = protocol.monitoring
    simon = compute_simon_status(outcomes, protocol=protocol)
    known = [o for o in outcomes if o is not None]
    n, x = len(known), sum(known)
    level = protocol.analysis.conf_level
    orr = (
        Estimate(x / n, *binomial_ci(x, n, level=level, method=CI_METHOD))
        if n
        else Estimate(None, None, None)
    )
    pp: float | None = None
    if n >= m.first_look and n <= simon.n:
        pp = float(
            predictive_probability(x, n, simon.n, protocol.design.p0, m.theta_t, prior=(m.prior_a, m.prior_b))
        )
    if pp is None:
        decision = (
            f"before the first look ({n} of {m.first_look} evaluated)"
            if n < m.first_look
            else "maximum sample size reached"
        )
    elif pp < m.theta_l:
        decision = "stop for futility"
    elif pp > m.theta_u:
        decision = "stop for efficacy"
    else:
        decision = "continue"
    return InterimStatus(
        n_patients=len(outcomes),
        n_evaluated=n,
        n_responders=x,
        orr=orr,
        conf_level=level,
        simon=simon,
        predictive_probability=pp,
        monitoring_decision=decision,
    )


def outcomes_from_adam(adam: Any, *, protocol: Protocol) -> list[bool | None]:
    """Primary-endpoint outcomes of the primary population in enrolment order.

    A patient whose best response is one of the endpoint's responses is ``True``; a
    patient still on treatment (``EOTSTT = "ONGOING"``) without one is ``None`` (pending);
    everyone else is ``False``. Enrolment order is ``ENRLDT`` (``TRTSDT`` when absent),
    then USUBJID.
    """
    adsl = dataset(adam, "ADSL", ["USUBJID"])
    adrs = dataset(adam, "ADRS")
    endpoint = protocol.primary_endpoint
    pop = protocol.population(endpoint.population)
    subjects = population_ids(adsl, pop.flag)
    frame = adsl[adsl["USUBJID"].astype(str).isin(subjects)].copy()
    frame["USUBJID"] = frame["USUBJID"].astype(str)
    frame = frame.drop_duplicates("USUBJID")
    order_col = next((c for c in ("ENRLDT", "TRTSDT") if c in frame.columns), None)
    keys = [order_col, "USUBJID"] if order_col else ["USUBJID"]
    frame = frame.sort_values(keys, kind="stable", na_position="last")
    bor = best_response(adrs, pd.Index(frame["USUBJID"]), confirmed=endpoint.confirmed)
    ongoing = (
        frame["EOTSTT"].astype("string").str.upper().eq(ONGOING).fillna(False).to_numpy()
        if "EOTSTT" in frame.columns
        else [False] * len(frame)
    )
    out: list[bool | None] = []
    for usubjid, still_on in zip(frame["USUBJID"], ongoing, strict=True):
        if bor[usubjid] in endpoint.responses:
            out.append(True)
        else:
            out.append(None if still_on else False)
    return out
