"""The live analysis behind the sponsor's dashboard: database -> SDTM -> ADaM -> analyses.

The same code as ``oncotrial analyze``: the EDC's :func:`~oncotrial.edc.services.sdtm.extract_sdtm`,
:func:`~oncotrial.adam.build_adam`, and the analysis room's :func:`compute_interim` and
:func:`compute_time_to_event`. Results are kept per state of the data: the key is the
audit chain's head hash, which changes with every write, so the dashboard is always
computed from the current database and not recomputed while nothing changed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

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
from oncotrial.protocol import Protocol
from oncotrial.protocol.model import EndpointKind
from oncotrial.sdtm import SdtmPackage

__all__ = ["LiveAnalysis", "data_version", "live_analysis", "survival_endpoints"]


@dataclass(frozen=True)
class LiveAnalysis:
    """Everything the dashboard shows that comes from the analysis code."""

    version: str
    sdtm: dict[str, Any]
    adam: AdamPackage | None
    interim: InterimStatus | None
    survival: dict[str, TimeToEventResult] = field(default_factory=dict)
    problem: str | None = None


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
    try:
        adam = build_adam(SdtmPackage(sdtm), protocol)
    except (ValueError, KeyError) as exc:  # e.g. no enrolled subject yet
        result = LiveAnalysis(version, sdtm, None, None, problem=f"no analysis yet: {exc}")
    else:
        interim = compute_interim(outcomes_from_adam(adam, protocol=protocol), protocol=protocol)
        survival = {
            e.code: compute_time_to_event(adam["ADTTE"], adsl=adam["ADSL"], endpoint=e, protocol=protocol)
            for e in survival_endpoints(protocol)
        }
        result = LiveAnalysis(version, sdtm, adam, interim, survival)
    with _lock:
        _cache.clear()  # only the current state of the data is worth keeping
        _cache[version] = result
    return result
