"""One call from an SDTM package and a protocol to every ADaM dataset."""

from __future__ import annotations

import pandas as pd

from oncotrial.adam._adae import build_adae
from oncotrial.adam._adex import build_adex
from oncotrial.adam._adrs import ResponseSource, build_adrs, compare_responses, response_tables
from oncotrial.adam._adsl import build_adsl
from oncotrial.adam._adtr import build_adtr
from oncotrial.adam._adtte import build_adtte
from oncotrial.adam._censoring import progression_rules
from oncotrial.adam._flags import derive_vars_response_flags
from oncotrial.adam._package import AdamPackage
from oncotrial.adam._readers import baseline_findings
from oncotrial.protocol import Protocol
from oncotrial.recist import RecistSettings, check_baseline
from oncotrial.sdtm import SdtmPackage

__all__ = ["build_adam"]


def build_adam(
    sdtm: SdtmPackage, protocol: Protocol, *, response_source: ResponseSource = "auto"
) -> AdamPackage:
    """Build ADSL, ADRS, ADTR, ADTTE, ADAE and ADEX from an SDTM package.

    Parameters
    ----------
    sdtm
        The study's SDTM domains (:func:`oncotrial.sdtm.read_sdtm`).
    protocol
        The trial's protocol: every rule (reference start, confirmation interval, minimum SD
        duration, accepted reader, censoring, imaging schedule, AVAL convention, months,
        treatment-emergent window, data cut-off) is read from it.
    response_source
        ``"recist"``: overall responses computed from TU/TR by the RECIST engine;
        ``"rs"``: as recorded in RS; ``"auto"`` (default): ``"recist"`` when TU and TR are present.

    Returns
    -------
    AdamPackage
        The datasets, the RS-vs-computed discrepancies and the baseline findings.
    """
    adsl = build_adsl(sdtm, protocol)
    tables = response_tables(sdtm, adsl, protocol, response_source)
    has_tumours = tables.computed is not None
    settings = RecistSettings.from_protocol(protocol)
    if has_tumours:
        baseline = baseline_findings(sdtm["TR"], tables.subjects, settings.accepted_evaluator)
        checks = check_baseline(sdtm["TU"], sdtm["TR"], settings, subjects=tables.subjects)
    else:
        baseline = pd.DataFrame(columns=["USUBJID", "BLTADT", "NTARGET", "NNTARGET", "MEASDFL"])
        checks = pd.DataFrame(columns=["USUBJID", "TRLNKID", "CHECK", "VALUE", "MESSAGE"])
    adrs = build_adrs(tables, adsl, protocol)
    adsl = derive_vars_response_flags(adsl, baseline=baseline if has_tumours else None, dataset_adrs=adrs)
    rules = progression_rules(protocol)
    return AdamPackage(
        adsl=adsl,
        adrs=adrs,
        adtr=build_adtr(tables.computed, dataset_adsl=adsl, baseline=baseline),
        adtte=build_adtte(adsl, dataset_adrs=adrs, protocol=protocol, rules=rules),
        adae=build_adae(sdtm.table("AE"), dataset_adsl=adsl, protocol=protocol),
        adex=build_adex(sdtm["EX"], dataset_adsl=adsl, protocol=protocol),
        discrepancies=compare_responses(tables, protocol),
        baseline=baseline,
        baseline_checks=checks,
        response_source=tables.source,
        rules=rules,
    )
