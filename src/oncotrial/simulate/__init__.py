"""Virtual patients and virtual trials: demo data and operating characteristics.

:func:`simulate_cohort` generates a multi-center cohort under a protocol file and a
:class:`Scenario` as SDTM tables; :func:`enter_into_edc` enters it into the EDC through
its services; :func:`exact_operating_characteristics` and
:func:`simulate_operating_characteristics` give a Simon design's operating
characteristics, the latter from binomial draws or from patient-level virtual trials
read by RECIST (:func:`simulate_patient_responses`). See ``docs/simulate.md``.
"""

from oncotrial.simulate._cohort import SimulatedTrial, simulate_cohort
from oncotrial.simulate._edc import EdcEntry, enter_into_edc
from oncotrial.simulate._oc import (
    OperatingCharacteristics,
    SimonRule,
    exact_operating_characteristics,
    rate_grid,
    simulate_operating_characteristics,
)
from oncotrial.simulate._patient_level import simulate_patient_responses
from oncotrial.simulate._scenario import SOURCES, Scenario

__all__ = [
    "SOURCES",
    "EdcEntry",
    "OperatingCharacteristics",
    "Scenario",
    "SimonRule",
    "SimulatedTrial",
    "enter_into_edc",
    "exact_operating_characteristics",
    "rate_grid",
    "simulate_cohort",
    "simulate_operating_characteristics",
    "simulate_patient_responses",
]
