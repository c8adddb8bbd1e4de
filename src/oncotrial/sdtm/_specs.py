"""SDTM domain specifications: the variables each domain carries, as small declarative objects.

The specs follow the SDTM IG 3.x names, labels and types, with this project's
conventions (see ``docs/sdtm.md``). ``required`` variables must be present in a
file for the reader to accept it; the others are read when present.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

__all__ = ["DOMAINS", "DomainSpec", "Variable", "domain_spec"]

VarType = Literal["Char", "Num"]


@dataclass(frozen=True)
class Variable:
    """One SDTM variable: name (at most 8 characters), label (at most 40), type, required,
    and where the IG or this project fixes them, a maximum length and the name of its
    controlled vocabulary (``oncotrial.sdtm.vocabulary``; checked by ``check_sdtm``, where a
    blank value is allowed; required means the variable is present)."""

    name: str
    label: str
    type: VarType = "Char"
    required: bool = False
    length: int | None = None
    vocabulary: str | None = None

    def __post_init__(self) -> None:
        if len(self.name) > 8 or not self.name.isupper():
            raise ValueError(f"variable name {self.name!r} must be upper case, at most 8 characters")
        if len(self.label) > 40:
            raise ValueError(f"label of {self.name} is longer than 40 characters: {self.label!r}")


@dataclass(frozen=True)
class DomainSpec:
    """One SDTM domain: its two-letter name, dataset label and variables.

    >>> domain_spec("DM").variable("USUBJID").label
    'Unique Subject Identifier'
    """

    name: str
    label: str
    variables: tuple[Variable, ...]
    required: bool = True

    @property
    def required_names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.variables if v.required)

    @property
    def numeric_names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.variables if v.type == "Num")

    def variable(self, name: str) -> Variable:
        for var in self.variables:
            if var.name == name:
                return var
        raise KeyError(name)

    def labels(self) -> dict[str, str]:
        return {v.name: v.label for v in self.variables}

    def empty(self) -> pd.DataFrame:
        """A table of this domain with every variable and no rows ("none recorded")."""
        numeric = set(self.numeric_names)
        return pd.DataFrame(
            {v.name: pd.Series(dtype=float if v.name in numeric else object) for v in self.variables}
        )


def _v(
    name: str,
    label: str,
    type_: VarType = "Char",
    *,
    req: bool = False,
    length: int | None = None,
    vocab: str | None = None,
) -> Variable:
    return Variable(name, label, type_, req, length, vocab)


_COMMON = (
    _v("STUDYID", "Study Identifier", req=True),
    _v("DOMAIN", "Domain Abbreviation", length=2),
    _v("USUBJID", "Unique Subject Identifier", req=True),
)
_VISIT = (
    _v("VISITNUM", "Visit Number", "Num"),
    _v("VISIT", "Visit Name"),
)

DM = DomainSpec(
    "DM",
    "Demographics",
    (
        *_COMMON,
        _v("SUBJID", "Subject Identifier for the Study", req=True),
        _v("RFSTDTC", "Subject Reference Start Date/Time", req=True),
        _v("RFENDTC", "Subject Reference End Date/Time"),
        _v("RFXSTDTC", "Date/Time of First Study Treatment"),
        _v("RFXENDTC", "Date/Time of Last Study Treatment"),
        _v("RFICDTC", "Date/Time of Informed Consent"),
        _v("DTHDTC", "Date/Time of Death"),
        _v("DTHFL", "Subject Death Flag", vocab="no_yes"),
        _v("SITEID", "Study Site Identifier", req=True),
        _v("AGE", "Age", "Num"),
        _v("AGEU", "Age Units"),
        _v("SEX", "Sex", vocab="sex"),
        _v("RACE", "Race"),
        _v("ARM", "Description of Planned Arm"),
        _v("ACTARM", "Description of Actual Arm"),
        _v("COUNTRY", "Country"),
    ),
)

EX = DomainSpec(
    "EX",
    "Exposure",
    (
        *_COMMON,
        _v("EXSEQ", "Sequence Number", "Num"),
        _v("EXSPID", "Sponsor-Defined Identifier"),
        _v("EXTRT", "Name of Treatment", req=True),
        _v("EXCAT", "Category of Treatment"),
        _v("EXDOSE", "Dose", "Num", req=True),
        _v("EXDOSU", "Dose Units"),
        _v("EXDOSFRQ", "Dosing Frequency per Interval"),
        _v("EXROUTE", "Route of Administration"),
        _v("EXADJ", "Reason for Dose Adjustment"),
        *_VISIT,
        _v("EXSTDTC", "Start Date/Time of Treatment", req=True),
        _v("EXENDTC", "End Date/Time of Treatment"),
    ),
)

TU = DomainSpec(
    "TU",
    "Tumor/Lesion Identification",
    (
        *_COMMON,
        _v("TUSEQ", "Sequence Number", "Num"),
        _v("TULNKID", "Link ID", req=True),
        _v("TUTESTCD", "Tumor/Lesion ID Short Name", length=8),
        _v("TUSTRESC", "Tumor/Lesion ID Result Std. Format", req=True, vocab="lesion_group"),
        _v("TULOC", "Location of the Tumor/Lesion", req=True, vocab="nodal_location"),
        _v("TUEVAL", "Evaluator", vocab="evaluator"),
        _v("TUEVALID", "Evaluator Identifier"),
        _v("TUACPTFL", "Accepted Record Flag", vocab="accepted_flag"),
        *_VISIT,
        _v("TUDTC", "Date/Time of Tumor/Lesion Identification"),
    ),
)

TR = DomainSpec(
    "TR",
    "Tumor/Lesion Results",
    (
        *_COMMON,
        _v("TRSEQ", "Sequence Number", "Num"),
        _v("TRGRPID", "Group ID", req=True, vocab="lesion_group"),
        _v("TRLNKID", "Link ID", req=True),
        _v("TRTESTCD", "Tumor/Lesion Assessment Short Name", req=True, length=8, vocab="tumour_test"),
        _v("TRTEST", "Tumor/Lesion Assessment Test Name"),
        _v("TRORRES", "Result or Finding in Original Units"),
        _v("TRORRESU", "Original Units"),
        _v("TRSTRESC", "Character Result/Finding in Std Format", req=True),
        _v("TRSTRESN", "Numeric Result/Finding in Standard Units", "Num", req=True),
        _v("TRSTRESU", "Standard Units"),
        _v("TRSTAT", "Completion Status", vocab="completion_status"),
        _v("TREVAL", "Evaluator", vocab="evaluator"),
        _v("TREVALID", "Evaluator Identifier"),
        _v("TRACPTFL", "Accepted Record Flag", vocab="accepted_flag"),
        *_VISIT,
        _v("TRDTC", "Date/Time of Tumor/Lesion Measurement", req=True),
    ),
)

RS = DomainSpec(
    "RS",
    "Disease Response",
    (
        *_COMMON,
        _v("RSSEQ", "Sequence Number", "Num"),
        _v("RSTESTCD", "Assessment Short Name", req=True, length=8, vocab="response_test"),
        _v("RSTEST", "Assessment Name"),
        _v("RSORRES", "Result or Finding in Original Units"),
        _v("RSSTRESC", "Character Result/Finding in Std Format", req=True),
        _v("RSEVAL", "Evaluator", vocab="evaluator"),
        _v("RSEVALID", "Evaluator Identifier"),
        _v("RSACPTFL", "Accepted Record Flag", vocab="accepted_flag"),
        *_VISIT,
        _v("RSDTC", "Date/Time of Assessment", req=True),
    ),
)

AE = DomainSpec(
    "AE",
    "Adverse Events",
    (
        *_COMMON,
        _v("AESEQ", "Sequence Number", "Num"),
        _v("AETERM", "Reported Term for the Adverse Event", req=True),
        _v("AEDECOD", "Dictionary-Derived Term", req=True),
        _v("AEBODSYS", "Body System or Organ Class"),
        _v("AESEV", "Severity/Intensity", vocab="severity"),
        _v("AETOXGR", "Standard Toxicity Grade", vocab="toxicity_grade"),
        _v("AESER", "Serious Event", vocab="no_yes"),
        _v("AEREL", "Causality"),
        _v("AERELNST", "Relationship to Non-Study Treatment"),
        _v("AEACN", "Action Taken with Study Treatment"),
        _v("AEOUT", "Outcome of Adverse Event"),
        _v("AESTDTC", "Start Date/Time of Adverse Event", req=True),
        _v("AEENDTC", "End Date/Time of Adverse Event"),
    ),
    # SDTM submits no empty datasets: a study without adverse events has no AE file.
    required=False,
)

DS = DomainSpec(
    "DS",
    "Disposition",
    (
        *_COMMON,
        _v("DSSEQ", "Sequence Number", "Num"),
        _v("DSTERM", "Reported Term for the Disposition Event"),
        _v("DSDECOD", "Standardized Disposition Term", req=True, vocab="disposition_term"),
        _v(
            "DSCAT",
            "Category for Disposition Event",
            req=True,
            vocab="disposition_category",
        ),
        _v("DSSCAT", "Subcategory for Disposition Event", vocab="disposition_subcategory"),
        *_VISIT,
        _v("DSSTDTC", "Start Date/Time of Disposition Event", req=True),
    ),
)

SV = DomainSpec(
    "SV",
    "Subject Visits",
    (
        *_COMMON,
        _v("VISITNUM", "Visit Number", "Num", req=True),
        _v("VISIT", "Visit Name"),
        _v("SVSTDTC", "Start Date/Time of Visit", req=True),
        _v("SVENDTC", "End Date/Time of Visit"),
    ),
    required=False,
)

CM = DomainSpec(
    "CM",
    "Concomitant/Concurrent Medications",
    (
        *_COMMON,
        _v("CMSEQ", "Sequence Number", "Num"),
        _v("CMTRT", "Reported Name of Drug, Med, or Therapy", req=True),
        _v("CMCAT", "Category for Medication", req=True, vocab="medication_category"),
        _v("CMSTDTC", "Start Date/Time of Medication", req=True),
        _v("CMENDTC", "End Date/Time of Medication"),
    ),
    required=False,
)

#: Every domain this project reads and writes, by name. TU/TR and RS are each optional
#: on their own; a package needs TU with TR, or RS (see :func:`oncotrial.sdtm.read_sdtm`).
DOMAINS: dict[str, DomainSpec] = {spec.name: spec for spec in (DM, EX, TU, TR, RS, AE, DS, SV, CM)}


def domain_spec(name: str) -> DomainSpec:
    """The spec of one domain by its name (case-insensitive)."""
    try:
        return DOMAINS[name.upper()]
    except KeyError:
        raise KeyError(f"unknown SDTM domain {name!r}; known: {sorted(DOMAINS)}") from None
