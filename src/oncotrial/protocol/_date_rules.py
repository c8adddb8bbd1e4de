"""How partial dates become analysis dates: one small rule per kind of date (protocol
``analysis.date_imputation``), applied by ADaM (docs/adam.md) and, for tumour assessments,
by the RECIST engine."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from oncotrial.protocol._base import _Model, _Sourced

__all__ = ["DateImputation", "DeathDateRule", "PartialDateRule", "StartDateRule", "TumourDateRule"]


class PartialDateRule(_Model):
    """How a partial ISO 8601 date (``YYYY-MM`` or ``YYYY``) becomes an analysis date.

    The missing parts are filled first (``missing_day``, ``missing_month``); then the date is
    raised to each ``not_before`` date that lies within the partial date's own period (as
    admiral's ``min_dates``). A floor beyond the period is a contradiction of the data: the
    date is not moved past its period, and the ADaM build reports it (``date_findings``).
    Only ``"first"`` is implemented; another choice is refused by name.
    """

    missing_day: Literal["first"] = Field(description="a missing day becomes the first of its month")
    missing_month: Literal["first"] = Field(description="a missing month (and day) becomes 1 January")


class TumourDateRule(PartialDateRule):
    """Partial tumour assessment dates (TR.TRDTC, RS.RSDTC)."""

    not_before: list[Literal["previous_assessment"]] = Field(
        description="the day after the subject's previous assessment (by VISITNUM)"
    )

    @model_validator(mode="after")
    def _after_previous(self) -> TumourDateRule:
        # The RECIST engine orders a subject's assessments by date; a partial date on or
        # before the previous assessment would reorder them, so this floor is not optional.
        if self.not_before != ["previous_assessment"]:
            raise ValueError(
                f"not_before must be ['previous_assessment'], got {self.not_before}: an assessment is "
                "never dated on or before the subject's previous one"
            )
        return self


class DeathDateRule(PartialDateRule):
    """Partial death dates (DM.DTHDTC, else DS.DSSTDTC of the DEATH record)."""

    not_before: list[Literal["last_known_alive", "tumour_assessment"]] = Field(
        description=(
            "last_known_alive: the last complete date the subject was seen alive (LSTALVDT); "
            "tumour_assessment: the subject's last tumour assessment date as analysed"
        )
    )


class StartDateRule(PartialDateRule):
    """Partial start dates of adverse events (AE.AESTDTC) and new anti-cancer therapy (CM.CMSTDTC)."""

    not_before: list[Literal["first_dose"]] = Field(
        description="first_dose: the first dose of study treatment (TRTSDT), when within the period"
    )


class DateImputation(_Sourced):
    """The imputation rule of each kind of partial date the analysis reads (ADaM ``*DTF`` flags)."""

    tumour_assessment: TumourDateRule
    death: DeathDateRule
    adverse_event_start: StartDateRule
    new_anticancer_therapy: StartDateRule
