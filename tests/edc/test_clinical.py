"""Adverse events, therapies, end of treatment, survival follow-up and death: rule checks."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from oncotrial.edc import create_record, record_dose
from oncotrial.edc.services.forms import (
    AdverseEventIn,
    DeathIn,
    DoseIn,
    EndOfTreatmentIn,
    SurvivalContactIn,
    TherapyIn,
    parse_form,
)
from oncotrial.errors import ValidationFailed

from .conftest import enrolled_subject

D = dt.date
AE = {
    "term": "Peripheral sensory neuropathy",
    "grade": 2,
    "serious": False,
    "relatedness": {"NABP": "RELATED", "PD1": "NOT RELATED"},
    "start_date": "2024-02-01",
    "action_taken": "DOSE REDUCED",
}


def _problems(fn):
    with pytest.raises(ValidationFailed) as err:
        fn()
    return [(p.loc, p.code, p.msg) for p in err.value.problems]


@pytest.fixture
def ctx(world):
    s = world.session()
    inv = world.user(s, "inv_a")
    subject = enrolled_subject(s, inv)
    yield s, inv, subject
    s.close()


def test_adverse_event_is_stored_with_relatedness_per_drug(ctx):
    s, inv, subject = ctx
    ae = create_record(s, inv, "adverse-events", subject.id, parse_form(AdverseEventIn, AE))
    assert (ae.grade, ae.relatedness, ae.action_taken) == (
        2,
        {"NABP": "RELATED", "PD1": "NOT RELATED"},
        "DOSE REDUCED",
    )


@pytest.mark.parametrize(
    ("change", "loc", "code"),
    [
        ({"grade": 6}, ("grade",), "less_than_equal"),
        ({"grade": 0}, ("grade",), "greater_than_equal"),
        ({"term": ""}, ("term",), "string_too_short"),
        ({"end_date": "2024-01-01"}, ("end_date",), "value_error"),
        ({"action_taken": "STOPPED"}, ("action_taken",), "literal_error"),
        ({"serious": None}, ("serious",), "bool_type"),
    ],
)
def test_adverse_event_form_checks(change, loc, code):
    problems = _problems(lambda: parse_form(AdverseEventIn, {**AE, **change}))
    assert [(p[0], p[1]) for p in problems] == [(loc, code)]


def test_adverse_event_needs_relatedness_to_each_protocol_drug(ctx):
    s, inv, subject = ctx
    form = parse_form(AdverseEventIn, {**AE, "relatedness": {"NABP": "RELATED"}})
    assert _problems(lambda: create_record(s, inv, "adverse-events", subject.id, form)) == [
        (("relatedness",), "required", "give relatedness to each study drug; missing ['PD1']")
    ]


def test_adverse_event_before_consent_is_refused(ctx):
    s, inv, subject = ctx
    form = parse_form(AdverseEventIn, {**AE, "start_date": "2023-12-01"})
    assert _problems(lambda: create_record(s, inv, "adverse-events", subject.id, form)) == [
        (("start_date",), "before_consent", "is before informed consent on 2024-01-02")
    ]


def test_end_of_treatment_reason_comes_from_the_protocol(ctx, protocol):
    s, inv, subject = ctx
    form = EndOfTreatmentIn(end_date=D(2024, 3, 1), reason_code="BORED")
    codes = [r.code for r in protocol.treatment_end_reasons]
    assert _problems(lambda: create_record(s, inv, "end-of-treatment", subject.id, form)) == [
        (("reason_code",), "unknown_reason", f"expected one of {codes}")
    ]


def test_end_of_treatment_before_last_dose_and_twice_are_refused(ctx):
    s, inv, subject = ctx
    record_dose(
        s, inv, subject.id, DoseIn(drug_code="PD1", cycle=1, dose_date=D(2024, 1, 10), dose=200, unit="mg")
    )
    early = EndOfTreatmentIn(end_date=D(2024, 1, 9), reason_code="WITHDRAWAL")
    problems = _problems(lambda: create_record(s, inv, "end-of-treatment", subject.id, early))
    assert (("end_date",), "before_last_dose", "is before the last dose on 2024-01-10") in problems
    ok = EndOfTreatmentIn(end_date=D(2024, 3, 1), reason_code="WITHDRAWAL")
    create_record(s, inv, "end-of-treatment", subject.id, ok)
    assert _problems(lambda: create_record(s, inv, "end-of-treatment", subject.id, ok)) == [
        (("subject_id",), "duplicate", "end of treatment is already recorded")
    ]


def test_death_before_an_alive_contact_is_refused(ctx):
    s, inv, subject = ctx
    create_record(
        s, inv, "survival-contacts", subject.id, SurvivalContactIn(contact_date=D(2024, 6, 1), status="ALIVE")
    )
    assert _problems(
        lambda: create_record(s, inv, "death", subject.id, DeathIn(death_date=D(2024, 5, 1)))
    ) == [(("death_date",), "date_order", "is before a contact on 2024-06-01 that found the subject alive")]


def test_alive_contact_after_death_is_refused(ctx):
    s, inv, subject = ctx
    create_record(s, inv, "death", subject.id, DeathIn(death_date=D(2024, 5, 1), cause="disease progression"))
    form = SurvivalContactIn(contact_date=D(2024, 6, 1), status="ALIVE")
    assert _problems(lambda: create_record(s, inv, "survival-contacts", subject.id, form)) == [
        (("status",), "after_death", "the subject died on 2024-05-01, before this contact")
    ]


def test_subsequent_therapy_is_stored_with_its_category(ctx):
    s, inv, subject = ctx
    form = TherapyIn(category="SUBSEQUENT ANTI-CANCER THERAPY", name="bevacizumab", start_date=D(2024, 7, 1))
    therapy = create_record(s, inv, "therapies", subject.id, form)
    assert (therapy.category, therapy.name) == ("SUBSEQUENT ANTI-CANCER THERAPY", "bevacizumab")


def test_unknown_therapy_category_is_refused():
    with pytest.raises(ValidationError):
        TherapyIn(category="HERBAL", name="x", start_date=D(2024, 1, 1))


def test_fatal_adverse_event_without_death_is_stored_and_queried(ctx):
    from oncotrial.edc import list_queries

    s, inv, subject = ctx
    ae = create_record(
        s, inv, "adverse-events", subject.id, parse_form(AdverseEventIn, {**AE, "grade": 5, "serious": True})
    )
    [query] = list_queries(s, inv, subject.id)
    assert (query.origin, query.code, query.record_table, query.record_id, query.field) == (
        "check", "fatal_ae_without_death", "adverse_event", ae.id, "grade",
    )  # fmt: skip
    assert query.text == (
        "grade 5 (fatal) adverse event 'Peripheral sensory neuropathy' but no death is recorded; "
        "record the death or correct the grade"
    )


def test_fatal_adverse_event_after_a_recorded_death_raises_no_query(ctx):
    from oncotrial.edc import list_queries

    s, inv, subject = ctx
    create_record(s, inv, "death", subject.id, DeathIn(death_date=D(2024, 3, 1)))
    create_record(
        s, inv, "adverse-events", subject.id, parse_form(AdverseEventIn, {**AE, "grade": 5, "serious": True})
    )
    assert list_queries(s, inv, subject.id) == []
