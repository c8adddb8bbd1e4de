"""The trial's analyses: pure functions from an ADaM package and the protocol to typed results.

:func:`analyze` runs them all; :func:`write_results` writes ``results.json``;
:func:`compute_interim` is the live interim-monitoring view (see ``docs/report.md``).
"""

from oncotrial.analysis._analyze import analyze, write_results
from oncotrial.analysis._data_checks import collect_data_checks, summarise_data_checks
from oncotrial.analysis._disposition import compute_disposition
from oncotrial.analysis._interim import (
    compute_interim,
    compute_simon_status,
    outcomes_from_adam,
    simon_design_of,
)
from oncotrial.analysis._methods import censoring_rules_text, methods_notes
from oncotrial.analysis._provenance import collect_provenance, hash_inputs, input_files
from oncotrial.analysis._rates import best_response, compute_bor_distribution, compute_rate
from oncotrial.analysis._results import (
    AeSummary,
    BorDistribution,
    DataCheck,
    Disposition,
    Estimate,
    FollowUp,
    InterimStatus,
    KmCurve,
    Landmark,
    MethodNote,
    Provenance,
    RateResult,
    SimonStatus,
    StudyResults,
    TimeToEventResult,
)
from oncotrial.analysis._safety import compute_ae_summary
from oncotrial.analysis._tte import compute_follow_up, compute_time_to_event, duration_in_days

__all__ = [
    "AeSummary",
    "BorDistribution",
    "DataCheck",
    "Disposition",
    "Estimate",
    "FollowUp",
    "InterimStatus",
    "KmCurve",
    "Landmark",
    "MethodNote",
    "Provenance",
    "RateResult",
    "SimonStatus",
    "StudyResults",
    "TimeToEventResult",
    "analyze",
    "best_response",
    "censoring_rules_text",
    "collect_data_checks",
    "collect_provenance",
    "compute_ae_summary",
    "compute_bor_distribution",
    "compute_disposition",
    "compute_follow_up",
    "compute_interim",
    "compute_rate",
    "compute_simon_status",
    "compute_time_to_event",
    "duration_in_days",
    "hash_inputs",
    "input_files",
    "methods_notes",
    "outcomes_from_adam",
    "simon_design_of",
    "summarise_data_checks",
    "write_results",
]
