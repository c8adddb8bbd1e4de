"""Settings come from the protocol, not from literals."""

from __future__ import annotations

import dataclasses

import pytest

from oncotrial.protocol import load_protocol
from oncotrial.recist import RecistSettings


def test_settings_are_read_from_the_protocol():
    protocol = load_protocol()
    s = RecistSettings.from_protocol(protocol)
    assert s.confirmation_min_days == protocol.response.confirmation_min_interval.days
    assert s.sd_min_days == protocol.response.sd_min_duration.days
    assert s.accepted_evaluator == protocol.response.accepted_evaluator
    assert s.baseline_window_days == protocol.schedule.baseline_imaging_window.days
    assert s.max_ne_between == protocol.response.max_ne_between == 1
    assert s.evaluator_id is None  # an engine option (one reader of several), not a trial rule


def test_unlimited_ne_between_is_none(tmp_path):
    from oncotrial.protocol import default_protocol_path, read_protocol

    seed = default_protocol_path()
    path = tmp_path / "p.toml"
    path.write_text(seed.read_text().replace("max_ne_between = 1", 'max_ne_between = "unlimited"', 1))
    (tmp_path / "registration.txt").write_text((seed.parent / "registration.txt").read_text())
    assert RecistSettings.from_protocol(read_protocol(path).protocol).max_ne_between is None


def test_a_changed_protocol_changes_the_settings():
    protocol = load_protocol()
    changed = protocol.model_copy(
        update={
            "response": protocol.response.model_copy(update={"accepted_evaluator": "INDEPENDENT ASSESSOR"})
        }
    )
    assert RecistSettings.from_protocol(changed).accepted_evaluator == "INDEPENDENT ASSESSOR"


def test_settings_are_frozen_and_printable():
    s = RecistSettings(28, 35, "INVESTIGATOR", 28)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.sd_min_days = 1  # type: ignore[misc]
    assert s.to_dict()["confirmation_min_days"] == 28
