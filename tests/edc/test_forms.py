"""EDC form models: a lesion's state must be one its kind of lesion has (the RECIST engine's vocabulary)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from oncotrial.edc.services.forms import LesionIn, MeasurementIn


@pytest.mark.parametrize(
    ("category", "state", "reason"),
    [
        ("NON-TARGET", "EQUIVOCAL", "'EQUIVOCAL' is not a non-target lesion state"),
        ("NEW", "UNEQUIVOCAL PROGRESSION", "'UNEQUIVOCAL PROGRESSION' is not a new lesion state"),
    ],
)
def test_a_state_of_another_kind_of_lesion_is_refused(category, state, reason):
    # Before: stored, then read by the engine as "not evaluated" (non-target) or as a new lesion (PD).
    with pytest.raises(ValidationError, match=reason):
        MeasurementIn(lesion=LesionIn(code="L1", category=category, location="LIVER"), state=state)


@pytest.mark.parametrize(
    ("category", "state"),
    [
        ("NON-TARGET", "UNEQUIVOCAL PROGRESSION"),
        ("NON-TARGET", "NOT EVALUABLE"),
        ("NEW", "EQUIVOCAL"),
        ("NEW", "UNEQUIVOCAL"),
    ],
)
def test_the_states_of_each_kind_of_lesion_are_accepted(category, state):
    m = MeasurementIn(lesion=LesionIn(code="L1", category=category, location="LIVER"), state=state)
    assert m.state == state
