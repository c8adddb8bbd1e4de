"""Visit numbering used by generated data (VISITNUM, VISIT).

One scheme so that SV, EX, TR and RS agree: screening 1; treatment cycle c is
100 + c ("CYCLE c"); tumour assessment k is 200 + k ("WEEK w", w = k times the imaging
interval in weeks); end of treatment 800; survival follow-up contact j is 900 + j
(VISIT "SURVIVAL FOLLOW-UP", as the data conventions require).
"""

from __future__ import annotations

__all__ = ["EOT_VISIT", "SCREENING_VISIT", "cycle_visit", "imaging_visit", "survival_visit"]

SCREENING_VISIT = (1, "SCREENING")
EOT_VISIT = (800, "END OF TREATMENT")


def cycle_visit(cycle: int) -> tuple[int, str]:
    """VISITNUM and VISIT of a treatment cycle.

    >>> cycle_visit(3)
    (103, 'CYCLE 3')
    """
    return 100 + cycle, f"CYCLE {cycle}"


def imaging_visit(k: int, interval_weeks: float) -> tuple[int, str]:
    """VISITNUM and VISIT of the k-th tumour assessment after the first dose.

    >>> imaging_visit(2, 6.0)
    (202, 'WEEK 12')
    """
    return 200 + k, f"WEEK {k * interval_weeks:g}"


def survival_visit(j: int) -> tuple[int, str]:
    """VISITNUM and VISIT of the j-th survival follow-up contact.

    >>> survival_visit(1)
    (901, 'SURVIVAL FOLLOW-UP')
    """
    return 900 + j, "SURVIVAL FOLLOW-UP"
