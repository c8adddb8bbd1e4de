"""Reader selection and required columns."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from oncotrial.errors import OncotrialError
from oncotrial.recist._input import select_reader


def frame():
    return pd.DataFrame(
        {
            "USUBJID": ["A", "A", "B", "B"],
            "TREVAL": ["INDEPENDENT ASSESSOR"] * 4,
            "TREVALID": ["R1", "R2", "R1", "R1"],
            "TRACPTFL": ["", "Y", "", ""],
        }
    )


def test_flagged_reader_counts_only_where_a_subject_has_several(settings):
    central = dataclasses.replace(settings, accepted_evaluator="INDEPENDENT ASSESSOR")
    out = select_reader(frame(), "TR", central)
    assert out[["USUBJID", "TREVALID"]].values.tolist() == [["A", "R2"], ["B", "R1"], ["B", "R1"]]


def test_unknown_reader_is_an_error_naming_the_readers_found(settings):
    central = dataclasses.replace(settings, accepted_evaluator="INDEPENDENT ASSESSOR", evaluator_id="R9")
    with pytest.raises(OncotrialError) as err:
        select_reader(frame(), "TR", central)
    assert str(err.value) == "TR.TREVALID: no rows of this reader; found ['R1', 'R2'] (got 'R9')"


def test_table_without_evaluator_column_is_kept_whole(settings):
    df = frame().drop(columns=["TREVAL"])
    assert select_reader(df, "TR", settings) is df
