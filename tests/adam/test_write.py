"""write_adam: XPT v5 with labels and SAS dates that read back, and CSV with ISO dates."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from tests.conftest import require_r

from oncotrial.adam import write_adam
from oncotrial.errors import ValidationFailed


@pytest.fixture
def adtte() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "STUDYID": ["S", "S"],
            "USUBJID": ["S-1", "S-2"],
            "PARAMCD": ["PFS", "OS"],
            "STARTDT": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "ADT": pd.to_datetime(["2024-03-01", None]),
            "AVAL": [61.0, float("nan")],
            "CNSR": [0, 1],
            "EVNTDESC": ["PROGRESSIVE DISEASE", ""],
        }
    )


def test_xpt_round_trip_keeps_dates_values_and_labels(adtte: pd.DataFrame, tmp_path: Path) -> None:
    (path,) = write_adam({"ADTTE": adtte}, tmp_path, fmt="xpt")
    back, meta = pyreadstat.read_xport(str(path), dates_as_pandas_datetime=True)
    assert meta.table_name == "ADTTE" and meta.file_label == "Time-to-Event Analysis Dataset"
    assert meta.column_names_to_labels["CNSR"] == "Censor"
    pd.testing.assert_series_equal(back["ADT"], adtte["ADT"], check_dtype=False)
    assert back["CNSR"].tolist() == [0.0, 1.0] and back["EVNTDESC"].tolist() == ["PROGRESSIVE DISEASE", ""]


def test_csv_writes_iso_dates(adtte: pd.DataFrame, tmp_path: Path) -> None:
    (path,) = write_adam({"ADTTE": adtte}, tmp_path)
    assert path.name == "adtte.csv"
    assert pd.read_csv(path)["STARTDT"].tolist() == ["2024-01-01", "2024-01-02"]


def test_variable_name_over_8_characters_is_refused(adtte: pd.DataFrame, tmp_path: Path) -> None:
    with pytest.raises(
        ValidationFailed, match=r"ADTTE\.LONGNAME9: variable name must be at most 8 characters"
    ):
        write_adam({"ADTTE": adtte.assign(LONGNAME9=1)}, tmp_path, fmt="xpt")


def test_text_over_200_bytes_continues_in_numbered_columns(adtte: pd.DataFrame, tmp_path: Path) -> None:
    long = "target PD: " + "T01 " * 80  # 331 characters
    (path,) = write_adam({"ADTTE": adtte.assign(RULE=[long, "short"])}, tmp_path, fmt="xpt")
    back, _ = pyreadstat.read_xport(str(path))
    parts = [c for c in back.columns if c.startswith("RULE")]
    assert parts == ["RULE", "RULE1"]
    assert "".join(back.loc[0, parts]).rstrip() == long.rstrip()
    assert back.loc[1, "RULE"] == "short"


def test_text_over_200_bytes_in_a_string_dtype_column_continues_too(
    adtte: pd.DataFrame, tmp_path: Path
) -> None:
    long = "x" * 250
    rule = pd.Series([long, "short"], index=adtte.index, dtype="string")
    (path,) = write_adam({"ADTTE": adtte.assign(RULE=rule)}, tmp_path, fmt="xpt")
    back, _ = pyreadstat.read_xport(str(path))
    assert [c for c in back.columns if c.startswith("RULE")] == ["RULE", "RULE1"]
    assert back.loc[0, "RULE"] + back.loc[0, "RULE1"] == long


def test_r_reads_the_xpt_file_with_sas_dates_and_labels(adtte: pd.DataFrame, tmp_path: Path) -> None:
    rscript = require_r("foreign")  # skips (fails under ONCOTRIAL_REQUIRE_SYSTEM_PARTS=1) without it
    (path,) = write_adam({"ADTTE": adtte}, tmp_path, fmt="xpt")
    script = (
        f'library(foreign); d <- read.xport("{path}"); l <- lookup.xport("{path}")[[1]]$label; '
        'cat(d$USUBJID, d$STARTDT, d$AVAL[1], d$CNSR, l[names(d) == "CNSR"], sep = "|")'
    )
    proc = subprocess.run([rscript, "--vanilla", "-e", script], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"R could not read {path.name}: {proc.stderr}"
    # SAS dates count days from 1960-01-01: 2024-01-01 is day 23376
    assert proc.stdout.split("|") == ["S-1", "S-2", "23376", "23377", "61", "0", "1", "Censor"]
