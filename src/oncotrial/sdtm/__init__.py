"""SDTM tables: domain specs, and reading/writing a folder of XPT (SAS transport v5) or CSV files.

See ``docs/sdtm.md`` for the conventions beyond the SDTM IG.
"""

from oncotrial.sdtm._check import SdtmCheck, check_sdtm, load_sdtm
from oncotrial.sdtm._package import SdtmPackage
from oncotrial.sdtm._read import read_sdtm
from oncotrial.sdtm._specs import DOMAINS, DomainSpec, Variable, domain_spec
from oncotrial.sdtm._vocabulary import Match, Vocabulary, all_vocabularies, vocabulary
from oncotrial.sdtm._write import write_sdtm

__all__ = [
    "DOMAINS",
    "DomainSpec",
    "Match",
    "SdtmCheck",
    "SdtmPackage",
    "Variable",
    "Vocabulary",
    "all_vocabularies",
    "check_sdtm",
    "domain_spec",
    "load_sdtm",
    "read_sdtm",
    "vocabulary",
    "write_sdtm",
]
