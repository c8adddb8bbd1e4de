"""Fixtures for the SDTM tests: the reference package folder and a small hand-built package."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from oncotrial.sdtm import SdtmPackage

REFERENCE_SDTM = Path(__file__).parents[1] / "data" / "pharmaverse-recist" / "sdtm"


@pytest.fixture(scope="session")
def reference_sdtm() -> Path:
    return REFERENCE_SDTM


@pytest.fixture
def small_package() -> SdtmPackage:
    """Two subjects with every domain, written by hand (RS only, no TU/TR)."""
    sid, ids = "S", ["S-001", "S-002"]
    both = {"STUDYID": [sid, sid], "USUBJID": ids}
    return SdtmPackage(
        {
            "DM": pd.DataFrame(
                {
                    **both,
                    "SUBJID": ["001", "002"],
                    "SITEID": ["01", "02"],
                    "RFSTDTC": ["2024-01-10", ""],
                    "AGE": [54.0, np.nan],
                    "SEX": ["F", "F"],
                    "DTHDTC": ["", "2024-03"],
                }
            ),
            "EX": pd.DataFrame(
                {
                    **both,
                    "EXTRT": ["anti-PD-1 antibody", "albumin-bound paclitaxel"],
                    "EXDOSE": [200.0, 260.0],
                    "EXSTDTC": ["2024-01-10", "2024-01-11"],
                }
            ),
            "DS": pd.DataFrame(
                {
                    **both,
                    "DSDECOD": ["ENROLLED", "ENROLLED"],
                    "DSCAT": ["PROTOCOL MILESTONE"] * 2,
                    "DSSTDTC": ["2024-01-09", "2024-01-11"],
                }
            ),
            "AE": pd.DataFrame(
                {
                    **both,
                    "AETERM": ["Tiredness", "Naus\u00e9e"],
                    "AEDECOD": ["Fatigue", "Nausea"],
                    "AESTDTC": ["2024-01-20", "2024-02-01"],
                    "AETOXGR": ["2", "1"],
                }
            ),
            "RS": pd.DataFrame(
                {
                    **both,
                    "RSTESTCD": ["OVRLRESP"] * 2,
                    "RSSTRESC": ["PR", "SD"],
                    "VISITNUM": [2.0, 2.0],
                    "RSDTC": ["2024-02-21", "2024-02-22"],
                }
            ),
        }
    )
