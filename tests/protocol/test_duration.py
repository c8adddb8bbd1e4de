"""Durations written the way a protocol says them."""

import datetime as dt

import pytest

from oncotrial.protocol import Duration


@pytest.mark.parametrize(
    ("text", "days"),
    [("21 days", 21), ("6 weeks", 42), ("1 day", 1), ("2 years", 730.5), ("6 months", 182.625)],
)
def test_days(text, days):
    assert Duration.parse(text).days == days


def test_calendar_years_land_on_the_same_day():
    assert Duration.parse("2 years").after(dt.date(2025, 3, 14)) == dt.date(2027, 3, 14)


def test_month_end_is_clamped():
    assert Duration.parse("1 month").after(dt.date(2025, 1, 31)) == dt.date(2025, 2, 28)


@pytest.mark.parametrize("text", ["-3 days", "three weeks", "6 fortnights", ""])
def test_bad_text_is_rejected(text):
    with pytest.raises(ValueError, match="duration"):
        Duration.parse(text)
