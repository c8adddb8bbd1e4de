"""Event and censoring rules for PFS and DoR, as frozen objects built from the protocol.

The rules follow FDA (2018) "Clinical Trial Endpoints for the Approval of Cancer Drugs
and Biologics" (Table 3) as the protocol's ``censoring`` section switches them on; the
scheduled imaging interval and window come from ``schedule``. One engine,
:func:`compute_pfs_outcome`, applies them in order to one subject's history; each rule
carries the sentence the report prints in its methods section.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from oncotrial.protocol import Protocol

__all__ = [
    "Assessment",
    "Outcome",
    "ProgressionRules",
    "Rule",
    "SubjectHistory",
    "compute_pfs_outcome",
    "progression_rules",
]

DateAt = Literal["start", "last_adequate", "last_adequate_before_new_therapy", "event"]


@dataclass(frozen=True)
class Rule:
    """One event or censoring rule: its code, the outcome and date it gives, and its description."""

    code: str
    cnsr: int
    date: DateAt
    label: str
    description: str

    def __str__(self) -> str:
        return f"{self.code}: {self.description}"


@dataclass(frozen=True)
class Assessment:
    """One post-baseline overall response: its date, response and ADRS sequence number."""

    adt: pd.Timestamp
    avalc: str
    aseq: float | None = None

    @property
    def adequate(self) -> bool:
        """An assessment is adequate when it gives a response other than NE."""
        return self.avalc not in ("NE", "", "MISSING")


@dataclass(frozen=True)
class SubjectHistory:
    """What the rules need about one subject, dates as Timestamps (NaT when absent).

    ``start`` is the time origin (STARTDT), ``anchor`` the date the imaging schedule counts
    from; ``assessments`` are post-baseline (after ``start``), in date order.
    """

    start: pd.Timestamp
    anchor: pd.Timestamp
    has_baseline: bool
    assessments: tuple[Assessment, ...] = ()
    death: pd.Timestamp = pd.NaT
    new_therapy: pd.Timestamp = pd.NaT

    def adequate_before(self, date: pd.Timestamp | None) -> Assessment | None:
        """The last adequate assessment strictly before ``date`` (all of them when None)."""
        found = None
        for a in self.assessments:
            if a.adequate and (date is None or a.adt < date):
                found = a
        return found

    @property
    def first_pd(self) -> Assessment | None:
        return next((a for a in self.assessments if a.avalc == "PD"), None)


@dataclass(frozen=True)
class Outcome:
    """The result for one subject: date, CNSR, the rule applied and the row's lineage."""

    adt: pd.Timestamp
    cnsr: int
    rule: Rule
    srcdom: str
    srcvar: str
    srcseq: float | None = None

    @property
    def evntdesc(self) -> str:
        return self.rule.label if self.cnsr == 0 else ""

    @property
    def cnsdtdsc(self) -> str:
        return self.rule.label if self.cnsr == 1 else ""


@dataclass(frozen=True)
class ProgressionRules:
    """The PFS/DoR rules of one protocol, in the order they are tried.

    ``missed_gap_days`` is the longest gap between the last adequate assessment (or the
    schedule's anchor) and an event for the event to count: ``missed`` scheduled intervals
    plus the imaging window; ``early_death_days`` the same for a death before any
    adequate assessment.

    >>> from oncotrial.protocol import load_protocol
    >>> r = progression_rules(load_protocol())
    >>> r.missed_gap_days, r.early_death_days, [x.code for x in r.rules]
    (91, 91, ['NOBASE', 'NEWTHER', 'NOASSESS', 'EARLYDTH', 'MISSED', 'PD', 'DEATH', 'LASTASMT'])
    """

    rules: tuple[Rule, ...]
    missed_gap_days: int
    early_death_days: int
    guidance: str

    def rule(self, code: str) -> Rule:
        for r in self.rules:
            if r.code == code:
                return r
        raise KeyError(code)

    def has(self, code: str) -> bool:
        return any(r.code == code for r in self.rules)

    def describe(self) -> list[str]:
        """One sentence per rule, for a methods section."""
        return [f"{r.description}" for r in self.rules]


def progression_rules(protocol: Protocol) -> ProgressionRules:
    """Build the PFS/DoR rules from ``protocol.censoring`` and ``protocol.schedule``."""
    cens, sched = protocol.censoring, protocol.schedule
    interval, window = int(sched.imaging_interval.days), sched.imaging_window_days
    missed = cens.missed_assessments_censor
    early = cens.early_death_event_within_missed
    missed_gap = missed * interval + window
    early_gap = early * interval + window
    anchor = "the first dose" if sched.imaging_anchor == "first_dose" else "study entry"
    rules: list[Rule] = []
    if cens.no_baseline_censor_at_start:
        rules.append(
            Rule(
                "NOBASE",
                1,
                "start",
                "NO BASELINE ASSESSMENT",
                "No baseline tumour assessment: censored at the start date.",
            )
        )
    if cens.new_therapy_censor_at_last_assessment:
        rules.append(
            Rule(
                "NEWTHER",
                1,
                "last_adequate_before_new_therapy",
                "NEW ANTI-CANCER THERAPY STARTED",
                "New anti-tumour therapy started before progression or death: censored at the last "
                "adequate assessment before it (the start date if none).",
            )
        )
    if cens.no_post_baseline_censor_at_start:
        rules.append(
            Rule(
                "NOASSESS",
                1,
                "start",
                "NO ADEQUATE POST-BASELINE ASSESSMENT",
                "No adequate post-baseline assessment and no death within the early-death window: "
                "censored at the start date.",
            )
        )
    rules.append(
        Rule(
            "EARLYDTH",
            0,
            "event",
            "DEATH",
            f"Death before any adequate post-baseline assessment within {early} scheduled intervals "
            f"({early} x {sched.imaging_interval} + {window}-day window = {early_gap} days) of {anchor}: event.",
        )
    )
    rules.append(
        Rule(
            "MISSED",
            1,
            "last_adequate",
            f"EVENT AFTER {missed} OR MORE MISSED ASSESSMENTS",
            f"Progression or death more than {missed_gap} days ({missed} x {sched.imaging_interval} + "
            f"{window}-day window) after the last adequate assessment, i.e. after {missed} or more missed "
            "assessments: censored at the last adequate assessment.",
        )
    )
    rules.append(
        Rule(
            "PD",
            0,
            "event",
            "PROGRESSIVE DISEASE",
            "Progression per RECIST 1.1: event at the date of the first PD assessment.",
        )
    )
    rules.append(
        Rule(
            "DEATH",
            0,
            "event",
            "DEATH",
            "Death from any cause before progression: event at the date of death.",
        )
    )
    rules.append(
        Rule(
            "LASTASMT",
            1,
            "last_adequate",
            "LAST ADEQUATE ASSESSMENT",
            "No progression or death: censored at the last adequate assessment.",
        )
    )
    return ProgressionRules(tuple(rules), missed_gap, early_gap, cens.guidance)


Source = tuple[str, str]


def _at_assessment(rule: Rule, a: Assessment | None, h: SubjectHistory, start_source: Source) -> Outcome:
    if a is None:
        return Outcome(h.start, rule.cnsr, rule, *start_source)
    return Outcome(a.adt, rule.cnsr, rule, "ADRS", "ADT", a.aseq)


def compute_pfs_outcome(
    h: SubjectHistory, rules: ProgressionRules, *, start_source: Source = ("ADSL", "ENRLDT")
) -> Outcome:
    """Apply the rules in order to one subject (PFS; DoR with ``start`` the first response).

    ``start_source`` is the lineage (SRCDOM, SRCVAR) of a censoring at the start date.

    >>> from oncotrial.protocol import load_protocol
    >>> t = pd.Timestamp
    >>> h = SubjectHistory(t("2024-01-01"), t("2024-01-01"), True,
    ...     (Assessment(t("2024-02-12"), "SD", 1), Assessment(t("2024-03-25"), "PD", 2)))
    >>> o = compute_pfs_outcome(h, progression_rules(load_protocol()))
    >>> (o.adt.date().isoformat(), o.cnsr, o.evntdesc, o.srcseq)
    ('2024-03-25', 0, 'PROGRESSIVE DISEASE', 2)
    """
    if rules.has("NOBASE") and not h.has_baseline:
        return Outcome(h.start, 1, rules.rule("NOBASE"), *start_source)
    pd_a = h.first_pd
    death = h.death if not pd.isna(h.death) else None
    candidates = [d for d in (pd_a.adt if pd_a else None, death) if d is not None]
    event_date = min(candidates) if candidates else None
    if (
        rules.has("NEWTHER")
        and not pd.isna(h.new_therapy)
        and (event_date is None or h.new_therapy < event_date)
    ):
        rule = rules.rule("NEWTHER")
        return _at_assessment(rule, h.adequate_before(h.new_therapy), h, start_source)
    last_any = h.adequate_before(None)
    if event_date is None:
        if last_any is None:
            code = "NOASSESS" if rules.has("NOASSESS") else "LASTASMT"
            return Outcome(h.start, 1, rules.rule(code), *start_source)
        return _at_assessment(rules.rule("LASTASMT"), last_any, h, start_source)
    before = h.adequate_before(event_date)
    is_pd = pd_a is not None and pd_a.adt == event_date
    if before is None:
        gap = (event_date - h.anchor).days
        if gap > rules.early_death_days:
            code = "NOASSESS" if rules.has("NOASSESS") else "MISSED"
            return Outcome(h.start, 1, rules.rule(code), *start_source)
        if not is_pd:
            return Outcome(event_date, 0, rules.rule("EARLYDTH"), "ADSL", "DTHDT")
    elif (event_date - before.adt).days > rules.missed_gap_days:
        return _at_assessment(rules.rule("MISSED"), before, h, start_source)
    if is_pd:
        return Outcome(pd_a.adt, 0, rules.rule("PD"), "ADRS", "ADT", pd_a.aseq)
    return Outcome(event_date, 0, rules.rule("DEATH"), "ADSL", "DTHDT")
