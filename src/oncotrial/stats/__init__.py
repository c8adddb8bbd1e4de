"""Statistics for a single-arm phase II trial: pure numerics on numpy and scipy.

Exact binomial intervals and tests, Kaplan-Meier with Brookmeyer-Crowley
quantile intervals and its summaries, log-rank and one-covariate Cox, the Simon
two-stage design and Bayesian predictive-probability monitoring. Imports nothing
else of oncotrial's but its errors. See ``docs/stats.md``.
"""

from oncotrial.stats._binomial import binomial_ci, binomial_test
from oncotrial.stats._cox import CoxResult, cox_hazard_ratio
from oncotrial.stats._km import KaplanMeier, SurvivalAt, kaplan_meier
from oncotrial.stats._km_summaries import (
    RestrictedMean,
    landmark_survival,
    median_follow_up,
    numbers_at_risk,
    rmst,
)
from oncotrial.stats._logrank import LogRankResult, logrank_test
from oncotrial.stats._predictive import (
    PredictiveBoundary,
    predictive_probability,
    predictive_stopping_table,
)
from oncotrial.stats._simon import (
    SimonDesign,
    SimonSearchBoundWarning,
    simon_design,
    simon_design_from_spec,
)
from oncotrial.stats._simon_rules import (
    SimonCharacteristics,
    SimonDecision,
    simon_decision,
    simon_operating_characteristics,
)

__all__ = [
    "CoxResult",
    "KaplanMeier",
    "LogRankResult",
    "PredictiveBoundary",
    "RestrictedMean",
    "SimonCharacteristics",
    "SimonDecision",
    "SimonDesign",
    "SimonSearchBoundWarning",
    "SurvivalAt",
    "binomial_ci",
    "binomial_test",
    "cox_hazard_ratio",
    "kaplan_meier",
    "landmark_survival",
    "logrank_test",
    "median_follow_up",
    "numbers_at_risk",
    "predictive_probability",
    "predictive_stopping_table",
    "rmst",
    "simon_decision",
    "simon_design",
    "simon_design_from_spec",
    "simon_operating_characteristics",
]
