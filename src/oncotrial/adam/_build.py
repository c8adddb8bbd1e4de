"""One call from an SDTM package and a protocol to every ADaM dataset."""

from __future__ import annotations

import pandas as pd

from oncotrial.adam._adae import build_adae
from oncotrial.adam._adex import build_adex
from oncotrial.adam._adrs import (
    ResponseSource,
    ResponseTables,
    build_adrs,
    compare_responses,
    response_tables,
)
from oncotrial.adam._adsl import build_adsl, derive_vars_death
from oncotrial.adam._adtr import build_adtr
from oncotrial.adam._adtte import build_adtte
from oncotrial.adam._censoring import progression_rules
from oncotrial.adam._flags import derive_vars_response_flags
from oncotrial.adam._imputation import (
    baseline_date_flags,
    date_findings_frame,
    derive_var_adtf,
    tumour_date_findings,
)
from oncotrial.adam._package import AdamPackage
from oncotrial.adam._readers import baseline_findings, derive_var_measdfl
from oncotrial.protocol import Protocol
from oncotrial.recist import SUM_COMPARISON_COLUMNS, RecistSettings, check_baseline, compare_collected_sums
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
        The datasets, the RS-vs-computed discrepancies, the baseline findings and the date
        findings (dates that contradict each other; partial dates imputed by the protocol's
        ``analysis.date_imputation`` rules, flagged in DTHDTF, NACTDTF, ADTF and ASTDTF).
    """
    adsl = build_adsl(sdtm, protocol)
    tables = response_tables(sdtm, adsl, protocol, response_source)
    # The death date's floor "tumour_assessment" needs the assessments as dated by the engine.
    adsl, death_findings = derive_vars_death(
        adsl, sdtm=sdtm, protocol=protocol, last_assessment=_last_assessment(tables)
    )
    has_tumours = tables.computed is not None
    settings = RecistSettings.from_protocol(protocol)
    tumour_rule = protocol.analysis.date_imputation.tumour_assessment
    if has_tumours:
        baseline = baseline_findings(sdtm["TR"], tables.subjects, settings.accepted_evaluator)
        checks = check_baseline(sdtm["TU"], sdtm["TR"], settings, subjects=tables.subjects)
        baseline = derive_var_measdfl(baseline, checks)
        base_flags = baseline_date_flags(
            sdtm["TR"], tables.subjects, settings.accepted_evaluator, tumour_rule
        )
    else:
        baseline = pd.DataFrame(
            columns=["USUBJID", "BLTADT", "NTARGET", "NNTARGET", "NMEASTGT", "MEASDFL", "MEASDRSN"]
        )
        checks = pd.DataFrame(columns=["USUBJID", "TRLNKID", "CHECK", "VALUE", "MESSAGE"])
        base_flags = pd.Series(dtype=object)
    adrs = build_adrs(tables, adsl, protocol)
    adsl = derive_vars_response_flags(adsl, baseline=baseline if has_tumours else None, dataset_adrs=adrs)
    rules = progression_rules(protocol)
    adtr = build_adtr(tables.computed, dataset_adsl=adsl, baseline=baseline)
    findings = [
        death_findings,
        date_findings_frame(tumour_date_findings(tables.computed, "TR.TRDTC")),
        date_findings_frame(tumour_date_findings(tables.recorded, "RS.RSDTC")),
    ]
    return AdamPackage(
        adsl=adsl,
        adrs=adrs,
        adtr=derive_var_adtf(adtr, timepoints=tables.computed, baseline_flags=base_flags),
        adtte=build_adtte(adsl, dataset_adrs=adrs, protocol=protocol, rules=rules),
        adae=build_adae(sdtm.table("AE"), dataset_adsl=adsl, protocol=protocol),
        adex=build_adex(sdtm["EX"], dataset_adsl=adsl, protocol=protocol),
        discrepancies=compare_responses(tables, protocol),
        baseline=baseline,
        baseline_checks=checks,
        collected_sums=(
            compare_collected_sums(sdtm["TR"], tables.computed, settings)
            if has_tumours
            else pd.DataFrame(columns=list(SUM_COMPARISON_COLUMNS))
        ),
        date_findings=pd.concat([f for f in findings if len(f)] or [findings[0]], ignore_index=True),
        response_source=tables.source,
        rules=rules,
    )


def _last_assessment(tables: ResponseTables) -> pd.Series:
    """Per subject, the last tumour assessment date of either source (TR as the engine dates
    it, RS as recorded): the subject was alive then."""
    dates = [t[["USUBJID", "ADT"]] for t in (tables.computed, tables.recorded) if t is not None and len(t)]
    if not dates:
        return pd.Series(dtype="datetime64[ns]")
    return pd.concat(dates, ignore_index=True).groupby("USUBJID")["ADT"].max()
