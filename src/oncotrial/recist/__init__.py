"""RECIST 1.1 response evaluation: pure functions over SDTM-shaped tables.

The engine reads TU/TR (lesions and their measurements), derives one row per subject and
assessment (sums, nadir, target / non-target / new-lesion and overall timepoint response)
and then one row per subject (best overall response unconfirmed and confirmed, flags and
dates). Every derived value carries a ``RULE`` text saying why. No database, no web.

See ``docs/recist.md`` for every decision taken where RECIST 1.1 leaves room.

Examples
--------
>>> from oncotrial.protocol import load_protocol
>>> settings = RecistSettings.from_protocol(load_protocol())
>>> settings.sd_min_days
35
"""

from oncotrial.recist import criteria
from oncotrial.recist._baseline import check_baseline
from oncotrial.recist._best import SAME_DATE_ORDER, best_overall_response
from oncotrial.recist._dates import compute_assessment_dates
from oncotrial.recist._explain import SubjectExplanation, explain_subject
from oncotrial.recist._settings import RecistSettings
from oncotrial.recist._sums import SUM_COMPARISON_COLUMNS, compare_collected_sums
from oncotrial.recist._tables import overall_response
from oncotrial.recist._timepoint import evaluate_timepoints

__all__ = [
    "SAME_DATE_ORDER",
    "SUM_COMPARISON_COLUMNS",
    "RecistSettings",
    "SubjectExplanation",
    "best_overall_response",
    "check_baseline",
    "compare_collected_sums",
    "compute_assessment_dates",
    "criteria",
    "evaluate_timepoints",
    "explain_subject",
    "overall_response",
]
