"""`oncotrial analyze` on damaged input: an error naming the problem or a result, never a traceback.

Each case takes the demo's SDTM and puts one awkward value into one cell (the cells and
values drawn with a fixed seed, so a failure is reproducible). The run must either finish,
or stop with domain errors (``OncotrialError`` / ``ValidationFailed``), which the command
prints one per line with exit status 2.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pandas as pd
import pytest

from oncotrial.cli.analyze import run_analysis
from oncotrial.errors import OncotrialError, ValidationFailed
from oncotrial.protocol import load_protocol
from oncotrial.sdtm import SdtmPackage, write_sdtm
from oncotrial.simulate import simulate_cohort

AWKWARD = [
    "",
    " ",
    "x",
    "-1",
    "0",
    "NaN",
    "2024-02-30",
    "2263-01-01",
    "ldiam",
    "unequivocal",
    "S-1 ",
    "9" * 40,
    "é",
]
CASES = 12


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "sdtm"
    write_sdtm(SdtmPackage(simulate_cohort(load_protocol(), seed=11).sdtm), folder, fmt="csv")
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("case", range(CASES))
def test_one_awkward_cell_gives_a_result_or_named_errors_never_a_traceback(demo, tmp_path, case):
    rng = random.Random(case)
    folder = tmp_path / "sdtm"
    shutil.copytree(demo, folder)
    path = rng.choice(sorted(folder.glob("*.csv")))
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    column = rng.choice(list(df.columns))
    row = rng.randrange(len(df))
    value = rng.choice(AWKWARD)
    df.loc[row, column] = value
    df.to_csv(path, index=False)
    where = f"{path.name}.{column}[{row}] = {value!r}"
    try:
        outputs = run_analysis(folder, tmp_path / "out")
    except (OncotrialError, ValidationFailed) as exc:
        assert str(exc).strip(), where  # errors name what is wrong
    else:
        assert outputs.report.exists(), where
