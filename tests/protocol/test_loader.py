"""The protocol loader: the bundled seed trial, and bad files rejected field by field."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from oncotrial.protocol import ProtocolError, default_protocol_path, read_protocol

SEED = default_protocol_path()


def write_variant(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    """Copy the seed protocol with one textual edit (and its registration text beside it)."""
    text = SEED.read_text()
    assert old in text, f"test setup: {old!r} not in seed protocol"
    path = tmp_path / "variant.toml"
    path.write_text(text.replace(old, new, count))
    (tmp_path / "registration.txt").write_text((SEED.parent / "registration.txt").read_text())
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ProtocolError) as info:
        read_protocol(path)
    return [str(p) for p in info.value.problems]


def test_seed_protocol_loads_with_its_registered_limits():
    p = read_protocol().protocol
    assert p.regimen.cycle_length.days == 21
    assert p.regimen.drug("NABP").max_cycles == 6
    assert str(p.regimen.drug("PD1").max_duration) == "2 years"
    assert p.response.confirmation_min_interval.days == 28
    assert p.primary_endpoint.code == "ORR"
    assert p.primary_endpoint.responses == ["CR", "PR"]
    assert p.endpoint("PFS").events == ["progression", "death"]
    assert (p.design.p0, p.design.p1, p.design.alpha, p.design.beta) == (0.2, 0.4, 0.05, 0.2)


def test_seed_doses_are_marked_as_assumptions_and_limits_as_registration():
    p = read_protocol().protocol
    nabp = p.regimen.drug("NABP")
    assert nabp.source_of("dose").is_assumption
    assert not nabp.source_of("max_cycles").is_assumption
    assumed = dict(p.assumptions())
    assert "regimen.drugs[0].dose" in assumed
    assert "regimen.drugs[0].max_cycles" not in assumed
    assert "design.p0" in assumed


def test_hash_is_of_file_bytes():
    import hashlib

    loaded = read_protocol()
    assert loaded.sha256 == hashlib.sha256(SEED.read_bytes()).hexdigest()


def test_negative_cycle_length_is_rejected_naming_the_field(tmp_path):
    path = write_variant(tmp_path, 'cycle_length = "21 days"', 'cycle_length = "-21 days"')
    problems = problems_of(path)
    assert any(p.startswith("regimen.cycle_length:") for p in problems), problems


def test_zero_cycle_length_is_rejected(tmp_path):
    path = write_variant(tmp_path, 'cycle_length = "21 days"', 'cycle_length = "0 days"')
    assert problems_of(path) == ["regimen.cycle_length: cycle_length must be positive, got '0 days'"]


def test_unknown_dose_basis_is_rejected_naming_the_field(tmp_path):
    path = write_variant(tmp_path, 'basis = "mg/m2"', 'basis = "mg/m3"')
    problems = problems_of(path)
    assert len(problems) == 1
    assert problems[0].startswith("regimen.drugs[0].basis:")
    assert "'mg/m3'" in problems[0] and "mg/m2" in problems[0]


def test_rule_naming_unknown_field_is_rejected(tmp_path):
    path = write_variant(tmp_path, 'rule = "ecog in [0, 1]"', 'rule = "ecog_ps in [0, 1]"')
    problems = problems_of(path)
    assert len(problems) == 1
    assert problems[0].startswith("eligibility:")
    assert "inclusion[3].rule (IN04) names unknown field(s) ecog_ps" in problems[0]


def test_rule_with_code_is_rejected(tmp_path):
    path = write_variant(tmp_path, 'rule = "ecog in [0, 1]"', "rule = \"__import__('os')\"")
    problems = problems_of(path)
    assert any("eligibility.inclusion.3.rule" in p or "inclusion[3].rule" in p for p in problems), problems
    assert any("Call is not allowed" in p for p in problems)


def test_misspelt_field_is_rejected_not_ignored(tmp_path):
    path = write_variant(tmp_path, "max_cycles = 6", "max_cylces = 6")
    problems = problems_of(path)
    assert (
        "regimen.drugs[0].max_cylces: unknown field (check its spelling; extra fields are not allowed)"
        in problems
    )


def test_several_problems_are_all_reported(tmp_path):
    path = write_variant(tmp_path, 'basis = "mg/m2"', 'basis = "per-m2"')
    text = path.read_text().replace("p0 = 0.20", "p0 = 1.5")
    path.write_text(text)
    problems = problems_of(path)
    assert any(p.startswith("regimen.drugs[0].basis:") for p in problems)
    assert any(p.startswith("design.p0:") for p in problems)


def test_p1_not_above_p0_is_rejected(tmp_path):
    path = write_variant(tmp_path, "p1 = 0.40", "p1 = 0.10")
    assert problems_of(path) == ["design: p1 (0.1) must be above p0 (0.2)"]


def test_endpoint_population_must_exist(tmp_path):
    path = write_variant(tmp_path, 'population = "RESP"', 'population = "RESPONDERS"')
    (problem,) = problems_of(path)
    assert "endpoints[4].population 'RESPONDERS' is not one of" in problem


def test_registration_quotation_must_be_verbatim(tmp_path):
    path = write_variant(
        tmp_path,
        'text = "Albumin-bound paclitaxel may be used for up to 6 cycles"',
        'text = "Albumin-bound paclitaxel may be used for up to 8 cycles"',
    )
    (problem,) = problems_of(path)
    assert problem.startswith("regimen.drugs[0].sources.max_cycles.text: quotation not found")


def test_toml_syntax_error_names_line(tmp_path):
    path = write_variant(tmp_path, "format_version = 1", "format_version = = 1")
    (problem,) = problems_of(path)
    assert re.search(r"not valid TOML: .*line \d+", problem)


def test_missing_file_is_an_error_not_a_traceback(tmp_path):
    with pytest.raises(ProtocolError) as info:
        read_protocol(tmp_path / "nope.toml")
    assert "cannot read file" in str(info.value)


def test_seed_file_is_plain_toml():
    data = tomllib.loads(SEED.read_text())
    assert data["format_version"] == 1


def test_ne_between_confirmation_must_be_stated(tmp_path):
    path = write_variant(tmp_path, "max_ne_between = 1\n", "")
    assert problems_of(path) == ["response.max_ne_between: required field is missing"]


@pytest.mark.parametrize("value", ["-1", "1.5", "true", '"none"'])
def test_ne_between_confirmation_is_a_count_or_unlimited(tmp_path, value):
    path = write_variant(tmp_path, "max_ne_between = 1", f"max_ne_between = {value}")
    (problem,) = problems_of(path)
    assert problem.startswith('response.max_ne_between: expected a whole number >= 0 or "unlimited", got ')


def test_ne_between_confirmation_unlimited_reads_as_none(tmp_path):
    path = write_variant(tmp_path, "max_ne_between = 1", 'max_ne_between = "unlimited"')
    assert read_protocol(path).protocol.response.max_ne_between is None
    assert read_protocol().protocol.response.max_ne_between == 1


def test_date_imputation_rules_are_assumptions_with_their_reason():
    p = read_protocol().protocol
    assumed = dict(p.assumptions())
    for kind in ("tumour_assessment", "death", "adverse_event_start", "new_anticancer_therapy"):
        assert f"analysis.date_imputation.{kind}" in assumed
    assert "analysis.date_imputation" not in assumed  # the subsection carries its own sources
    assert "never imputed before a known later event" in assumed["analysis.date_imputation.death"].text
    assert "response.max_ne_between" in assumed
    assert len(assumed) == 112  # 84 before the safety section: its 8 fields and 20 dose rules


def test_unimplemented_imputation_is_refused_naming_the_field(tmp_path):
    old = 'death = { missing_day = "first"'
    path = write_variant(tmp_path, old, 'death = { missing_day = "last"')
    assert problems_of(path) == [
        "analysis.date_imputation.death.missing_day: Input should be 'first', got 'last'"
    ]


def test_death_floor_must_be_a_known_one(tmp_path):
    path = write_variant(tmp_path, '"last_known_alive", "tumour_assessment"]', '"last_contact"]')
    (problem,) = problems_of(path)
    assert problem.startswith("analysis.date_imputation.death.not_before[0]: Input should be")
    assert "'last_known_alive'" in problem and "'last_contact'" in problem


def test_tumour_dates_always_follow_the_previous_assessment(tmp_path):
    path = write_variant(tmp_path, 'not_before = ["previous_assessment"]', "not_before = []")
    assert problems_of(path) == [
        "analysis.date_imputation.tumour_assessment: not_before must be ['previous_assessment'], got []: "
        "an assessment is never dated on or before the subject's previous one"
    ]


def test_date_imputation_must_be_stated(tmp_path):
    path = write_variant(
        tmp_path,
        'new_anticancer_therapy = { missing_day = "first", missing_month = "first", not_before = [] }\n',
        "",
    )
    assert problems_of(path) == ["analysis.date_imputation.new_anticancer_therapy: required field is missing"]
