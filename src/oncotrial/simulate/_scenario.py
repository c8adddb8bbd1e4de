"""The scenario of a virtual trial: what is true about the virtual patients.

The protocol says what the trial does (schedule, caps, design); the scenario says
what the drug does and who enrols. Defaults are calibrated to the published
single-arm phase II of sintilimab + nab-paclitaxel in previously treated recurrent or
metastatic cervical cancer (EClinicalMedicine 2023;65:102274, "the 2023 trial"
below): n = 27, ORR 44.4%, DCR 88.9%, median PFS 5.2 months, median OS 13.1 months,
grade 3-4 treatment-related AEs 44.4% (neutrophil count decreased 22%). Every other
default is an assumption, said so next to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from oncotrial.errors import OncotrialError

__all__ = ["SOURCES", "Scenario"]

PUB = "EClinicalMedicine 2023;65:102274 (sintilimab + nab-paclitaxel, n = 27)"

#: Where each default comes from; shown by ``Scenario.describe()`` and docs/simulate.md.
SOURCES: dict[str, str] = {
    "n_subjects": f"{PUB}: 27 patients treated",
    "orr": f"{PUB}: confirmed ORR 44.4% (12/27)",
    "dcr": f"{PUB}: DCR 88.9% (24/27)",
    "median_pfs_months": f"{PUB}: median PFS 5.2 months",
    "median_os_months": f"{PUB}: median OS 13.1 months",
    "cr_share_of_responders": "assumption: CRs are a small minority of responses in this setting (about 1 in 10)",
    "n_centers": "assumption: the issue's example, 6 centers",
    "enrollment_months": "assumption: the issue's example, 18 months of accrual",
    "screen_failure_rate": "assumption: about 1 in 5 screened patients fail screening in second-line trials",
    "withdrawal_per_year": "assumption: about 5% of patients per year withdraw consent",
    "lost_to_follow_up_per_year": "assumption: about 2% of patients per year are lost to follow-up",
    "new_therapy_after_pd": "assumption: about 60% of patients start a new anti-tumour therapy after progression",
    "new_lesion_share_of_pd": "assumption: about 40% of RECIST progressions show a new lesion",
    "missed_visit_rate": "assumption: about 4% of scheduled scans are missed",
    "measurement_cv": "assumption: inter-read variability of CT diameters, about 5% (coefficient of variation)",
    "investigator_disagreement": "assumption: 0 by default, so that the investigator's RS is what RECIST gives; set above 0 to add a data-quality wrinkle",
    "grade34_trae": f"{PUB}: grade 3-4 treatment-related AEs in 44.4% of patients",
    "grade34_neutropenia": f"{PUB}: grade 3-4 neutrophil count decreased in 22%",
    "toxicity_discontinuation": "assumption: about 10% of patients stop treatment for toxicity",
    "delay_per_cycle": "assumption: about 8% of cycles start a week late",
    "age_mean": "the issue: age about 50 (30-70)",
    "age_min": "the issue: age about 50 (30-70)",
    "age_max": "the issue: age about 50 (30-70)",
    "ecog0_share": "the issue: ECOG 0/1 about 30/70%",
    "squamous_share": "the issue: squamous histology about 85%",
    "first_enrollment": "assumption: an arbitrary first enrollment date",
    "follow_up_months": "assumption: data cut-off 12 months after the last patient's first dose",
}


@dataclass(frozen=True)
class Scenario:
    """What is true in a virtual trial (frozen; change with :meth:`with_`).

    Rates are proportions of enrolled (treated) patients; medians are the medians a
    trial would report, in months of 30.4375 days. Sources of each default: :data:`SOURCES`.

    Examples
    --------
    >>> s = Scenario()
    >>> s.orr, s.median_pfs_months
    (0.444, 5.2)
    >>> s.with_(orr=0.2).orr
    0.2
    """

    n_subjects: int = 27
    orr: float = 0.444
    dcr: float = 0.889
    median_pfs_months: float = 5.2
    median_os_months: float = 13.1
    cr_share_of_responders: float = 0.1
    n_centers: int = 6
    enrollment_months: float = 18.0
    screen_failure_rate: float = 0.2
    withdrawal_per_year: float = 0.05
    lost_to_follow_up_per_year: float = 0.02
    new_therapy_after_pd: float = 0.6
    new_lesion_share_of_pd: float = 0.4
    missed_visit_rate: float = 0.04
    measurement_cv: float = 0.05
    investigator_disagreement: float = 0.0
    grade34_trae: float = 0.444
    grade34_neutropenia: float = 0.22
    toxicity_discontinuation: float = 0.10
    delay_per_cycle: float = 0.08
    age_mean: float = 50.0
    age_min: int = 30
    age_max: int = 70
    ecog0_share: float = 0.3
    squamous_share: float = 0.85
    first_enrollment: dt.date = dt.date(2024, 1, 15)
    follow_up_months: float = 12.0
    sources: dict[str, str] = field(default_factory=lambda: dict(SOURCES), compare=False, repr=False)

    def __post_init__(self) -> None:
        _check_positive_int("n_subjects", self.n_subjects)
        _check_positive_int("n_centers", self.n_centers)
        for name in (
            "orr",
            "dcr",
            "cr_share_of_responders",
            "screen_failure_rate",
            "new_therapy_after_pd",
            "new_lesion_share_of_pd",
            "missed_visit_rate",
            "investigator_disagreement",
            "grade34_trae",
            "grade34_neutropenia",
            "toxicity_discontinuation",
            "delay_per_cycle",
            "ecog0_share",
            "squamous_share",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise OncotrialError(("scenario", name), value, "must be a proportion between 0 and 1")
        for name in (
            "median_pfs_months",
            "median_os_months",
            "enrollment_months",
            "follow_up_months",
            "measurement_cv",
        ):
            value = getattr(self, name)
            if not value > 0:
                raise OncotrialError(("scenario", name), value, "must be positive")
        for name in ("withdrawal_per_year", "lost_to_follow_up_per_year"):
            value = getattr(self, name)
            if value < 0:
                raise OncotrialError(("scenario", name), value, "must not be negative")
        if not self.age_min <= self.age_mean <= self.age_max:
            raise OncotrialError(
                ("scenario", "age_mean"),
                self.age_mean,
                f"must lie in [age_min, age_max] = [{self.age_min}, {self.age_max}]",
            )
        if self.screen_failure_rate >= 1.0:
            raise OncotrialError(
                ("scenario", "screen_failure_rate"),
                self.screen_failure_rate,
                "must be below 1 (someone must enrol)",
            )
        if self.dcr < self.orr:
            raise OncotrialError(
                ("scenario", "dcr"), self.dcr, f"must be at least the response rate orr = {self.orr}"
            )
        if self.dcr >= 1.0:
            raise OncotrialError(("scenario", "dcr"), self.dcr, "must be below 1 (someone must progress)")
        if self.median_os_months <= self.median_pfs_months:
            raise OncotrialError(
                ("scenario", "median_os_months"),
                self.median_os_months,
                f"must be above median_pfs_months = {self.median_pfs_months}",
            )
        if self.grade34_neutropenia > self.grade34_trae:
            raise OncotrialError(
                ("scenario", "grade34_neutropenia"),
                self.grade34_neutropenia,
                f"must not exceed grade34_trae = {self.grade34_trae}",
            )

    def with_(self, **changes: Any) -> Scenario:
        """A copy with some values changed (validated again)."""
        unknown = sorted(set(changes) - {f.name for f in fields(self)})
        if unknown:
            raise OncotrialError(("scenario", unknown[0]), changes[unknown[0]], "is not a scenario parameter")
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain values (dates as ISO text), without the sources."""
        out = asdict(self)
        out.pop("sources")
        out["first_enrollment"] = self.first_enrollment.isoformat()
        return out

    def describe(self) -> list[tuple[str, Any, str]]:
        """(parameter, value, source) for every parameter, in declaration order."""
        values = self.to_dict()
        return [(name, values[name], self.sources.get(name, "")) for name in values]


def _check_positive_int(name: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise OncotrialError(("scenario", name), value, "must be a whole number of at least 1")
