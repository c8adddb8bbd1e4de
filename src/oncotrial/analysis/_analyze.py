"""All analyses of one ADaM package, and their ``results.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from oncotrial.analysis._data_checks import collect_data_checks, summarise_data_checks
from oncotrial.analysis._datasets import dataset, has_dataset
from oncotrial.analysis._disposition import compute_disposition
from oncotrial.analysis._interim import compute_interim, outcomes_from_adam
from oncotrial.analysis._methods import methods_notes
from oncotrial.analysis._rates import compute_bor_distribution, compute_rate
from oncotrial.analysis._results import DataCheck, MethodNote, Provenance, StudyResults
from oncotrial.analysis._safety import compute_ae_summary
from oncotrial.analysis._tte import compute_follow_up, compute_time_to_event
from oncotrial.protocol import Protocol
from oncotrial.protocol.model import EndpointKind

__all__ = ["analyze", "write_results"]


def analyze(
    adam: Any,
    *,
    protocol: Protocol,
    provenance: Provenance | None = None,
    data_checks: tuple[DataCheck, ...] | None = None,
) -> StudyResults:
    """Every efficacy and safety analysis of the protocol on an ADaM package.

    Parameters
    ----------
    adam : AdamPackage, mapping or object
        ADSL, ADRS and ADTTE (ADTR, ADAE optional) as attributes (``adam.adsl``) or
        mapping keys (``adam["ADSL"]``), e.g. :func:`oncotrial.adam.build_adam`'s package.
    protocol : Protocol
        Every rule: each endpoint's population, responses and confirmation, p0, the
        confidence level, the Kaplan-Meier band, landmarks, month length, design and
        monitoring.
    provenance : Provenance, optional
        Hashes of the inputs and the protocol file (:func:`collect_provenance`).
    data_checks : tuple of DataCheck, optional
        What the checks found (:func:`collect_data_checks`); by default, what the ADaM
        package carries (baseline problems, collected sums, contradicting dates).

    Returns
    -------
    StudyResults
        ``to_dict()`` is the content of ``results.json``.

    Raises
    ------
    OncotrialError
        A dataset or variable is missing; the message names it.
    """
    adsl = dataset(adam, "ADSL", ["USUBJID"])
    adrs = dataset(adam, "ADRS")
    adtte = dataset(adam, "ADTTE")
    primary = protocol.primary_endpoint
    rates = {
        e.code: compute_rate(adrs, adsl=adsl, endpoint=e, protocol=protocol, test_p0=e is primary)
        for e in protocol.endpoints
        if e.kind is EndpointKind.RESPONSE_RATE
    }
    tte = {
        e.code: compute_time_to_event(adtte, adsl=adsl, endpoint=e, protocol=protocol)
        for e in protocol.endpoints
        if e.kind is EndpointKind.TIME_TO_EVENT
    }
    has_os = any(e.code == "OS" for e in protocol.endpoints)
    follow_up = compute_follow_up(adtte, adsl=adsl, protocol=protocol) if has_os else None
    interim = compute_interim(outcomes_from_adam(adam, protocol=protocol), protocol=protocol)
    safety = (
        compute_ae_summary(dataset(adam, "ADAE"), adsl=adsl, protocol=protocol)
        if has_dataset(adam, "ADAE")
        else None
    )
    checks = collect_data_checks(adam) if data_checks is None else data_checks
    return StudyResults(
        study_id=protocol.identity.study_id,
        title=protocol.identity.title,
        conf_level=protocol.analysis.conf_level,
        disposition=compute_disposition(adsl, protocol=protocol),
        rates=rates,
        best_response=compute_bor_distribution(adrs, adsl=adsl, protocol=protocol),
        time_to_event=tte,
        follow_up=follow_up,
        simon=interim.simon,
        interim=interim,
        safety=safety,
        methods=_derivation_notes(adam) + methods_notes(protocol, interim.simon),
        assumptions=tuple((loc, src.text) for loc, src in protocol.assumptions()),
        provenance=provenance,
        notes=_data_notes(adam) + summarise_data_checks(checks),
        data_checks=checks,
    )


def _derivation_notes(adam: Any) -> tuple[MethodNote, ...]:
    """How the package's overall responses were obtained, when the package says."""
    source = getattr(adam, "response_source", None)
    if source == "recist":
        text = "Computed from the tumour measurements (TU/TR) by the RECIST 1.1 engine."
    elif source == "rs":
        text = "As recorded in RS (RSTESTCD = OVRLRESP), not recomputed."
    else:
        return ()
    return (MethodNote("Overall responses", text),)


def _data_notes(adam: Any) -> tuple[str, ...]:
    """Remarks on the data a reader should see (e.g. RS disagreeing with the computed responses)."""
    discrepancies = getattr(adam, "discrepancies", None)
    if discrepancies is not None and len(discrepancies):
        n_subjects = discrepancies["USUBJID"].nunique() if "USUBJID" in discrepancies.columns else "?"
        return (
            f"{len(discrepancies)} assessments of {n_subjects} patients where the recorded response (RS) "
            "differs from the RECIST 1.1 computation; the ADaM package lists them.",
        )
    return ()


def write_results(results: StudyResults, path: str | Path) -> Path:
    """Write ``results.json`` (UTF-8, indented, keys in a stable order); returns the path."""
    path = Path(path)
    path.write_text(json.dumps(results.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
