"""Durations as a protocol writes them: ``"21 days"``, ``"6 weeks"``, ``"2 years"``.

Calendar units (months, years) are kept as such so that "2 years from the first
dose" lands on the same calendar day two years later, as a site would count it.
Converting to a number of days uses the conventions written on :data:`DAYS_PER`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

Unit = Literal["hours", "days", "weeks", "months", "years"]

#: Days per unit when a duration must become a number of days. Months and years
#: use the mean Gregorian lengths (365.25 / 12 = 30.4375), the usual ADaM convention.
DAYS_PER: dict[str, float] = {"hours": 1 / 24, "days": 1.0, "weeks": 7.0, "months": 30.4375, "years": 365.25}

_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(hour|day|week|month|year)s?\s*$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Duration:
    """An amount of time with its unit, e.g. ``Duration(6, "weeks")``.

    >>> Duration.parse("2 years").after(dt.date(2024, 2, 29))
    datetime.date(2026, 2, 28)
    >>> Duration.parse("6 weeks").days
    42.0
    """

    amount: float
    unit: Unit

    @classmethod
    def parse(cls, text: str) -> Duration:
        match = _PATTERN.match(text)
        if not match:
            raise ValueError(f"expected a duration such as '21 days', '6 weeks', '2 years', got {text!r}")
        amount = float(match.group(1))
        if amount < 0:
            raise ValueError(f"duration must not be negative, got {text!r}")
        unit = match.group(2).lower() + "s"
        return cls(amount, unit)  # type: ignore[arg-type]

    @property
    def days(self) -> float:
        """Length in days (calendar units converted with :data:`DAYS_PER`)."""
        return self.amount * DAYS_PER[self.unit]

    @property
    def delta(self) -> dt.timedelta:
        """The exact length of an hours, days or weeks duration (a reporting clock's)."""
        if self.unit in ("months", "years"):
            raise ValueError(f"{self} is a calendar duration with no fixed length")
        return dt.timedelta(hours=self.amount * 24 * DAYS_PER[self.unit])

    def after(self, start: dt.date) -> dt.date:
        """The calendar date this long after ``start``.

        Months and years move the calendar (clamping 31 Jan + 1 month to 28/29 Feb);
        days and weeks add whole days (fractions are truncated).
        """
        if self.unit in ("hours", "days", "weeks"):
            return start + dt.timedelta(days=int(self.days))
        months = round(self.amount * (12 if self.unit == "years" else 1))
        year, month0 = divmod(start.month - 1 + months, 12)
        year += start.year
        day = min(start.day, calendar.monthrange(year, month0 + 1)[1])
        return dt.date(year, month0 + 1, day)

    def __str__(self) -> str:
        amount = int(self.amount) if float(self.amount).is_integer() else self.amount
        unit = self.unit[:-1] if amount == 1 else self.unit
        return f"{amount} {unit}"

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def validate(value: Any) -> Duration:
            if isinstance(value, Duration):
                return value
            if isinstance(value, str):
                return cls.parse(value)
            raise ValueError("expected a duration string such as '21 days' or '2 years'")

        return core_schema.no_info_plain_validator_function(
            validate, serialization=core_schema.plain_serializer_function_ser_schema(str)
        )
