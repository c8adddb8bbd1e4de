"""Fixtures for the RECIST tests: the bundled protocol's settings, reference data, table builders."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from oncotrial.protocol import load_protocol
from oncotrial.recist import RecistSettings

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "pharmaverse-recist"


def load_oracle():
    """The per-subject oracle (tests/recist/oracle.py), loaded by path."""
    spec = importlib.util.spec_from_file_location("recist_oracle", Path(__file__).with_name("oracle.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def oracle():
    return load_oracle()


@pytest.fixture(scope="session")
def settings() -> RecistSettings:
    """Settings of the bundled protocol (confirmation 28 days, SD minimum 35 days)."""
    return RecistSettings.from_protocol(load_protocol())


@pytest.fixture(scope="session")
def reference() -> dict[str, pd.DataFrame]:
    sdtm, adam = REFERENCE / "sdtm", REFERENCE / "adam"
    return {
        "tu": pd.read_csv(sdtm / "tu.csv", dtype=str),
        "tr": pd.read_csv(sdtm / "tr.csv", dtype={"TRDTC": str}),
        "rs": pd.read_csv(sdtm / "rs.csv", dtype={"RSDTC": str}),
        "adsl": pd.read_csv(adam / "adsl.csv"),
        "adrs": pd.read_csv(adam / "adrs.csv", low_memory=False),
        "adtr": pd.read_csv(adam / "adtr.csv", low_memory=False),
    }


def build(lesions: dict[str, str], visits: list[tuple[str, dict]], usubjid: str = "S1", **extra):
    """Small TU/TR for one subject.

    ``lesions`` maps a lesion id to its TULOC (``T..`` target, ``NT..`` non-target).
    ``visits`` is a list of (TRDTC, {id: value}) in VISITNUM order starting at 1: a number is a
    target measurement (short axis for a LYMPH NODE), ``None`` a lesion not done, ``"MERGED"``
    a lesion merged into another; a text is a non-target state; ids ``N..`` are new lesions
    (UNEQUIVOCAL / EQUIVOCAL); ids ``T01.1`` are fragments of T01.
    """
    tu = pd.DataFrame(
        {
            "USUBJID": usubjid,
            "TULNKID": list(lesions),
            "TULOC": list(lesions.values()),
            "TUSTRESC": ["NON-TARGET" if k.startswith("NT") else "TARGET" for k in lesions],
        }
    )
    rows = []
    for n, (dtc, values) in enumerate(visits, start=1):
        for lid, value in values.items():
            group = "NON-TARGET" if lid.startswith("NT") else "NEW" if lid.startswith("N") else "TARGET"
            parent = lid.split(".")[0]
            nodal = lesions.get(parent) == "LYMPH NODE"
            row = {
                "USUBJID": usubjid,
                "TRLNKID": lid,
                "TRGRPID": group,
                "VISITNUM": n,
                "VISIT": f"V{n}",
                "TRDTC": dtc,
                "TRSTAT": None,
                "TRSTRESN": None,
                "TRSTRESC": None,
            }
            if group == "TARGET":
                row["TRTESTCD"] = "LPERP" if nodal else "LDIAM"
                if value is None:
                    row["TRSTAT"] = "NOT DONE"
                elif value == "MERGED":
                    row["TRSTRESC"] = "MERGED"
                else:
                    row["TRSTRESN"], row["TRSTRESC"] = float(value), str(value)
            else:
                row["TRTESTCD"] = "TUMSTATE"
                if value is None:
                    row["TRSTAT"] = "NOT DONE"
                else:
                    row["TRSTRESC"] = value
            row.update(extra)
            rows.append(row)
    columns = [
        "USUBJID",
        "TRLNKID",
        "TRGRPID",
        "VISITNUM",
        "VISIT",
        "TRDTC",
        "TRSTAT",
        "TRSTRESN",
        "TRSTRESC",
        "TRTESTCD",
        *extra,
    ]
    return tu, pd.DataFrame(rows, columns=columns)


def timepoints(responses: list[tuple[int, str]], usubjid: str = "S1", start: str = "2024-01-01"):
    """A timepoints table from (day after start, response) pairs; and its subjects table."""
    ref = pd.Timestamp(start)
    tp = pd.DataFrame(
        {
            "USUBJID": usubjid,
            "ADT": [ref + pd.Timedelta(days=d) for d, _ in responses],
            "OVRLRESP": [r for _, r in responses],
        }
    )
    return tp, pd.DataFrame({"USUBJID": [usubjid], "REFSTDT": [ref]})
