"""The methods section's sentences come from the protocol and the ADaM rules."""

from __future__ import annotations

import datetime as dt

from oncotrial.adam import OS_RULES, progression_rules
from oncotrial.analysis import censoring_rules_text, compute_simon_status, methods_notes
from oncotrial.protocol import Duration


def _notes(protocol):
    return {n.topic: n.text for n in methods_notes(protocol, compute_simon_status([], protocol=protocol))}


def test_censoring_text_is_the_adam_rules(protocol):
    text = censoring_rules_text(protocol)
    assert text == [*progression_rules(protocol).describe(), *(r.description for r in OS_RULES)]


def test_response_rules_read_the_protocol(protocol):
    response = protocol.response.model_copy(update={"confirmation_min_interval": Duration.parse("5 weeks")})
    notes = _notes(protocol.model_copy(update={"response": response}))
    assert "confirmed by a CR/PR at least 5 weeks later" in notes["Response evaluation"]
    assert (
        f"at least {protocol.response.sd_min_duration} after the first dose" in notes["Response evaluation"]
    )


def test_design_sentence_gives_the_computed_stage_sizes(protocol):
    text = _notes(protocol)["Design"]
    assert "at most 3 of the first 13 patients respond; otherwise enrol to 43" in text
    assert "more than 12 respond" in text


def test_every_endpoint_has_its_definition_and_population(protocol):
    notes = _notes(protocol)
    for e in protocol.endpoints:
        assert notes[f"{e.name} ({e.code})"].startswith(e.definition)


def test_data_cutoff_is_stated_when_set(protocol):
    assert "Data cut-off" not in _notes(protocol)
    analysis = protocol.analysis.model_copy(update={"data_cutoff": dt.date(2026, 6, 30)})
    assert _notes(protocol.model_copy(update={"analysis": analysis}))["Data cut-off"] == "2026-06-30"
