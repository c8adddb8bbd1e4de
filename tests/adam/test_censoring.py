"""Each PFS/DoR rule (FDA 2018, Table 3, as the protocol switches them on) on hand-built subjects.

The bundled protocol scans every 6 weeks +-7 days from the first dose, so two missed
assessments means more than 2 x 42 + 7 = 91 days without an adequate assessment.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oncotrial.adam import Assessment, SubjectHistory, compute_pfs_outcome, progression_rules
from oncotrial.protocol import Duration, Protocol, load_protocol

T = pd.Timestamp
RULES = progression_rules(load_protocol())
ENTRY, FIRST_DOSE = "2024-01-01", "2024-01-02"


def history(
    *scans: tuple[str, str], baseline: bool = True, death: str | None = None, nact: str | None = None
):
    items = tuple(Assessment(T(d), r, float(i + 1)) for i, (d, r) in enumerate(scans))
    return SubjectHistory(
        T(ENTRY), T(FIRST_DOSE), baseline, items, T(death) if death else pd.NaT, T(nact) if nact else pd.NaT
    )


def outcome(h: SubjectHistory, protocol: Protocol):
    o = compute_pfs_outcome(h, progression_rules(protocol))
    return o.adt.date().isoformat(), o.cnsr, o.rule.code


def test_rules_read_interval_and_window_from_the_protocol(protocol: Protocol) -> None:
    rules = progression_rules(protocol)
    assert rules.missed_gap_days == 2 * 42 + 7 == 91
    longer = protocol.model_copy(
        update={
            "schedule": protocol.schedule.model_copy(update={"imaging_interval": Duration.parse("8 weeks")})
        }
    )
    assert progression_rules(longer).missed_gap_days == 2 * 56 + 7


def test_progression_is_an_event_at_the_first_pd(protocol: Protocol) -> None:
    h = history(("2024-02-12", "SD"), ("2024-03-25", "PD"), ("2024-05-06", "PD"))
    assert outcome(h, protocol) == ("2024-03-25", 0, "PD")


def test_death_before_progression_is_an_event(protocol: Protocol) -> None:
    h = history(("2024-02-12", "SD"), death="2024-03-01")
    assert outcome(h, protocol) == ("2024-03-01", 0, "DEATH")


def test_progression_and_death_on_one_day_count_as_progression(protocol: Protocol) -> None:
    h = history(("2024-02-12", "SD"), ("2024-03-25", "PD"), death="2024-03-25")
    assert outcome(h, protocol) == ("2024-03-25", 0, "PD")


def test_no_event_is_censored_at_the_last_adequate_assessment_skipping_ne(protocol: Protocol) -> None:
    h = history(("2024-02-12", "SD"), ("2024-03-25", "PR"), ("2024-05-06", "NE"))
    assert outcome(h, protocol) == ("2024-03-25", 1, "LASTASMT")


def test_no_baseline_assessment_is_censored_at_start_even_with_progression(protocol: Protocol) -> None:
    h = history(("2024-02-12", "PD"), baseline=False)
    assert outcome(h, protocol) == (ENTRY, 1, "NOBASE")


def test_no_post_baseline_assessment_and_no_death_is_censored_at_start(protocol: Protocol) -> None:
    assert outcome(history(), protocol) == (ENTRY, 1, "NOASSESS")
    # an NE assessment is not adequate
    assert outcome(history(("2024-02-12", "NE")), protocol) == (ENTRY, 1, "NOASSESS")


def test_death_within_two_intervals_of_first_dose_without_assessment_is_an_event(protocol: Protocol) -> None:
    # first dose 2024-01-02 + 91 days = 2024-04-02: the last day a death still counts
    assert outcome(history(death="2024-04-02"), protocol) == ("2024-04-02", 0, "EARLYDTH")


def test_death_later_than_two_intervals_without_assessment_is_censored_at_start(protocol: Protocol) -> None:
    assert outcome(history(death="2024-04-03"), protocol) == (ENTRY, 1, "NOASSESS")


def test_new_therapy_before_progression_censors_at_last_adequate_assessment_before_it(
    protocol: Protocol,
) -> None:
    h = history(("2024-02-12", "SD"), ("2024-03-25", "SD"), ("2024-05-06", "PD"), nact="2024-04-10")
    assert outcome(h, protocol) == ("2024-03-25", 1, "NEWTHER")


def test_new_therapy_before_any_assessment_censors_at_start(protocol: Protocol) -> None:
    h = history(("2024-03-25", "PD"), nact="2024-02-01")
    o = compute_pfs_outcome(h, progression_rules(protocol))
    assert (o.adt, o.cnsr, o.rule.code, o.srcdom, o.srcvar) == (T(ENTRY), 1, "NEWTHER", "ADSL", "ENRLDT")


def test_new_therapy_after_progression_leaves_the_event(protocol: Protocol) -> None:
    h = history(("2024-02-12", "PD"), nact="2024-03-01")
    assert outcome(h, protocol) == ("2024-02-12", 0, "PD")


def test_progression_after_two_missed_assessments_is_censored_at_last_adequate(protocol: Protocol) -> None:
    # last adequate 2024-02-12; + 91 days = 2024-05-13 still counts, 2024-05-14 does not
    assert outcome(history(("2024-02-12", "SD"), ("2024-05-13", "PD")), protocol) == ("2024-05-13", 0, "PD")
    h = history(("2024-02-12", "SD"), ("2024-05-14", "PD"))
    assert outcome(h, protocol) == ("2024-02-12", 1, "MISSED")


def test_death_after_two_missed_assessments_is_censored_at_last_adequate(protocol: Protocol) -> None:
    h = history(("2024-02-12", "SD"), ("2024-03-25", "NE"), death="2024-06-01")
    o = compute_pfs_outcome(h, progression_rules(protocol))
    assert (o.adt, o.cnsr, o.rule.code, o.srcseq) == (T("2024-02-12"), 1, "MISSED", 1.0)
    assert o.cnsdtdsc == "EVENT AFTER 2 OR MORE MISSED ASSESSMENTS" and o.evntdesc == ""


def test_switching_rules_off_in_the_protocol_drops_them(protocol: Protocol) -> None:
    off = protocol.model_copy(
        update={
            "censoring": protocol.censoring.model_copy(
                update={"no_baseline_censor_at_start": False, "new_therapy_censor_at_last_assessment": False}
            )
        }
    )
    rules = progression_rules(off)
    assert not rules.has("NOBASE") and not rules.has("NEWTHER")
    h = history(("2024-02-12", "PD"), baseline=False, nact="2024-02-01")
    assert outcome(h, off) == ("2024-02-12", 0, "PD")


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("MISSED", "more than 91 days (2 x 6 weeks + 7-day window)"),
        ("EARLYDTH", "= 91 days) of the first dose"),
    ],
)
def test_rule_descriptions_state_the_protocol_numbers(protocol: Protocol, code: str, words: str) -> None:
    assert words in progression_rules(protocol).rule(code).description


_responses = st.sampled_from(["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"])


@st.composite
def histories(draw: st.DrawFn) -> SubjectHistory:
    start = T("2024-01-01")
    days = sorted(draw(st.sets(st.integers(1, 700), max_size=8)))
    scans = tuple(
        Assessment(start + pd.Timedelta(days=d), draw(_responses), float(i + 1)) for i, d in enumerate(days)
    )
    death = draw(st.one_of(st.none(), st.integers(1, 800)))
    nact = draw(st.one_of(st.none(), st.integers(1, 800)))
    return SubjectHistory(
        start,
        start + pd.Timedelta(days=1),
        draw(st.booleans()),
        scans,
        start + pd.Timedelta(days=death) if death else pd.NaT,
        start + pd.Timedelta(days=nact) if nact else pd.NaT,
    )


@given(histories())
@settings(max_examples=300, deadline=None)
def test_every_outcome_is_an_event_date_or_an_adequate_assessment_or_the_start(h: SubjectHistory) -> None:
    o = compute_pfs_outcome(h, RULES)
    first_pd = h.first_pd.adt if h.first_pd else None
    events = {d for d in (first_pd, None if pd.isna(h.death) else h.death) if d is not None}
    adequate = {a.adt for a in h.assessments if a.adequate}
    if o.cnsr == 0:
        assert o.adt == min(events) and o.evntdesc and not o.cnsdtdsc
    else:
        assert o.adt == h.start or o.adt in adequate
        assert not events or o.adt <= min(events)
        assert o.cnsdtdsc and not o.evntdesc
    if not events:
        assert o.cnsr == 1
    if not pd.isna(h.new_therapy) and o.cnsr == 1 and o.rule.code == "NEWTHER":
        assert o.adt < h.new_therapy or o.adt == h.start
