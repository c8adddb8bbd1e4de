"""Adverse events by worst grade."""

from __future__ import annotations

from oncotrial.analysis import compute_ae_summary


def test_worst_grade_counts_each_treated_patient_once(adam, protocol):
    ae = compute_ae_summary(adam.adae, adsl=adam.adsl, protocol=protocol)
    # S01 worst 3, S02 2, S03 4, S04 5, S05 2 (its grade 3 anaemia is not treatment-emergent)
    assert [(r.category, r.n) for r in ae.worst_grade] == [
        ("Grade 2", 2),
        ("Grade 3", 1),
        ("Grade 4", 1),
        ("Grade 5", 1),
    ]
    assert (ae.n, ae.n_any, ae.n_grade3plus) == (6, 5, 3)
    assert ae.scale == "CTCAE grade"


def test_serious_related_and_fatal_events(adam, protocol):
    ae = compute_ae_summary(adam.adae, adsl=adam.adsl, protocol=protocol)
    assert (ae.n_serious, ae.n_related, ae.n_fatal) == (2, 3, 1)


def test_terms_sorted_by_frequency(adam, protocol):
    ae = compute_ae_summary(adam.adae, adsl=adam.adsl, protocol=protocol)
    assert [(t.term, t.n_any, t.n_grade3plus) for t in ae.terms[:2]] == [
        ("NEUTROPENIA", 2, 1),
        ("FATIGUE", 2, 0),
    ]
    assert "HEADACHE" not in {t.term for t in ae.terms}  # S07 was never treated


def test_severity_scale_when_no_toxicity_grade_is_recorded(adam, protocol):
    adae = adam.adae.drop(columns="AETOXGR").assign(
        AESEV=["SEVERE", "MILD", "MODERATE", "MILD", "MILD", "MILD", "MILD", "MILD"]
    )
    ae = compute_ae_summary(adae, adsl=adam.adsl, protocol=protocol)
    assert ae.scale == "severity"
    assert [(r.category, r.n) for r in ae.worst_grade] == [("Mild", 3), ("Moderate", 1), ("Severe", 1)]
    assert ae.n_grade3plus == 1


def test_adam_severity_coded_grades_are_labelled_as_severity(adam, protocol):
    adae = adam.adae.drop(columns="AETOXGR").assign(ATOXGRN=[3, 1, 2, 1, 1, 1, 1, 1], ATOXGRS="AESEV")
    ae = compute_ae_summary(adae, adsl=adam.adsl, protocol=protocol)
    assert ae.scale == "severity"
    assert [r.category for r in ae.worst_grade] == ["Mild", "Moderate", "Severe"]
