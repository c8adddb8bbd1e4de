"""The domain specs: names and labels fit transport v5, required variables are declared."""

from __future__ import annotations

import pytest

from oncotrial.sdtm import DOMAINS, Variable, domain_spec


def test_every_domain_has_study_and_subject_ids_required() -> None:
    for spec in DOMAINS.values():
        assert {"STUDYID", "USUBJID"} <= set(spec.required_names), spec.name


def test_optional_domains_are_ae_sv_and_cm() -> None:
    assert sorted(n for n, s in DOMAINS.items() if not s.required) == ["AE", "CM", "SV"]


def test_lookup_is_case_insensitive_and_unknown_names_fail() -> None:
    assert domain_spec("tr").variable("TRSTRESN").type == "Num"
    with pytest.raises(KeyError, match="unknown SDTM domain 'XX'"):
        domain_spec("XX")


def test_variable_refuses_names_longer_than_8() -> None:
    with pytest.raises(ValueError, match="at most 8 characters"):
        Variable("TOOLONGNM", "label")
