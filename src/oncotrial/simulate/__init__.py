"""Virtual patients and virtual trials: demo data and operating characteristics.

:func:`simulate_cohort` generates a multi-center cohort under a protocol file and a
:class:`Scenario` as SDTM tables. See ``docs/simulate.md``.
"""

from oncotrial.simulate._cohort import SimulatedTrial, simulate_cohort
from oncotrial.simulate._scenario import SOURCES, Scenario

__all__ = [
    "SOURCES",
    "Scenario",
    "SimulatedTrial",
    "simulate_cohort",
]
