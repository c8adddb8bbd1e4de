"""Using a Simon two-stage design: exact operating characteristics and the decisions it dictates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy import stats

from oncotrial.errors import OncotrialError
from oncotrial.stats._checks import check_count, check_probability

__all__ = [
    "SimonCharacteristics",
    "SimonDecision",
    "simon_decision",
    "simon_operating_characteristics",
]


class TwoStageRule(Protocol):
    """Anything with a two-stage rule's boundaries (a SimonDesign, or a protocol's own record)."""

    r1: int
    n1: int
    r: int
    n: int


@dataclass(frozen=True)
class SimonCharacteristics:
    """Exact operating characteristics of a two-stage design at a true response rate ``p``."""

    p: float
    prob_promising: float
    prob_early_stop: float
    expected_n: float

    def to_dict(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in ("p", "prob_promising", "prob_early_stop", "expected_n")}


def simon_operating_characteristics(design: TwoStageRule, p: float) -> SimonCharacteristics:
    """Probability of declaring the treatment promising, of stopping early, and the expected size at ``p``.

    Examples
    --------
    >>> from oncotrial.stats import simon_design
    >>> d = simon_design(0.2, 0.4, 0.05, 0.2)
    >>> oc = simon_operating_characteristics(d, 0.2)
    >>> round(oc.prob_promising, 4), round(oc.prob_early_stop, 4), round(oc.expected_n, 2)
    (0.0496, 0.7473, 20.58)
    """
    p = check_probability("p", p, closed=True)
    x1 = np.arange(design.r1 + 1, design.n1 + 1)
    n2 = design.n - design.n1
    promising = float(np.sum(stats.binom.pmf(x1, design.n1, p) * stats.binom.sf(design.r - x1, n2, p)))
    stop = float(stats.binom.cdf(design.r1, design.n1, p))
    return SimonCharacteristics(p, promising, stop, design.n1 + (1.0 - stop) * n2)


@dataclass(frozen=True)
class SimonDecision:
    """What the design says given the responses so far."""

    analysis: str  # "interim" or "final"
    decision: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"analysis": self.analysis, "decision": self.decision, "reason": self.reason}

    def __str__(self) -> str:
        return f"{self.analysis}: {self.decision} ({self.reason})"


def _check_responses(name: str, responses: object, n_name: str, n: int) -> int:
    responses = check_count(name, responses)
    if responses > n:
        raise OncotrialError(name, responses, f"must not exceed {n_name} ({n})")
    return responses


def simon_decision(
    design: TwoStageRule,
    responses_stage1: int,
    n_stage1: int,
    responses_total: int | None = None,
    n_total: int | None = None,
) -> SimonDecision:
    """The interim (stage 1 only) or final decision of a Simon design.

    Interim: ``"stop for futility"`` when responses <= r1 among n1; ``"continue to
    stage 2"`` once responses exceed r1; ``"continue stage 1"`` while it is open.
    Final: ``"promising"`` when total responses exceed r, ``"not promising"`` when
    they cannot, ``"continue stage 2"`` while it is open.

    Examples
    --------
    >>> from oncotrial.stats import simon_design
    >>> d = simon_design(0.2, 0.4, 0.05, 0.2)
    >>> print(simon_decision(d, 3, 13))
    interim: stop for futility (3 responses in 13 patients <= r1 = 3)
    >>> print(simon_decision(d, 5, 13, responses_total=13, n_total=43))
    final: promising (13 responses in 43 patients > r = 12)
    """
    n_stage1 = check_count("n_stage1", n_stage1)
    if n_stage1 > design.n1:
        raise OncotrialError("n_stage1", n_stage1, f"must not exceed the design's n1 ({design.n1})")
    x1 = _check_responses("responses_stage1", responses_stage1, "n_stage1", n_stage1)
    if (responses_total is None) != (n_total is None):
        raise OncotrialError(
            "n_total" if n_total is None else "responses_total",
            None,
            "responses_total and n_total must be given together",
        )
    if responses_total is None:
        said = f"{x1} responses in {n_stage1} patients"
        if x1 > design.r1:
            return SimonDecision("interim", "continue to stage 2", f"{said} > r1 = {design.r1}")
        if n_stage1 == design.n1:
            return SimonDecision("interim", "stop for futility", f"{said} <= r1 = {design.r1}")
        left = design.n1 - n_stage1
        if x1 + left <= design.r1:
            return SimonDecision(
                "interim", "stop for futility", f"{said}: {left} more cannot exceed r1 = {design.r1}"
            )
        return SimonDecision(
            "interim", "continue stage 1", f"{said}; stage 1 has {design.n1 - n_stage1} patients to go"
        )
    if x1 <= design.r1 and n_stage1 == design.n1:
        raise OncotrialError(
            "responses_total", responses_total, f"stage 1 stopped for futility ({x1} <= r1 = {design.r1})"
        )
    n_total = check_count("n_total", n_total)
    if n_total > design.n:
        raise OncotrialError("n_total", n_total, f"must not exceed the design's n ({design.n})")
    if n_total < n_stage1:
        raise OncotrialError("n_total", n_total, f"must be at least n_stage1 ({n_stage1})")
    xt = _check_responses("responses_total", responses_total, "n_total", n_total)
    if xt < x1:
        raise OncotrialError("responses_total", xt, f"must be at least responses_stage1 ({x1})")
    said = f"{xt} responses in {n_total} patients"
    if xt > design.r:
        return SimonDecision("final", "promising", f"{said} > r = {design.r}")
    if n_total == design.n:
        return SimonDecision("final", "not promising", f"{said} <= r = {design.r}")
    left = design.n - n_total
    if xt + left <= design.r:
        return SimonDecision("final", "not promising", f"{said}: {left} more cannot exceed r = {design.r}")
    return SimonDecision("final", "continue stage 2", f"{said}; {design.n - n_total} patients to go")
