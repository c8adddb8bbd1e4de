"""The live analysis behind the sponsor's dashboard: database -> SDTM -> check -> ADaM -> analyses.

The same code as ``oncotrial analyze``: the EDC's :func:`~oncotrial.edc.services.sdtm.extract_sdtm`,
the SDTM gate :func:`~oncotrial.sdtm.check_sdtm`, :func:`~oncotrial.adam.build_adam`, and the
analysis room's :func:`compute_interim` and :func:`compute_time_to_event`. Results are kept per
state of the data: the key is the audit chain's head hash, which changes with every write, so
the dashboard is always computed from the current database and not recomputed while nothing
changed.

A record the check refuses (a date in the year 2263, say, stored before the EDC checked dates
on entry) stops the analysis as it stops ``oncotrial analyze``: the dashboard and the ADaM
download name each such record (domain, variable, subject, value and why) instead of
analysing around it or failing without a word.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from oncotrial.adam import AdamPackage, build_adam
from oncotrial.analysis import (
    InterimStatus,
    TimeToEventResult,
    compute_interim,
    compute_time_to_event,
    outcomes_from_adam,
)
from oncotrial.edc import AuditHead, User, trial_protocol
from oncotrial.edc.services.sdtm import extract_sdtm
from oncotrial.errors import Problem
from oncotrial.protocol import Protocol
from oncotrial.protocol.model import EndpointKind
from oncotrial.sdtm import SdtmPackage, check_sdtm

__all__ = ["LiveAnalysis", "RecordProblem", "data_version", "live_analysis", "survival_endpoints"]


@dataclass(frozen=True)
class RecordProblem:
    """One record the SDTM check refuses, as the dashboard names it."""

    domain: str
    variable: str
    row: int | None
    usubjid: str | None
    seq: Any
    value: Any
    msg: str
    code: str

    def __str__(self) -> str:
        where = f"{self.domain}.{self.variable}"
        if self.usubjid:
            where += f" of subject {self.usubjid}"
        if self.seq is not None:
            seq = int(self.seq) if isinstance(self.seq, float) and self.seq.is_integer() else self.seq
            where += f" ({self.domain}SEQ {seq})"
        value = f" = {self.value}" if self.value not in (None, "") else ""
        return f"{where}{value}: {self.msg}"


@dataclass(frozen=True)
class LiveAnalysis:
    """Everything the dashboard shows that comes from the analysis code.

    ``problem`` says why there is no analysis; ``records`` names each record that stops it.
    """

    version: str
    sdtm: dict[str, Any]
    adam: AdamPackage | None
    interim: InterimStatus | None
    survival: dict[str, TimeToEventResult] = field(default_factory=dict)
    problem: str | None = None
    records: tuple[RecordProblem, ...] = ()


def survival_endpoints(protocol: Protocol) -> list[Any]:
    """Time-to-event endpoints analysed in the primary endpoint's population (PFS, OS here)."""
    primary_population = protocol.primary_endpoint.population
    return [
        e
        for e in protocol.endpoints
        if e.kind is EndpointKind.TIME_TO_EVENT and e.population == primary_population
    ]


def data_version(session: Session) -> str:
    """The audit chain's head hash: it changes with every write to the database."""
    head = session.execute(select(AuditHead.hash, AuditHead.seq)).first()
    return f"{head.seq}:{head.hash}" if head else "empty"


_cache: dict[str, LiveAnalysis] = {}
_lock = threading.Lock()


def live_analysis(session: Session, user: User) -> LiveAnalysis:
    """The current analysis of the database (``user`` must be allowed to export)."""
    version = data_version(session)
    with _lock:
        cached = _cache.get(version)
    if cached is not None:
        return cached
    protocol = trial_protocol(session)
    sdtm = extract_sdtm(session, user)
    checked = check_sdtm(SdtmPackage(sdtm), protocol=protocol)
    records = tuple(_record(p, sdtm) for p in checked.errors if _is_record(p))
    others = [str(p) for p in checked.errors if not _is_record(p)]
    if records:
        also = f" (also: {'; '.join(others)})" if others else ""
        result = LiveAnalysis(
            version,
            sdtm,
            None,
            None,
            problem=f"the analysis stops at {len(records)} record(s) that the SDTM check refuses, as "
            f"oncotrial analyze does; correct each one listed and the analysis runs again{also}",
            records=records,
        )
    elif checked.errors:  # e.g. no dose recorded yet: the whole trial has nothing to analyse
        reasons = "; ".join(p.msg for p in checked.errors)
        result = LiveAnalysis(version, sdtm, None, None, problem=f"no analysis yet: {reasons}")
    else:
        result = _analysed(version, sdtm, checked.package, protocol)
    with _lock:
        _cache.clear()  # only the current state of the data is worth keeping
        _cache[version] = result
    return result


def _analysed(version: str, sdtm: dict[str, Any], package: SdtmPackage, protocol: Protocol) -> LiveAnalysis:
    try:
        adam = build_adam(package, protocol)
    except (ValueError, KeyError) as exc:  # e.g. no enrolled subject yet
        return LiveAnalysis(version, sdtm, None, None, problem=f"no analysis yet: {exc}")
    else:
        interim = compute_interim(outcomes_from_adam(adam, protocol=protocol), protocol=protocol)
        survival = {
            e.code: compute_time_to_event(adam["ADTTE"], adsl=adam["ADSL"], endpoint=e, protocol=protocol)
            for e in survival_endpoints(protocol)
        }
        return LiveAnalysis(version, sdtm, adam, interim, survival)


def _is_record(problem: Problem) -> bool:
    """A problem of one row (``loc`` = domain, variable, row), not of a whole domain."""
    return len(problem.loc) == 3 and isinstance(problem.loc[2], int)


def _record(problem: Problem, sdtm: dict[str, Any]) -> RecordProblem:
    domain, variable, row = str(problem.loc[0]), str(problem.loc[1]), int(problem.loc[2])
    frame = sdtm.get(domain.upper())
    usubjid = seq = None
    if isinstance(frame, pd.DataFrame) and 0 <= row < len(frame):
        if "USUBJID" in frame:
            usubjid = str(frame["USUBJID"].iloc[row])
        if f"{domain.upper()}SEQ" in frame:
            seq = frame[f"{domain.upper()}SEQ"].iloc[row]
            seq = seq.item() if hasattr(seq, "item") else seq
    return RecordProblem(domain, variable, row, usubjid, seq, problem.value, problem.msg, problem.code)
