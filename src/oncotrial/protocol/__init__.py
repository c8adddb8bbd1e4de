"""The trial protocol as data: one TOML file, validated into typed objects.

Every other room reads the trial's rules from here (see ``docs/protocol.md``).
"""

from oncotrial.protocol._duration import Duration
from oncotrial.protocol._loader import (
    DEFAULT_PROTOCOL,
    LoadedProtocol,
    ProtocolError,
    default_protocol_path,
    load_protocol,
    read_protocol,
)
from oncotrial.protocol._rules import Rule, RuleSyntaxError
from oncotrial.protocol.eligibility import CriterionResult, EligibilityResult, evaluate_eligibility
from oncotrial.protocol.model import (
    DECISION_VALUES,
    Criterion,
    DateImputation,
    DeathDateRule,
    DoseAction,
    DoseBasis,
    DoseRule,
    Drug,
    Endpoint,
    PartialDateRule,
    Protocol,
    SafetySettings,
    Source,
    SourceKind,
    StartDateRule,
    TumourDateRule,
    decision_values,
)

__all__ = [
    "DECISION_VALUES",
    "DEFAULT_PROTOCOL",
    "Criterion",
    "CriterionResult",
    "DateImputation",
    "DeathDateRule",
    "DoseAction",
    "DoseBasis",
    "DoseRule",
    "Drug",
    "Duration",
    "EligibilityResult",
    "Endpoint",
    "LoadedProtocol",
    "PartialDateRule",
    "Protocol",
    "ProtocolError",
    "Rule",
    "RuleSyntaxError",
    "SafetySettings",
    "Source",
    "SourceKind",
    "StartDateRule",
    "TumourDateRule",
    "decision_values",
    "default_protocol_path",
    "evaluate_eligibility",
    "load_protocol",
    "read_protocol",
]
