"""ADaM datasets built from SDTM tables, every rule read from the protocol.

``build_adam(sdtm, protocol)`` returns ADSL, ADRS, ADTR, ADTTE, ADAE and ADEX with the
RS-vs-computed discrepancies and the baseline findings; ``write_adam`` writes them. The
PFS/DoR censoring rules are frozen objects (:func:`progression_rules`) whose text a report
prints. See ``docs/adam.md``.
"""

from oncotrial.adam._adae import build_adae
from oncotrial.adam._adex import build_adex
from oncotrial.adam._adrs import (
    AVAL_CODES,
    ResponseSource,
    ResponseTables,
    build_adrs,
    compare_responses,
    recorded_timepoints,
    resolve_response_source,
    response_tables,
)
from oncotrial.adam._adsl import build_adsl, derive_vars_death
from oncotrial.adam._adtr import build_adtr
from oncotrial.adam._adtte import OS_RULES, build_adtte
from oncotrial.adam._build import build_adam
from oncotrial.adam._censoring import (
    Assessment,
    Outcome,
    ProgressionRules,
    Rule,
    SubjectHistory,
    compute_pfs_outcome,
    progression_rules,
)
from oncotrial.adam._dates import compute_dt, parse_dtc
from oncotrial.adam._flags import derive_vars_response_flags
from oncotrial.adam._package import DATASETS, AdamPackage
from oncotrial.adam._write import write_adam

__all__ = [
    "AVAL_CODES",
    "DATASETS",
    "OS_RULES",
    "AdamPackage",
    "Assessment",
    "Outcome",
    "ProgressionRules",
    "ResponseSource",
    "ResponseTables",
    "Rule",
    "SubjectHistory",
    "build_adae",
    "build_adam",
    "build_adex",
    "build_adrs",
    "build_adsl",
    "build_adtr",
    "build_adtte",
    "compare_responses",
    "compute_dt",
    "compute_pfs_outcome",
    "derive_vars_death",
    "derive_vars_response_flags",
    "parse_dtc",
    "progression_rules",
    "recorded_timepoints",
    "resolve_response_source",
    "response_tables",
    "write_adam",
]
