"""RECIST 1.1's own constants (Eisenhauer et al., Eur J Cancer 2009;45:228-247).

These belong to the criteria, not to a trial: a protocol cannot change them. Trial
rules (confirmation interval, minimum SD duration, accepted reader, baseline window)
come from the protocol through :class:`~oncotrial.recist.RecistSettings`.
"""

from __future__ import annotations

__all__ = [
    "CR_NODE_MAX_MM",
    "MAX_TARGETS",
    "MAX_TARGETS_PER_ORGAN",
    "MIN_NODAL_TARGET_MM",
    "MIN_NON_NODAL_TARGET_MM",
    "NODAL_LOCATION",
    "PD_MIN_ABSOLUTE_MM",
    "PD_MIN_INCREASE",
    "PR_MIN_DECREASE",
]

#: §4.2: "a maximum of five lesions total" may be selected as target lesions.
MAX_TARGETS = 5
#: §4.2: "and a maximum of two lesions per organ".
MAX_TARGETS_PER_ORGAN = 2
#: §3.1.1: a measurable non-nodal lesion is at least 10 mm in longest diameter (CT, slice <= 5 mm).
MIN_NON_NODAL_TARGET_MM = 10.0
#: §3.1.1: a pathological lymph node is measurable when its short axis is at least 15 mm.
MIN_NODAL_TARGET_MM = 15.0
#: §4.3.1: CR requires every target lymph node to have a short axis below 10 mm.
CR_NODE_MAX_MM = 10.0
#: §4.3.1: PR is a decrease of at least 30% of the sum of diameters from the baseline sum.
PR_MIN_DECREASE = 0.30
#: §4.3.1: PD is an increase of at least 20% of the sum over the smallest sum on study ...
PD_MIN_INCREASE = 0.20
#: §4.3.1: ... which must also be an absolute increase of at least 5 mm.
PD_MIN_ABSOLUTE_MM = 5.0
#: TU.TULOC value that marks a lymph node (project convention, see docs/recist.md).
NODAL_LOCATION = "LYMPH NODE"
